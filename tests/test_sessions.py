"""Server-side sessions: cookie flags, fresh ids, timeouts, and everything that ends them."""

from __future__ import annotations

from datetime import timedelta

from fastapi.responses import Response
from sqlalchemy import func, select

from app.accounts.models import AuthSession, Role
from app.config import Settings
from app.db import utcnow
from app.security import tokens
from app.web import set_session_cookie
from tests.support.factories import make_member
from tests.support.web import post_form, sign_in


def _session_cookie(response) -> str:
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith("liaison_session="))


async def test_cookie_is_httponly_and_samesite_lax(client, db):
    member = await make_member(db)
    await db.commit()
    cookie = _session_cookie(await sign_in(client, member.email))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_https_base_url_gives_secure_host_prefixed_cookies():
    settings = Settings(secret_key="k" * 40, base_url="https://liaison.example")
    response = Response()
    set_session_cookie(response, settings, "token")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-liaison_session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert settings.csrf_cookie_name == "__Host-liaison_csrf"


async def test_the_database_holds_only_the_hash_of_the_session_token(client, db):
    member = await make_member(db)
    await db.commit()
    token = _session_cookie(await sign_in(client, member.email)).split(";")[0].split("=", 1)[1]
    ids = list(await db.scalars(select(AuthSession.id).where(AuthSession.member_id == member.id)))
    assert ids == [tokens.sha256_hex(token)]


async def test_every_sign_in_gets_a_new_session_id_and_drops_the_old(client, db):
    member = await make_member(db)
    await db.commit()
    first = client.cookies.get("liaison_session")
    await sign_in(client, member.email)
    first = client.cookies.get("liaison_session")
    await sign_in(client, member.email)
    second = client.cookies.get("liaison_session")
    assert first and second and first != second
    count = await db.scalar(
        select(func.count()).select_from(AuthSession).where(AuthSession.member_id == member.id)
    )
    assert count == 1


async def test_sign_out_ends_the_session_at_once(client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    token = client.cookies.get("liaison_session")
    await post_form(client, "/sign-out", page="/account")
    client.cookies.set("liaison_session", token)
    assert (await client.get("/account")).status_code == 303


async def _age_session(db, member, **changes) -> None:
    session = await db.scalar(select(AuthSession).where(AuthSession.member_id == member.id))
    for key, value in changes.items():
        setattr(session, key, value)
    await db.commit()


async def test_idle_timeout(client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    assert (await client.get("/account")).status_code == 200
    await _age_session(db, member, last_seen_at=utcnow() - timedelta(minutes=61))
    response = await client.get("/account")
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


async def test_absolute_timeout(client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    await _age_session(db, member, expires_at=utcnow() - timedelta(seconds=1))
    assert (await client.get("/account")).status_code == 303


async def test_member_lists_and_ends_another_session(client, other_client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    await sign_in(other_client, member.email)
    page = await client.get("/account")
    assert page.text.count("End session") == 1 and "(this browser)" in page.text
    other = await db.scalar(select(AuthSession).where(AuthSession.ip == "198.51.100.9"))
    response = await post_form(client, f"/account/sessions/{other.id}/end", page="/account", htmx=True)
    assert response.status_code == 200 and 'id="sessions"' in response.text and "<html" not in response.text
    assert (await other_client.get("/account")).status_code == 303
    assert (await client.get("/account")).status_code == 200


async def test_cannot_end_someone_elses_session(client, other_client, db):
    member, stranger = await make_member(db), await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    await sign_in(other_client, stranger.email)
    theirs = await db.scalar(select(AuthSession).where(AuthSession.member_id == stranger.id))
    response = await post_form(client, f"/account/sessions/{theirs.id}/end", page="/account")
    assert response.status_code == 404
    assert (await other_client.get("/account")).status_code == 200


async def test_suspension_ends_every_session_and_token(client, other_client, db):
    admin = await make_member(db, role=Role.ADMIN)
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    token = (
        await client.post(
            "/api/v1/auth/token", data={"username": member.email, "password": "violet-harbour-lantern-42"}
        )
    ).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200

    await sign_in(other_client, admin.email)
    response = await post_form(
        other_client,
        f"/admin/members/{member.id}/suspend",
        {"reason": "Left the agency"},
        page="/admin/members",
        htmx=True,
    )
    assert response.status_code == 200 and "suspended" in response.text

    assert (await client.get("/account")).status_code == 303
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 401
    await sign_in(client, member.email)
    assert (await client.get("/")).headers["location"] == "/application"
    assert "Suspended" in (await client.get("/application")).text

    await post_form(other_client, f"/admin/members/{member.id}/reinstate", page="/admin/members")
    assert (await client.get("/")).status_code == 200


async def test_sign_in_never_redirects_off_site(client, db):
    member = await make_member(db)
    await db.commit()
    for target in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]:
        client.cookies.clear()
        response = await post_form(
            client,
            "/sign-in",
            {"email": member.email, "password": "violet-harbour-lantern-42", "next": target},
        )
        assert response.status_code == 303 and response.headers["location"] == "/", target
    client.cookies.clear()
    response = await post_form(
        client,
        "/sign-in",
        {"email": member.email, "password": "violet-harbour-lantern-42", "next": "/account"},
    )
    assert response.headers["location"] == "/account"
