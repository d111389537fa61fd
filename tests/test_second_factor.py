"""Two-step sign-in: enrolling an authenticator app, signing in with it or a recovery code, what is
refused, and that no way in (form, token endpoint, password reset) skips it."""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import func, select

from app.accounts.models import Member, Role
from app.audit.models import AuditEvent
from app.mfa.models import RecoveryCode, TotpFactor
from app.policy import must_enrol_second_factor
from tests.support.factories import PASSWORD, make_member
from tests.support.web import api_token, csrf_token, post_form, sign_in

SECRET_IN_PAGE = re.compile(r"Key: <code>([A-Z2-7]+)</code>")
CODES_IN_PAGE = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def _now_code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + 30 * offset)


async def _enrol(client, db, smtp) -> tuple[object, str, list[str]]:
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    started = await post_form(
        client, "/account/security/totp/start", {"password": PASSWORD}, page="/account/security"
    )
    assert started.status_code == 200 and "<svg" in started.text
    secret = SECRET_IN_PAGE.search(started.text).group(1)
    wrong = await post_form(
        client, "/account/security/totp/confirm", {"code": "000000"}, page="/account/security"
    )
    assert wrong.status_code == 422 and "does not match" in wrong.text
    done = await post_form(
        client, "/account/security/totp/confirm", {"code": _now_code(secret, -1)}, page="/account/security"
    )
    assert done.status_code == 200, done.text
    codes = CODES_IN_PAGE.findall(done.text)
    assert len(codes) == 10 and "download=" in done.text
    await smtp.wait_for(member.email, "authenticator app was added")
    return member, secret, codes


async def _password_step(client, email: str):
    response = await post_form(client, "/sign-in", {"email": email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in/code")
    return response.headers["location"]


async def _code_step(client, page: str, code: str):
    return await post_form(client, "/sign-in/code", {"code": code}, page=page)


async def test_enrol_then_sign_in_needs_a_fresh_code(client, other_client, db, smtp):
    member, secret, _ = await _enrol(client, db, smtp)
    factor = await db.get(TotpFactor, member.id)
    await db.refresh(factor)
    assert secret not in factor.sealed_secret and factor.confirmed_at is not None
    assert (
        await db.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.member_id == member.id)) == 10
    )

    page = await _password_step(other_client, member.email)
    assert "liaison_session" not in other_client.cookies
    assert (await other_client.get("/account")).status_code in (303, 401)
    bad = await _code_step(other_client, page, "12345")
    assert bad.status_code == 401 and "not right" in bad.text
    code = _now_code(secret)
    signed_in = await _code_step(other_client, page, code)
    assert signed_in.status_code == 303 and "liaison_session" in other_client.cookies
    assert (await other_client.get("/account")).status_code == 200

    other_client.cookies.clear()
    page = await _password_step(other_client, member.email)
    replayed = await _code_step(other_client, page, code)
    assert replayed.status_code == 401, "a code is accepted once only"
    failures = await db.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "auth.second_factor_failed", AuditEvent.target_id == member.id
        )
    )
    assert failures == 2


async def test_the_second_step_needs_the_password_step_first(client, db):
    assert (await client.get("/sign-in/code")).headers["location"] == "/sign-in"
    token = await csrf_token(client)
    response = await client.post("/sign-in/code", data={"code": "123456", "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    client.cookies.set("liaison_pending", "forged.token.value", path="/sign-in")
    assert (await client.get("/sign-in/code")).headers["location"] == "/sign-in"


async def test_recovery_codes_work_once_are_logged_and_mailed(client, other_client, db, smtp):
    member, _, codes = await _enrol(client, db, smtp)
    page = await _password_step(other_client, member.email)
    used = await _code_step(other_client, page, codes[0].upper().replace("-", " "))
    assert used.status_code == 303
    await smtp.wait_for(member.email, "recovery code was used")
    other_client.cookies.clear()
    page = await _password_step(other_client, member.email)
    assert (await _code_step(other_client, page, codes[0])).status_code == 401
    assert (await _code_step(other_client, page, codes[1])).status_code == 303
    logged = await db.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "auth.recovery_code_used")
    )
    assert logged == 2


