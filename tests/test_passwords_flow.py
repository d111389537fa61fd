"""Forgotten and changed passwords: single-use, expiring links that end every session."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import OneTimeToken
from app.audit.models import AuditEvent
from app.db import utcnow
from tests.support.factories import PASSWORD, make_member
from tests.support.web import post_form, sign_in

NEW = "saffron-canal-bicycle-55"


async def _reset_link(client, smtp, email: str) -> str:
    await post_form(client, "/password/forgot", {"email": email}, page="/password/forgot")
    return smtp.link(await smtp.wait_for(email, "reset"))


async def test_reset_by_emailed_link_ends_every_session(client, other_client, db, smtp):
    member = await make_member(db, email="reset@example.org")
    await db.commit()
    await sign_in(other_client, member.email)
    link = await _reset_link(client, smtp, member.email)
    page = await client.get(link)
    assert page.status_code == 200 and "Choose a new password" in page.text
    token = link.split("token=")[1]

    response = await post_form(client, "/password/reset", {"token": token, "password": NEW}, page=link)
    assert response.status_code == 200 and "Every session" in response.text
    assert (await other_client.get("/account")).status_code == 303
    assert "was changed" in str((await smtp.wait_for(member.email, "was changed"))["Subject"])

    assert (
        await post_form(client, "/sign-in", {"email": member.email, "password": PASSWORD})
    ).status_code == 401
    await sign_in(client, member.email, NEW)

    again = await post_form(
        client, "/password/reset", {"token": token, "password": "another-pass-phrase-9"}, page="/account"
    )
    assert again.status_code == 400 and "invalid, used or expired" in again.text
    assert await db.scalar(select(AuditEvent.id).where(AuditEvent.action == "account.password_reset"))


async def test_expired_reset_link_is_refused(client, db, smtp):
    member = await make_member(db, email="late@example.org")
    await db.commit()
    link = await _reset_link(client, smtp, member.email)
    record = await db.scalar(select(OneTimeToken).where(OneTimeToken.member_id == member.id))
    record.expires_at = utcnow() - timedelta(seconds=1)
    await db.commit()
    assert (await client.get(link)).status_code == 400


async def test_only_the_newest_reset_link_works(client, db, smtp):
    member = await make_member(db, email="twice@example.org")
    await db.commit()
    first = await _reset_link(client, smtp, member.email)
    smtp.clear()
    second = await _reset_link(client, smtp, member.email)
    assert (await client.get(first)).status_code == 400
    assert (await client.get(second)).status_code == 200


async def test_reset_link_expires_within_the_hour(client, db, smtp):
    member = await make_member(db, email="hour@example.org")
    await db.commit()
    await _reset_link(client, smtp, member.email)
    record = await db.scalar(select(OneTimeToken).where(OneTimeToken.member_id == member.id))
    assert record.expires_at - utcnow() <= timedelta(hours=1)


async def test_reset_with_weak_password_keeps_the_link_usable(client, db, smtp):
    member = await make_member(db, email="weak@example.org")
    await db.commit()
    link = await _reset_link(client, smtp, member.email)
    token = link.split("token=")[1]
    response = await post_form(client, "/password/reset", {"token": token, "password": "short"}, page=link)
    assert response.status_code == 422 and "at least 12" in response.text
    assert (await client.get(link)).status_code == 200


async def test_garbage_tokens_are_a_clear_400(client):
    for token in ["", "abc", "a.b.c", "x" * 5000, "%00", "eyJhbGciOiJub25lIn0.e30."]:
        response = await client.get("/password/reset", params={"token": token})
        assert response.status_code == 400, token
        response = await client.get("/verify-email", params={"token": token})
        assert response.status_code == 400, token


async def test_change_password_asks_for_the_current_one(client, other_client, db, smtp):
    member = await make_member(db, email="change@example.org")
    await db.commit()
    await sign_in(client, member.email)
    await sign_in(other_client, member.email)
    wrong = await post_form(
        client,
        "/account/password",
        {"current_password": "not-it-at-all", "new_password": NEW},
        page="/account",
        htmx=True,
    )
    assert wrong.status_code == 422 and "current password is not correct" in wrong.text
    assert "<html" not in wrong.text

    ok = await post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW},
        page="/account",
        htmx=True,
    )
    assert ok.status_code == 200 and "Your password was changed" in ok.text
    assert (await client.get("/account")).status_code == 200, "this session stays"
    assert (await other_client.get("/account")).status_code == 303, "other sessions end"
    await smtp.wait_for(member.email, "was changed")
