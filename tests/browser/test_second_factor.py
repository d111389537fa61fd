"""Setting up an authenticator app, then signing in with a code from it and with a recovery code,
as a member would, with codes computed by pyotp; axe-core checks each new page."""

from __future__ import annotations

import re
import time

import pyotp

from tests.browser.test_application_journey import assert_accessible
from tests.browser.test_discussion import _sign_in
from tests.support.factories import PASSWORD

EMAIL = "author@mup.hr"


async def _password(page, base: str) -> None:
    await page.goto(base + "/sign-in")
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Enter your code").wait_for()


async def _sign_out(page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in").wait_for()


async def test_enrol_sign_in_with_a_code_and_with_a_recovery_code(live_server, browser):
    base = live_server.url
    page, errors = await _sign_in(browser, base, EMAIL)
    await page.get_by_role("link", name="Account").click()
    await page.get_by_role("link", name="Two-step sign-in and API tokens").click()
    await assert_accessible(page)
    app_section = page.get_by_role("region", name="Authenticator app")
    await app_section.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Set up an authenticator app").click()
    figure = page.locator("figure.qr")
    await figure.locator("svg").wait_for()
    await assert_accessible(page)
    secret = re.search(r"Key: ([A-Z2-7]+)", await figure.inner_text()).group(1)
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    await page.get_by_label("Code from the app").fill(totp.at((step - 1) * 30))
    await page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_role("list", name="Recovery codes")
    await codes.wait_for()
    recovery = [c.strip() for c in await codes.locator("code").all_inner_texts()]
    assert len(recovery) == 10
    await assert_accessible(page)

    await _sign_out(page)
    await _password(page, base)
    await assert_accessible(page)
    await page.get_by_label("Code", exact=True).fill(totp.at(step * 30))
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Discussions").wait_for()

    await _sign_out(page)
    await _password(page, base)
    await page.get_by_label("Code", exact=True).fill(recovery[0])
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Discussions").wait_for()
    await live_server.smtp.wait_for(EMAIL, "recovery code was used")

    await page.goto(base + "/account/security")
    assert "9 recovery codes left" in await page.locator("main").inner_text()
    await app_section.get_by_label("Password").fill(PASSWORD)
    await app_section.get_by_label("Code from the app or a recovery code").fill(recovery[1])
    await page.get_by_role("button", name="Remove the authenticator app").click()
    await page.get_by_role("status").filter(has_text="was removed").wait_for()
    assert not errors, errors