async def test_failed_codes_are_rate_limited(client, other_client, db, smtp):
    member, _, _ = await _enrol(client, db, smtp)
    page = await _password_step(other_client, member.email)
    statuses = [(await _code_step(other_client, page, f"{n:06d}")).status_code for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    limited = await _code_step(other_client, page, "000000")
    assert limited.status_code == 429 and "retry-after" in {k.lower() for k in limited.headers}


async def test_password_reset_does_not_skip_the_second_factor(client, other_client, db, smtp):
    member, secret, _ = await _enrol(client, db, smtp)
    await post_form(other_client, "/password/forgot", {"email": member.email}, page="/password/forgot")
    link = smtp.link(await smtp.wait_for(member.email, "reset"))
    token = link.split("token=", 1)[1]
    new_password = "quiet-orchard-beacon-77"
    done = await post_form(
        other_client,
        "/password/reset",
        {"token": token, "password": new_password},
        page=link.replace("http://localhost:8000", ""),
    )
    assert done.status_code == 200, done.text
    response = await post_form(other_client, "/sign-in", {"email": member.email, "password": new_password})
    assert response.headers["location"].startswith("/sign-in/code")
    assert (await other_client.get("/account")).status_code in (303, 401)


async def test_token_endpoint_asks_for_the_code(client, db, smtp):
    member, secret, _ = await _enrol(client, db, smtp)
    data = {"username": member.email, "password": PASSWORD}
    missing = await client.post("/api/v1/auth/token", data=data)
    assert missing.status_code == 401 and "otp" in missing.json()["detail"]
    wrong = await client.post("/api/v1/auth/token", data={**data, "otp": "000000"})
    assert wrong.status_code == 401 and "not right" in wrong.json()["detail"]
    wrong_password = await client.post(
        "/api/v1/auth/token", data={**data, "password": "not-the-password-at-all", "otp": "000000"}
    )
    assert wrong_password.json()["detail"] == "Invalid e-mail address or password."
    good = await client.post("/api/v1/auth/token", data={**data, "otp": _now_code(secret, 1)})
    assert good.status_code == 200 and good.json()["access_token"]


async def test_changing_protection_needs_password_and_code(client, db, smtp):
    member, secret, codes = await _enrol(client, db, smtp)
    no_code = await post_form(
        client, "/account/security/totp/remove", {"password": PASSWORD}, page="/account/security"
    )
    assert no_code.status_code == 422
    assert await db.get(TotpFactor, member.id) is not None
    wrong_password = await post_form(
        client,
        "/account/security/totp/remove",
        {"password": "wrong-password-123", "code": _now_code(secret, 1)},
        page="/account/security",
    )
    assert wrong_password.status_code == 422 and "password is not correct" in wrong_password.text
    fresh = await post_form(
        client,
        "/account/security/recovery",
        {"password": PASSWORD, "code": codes[3]},
        page="/account/security",
    )
    new_codes = CODES_IN_PAGE.findall(fresh.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    password = await post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "silver-canyon-meadow-88"},
        page="/account",
    )
    assert password.status_code == 422, "a password change needs the code too"
    removed = await post_form(
        client,
        "/account/security/totp/remove",
        {"password": PASSWORD, "code": new_codes[0]},
        page="/account/security",
    )
    assert removed.status_code == 200 and "was removed" in removed.text
    member_id = member.id
    db.expire_all()
    assert await db.get(TotpFactor, member_id) is None
    assert (await db.get(Member, member_id)).second_factor_at is None
    await smtp.wait_for(member.email, "authenticator app was removed")


async def test_staff_pages_wait_for_a_second_factor(client, db):
    moderator = await make_member(db, role=Role.MODERATOR, second_factor=False)
    await db.commit()
    await sign_in(client, moderator.email)
    response = await client.get("/vetting")
    assert response.status_code == 303 and response.headers["location"].startswith("/account/security")
    page = await client.get(response.headers["location"])
    assert "must use two-step sign-in" in page.text
    assert (await client.get("/")).status_code == 200, "ordinary pages stay open"
    token = await client.post("/api/v1/auth/token", data={"username": moderator.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    refused = await client.get("/api/v1/vetting/applications", headers=headers)
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]


async def test_a_new_browser_is_announced_by_mail(client, other_client, db, smtp):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    await sign_in(client, member.email)
    assert not smtp.to(member.email)
    other_client.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux) Firefox/140.0"
    await sign_in(other_client, member.email)
    message = await smtp.wait_for(member.email, "New sign-in")
    body = smtp.body(message)
    assert "Firefox/140.0" in body and "/account#session-" in body


