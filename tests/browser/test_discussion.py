"""A discussion as two officials have it: start a thread, watch it, reply in place with an
@mention picked from the autocomplete, quote, edit, and follow the notification. axe-core checks
every page on the way."""

from __future__ import annotations

from tests.browser.test_application_journey import assert_accessible
from tests.support.factories import PASSWORD
from tests.support.totp import answer_second_step

STAFF = {"moderator@liaison.test", "admin@liaison.test"}


async def _sign_in(browser, base: str, email: str):
    page = await (await browser.new_context()).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(base + "/sign-in")
    await page.get_by_label("E-mail address").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    if email in STAFF:
        await answer_second_step(page, email)
    await page.get_by_role("heading", name="Discussions").wait_for()
    return page, errors


async def test_start_watch_reply_mention_quote_edit_and_notify(live_server, browser):
    base = live_server.url
    author, author_errors = await _sign_in(browser, base, "author@mup.hr")
    await assert_accessible(author)
    await author.get_by_role("link", name="Managing land borders").click()
    await assert_accessible(author)
    await author.get_by_role("link", name="Start a thread").click()
    await assert_accessible(author)
    await author.get_by_label("Title").fill("Winter patrol schedule")
    await author.get_by_label("Message").fill("Proposal: **joint patrols** from December.")
    await author.locator("#new-body-preview strong", has_text="joint patrols").wait_for()
    await author.get_by_role("button", name="Start thread").click()
    await author.get_by_role("heading", name="Winter patrol schedule").wait_for()
    assert "TLP:AMBER" in await author.locator(".tlp-banner").inner_text()
    await assert_accessible(author)
    thread_url = author.url

    colleague, colleague_errors = await _sign_in(browser, base, "colleague@mup.hr")
    await colleague.goto(thread_url)
    await colleague.get_by_label("Notifications").select_option("watching")
    await colleague.get_by_role("button", name="Save").click()
    await colleague.get_by_role("status").filter(has_text="Watching").wait_for()
    await assert_accessible(colleague)

    await author.evaluate("() => { window.__stayed = true; }")
    reply = author.get_by_label("Message")
    await reply.click()
    await reply.press_sequentially("Thanks @gor", delay=30)
    option = author.get_by_role("option", name="Goran Colleague")
    await option.wait_for()
    await reply.press("Enter")
    value = await reply.input_value()
    assert "@" in value and "goran" in value and value.endswith(" "), value
    await reply.press_sequentially("please confirm.", delay=5)
    await author.get_by_role("button", name="Post reply").click()
    await author.locator("article.post", has_text="please confirm").wait_for()
    assert await author.evaluate("() => window.__stayed === true"), "the reply must appear without a reload"
    assert await author.get_by_label("Message").input_value() == "", "the form is reset after posting"

    await author.locator("article.post").first.get_by_role("link", name="Quote").click()
    await author.wait_for_function("() => document.querySelector('#reply-body').value.includes('wrote:')")
    assert "joint patrols" in await author.get_by_label("Message").input_value()

    last = author.locator("article.post", has_text="please confirm")
    await last.get_by_role("link", name="Edit").click()
    editor = author.locator("article.post textarea").first
    await editor.fill("Thanks, please confirm by Friday.")
    await author.get_by_role("button", name="Save changes").click()
    await author.locator("article.post", has_text="by Friday").get_by_text("edited").wait_for()
    await assert_accessible(author)

    await colleague.goto(base + "/")
    badge = colleague.locator("a[href='/notifications'] .count")
    await badge.wait_for()
    assert int(await badge.inner_text()) >= 1
    await colleague.get_by_role("link", name="Notifications").click()
    await assert_accessible(colleague)
    await colleague.get_by_role("link", name="mentioned you in").first.click()
    await colleague.locator("article.post", has_text="by Friday").wait_for()
    assert "/t/" in colleague.url

    problems = [e for e in author_errors + colleague_errors if "favicon" not in e]
    assert not problems, problems
