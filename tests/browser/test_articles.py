"""An article's life as its author, an editor and a reader see it: write a draft that autosaves,
with a co-author chosen from suggestions, submit it, the editor publishes it, a colleague
comments in place, and the author follows the notification and replies in place. axe-core checks
every page."""

from __future__ import annotations

from tests.browser.test_application_journey import assert_accessible
from tests.browser.test_discussion import _sign_in


async def test_write_submit_publish_comment_and_notify(live_server, browser):
    base = live_server.url
    author, author_errors = await _sign_in(browser, base, "author@mup.hr")
    await author.get_by_role("link", name="Articles").click()
    await author.get_by_role("heading", name="Articles").wait_for()
    await assert_accessible(author)
    await author.get_by_role("link", name="Write an article").click()
    await author.get_by_role("heading", name="Write an article").wait_for()
    await assert_accessible(author)
    await author.get_by_label("Title").fill("Thermal cameras at night crossings")
    await author.get_by_role("button", name="Create draft").click()
    await author.get_by_role("heading", name="Edit article").wait_for()
    await assert_accessible(author)

    coauthors = author.get_by_label("Co-authors")
    await coauthors.press_sequentially("@pet", delay=30)
    option = author.get_by_role("option", name="Petra Analyst")
    await option.wait_for()
    assert "Border Police Directorate" in await option.inner_text(), "suggestions show affiliations"
    await coauthors.press("Enter")
    assert (await coauthors.input_value()).startswith("@m")
    await author.get_by_label("Abstract").fill("Three winters of thermal cameras on the green border.")
    await author.get_by_label("Text of the article").fill(
        "## Setting\n\nForty kilometres of forest.\n\n## Results\n\nFewer missed crossings.[^1]\n\n[^1]: Logs 2023–2025.\n"
    )
    await author.get_by_role("status").filter(has_text="Draft saved at").wait_for()
    await author.get_by_role("button", name="Submit for review").click()
    await author.get_by_role("heading", name="Thermal cameras at night crossings").wait_for()
    assert "Waiting for review" in await author.get_by_role("status").first.inner_text()
    assert "Petra Analyst" in await author.locator("ul.authors").inner_text()
    await assert_accessible(author)
    article_url = author.url

    editor, editor_errors = await _sign_in(browser, base, "moderator@liaison.test")
    await editor.get_by_role("link", name="Review").click()
    await editor.get_by_role("heading", name="Articles waiting for review").wait_for()
    await assert_accessible(editor)
    await editor.get_by_role("link", name="Thermal cameras at night crossings").click()
    await editor.get_by_role("heading", name="Review").wait_for()
    await assert_accessible(editor)
    await editor.get_by_role("button", name="Publish").click()
    await editor.get_by_role("heading", name="How to cite").wait_for()
    await editor.get_by_role("button", name="Hide from its readers").wait_for()
    await assert_accessible(editor)

    reader, reader_errors = await _sign_in(browser, base, "colleague@mup.hr")
    await reader.goto(article_url)
    contents = reader.get_by_role("navigation", name="Contents")
    assert "Results" in await contents.inner_text()
    await assert_accessible(reader)
    await reader.evaluate("() => { window.__stayed = true; }")
    await reader.get_by_label("Your comment (Markdown)").fill("Which **models** did you use?")
    await reader.get_by_role("button", name="Post comment").click()
    await reader.locator("article.comment strong", has_text="models").wait_for()
    assert await reader.evaluate("() => window.__stayed === true"), "the comment must appear without a reload"
    assert await reader.get_by_label("Your comment (Markdown)").input_value() == ""
    await assert_accessible(reader)

    await author.goto(base + "/notifications")
    await assert_accessible(author)
    await author.get_by_role("link", name="commented on").first.click()
    await author.locator("article.comment", has_text="Which models did you use?").wait_for()
    assert author.url.startswith(article_url)
    await author.locator("article.comment", has_text="Which models").get_by_role("link", name="Reply").click()
    await author.get_by_role("heading", name="Reply to a comment").wait_for()
    await author.get_by_label("Your comment (Markdown)").fill("FLIR units, mostly.")
    await author.get_by_role("button", name="Post reply").click()
    nested = author.locator("article.comment:not(.reply) article.comment.reply", has_text="FLIR units")
    await nested.wait_for()
    await assert_accessible(author)
    assert not author_errors and not editor_errors and not reader_errors, (
        author_errors,
        editor_errors,
        reader_errors,
    )
