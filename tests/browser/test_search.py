"""Finding what a colleague wrote: suggestions under the header's search box while typing, then the
full results page with a filter, each checked with axe-core."""

from __future__ import annotations

from tests.browser.test_application_journey import assert_accessible
from tests.browser.test_discussion import _sign_in


async def test_suggestions_while_typing_and_the_results_page(live_server, browser):
    base = live_server.url
    author, author_errors = await _sign_in(browser, base, "author@mup.hr")
    await author.get_by_role("link", name="Managing land borders").click()
    await author.get_by_role("link", name="Start a thread").click()
    await author.get_by_label("Title").fill("Thermal imaging on the river crossing")
    await author.get_by_label("Message").fill("Night-time **thermal** cameras cut missed crossings by half.")
    await author.get_by_role("button", name="Start thread").click()
    await author.get_by_role("heading", name="Thermal imaging on the river crossing").wait_for()
    thread_url = author.url

    reader, reader_errors = await _sign_in(browser, base, "colleague@mup.hr")
    box = reader.get_by_role("searchbox", name="Search discussions and articles")
    await box.press_sequentially("thermal ima", delay=40)
    suggestion = reader.locator("#search-suggestions").get_by_role(
        "link", name="Thermal imaging on the river crossing"
    )
    await suggestion.wait_for()
    await assert_accessible(reader)
    await suggestion.click()
    await reader.get_by_role("heading", name="Thermal imaging on the river crossing").wait_for()
    assert reader.url == thread_url

    await box.fill("thermal cameras")
    await box.press("Enter")
    await reader.get_by_role("heading", name="Search").wait_for()
    results = reader.get_by_role("region", name="Search results")
    await results.get_by_role("link", name="Thermal imaging on the river crossing").wait_for()
    assert await results.locator("mark", has_text="cameras").count() >= 1
    await assert_accessible(reader)

    await reader.get_by_label("Kind").select_option("article")
    await reader.get_by_role("button", name="Search", exact=True).click()
    await results.get_by_text("Nothing you can see matches this search.").wait_for()
    assert "kind=article" in reader.url
    await reader.get_by_label("Words").fill('"missed crossings" -drones')
    await reader.get_by_label("Kind").select_option("")
    await reader.get_by_role("button", name="Search", exact=True).click()
    await results.get_by_role("link", name="Thermal imaging on the river crossing").wait_for()
    await assert_accessible(reader)
    assert not author_errors and not reader_errors, (author_errors, reader_errors)