async def test_an_agency_or_the_site_can_require_it_of_members(client, other_client, db, monkeypatch):
    from app.config import get_settings
    from tests.support.factories import make_agency

    strict, relaxed = await make_agency(db), await make_agency(db)
    admin = await make_member(db, role=Role.ADMIN)
    official = await make_member(db, agency=strict)
    elsewhere = await make_member(db, agency=relaxed)
    await db.commit()
    await sign_in(client, admin.email)
    saved = await post_form(
        client,
        f"/admin/agencies/{strict.id}",
        {"name": strict.name, "country": strict.country, "domains": "", "second_factor_required": "true"},
        page=f"/admin/agencies/{strict.id}",
    )
    assert saved.status_code == 303, saved.text
    await sign_in(other_client, official.email)
    for path in ("/", "/articles"):
        sent = await other_client.get(path)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/account/security"), path
    assert "must use two-step sign-in" in (await other_client.get("/account/security")).text
    token = await other_client.post(
        "/api/v1/auth/token", data={"username": official.email, "password": PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await other_client.get("/api/v1/categories", headers=bearer)).status_code == 403
    other_client.cookies.clear()
    await sign_in(other_client, elsewhere.email)
    assert (await other_client.get("/articles")).status_code == 200
    everyone = get_settings().model_copy(update={"second_factor_for_everyone": True})
    monkeypatch.setattr("app.sitewide.service.get_settings", lambda: everyone)
    sent = await other_client.get("/articles")
    assert sent.status_code == 303 and sent.headers["location"].startswith("/account/security")
    assert not must_enrol_second_factor(admin, everyone=True), "those who have one go on"


async def test_an_admin_can_require_it_of_every_member(client, other_client, db, monkeypatch):
    admin = await make_member(db, role=Role.ADMIN)
    member = await make_member(db)
    await db.commit()
    await sign_in(other_client, member.email)
    bearer = await api_token(other_client, member.email)
    assert (await other_client.get("/articles")).status_code == 200
    assert (await other_client.get("/admin/settings")).status_code == 403
    refused = await post_form(
        other_client, "/admin/settings", {"second_factor_for_everyone": "1"}, page="/account"
    )
    assert refused.status_code == 403

    await sign_in(client, admin.email)
    page = await client.get("/admin/settings")
    assert page.status_code == 200 and "Require two-step sign-in of every member" in page.text
    saved = await post_form(
        client, "/admin/settings", {"second_factor_for_everyone": "1"}, page="/admin/settings"
    )
    assert saved.status_code == 200 and "checked" in saved.text
    for path in ("/", "/articles"):
        sent = await other_client.get(path)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/account/security"), path
    assert (await other_client.get("/api/v1/categories", headers=bearer)).status_code == 403
    assert "must use two-step sign-in" in (await other_client.get("/account/security")).text
    audited = select(func.count(AuditEvent.id)).where(AuditEvent.action == "site.second_factor_for_everyone")
    assert await db.scalar(audited) == 1

    await post_form(client, "/admin/settings", {}, page="/admin/settings")
    assert (await other_client.get("/articles")).status_code == 200

    from app.config import get_settings

    forced = get_settings().model_copy(update={"second_factor_for_everyone": True})
    monkeypatch.setattr("app.sitewide.pages.get_settings", lambda: forced)
    monkeypatch.setattr("app.sitewide.service.get_settings", lambda: forced)
    page = await client.get("/admin/settings")
    assert "cannot be turned off here" in page.text and 'type="checkbox"' not in page.text


async def test_two_requests_racing_with_one_code_do_not_both_pass(db):
    """The second request read the factor before the first recorded the step, as two requests at
    once would: its copy still holds the old step, and the database refuses it."""
    from app.config import get_settings
    from app.mfa import service as mfa_service
    from tests.support.factories import STAFF_TOTP_SECRET

    moderator = await make_member(db, role=Role.MODERATOR)
    factor = await db.get(TotpFactor, moderator.id)
    stale = TotpFactor(
        member_id=factor.member_id, sealed_secret=factor.sealed_secret, last_step=factor.last_step
    )
    code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    assert await mfa_service._accept_totp(db, factor, code, get_settings())
    assert stale.last_step < factor.last_step
    assert not await mfa_service._accept_totp(db, stale, code, get_settings())
