"""A person applies, verifies by e-mail, a moderator approves in the queue, and the member signs in.
Every page visited is checked with axe-core; serious or critical violations fail the test."""

from __future__ import annotations

import re

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Error as PlaywrightError

from tests.support.factories import PASSWORD
from tests.support.totp import answer_second_step

APPLICANT = "mia.kovac@mup.hr"
APPLICANT_PASSWORD = "granite-meadow-compass-77"
axe = Axe()


async def assert_accessible(page) -> None:
    """Runs once the page has loaded: a click that navigates returns as the next page starts
    loading, and axe cannot run on a document that is being replaced."""
    await page.wait_for_load_state("load")
    try:
        results = await axe.run(page)
    except PlaywrightError as exc:
        if "documentElement" not in str(exc):
            raise
        await page.wait_for_load_state("load")
        results = await axe.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{page.url}: " + "; ".join(f"{v['id']}: {v['help']}" for v in serious)


async def wait_for_mail(smtp, address: str, subject: str):
    return await smtp.wait_for(address, subject)


async def test_apply_verify_approve_and_sign_in(live_server, browser):
    smtp = live_server.smtp
    errors: list[str] = []
    applicant = await browser.new_page()
    applicant.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    await applicant.goto(live_server.url + "/")
    await assert_accessible(applicant)
    await applicant.get_by_role("link", name="Apply for membership").click()
    await assert_accessible(applicant)
    await applicant.get_by_label("Full name").fill("Mia Kovač")
    await applicant.get_by_label("Official e-mail address").fill(APPLICANT)
    await applicant.get_by_label("Password").fill(APPLICANT_PASSWORD)
    await applicant.get_by_label("Agency official").check()
    await applicant.get_by_label("Agency in the directory").select_option(
        label="Croatia — Border Police Directorate"
    )
    await applicant.get_by_role("button", name="Send application").click()
    await applicant.get_by_role("heading", name="Check your e-mail").wait_for()
    await assert_accessible(applicant)

    mail = await wait_for_mail(smtp, APPLICANT, "verify")
    link = re.search(r"http://localhost:\d+/verify-email\?token=\S+", smtp.body(mail)).group(0)
    await applicant.goto(link)
    await applicant.get_by_role("heading", name="Your address is verified").wait_for()
    await assert_accessible(applicant)

    await applicant.goto(live_server.url + "/sign-in")
    await assert_accessible(applicant)
    await applicant.get_by_label("E-mail address").fill(APPLICANT)
    await applicant.get_by_label("Password").fill(APPLICANT_PASSWORD)
    await applicant.get_by_role("button", name="Sign in").click()
    await applicant.get_by_text("Waiting for review").wait_for()
    await assert_accessible(applicant)

    moderator = await (await browser.new_context()).new_page()
    moderator.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await moderator.goto(live_server.url + "/sign-in")
    await moderator.get_by_label("E-mail address").fill("moderator@liaison.test")
    await moderator.get_by_label("Password").fill(PASSWORD)
    await moderator.get_by_role("button", name="Sign in").click()
    await answer_second_step(moderator, "moderator@liaison.test")
    await moderator.get_by_role("link", name="Vetting").click()
    await moderator.get_by_role("heading", name="Mia Kovač").wait_for()
    await assert_accessible(moderator)
    card = moderator.locator("article", has_text="Mia Kovač")
    await card.get_by_text("Yes — mup.hr").wait_for()
    marker = await moderator.evaluate("() => { window.__noReload = true; return true; }")
    await card.get_by_role("button", name="Approve").click()
    await card.get_by_role("status").filter(has_text="Approved").wait_for()
    assert marker and await moderator.evaluate("() => window.__noReload === true"), "the page must not reload"
    await assert_accessible(moderator)

    await wait_for_mail(smtp, APPLICANT, "approved")
    await applicant.goto(live_server.url + "/")
    await applicant.get_by_role("heading", name="Welcome, Mia Kovač").wait_for()
    await assert_accessible(applicant)
    await applicant.get_by_role("link", name="Account").click()
    await applicant.get_by_role("heading", name="Where you are signed in").wait_for()
    await assert_accessible(applicant)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
