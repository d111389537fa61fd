"""Every staff page an admin uses, checked with axe-core in Chromium."""

from __future__ import annotations

from tests.browser.test_application_journey import assert_accessible
from tests.support.factories import PASSWORD
from tests.support.totp import answer_second_step


async def test_admin_pages_are_accessible(live_server, browser):
    page = await (await browser.new_context()).new_page()
    await page.goto(live_server.url + "/sign-in")
    await page.get_by_label("E-mail address").fill("admin@liaison.test")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await answer_second_step(page, "admin@liaison.test")
    await page.get_by_role("heading", name="Discussions").wait_for()
    for link, heading in [
        ("Vetting", "Vetting queue"),
        ("Audit log", "Audit log"),
        ("Categories", "Categories"),
        ("Groups", "Member groups"),
        ("Agencies", "Agencies"),
        ("Members", "Members"),
        ("Settings", "Site settings"),
        ("Account", "Your account"),
        ("Notifications", "Notifications"),
    ]:
        await page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()
        await page.get_by_role("heading", name=heading, exact=True).wait_for()
        await assert_accessible(page)
    await page.goto(live_server.url + "/admin/categories/new")
    await assert_accessible(page)
    await page.get_by_label("Name", exact=True).fill("Regional working group")
    await page.get_by_label("Address (letters, digits, hyphens)").fill("regional-wg")
    await page.get_by_label("Working group").check()
    await page.get_by_role("button", name="Save").click()
    await page.get_by_text("A working group admits at least one agency or member group.").wait_for()
    await assert_accessible(page)
