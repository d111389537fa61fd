"""Changing the e-mail address: confirmed from the new mailbox after the password (and second
factor), announced to the old one, kept within an agency's domains, and never telling who else is
a member."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Member, MemberKind, Role
from app.audit.models import AuditEvent
from tests.support.factories import PASSWORD, make_agency, make_member
from tests.support.totp import code_for
from tests.support.web import post_form, sign_in


async def _ask(client, data: dict[str, str], htmx: bool = True):  # type: ignore[no-untyped-def]
    return await post_form(client, "/account/email", data, page="/account", htmx=htmx)


async def _confirm(client, path: str):  # type: ignore[no-untyped-def]
    page = await client.get(path)
    assert page.status_code == 200 and "Use this address" in page.text
    token = path.split("token=", 1)[1]
    return await post_form(client, "/account/email/confirm", {"token": token}, page=path)


async def test_the_address_changes_only_from_the_new_mailbox(client, other_client, db, smtp):
    member = await make_member(db, email="before@example.org")
    await db.commit()
    await sign_in(client, member.email)
    asked = await _ask(client, {"new_email": "After@Example.org", "password": PASSWORD})
    assert asked.status_code == 200 and "We sent a link to after@example.org" in asked.text
    assert 'id="email"' in asked.text and "<html" not in asked.text
    warned = await smtp.wait_for("before@example.org", "change of your e-mail address to after@example.org")
    assert warned is not None
    mail = await smtp.wait_for("after@example.org", "Confirm your new e-mail address")
    link = smtp.link(mail)
    await db.refresh(member)
    assert member.email == "before@example.org" and member.pending_email == "after@example.org"

    done = await _confirm(other_client, link)
    assert done.status_code == 200 and "sign in with after@example.org" in done.text
    await db.refresh(member)
    assert member.email == "after@example.org" and member.pending_email is None
    await smtp.wait_for("before@example.org", "was changed from before@example.org to after@example.org")
    again = await other_client.get(link)
    assert again.status_code == 400
    other_client.cookies.clear()
    await sign_in(other_client, "after@example.org")
    changed = select(func.count(AuditEvent.id)).where(AuditEvent.action == "account.email_changed")
    assert await db.scalar(changed) == 1


async def test_refusals_change_nothing(client, db, smtp):
    agency = await make_agency(db, domains=("mup.hr",))
    official = await make_member(db, kind=MemberKind.OFFICIAL, agency=agency, email="ana@mup.hr")
    await db.commit()
    await sign_in(client, official.email)
    for data, message in (
        ({"new_email": "ana@policija.mup.hr", "password": "wrong"}, "password is not correct"),
        ({"new_email": "not an address", "password": PASSWORD}, "valid email"),
        ({"new_email": "ana@mup.hr", "password": PASSWORD}, "already your address"),
        ({"new_email": "ana@gmail.com", "password": PASSWORD}, "address at mup.hr"),
    ):
        refused = await _ask(client, data)
        assert refused.status_code == 422 and message in refused.text, (data, refused.text)
    await db.refresh(official)
    assert official.email == "ana@mup.hr" and official.pending_email is None
    assert (await _ask(client, {"new_email": "ana@policija.mup.hr", "password": PASSWORD})).status_code == 200


async def test_staff_confirm_with_their_second_factor(client, db):
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    await sign_in(client, moderator.email)
    missing = await _ask(client, {"new_email": "new-mod@example.org", "password": PASSWORD})
    assert missing.status_code == 422
    code = code_for(moderator.email)
    done = await _ask(client, {"new_email": "new-mod@example.org", "password": PASSWORD, "code": code})
    assert done.status_code == 200


async def test_an_address_taken_meanwhile_is_refused_when_the_link_is_opened(client, other_client, db, smtp):
    member = await make_member(db, email="first@example.org")
    await db.commit()
    await sign_in(client, member.email)
    await _ask(client, {"new_email": "wanted@example.org", "password": PASSWORD}, htmx=False)
    link = smtp.link(await smtp.wait_for("wanted@example.org", "Confirm your new e-mail address"))
    await make_member(db, email="wanted@example.org")
    await db.commit()
    refused = await _confirm(other_client, link)
    assert refused.status_code == 400 and "belongs to another account" in refused.text
    await db.refresh(member)
    assert member.email == "first@example.org"
    assert await db.scalar(select(func.count(Member.id)).where(Member.email == "wanted@example.org")) == 1
