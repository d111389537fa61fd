"""Every state-changing browser request needs the CSRF token; routes added later are covered too."""

from __future__ import annotations

import re

import pytest

from app.main import route_table
from app.security import csrf
from tests.support.factories import make_member
from tests.support.web import csrf_token, sign_in

PAGE_WRITES = [
    (path, sorted(route.methods - {"HEAD"})[0])
    for path, route in route_table()
    if not path.startswith("/api/")
    and route.methods - csrf.SAFE_METHODS
    and path not in csrf.TOKEN_AUTHENTICATED
]


def test_only_token_authenticated_routes_skip_the_csrf_check():
    """Adding to this list is a security decision: the route must authenticate by a signed token."""
    assert csrf.TOKEN_AUTHENTICATED == {"/digest/unsubscribe"}


def fill(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_the_route_table_has_page_writes():
    assert len(PAGE_WRITES) >= 15


@pytest.mark.parametrize("path,method", PAGE_WRITES)
async def test_page_write_without_token_is_403(client, db, path, method):
    admin = await make_member(db, role="admin")
    await db.commit()
    await sign_in(client, admin.email)
    response = await client.request(method, fill(path), data={"reason": "a reason", "name": "x"})
    assert response.status_code == 403, (path, response.status_code)
    assert "expired" in response.text
    forged = await client.request(
        method, fill(path), data={"csrf_token": "0" * 64}, headers={"HX-Request": "true"}
    )
    assert forged.status_code == 403


async def test_token_of_another_browser_is_refused(client, other_client, db):
    member = await make_member(db)
    await db.commit()
    foreign = await csrf_token(other_client)
    await client.get("/sign-in")
    response = await client.post(
        "/sign-in", data={"email": member.email, "password": "x" * 12, "csrf_token": foreign}
    )
    assert response.status_code == 403


async def test_htmx_header_token_is_accepted(client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    token = await csrf_token(client, "/account")
    response = await client.post("/sign-out", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/sign-in"
    assert (await client.get("/account")).status_code == 303


async def test_sign_in_needs_the_token(client, db):
    member = await make_member(db)
    await db.commit()
    await client.get("/sign-in")
    response = await client.post("/sign-in", data={"email": member.email, "password": "irrelevant"})
    assert response.status_code == 403
