"""The JSON API: the same operations and refusals as the pages, through one service layer."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AuthSession, Role
from tests.support.factories import PASSWORD, make_agency, make_member
from tests.support.web import api_token, sign_in


async def test_apply_verify_vet_and_use_the_api(client, db, smtp):
    agency = await make_agency(db, domains=("policija.me",))
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    body = {
        "display_name": "Nikola P.",
        "email": "nikola@policija.me",
        "password": "mountain-river-stone-31",
        "kind": "official",
        "agency_id": agency.id,
    }
    response = await client.post("/api/v1/accounts", json=body)
    assert response.status_code == 202
    token = smtp.link(await smtp.wait_for("nikola@policija.me", "verify")).split("token=")[1]
    verified = await client.post("/api/v1/accounts/verify-email", json={"token": token})
    assert verified.status_code == 200 and verified.json()["email_verified"] is True

    staff = await api_token(client, moderator.email)
    queue = (await client.get("/api/v1/vetting/applications", headers=staff)).json()
    entry = next(a for a in queue if a["applicant"]["email"] == "nikola@policija.me")
    assert entry["domain_matches"] is True and entry["email_verified"] is True
    applicant_id = entry["applicant"]["id"]
    one = await client.get(f"/api/v1/vetting/applications/{applicant_id}", headers=staff)
    assert one.json()["applicant"]["id"] == applicant_id
    approved = await client.post(f"/api/v1/vetting/applications/{applicant_id}/approve", headers=staff)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    again = await client.post(f"/api/v1/vetting/applications/{applicant_id}/approve", headers=staff)
    assert again.status_code == 409

    mine = await api_token(client, "nikola@policija.me", "mountain-river-stone-31")
    me = (await client.get("/api/v1/me", headers=mine)).json()
    assert me["status"] == "approved" and me["affiliation"].startswith(agency.name)
    assert "password_hash" not in me


async def test_reject_via_api_needs_a_reason(client, db):
    moderator = await make_member(db, role=Role.MODERATOR)
    applicant = await make_member(db, status="pending")
    await db.commit()
    staff = await api_token(client, moderator.email)
    response = await client.post(
        f"/api/v1/vetting/applications/{applicant.id}/reject", headers=staff, json={}
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "reason"]
    response = await client.post(
        f"/api/v1/vetting/applications/{applicant.id}/reject",
        headers=staff,
        json={"reason": "Not a border agency"},
    )
    assert response.json()["status"] == "rejected"
    missing = await client.post("/api/v1/vetting/applications/999999/approve", headers=staff)
    assert missing.status_code == 404


async def test_validation_errors_name_the_field(client):
    response = await client.post(
        "/api/v1/accounts",
        json={"display_name": "A valid name", "email": "nope", "password": "short", "kind": "official"},
    )
    assert response.status_code == 422
    fields = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("body", "email") in fields and ("body", "password") in fields
    response = await client.post(
        "/api/v1/accounts", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_admin_api_agencies_members_and_audit(client, db):
    admin = await make_member(db, role=Role.ADMIN)
    member = await make_member(db)
    await db.commit()
    headers = await api_token(client, admin.email)

    created = await client.post(
        "/api/v1/agencies",
        headers=headers,
        json={"name": "Europol", "country": "European Union", "domains": ["europol.europa.eu"]},
    )
    assert created.status_code == 201
    agency_id = created.json()["id"]
    dup = await client.post(
        "/api/v1/agencies", headers=headers, json={"name": "Europol", "country": "European Union"}
    )
    assert dup.status_code == 409
    bad = await client.post(
        "/api/v1/agencies", headers=headers, json={"name": "X", "country": "Y", "domains": ["@@"]}
    )
    assert bad.status_code == 422
    updated = await client.put(
        f"/api/v1/agencies/{agency_id}",
        headers=headers,
        json={"name": "Europol", "country": "EU", "domains": []},
    )
    assert updated.json()["country"] == "EU" and updated.json()["domains"] == []
    directory = (await client.get("/api/v1/agencies/directory")).json()
    assert any(a["id"] == agency_id for a in directory)

    role = await client.put(f"/api/v1/members/{member.id}/role", headers=headers, json={"moderator": True})
    assert role.json()["role"] == "moderator"
    suspended = await client.post(
        f"/api/v1/members/{member.id}/suspend", headers=headers, json={"reason": "Left"}
    )
    assert suspended.json()["suspended"] is True
    reinstated = await client.post(f"/api/v1/members/{member.id}/reinstate", headers=headers)
    assert reinstated.json()["suspended"] is False
    self_suspend = await client.post(
        f"/api/v1/members/{admin.id}/suspend", headers=headers, json={"reason": "oops"}
    )
    assert self_suspend.status_code == 403

    audit = (await client.get("/api/v1/audit", headers=headers, params={"action": "member.suspended"})).json()
    assert audit["total"] == 1 and audit["events"][0]["target_id"] == member.id
    assert audit["events"][0]["details"] == {"reason": "Left"}
    assert (await client.get("/api/v1/audit", headers=headers, params={"since": "nope"})).status_code == 422


async def test_api_sessions_and_password_reset(client, other_client, db, smtp):
    member = await make_member(db, email="api-reset@example.org")
    await db.commit()
    await sign_in(other_client, member.email)
    headers = await api_token(client, member.email)
    sessions = (await client.get("/api/v1/me/sessions", headers=headers)).json()
    assert len(sessions) == 1
    deleted = await client.delete(f"/api/v1/me/sessions/{sessions[0]['id']}", headers=headers)
    assert deleted.status_code == 204
    assert await db.scalar(select(AuthSession.id).where(AuthSession.member_id == member.id)) is None
    assert (await client.delete("/api/v1/me/sessions/nope", headers=headers)).status_code == 404

    await client.post("/api/v1/password/forgot", json={"email": member.email})
    token = smtp.link(await smtp.wait_for(member.email, "reset")).split("token=")[1]
    reset = await client.post(
        "/api/v1/password/reset", json={"token": token, "password": "harbour-violet-kite-64"}
    )
    assert reset.status_code == 200
    reused = await client.post(
        "/api/v1/password/reset", json={"token": token, "password": "harbour-violet-kite-65"}
    )
    assert reused.status_code == 422
    failed = await client.post("/api/v1/auth/token", data={"username": member.email, "password": PASSWORD})
    assert failed.status_code == 401
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_token_endpoint_refuses_bad_grants(client):
    response = await client.post(
        "/api/v1/auth/token", data={"username": "a@b.c", "password": "x", "grant_type": "client_credentials"}
    )
    assert response.status_code == 422
    assert (await client.post("/api/v1/auth/token", data={})).status_code == 422


async def test_openapi_lists_the_account_and_vetting_operations(client):
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    for path in [
        "/api/v1/auth/token",
        "/api/v1/accounts",
        "/api/v1/me",
        "/api/v1/me/sessions",
        "/api/v1/password/forgot",
        "/api/v1/password/reset",
        "/api/v1/vetting/applications",
        "/api/v1/vetting/applications/{member_id}/approve",
        "/api/v1/agencies",
        "/api/v1/audit",
        "/api/v1/members/{member_id}/suspend",
    ]:
        assert path in paths, path
    assert not any(p.startswith("/vetting") or p == "/" for p in paths), "pages stay out of the API document"


async def test_no_third_party_api_console_is_served(client):
    """FastAPI's Swagger page loads scripts from a CDN and inline code; the JSON document is enough."""
    assert (await client.get("/api/v1/docs")).status_code == 404
    assert (await client.get("/docs")).status_code == 404
