"""Apply → verify by e-mail → vetted in the queue → signed in as a member; and the refusals."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Member, Role, Status
from app.agencies.models import Agency
from app.audit.models import AuditEvent
from tests.conftest import OTHER_IP
from tests.support.factories import PASSWORD, make_agency, make_member
from tests.support.web import post_form, sign_in

NEW_PASSWORD = "granite-meadow-compass-77"


def registration(**overrides: str) -> dict[str, str]:
    return {
        "display_name": "Mia Kovač",
        "email": "mia.kovac@mup.hr",
        "password": NEW_PASSWORD,
        "kind": "official",
        **overrides,
    }


async def test_official_applies_verifies_is_approved_and_signs_in(client, other_client, db, smtp):
    agency = await make_agency(db, name="Border Police Directorate", domains=("mup.hr",))
    colleague = await make_member(db, agency=agency, name="Ivana Horvat")
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()

    response = await post_form(client, "/register", registration(agency_id=str(agency.id)), page="/register")
    assert response.status_code == 200
    assert "Check your e-mail" in response.text

    mail = await smtp.wait_for("mia.kovac@mup.hr", "verify")
    response = await client.get(smtp.link(mail))
    assert response.status_code == 200 and "verified" in response.text

    await sign_in(client, "mia.kovac@mup.hr", NEW_PASSWORD)
    response = await client.get("/")
    assert response.headers["location"] == "/application"
    page = await client.get("/application")
    assert "Waiting for review" in page.text

    await sign_in(other_client, moderator.email)
    queue = await other_client.get("/vetting")
    assert "Mia Kovač" in queue.text
    assert "Yes — mup.hr" in queue.text
    assert colleague.display_name in queue.text

    applicant = await db.scalar(select(Member).where(Member.email == "mia.kovac@mup.hr"))
    response = await post_form(other_client, f"/vetting/{applicant.id}/approve", page="/vetting", htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<article"), "HTMX gets the row, not the page"
    assert "Approved" in response.text and "<html" not in response.text

    await smtp.wait_for("mia.kovac@mup.hr", "approved")
    home = await client.get("/")
    assert home.status_code == 200 and "Welcome, Mia Kovač" in home.text
    assert "Ivana Horvat" in home.text

    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "vetting.approved"))
    assert event is not None
    assert (event.actor_id, event.target_id, event.ip) == (moderator.id, applicant.id, OTHER_IP)
    assert event.at is not None


async def test_new_agency_is_proposed_then_listed_on_approval(client, other_client, db, smtp):
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    data = registration(
        new_agency_name="Border Police of Bosnia", new_agency_country="Bosnia and Herzegovina"
    )
    await post_form(client, "/register", data, page="/register")
    agency = await db.scalar(select(Agency).where(Agency.name == "Border Police of Bosnia"))
    assert agency is not None and agency.is_listed is False
    assert "Border Police of Bosnia" not in (await client.get("/register")).text

    await client.get(smtp.link(await smtp.wait_for("mia.kovac@mup.hr", "verify")))
    await sign_in(other_client, moderator.email)
    queue = await other_client.get("/vetting")
    assert "new agency, not in the directory" in queue.text
    applicant = await db.scalar(select(Member).where(Member.email == "mia.kovac@mup.hr"))
    await post_form(other_client, f"/vetting/{applicant.id}/approve", page="/vetting")
    await db.refresh(agency)
    assert agency.is_listed is True


async def test_reject_needs_a_reason_and_mails_it(client, db, smtp):
    moderator = await make_member(db, role=Role.MODERATOR)
    applicant = await make_member(db, status=Status.PENDING, email="applicant@example.org")
    await db.commit()
    await sign_in(client, moderator.email)

    response = await post_form(
        client, f"/vetting/{applicant.id}/reject", {"reason": ""}, page="/vetting", htmx=True
    )
    assert response.status_code == 422
    assert "Give a reason" in response.text
    await db.refresh(applicant)
    assert applicant.status is Status.PENDING

    response = await post_form(
        client,
        f"/vetting/{applicant.id}/reject",
        {"reason": "We could not confirm your role."},
        page="/vetting",
        htmx=True,
    )
    assert response.status_code == 200 and "Rejected" in response.text
    mail = await smtp.wait_for("applicant@example.org", "application")
    assert "We could not confirm your role." in smtp.body(mail)
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "vetting.rejected"))
    assert event.details == {"reason": "We could not confirm your role."}


async def test_unverified_applicant_cannot_be_approved(client, db):
    moderator = await make_member(db, role=Role.MODERATOR)
    applicant = await make_member(db, status=Status.PENDING, verified=False)
    await db.commit()
    await sign_in(client, moderator.email)
    response = await post_form(client, f"/vetting/{applicant.id}/approve", page="/vetting", htmx=True)
    assert response.status_code == 409
    assert "not verified" in response.text
    await db.refresh(applicant)
    assert applicant.status is Status.PENDING


async def test_a_decided_application_cannot_be_decided_again(client, db):
    moderator = await make_member(db, role=Role.MODERATOR)
    applicant = await make_member(db, status=Status.REJECTED)
    await db.commit()
    await sign_in(client, moderator.email)
    response = await post_form(client, f"/vetting/{applicant.id}/approve", page="/vetting")
    assert response.status_code == 409
    await db.refresh(applicant)
    assert applicant.status is Status.REJECTED


async def test_rejected_applicant_sees_the_reason(client, db):
    applicant = await make_member(db, status=Status.REJECTED)
    applicant.decision_reason = "Not a border agency."
    await db.commit()
    await sign_in(client, applicant.email)
    page = await client.get("/application")
    assert "Not accepted" in page.text and "Not a border agency." in page.text


async def test_resend_verification(client, db, smtp):
    applicant = await make_member(db, status=Status.PENDING, verified=False, email="late@example.org")
    await db.commit()
    await sign_in(client, applicant.email)
    response = await post_form(client, "/application/resend-verification", page="/application", htmx=True)
    assert "on its way" in response.text
    await client.get(smtp.link(await smtp.wait_for("late@example.org", "verify")))
    await db.refresh(applicant)
    assert applicant.email_verified_at is not None


async def _count(db) -> int:
    return await db.scalar(select(func.count(Member.id)))


BAD_REGISTRATIONS = [
    ({"email": "not-an-address"}, "email"),
    ({"password": "short"}, "at least 12"),
    ({"password": "password1234"}, "too common"),
    ({"password": "x" * 129}, "at most 128"),
    ({"display_name": ""}, "required"),
    ({"kind": "spy"}, "official"),
    ({"kind": "academic"}, "Name your university"),
    ({"kind": "supplier"}, "Name your company"),
    ({}, "Pick your agency"),
    ({"agency_id": "999999"}, "Pick an agency from the directory"),
    ({"agency_id": "abc"}, "valid integer"),
]


async def test_bad_registrations_get_a_message_and_write_nothing(client, db):
    before = await _count(db)
    for overrides, message in BAD_REGISTRATIONS:
        response = await post_form(client, "/register", registration(**overrides), page="/register")
        assert response.status_code == 422, (overrides, response.status_code)
        assert message in response.text, (overrides, message)
        assert NEW_PASSWORD not in response.text, "the password is never echoed back"
    assert await _count(db) == before


async def test_academic_registers_with_a_university(client, db, smtp):
    response = await post_form(
        client,
        "/register",
        registration(kind="academic", organisation="University of Zagreb", email="prof@unizg.example"),
        page="/register",
    )
    assert response.status_code == 200
    member = await db.scalar(select(Member).where(Member.email == "prof@unizg.example"))
    assert member.organisation == "University of Zagreb" and member.agency_id is None
    assert member.status is Status.PENDING and member.password_hash != NEW_PASSWORD
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD
