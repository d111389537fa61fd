"""The vetting queue: moderators weigh each applicant's evidence and decide."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.accounts.models import Member, Status
from app.agencies import service as agencies_service
from app.agencies.models import Agency
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.mail import service as mail_service
from app.policy import check_can_vet

_WITH_DOMAINS = joinedload(Member.agency).selectinload(Agency.domains)


async def _member(db: AsyncSession, member_id: int) -> Member | None:
    """Applicants come with their agency's domains: they are the evidence."""
    return await db.scalar(select(Member).options(_WITH_DOMAINS).where(Member.id == member_id))


@dataclass(frozen=True)
class Application:
    member: Member
    email_verified: bool
    domain_matches: bool
    agency_listed: bool
    colleagues: list[str]


async def _colleague_names(db: AsyncSession, agency_ids: set[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    if not agency_ids:
        return names
    rows = await db.execute(
        select(Member.agency_id, Member.display_name)
        .where(Member.agency_id.in_(agency_ids), Member.status == Status.APPROVED)
        .order_by(Member.display_name)
    )
    for agency_id, name in rows:
        names[agency_id].append(name)
    return names


def _evidence(member: Member, colleagues: dict[int, list[str]]) -> Application:
    return Application(
        member=member,
        email_verified=member.email_verified_at is not None,
        domain_matches=agencies_service.domain_matches(member.agency, member.email),
        agency_listed=member.agency is not None and member.agency.is_listed,
        colleagues=colleagues.get(member.agency_id or 0, []),
    )


async def pending_applications(db: AsyncSession, actor: Member) -> list[Application]:
    check_can_vet(actor)
    members = list(
        await db.scalars(
            select(Member)
            .options(_WITH_DOMAINS)
            .where(Member.status == Status.PENDING)
            .order_by(Member.created_at, Member.id)
        )
    )
    colleagues = await _colleague_names(db, {m.agency_id for m in members if m.agency_id})
    return [_evidence(m, colleagues) for m in members]


async def application(db: AsyncSession, actor: Member, member_id: int) -> Application:
    check_can_vet(actor)
    member = await _member(db, member_id)
    if member is None:
        raise NotFound("No such application.")
    colleagues = await _colleague_names(db, {member.agency_id} if member.agency_id else set())
    return _evidence(member, colleagues)


async def _pending(db: AsyncSession, actor: Member, member_id: int) -> Member:
    check_can_vet(actor)
    member = await _member(db, member_id)
    if member is None:
        raise NotFound("No such application.")
    if member.status is not Status.PENDING:
        raise Conflict(f"This application was already decided ({member.status.value}).")
    return member


async def approve(db: AsyncSession, actor: Member, member_id: int, ctx: RequestContext) -> Member:
    member = await _pending(db, actor, member_id)
    if member.email_verified_at is None:
        raise Conflict("The applicant has not verified their e-mail address yet.")
    member.status = Status.APPROVED
    member.decided_at = utcnow()
    member.decision_reason = None
    details: dict[str, object] = {
        "domain_matches": agencies_service.domain_matches(member.agency, member.email)
    }
    if member.agency is not None and not member.agency.is_listed:
        member.agency.is_listed = True
        details["agency_listed"] = member.agency.id
    await audit_service.record(
        db,
        action="vetting.approved",
        actor_id=actor.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
        details=details,
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "application_approved",
        member=member,
        url=ctx.settings.base_url.rstrip("/") + "/",
    )
    await db.flush()
    return member


async def reject(db: AsyncSession, actor: Member, member_id: int, reason: str, ctx: RequestContext) -> Member:
    member = await _pending(db, actor, member_id)
    member.status = Status.REJECTED
    member.decided_at = utcnow()
    member.decision_reason = reason
    await audit_service.record(
        db,
        action="vetting.rejected",
        actor_id=actor.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
        details={"reason": reason},
    )
    mail_service.send_template(
        db, ctx.settings, member.email, "application_rejected", member=member, reason=reason
    )
    await db.flush()
    return member
