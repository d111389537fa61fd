"""Admins manage agencies and members; moderators and admins read the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Role
from app.agencies.models import Agency
from app.audit import service as audit_service
from app.db import utcnow
from tests.support.factories import give_second_factor, make_agency, make_member
from tests.support.web import post_form, sign_in


async def _admin(client, db):
    admin = await make_member(db, role=Role.ADMIN, name="Ana Admin")
    await db.commit()
    await sign_in(client, admin.email)
    return admin


async def test_admin_creates_and_edits_an_agency(client, db):
    await _admin(client, db)
    response = await post_form(
        client,
        "/admin/agencies",
        {"name": "Finnish Customs", "country": "Finland", "domains": "tulli.fi\n@Customs.FI, tulli.fi"},
        page="/admin/agencies",
    )
    assert response.status_code == 303
    agency = await db.scalar(
        select(Agency).options(selectinload(Agency.domains)).where(Agency.name == "Finnish Customs")
    )
    assert [d.domain for d in agency.domains] == ["customs.fi", "tulli.fi"]

    response = await post_form(
        client,
        f"/admin/agencies/{agency.id}",
        {"name": "Finnish Customs (Tulli)", "country": "Finland", "domains": "tulli.fi"},
        page="/admin/agencies",
    )
    assert response.status_code == 303
    await db.refresh(agency, ["name", "domains"])
    assert agency.name == "Finnish Customs (Tulli)" and [d.domain for d in agency.domains] == ["tulli.fi"]


async def test_agency_form_errors_are_shown_by_the_field(client, db):
    await _admin(client, db)
    other = await make_agency(db, domains=("taken.gov.example",))
    await db.commit()
    cases = [
        ({"name": "", "country": "Finland"}, "required"),
        ({"name": "Valid name", "country": "Finland", "domains": "not a domain!"}, "not a valid domain"),
        ({"name": "Valid name", "country": "Finland", "domains": "taken.gov.example"}, "Already registered"),
        ({"name": other.name, "country": other.country}, "already exists"),
    ]
    for data, message in cases:
        response = await post_form(client, "/admin/agencies", data, page="/admin/agencies")
        assert response.status_code == 422, data
        assert message in response.text, (data, message)
    assert (await client.get("/admin/agencies/999999")).status_code == 404


async def test_admin_grants_and_removes_the_moderator_role_in_place(client, other_client, db):
    await _admin(client, db)
    member = await make_member(db)
    await db.commit()
    response = await post_form(
        client, f"/admin/members/{member.id}/moderator", {"moderator": "1"}, page="/admin/members", htmx=True
    )
    assert response.status_code == 200 and response.text.lstrip().startswith("<tr")
    await db.refresh(member)
    assert member.role is Role.MODERATOR
    await sign_in(other_client, member.email)
    first = await other_client.get("/vetting")
    assert first.status_code == 303 and first.headers["location"].startswith("/account/security"), (
        "a new moderator sets up a second factor before the staff pages open"
    )
    await give_second_factor(db, member)
    await db.commit()
    assert (await other_client.get("/vetting")).status_code == 200

    await post_form(
        client, f"/admin/members/{member.id}/moderator", {"moderator": "0"}, page="/admin/members"
    )
    await db.refresh(member)
    assert member.role is Role.MEMBER
    assert (await other_client.get("/vetting")).status_code == 403
    actions = [e.action for e in (await audit_service.list_events(db, audit_service.AuditFilter()))[0]]
    assert "member.moderator_granted" in actions and "member.moderator_removed" in actions


async def test_admin_cannot_suspend_themselves_or_another_admin(client, db):
    admin = await _admin(client, db)
    other_admin = await make_member(db, role=Role.ADMIN)
    await db.commit()
    for target in (admin, other_admin):
        response = await post_form(
            client,
            f"/admin/members/{target.id}/suspend",
            {"reason": "testing"},
            page="/admin/members",
            htmx=True,
        )
        assert response.status_code == 403
        await db.refresh(target)
        assert target.suspended_at is None


async def test_moderator_role_needs_an_active_member(client, db):
    await _admin(client, db)
    pending = await make_member(db, status="pending")
    await db.commit()
    response = await post_form(
        client, f"/admin/members/{pending.id}/moderator", {"moderator": "1"}, page="/admin/members", htmx=True
    )
    assert response.status_code == 403 and "vetted" in response.text


async def test_members_list_filters(client, db):
    await _admin(client, db)
    await make_member(db, name="Zora Pending", status="pending")
    await make_member(db, name="Yuri Approved")
    await db.commit()
    page = await client.get("/admin/members", params={"status": "pending"})
    assert "Zora Pending" in page.text and "Yuri Approved" not in page.text
    page = await client.get("/admin/members", params={"q": "yuri"})
    assert "Yuri Approved" in page.text and "Zora Pending" not in page.text
    assert (await client.get("/admin/members", params={"status": "bogus"})).status_code == 422


async def test_audit_log_filters_by_actor_action_and_date(client, db):
    admin = await _admin(client, db)
    moderator = await make_member(db, role=Role.MODERATOR, name="Marko Moderator")
    applicant = await make_member(db, status="pending", name="Applicant One")
    await db.commit()
    await post_form(
        client, f"/admin/members/{moderator.id}/moderator", {"moderator": "0"}, page="/admin/members"
    )

    page = await client.get("/audit", params={"action": "member.moderator_removed"})
    assert page.status_code == 200 and "member.moderator_removed" in page.text
    assert "auth.sign_in</code>" not in page.text
    page = await client.get("/audit", params={"actor": str(admin.id), "action": "auth.sign_in"})
    assert "auth.sign_in" in page.text and "1 event." in page.text
    today = utcnow().date()
    page = await client.get("/audit", params={"since": str(today), "until": str(today)})
    assert "member.moderator_removed" in page.text
    page = await client.get("/audit", params={"until": str(today - timedelta(days=1))})
    assert "0 events." in page.text
    fragment = await client.get("/audit", params={"action": "auth.sign_in"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="results"')
    assert applicant.display_name


async def test_audit_log_bad_filters_are_422_not_500(client, db):
    await _admin(client, db)
    for params in [
        {"since": "yesterday"},
        {"actor": "-1"},
        {"actor": "x"},
        {"page": "0"},
        {"since": "2026-02-01", "until": "2026-01-01"},
        {"action": "a" * 65},
    ]:
        response = await client.get("/audit", params=params)
        assert response.status_code == 422, params
        assert "not valid" in response.text


async def test_moderator_reads_the_audit_log_but_cannot_administer(client, db):
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    await sign_in(client, moderator.email)
    assert (await client.get("/audit")).status_code == 200
    assert (await client.get("/admin/agencies")).status_code == 403
