"""No account enumeration; security headers and a CSP our own pages never need to relax."""

from __future__ import annotations

import re

from app.accounts.models import Role
from app.security.headers import CONTENT_SECURITY_POLICY
from tests.support.factories import make_member
from tests.support.web import post_form, sign_in

CSRF = re.compile(r"[0-9a-f]{64}")


def _normalised(html: str, email: str) -> str:
    return CSRF.sub("TOKEN", html.replace(email, "EMAIL"))


async def test_registration_answers_the_same_for_known_and_unknown_addresses(client, db, smtp):
    member = await make_member(db, email="known@example.org")
    await db.commit()
    form = {
        "display_name": "Someone",
        "password": "copper-kettle-window-61",
        "kind": "academic",
        "organisation": "Somewhere",
    }
    known = await post_form(client, "/register", {**form, "email": "known@example.org"}, page="/register")
    unknown = await post_form(client, "/register", {**form, "email": "fresh@example.org"}, page="/register")
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known.text, "known@example.org") == _normalised(unknown.text, "fresh@example.org")
    assert "already has an account" in smtp.body(await smtp.wait_for(member.email, "tried to apply"))

    api_known = await client.post("/api/v1/accounts", json={**form, "email": "known@example.org"})
    api_unknown = await client.post("/api/v1/accounts", json={**form, "email": "other@example.org"})
    assert (api_known.status_code, api_known.json()) == (api_unknown.status_code, api_unknown.json())


async def test_password_reset_answers_the_same_for_known_and_unknown_addresses(app, client, db, smtp):
    await make_member(db, email="known@example.org")
    await db.commit()
    known = await post_form(
        client, "/password/forgot", {"email": "known@example.org"}, page="/password/forgot"
    )
    unknown = await post_form(
        client, "/password/forgot", {"email": "ghost@example.org"}, page="/password/forgot"
    )
    assert known.status_code == unknown.status_code == 200
    assert _normalised(known.text, "known@example.org") == _normalised(unknown.text, "ghost@example.org")
    await app.state.postman.drain()
    assert smtp.to("known@example.org") and not smtp.to("ghost@example.org")
    api_known = await client.post("/api/v1/password/forgot", json={"email": "known@example.org"})
    api_unknown = await client.post("/api/v1/password/forgot", json={"email": "ghost@example.org"})
    assert (api_known.status_code, api_known.json()) == (api_unknown.status_code, api_unknown.json())


async def test_sign_in_failure_does_not_say_which_part_was_wrong(client, db):
    member = await make_member(db)
    await db.commit()
    wrong_password = await post_form(
        client, "/sign-in", {"email": member.email, "password": "not-the-password"}
    )
    unknown = await post_form(
        client, "/sign-in", {"email": "ghost@example.org", "password": "not-the-password"}
    )
    assert wrong_password.status_code == unknown.status_code == 401
    assert _normalised(wrong_password.text, member.email) == _normalised(unknown.text, "ghost@example.org")


def test_csp_is_strict():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "style-src 'self'" in CONTENT_SECURITY_POLICY


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"\shx-on", re.I),
    re.compile(r"""(src|href)=["']?(https?:)?//""", re.I),
]


async def test_pages_carry_headers_and_need_no_inline_code(client, db):
    admin = await make_member(db, role=Role.ADMIN)
    await make_member(db, status="pending")
    await db.commit()
    pages = ["/", "/register", "/sign-in", "/password/forgot", "/does-not-exist"]
    for path in pages:
        await _check(client, path)
    await sign_in(client, admin.email)
    for path in ["/", "/account", "/vetting", "/audit", "/admin/agencies", "/admin/members"]:
        await _check(client, path)


async def _check(client, path: str) -> None:
    response = await client.get(path)
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    for pattern in INLINE:
        assert not pattern.search(response.text), (path, pattern.pattern)
    assert '<script src="/static/vendor/htmx-2.0.11.min.js"' in response.text


async def test_htmx_is_served_from_our_static_files(client):
    response = await client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200 and "htmx" in response.text[:2000]
    assert response.headers["x-content-type-options"] == "nosniff"
