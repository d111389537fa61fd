"""Registering a passkey and signing in with it, as the second step and without a password, with
Chromium's virtual authenticator standing in for a phone or security key; axe-core checks each page."""

from __future__ import annotations

import re

from tests.browser.test_application_journey import assert_accessible
from tests.support.factories import PASSWORD

EMAIL = "colleague@mup.hr"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


async def _page_with_authenticator(browser):  # type: ignore[no-untyped-def]
    context = await browser.new_context()
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    cdp = await context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    added = await cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return page, errors, cdp, added["authenticatorId"]


async def _password(page, base: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(base + "/sign-in")
    await page.get_by_label("E-mail address").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()


async def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in").wait_for()


async def test_register_a_passkey_then_sign_in_with_it_with_and_without_the_password(live_server, browser):
    base = live_server.url
    page, errors, cdp, authenticator = await _page_with_authenticator(browser)
    await _password(page, base)
    await page.get_by_role("heading", name="Discussions").wait_for()

    await page.goto(base + "/account/security")
    adding = page.locator("form[action='/account/security/keys']")
    await adding.get_by_label("Name").fill("Laptop passkey")
    await adding.get_by_label("Password").fill(PASSWORD)
    await adding.get_by_role("button", name="Add security key").click()
    await page.get_by_role("status").filter(has_text="“Laptop passkey” was added").wait_for()
    assert len(await page.get_by_role("list", name="Recovery codes").locator("code").all()) == 10
    await assert_accessible(page)
    credentials = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1 and credentials["credentials"][0]["isResidentCredential"]
    await live_server.smtp.wait_for(EMAIL, "security key (Laptop passkey) was added")

    await _sign_out(page)
    await _password(page, base)
    await page.get_by_role("heading", name="Enter your code").wait_for()
    await assert_accessible(page)
    await page.get_by_role("button", name="Use your security key").click()
    await page.get_by_role("heading", name="Discussions").wait_for()

    await _sign_out(page)
    await assert_accessible(page)
    await page.get_by_role("button", name="Use a passkey instead of a password").click()
    await page.get_by_role("heading", name="Discussions").wait_for()

    await page.goto(base + "/account/security")
    row = page.get_by_role("row").filter(has_text="Laptop passkey")
    assert "Passkey: signs in without a password" in await row.inner_text()
    assert "Never" not in await row.inner_text()
    removing = page.locator("form[action='/account/security/keys/remove']")
    await removing.get_by_label("Password").fill(PASSWORD)
    await removing.get_by_role("button", name="Or confirm with your security key").click()
    await removing.get_by_role("status").filter(has_text="answered").wait_for()
    await removing.get_by_role("button", name="Remove Laptop passkey").click()
    await page.get_by_role("status").filter(has_text="was removed").wait_for()
    await assert_accessible(page)
    assert not errors, errors


async def test_change_the_e_mail_address_from_the_new_mailbox(live_server, browser):
    """On the same server as the passkey test, after it: the colleague signs in with the password."""
    base = live_server.url
    page, errors, _, _ = await _page_with_authenticator(browser)
    await _password(page, base)
    await page.get_by_role("heading", name="Discussions").wait_for()
    await page.goto(base + "/account")
    form = page.locator("#email form")
    await form.get_by_label("New e-mail address").fill("goran@policija.mup.hr")
    await form.get_by_label("Password").fill(PASSWORD)
    await form.get_by_role("button", name="Change e-mail address").click()
    await page.get_by_role("status").filter(has_text="We sent a link to goran@policija.mup.hr").wait_for()
    await assert_accessible(page)
    mail = await live_server.smtp.wait_for("goran@policija.mup.hr", "Confirm your new e-mail address")
    link = re.search(
        r"http://localhost:\d+/account/email/confirm\?token=\S+", live_server.smtp.body(mail)
    ).group(0)
    await page.goto(link)
    await assert_accessible(page)
    await page.get_by_role("button", name="Use this address").click()
    await page.get_by_role("heading", name="Your e-mail address is changed").wait_for()
    await assert_accessible(page)
    assert not errors, errors
