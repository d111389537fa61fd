"""Who reaches which page and endpoint: pending, rejected and suspended accounts reach only their
status page, sign-out and account settings; staff pages refuse everyone else."""

from __future__ import annotations

import pytest

from tests.conftest import ROLES
from tests.support.web import api_token, post_form

MEMBER_PAGES = ["/"]
MODERATOR_PAGES = ["/vetting", "/audit"]
ADMIN_PAGES = ["/admin/agencies", "/admin/members"]
OWN_PAGES = ["/application", "/account"]

ALLOWED = {
    "anonymous": set(),
    "pending": set(),
    "rejected": set(),
    "suspended": set(),
    "member": {"/"},
    "moderator": {"/", "/vetting", "/audit"},
    "admin": {"/", "/vetting", "/audit", "/admin/agencies", "/admin/members"},
}


@pytest.mark.parametrize("signed_in", ROLES, indirect=True)
async def test_pages_by_role(client, signed_in):
    role, member = signed_in
    for path in MEMBER_PAGES + MODERATOR_PAGES + ADMIN_PAGES:
        response = await client.get(path)
        if path in ALLOWED[role]:
            assert response.status_code == 200, (role, path)
        elif role == "anonymous":
            assert response.status_code in (200, 303), (role, path)
            if path != "/":
                assert response.headers["location"].startswith("/sign-in?next="), (role, path)
        elif role in ("pending", "rejected", "suspended"):
            assert response.status_code == 303, (role, path)
            assert response.headers["location"] == "/application", (role, path)
        else:
            assert response.status_code == 403, (role, path)
    if role != "anonymous":
        for path in OWN_PAGES:
            response = await client.get(path)
            expected = 303 if (path == "/application" and member.is_active) else 200
            assert response.status_code == expected, (role, path)


@pytest.mark.parametrize("signed_in", ["pending", "rejected"], indirect=True)
async def test_unvetted_member_sees_no_member_content(client, signed_in):
    _, member = signed_in
    page = await client.get("/application")
    assert "Colleagues" not in page.text and "/vetting" not in page.text
    response = await client.get("/", follow_redirects=True)
    assert "Welcome," not in response.text


@pytest.mark.parametrize("signed_in", ["member"], indirect=True)
async def test_member_cannot_act_as_moderator_or_admin(client, signed_in, db):
    from tests.support.factories import make_member

    target = await make_member(db)
    await db.commit()
    for url, data in [
        (f"/vetting/{target.id}/approve", {}),
        (f"/vetting/{target.id}/reject", {"reason": "nope nope"}),
        (f"/admin/members/{target.id}/suspend", {"reason": "nope nope"}),
        (f"/admin/members/{target.id}/moderator", {"moderator": "1"}),
        ("/admin/agencies", {"name": "X agency", "country": "Y land"}),
    ]:
        response = await post_form(client, url, data, page="/account")
        assert response.status_code == 403, url


@pytest.mark.parametrize("role,expected", [("member", 403), ("moderator", 200), ("admin", 200)])
async def test_api_vetting_requires_moderator(client, db, role, expected):
    from app.accounts.models import Role
    from tests.support.factories import make_member

    member = await make_member(
        db, role={"member": Role.MEMBER, "moderator": Role.MODERATOR, "admin": Role.ADMIN}[role]
    )
    await db.commit()
    headers = await api_token(client, member.email)
    assert (await client.get("/api/v1/vetting/applications", headers=headers)).status_code == expected
    admin_only = await client.get("/api/v1/members", headers=headers)
    assert admin_only.status_code == (200 if role == "admin" else 403)


async def test_api_without_token_is_401(client):
    for path in ["/api/v1/me", "/api/v1/vetting/applications", "/api/v1/members", "/api/v1/audit"]:
        response = await client.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"


async def test_pending_api_client_reaches_only_me(client, db):
    from app.accounts.models import Status
    from tests.support.factories import make_member

    member = await make_member(db, status=Status.PENDING)
    await db.commit()
    headers = await api_token(client, member.email)
    assert (await client.get("/api/v1/me", headers=headers)).json()["status"] == "pending"
    assert (await client.get("/api/v1/vetting/applications", headers=headers)).status_code == 403
