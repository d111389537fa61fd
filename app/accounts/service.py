"""Accounts: applying, verifying the address, roles, suspension and the member directory.

Signing in and sessions live in `sessions`, passwords in `credentials`."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import one_time
from app.accounts.models import (
    Member,
    MemberKind,
    Role,
    Status,
    TokenPurpose,
)
from app.accounts.repository import get_member_by_email
from app.accounts.schemas import RegistrationIn
from app.accounts.sessions import end_all_sessions
from app.agencies import service as agencies_service
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import utcnow
from app.errors import InvalidInput
from app.mail import service as mail_service
from app.policy import check_can_change_role, check_can_suspend
from app.security import passwords


def _handle_base(display_name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:30]
    return base if len(base) >= 2 else "member"


async def unique_username(db: AsyncSession, display_name: str) -> str:
    """The @handle used for mentions: readable, ASCII, and never reused."""
    base = _handle_base(display_name)
    taken = set(await db.scalars(select(Member.username).where(Member.username.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


# --- applying -------------------------------------------------------------------------------


async def register(db: AsyncSession, data: RegistrationIn, ctx: RequestContext) -> None:
    """Answers identically whether or not the address is known; the owner learns by e-mail."""
    await ctx.limiter.hit(ctx.settings.rate_register_per_address, "register", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_register_per_account, "register-account", data.email)
    existing = await get_member_by_email(db, data.email)
    password_hash = passwords.hash_password(passwords.hasher(ctx.settings), data.password)
    if existing is not None:
        mail_service.send_template(
            db,
            ctx.settings,
            existing.email,
            "already_registered",
            member=existing,
            sign_in_url=ctx.settings.url("/sign-in"),
            reset_url=ctx.settings.url("/password/forgot"),
        )
        return

    agency_id = data.agency_id
    if data.kind is MemberKind.OFFICIAL:
        if agency_id is not None:
            if await agencies_service.get_listed(db, agency_id) is None:
                raise InvalidInput("Pick an agency from the directory.", field="agency_id")
        else:
            assert data.new_agency_name and data.new_agency_country
            proposed = await agencies_service.propose(db, data.new_agency_name, data.new_agency_country)
            agency_id = proposed.id

    member = Member(
        email=data.email,
        display_name=data.display_name,
        username=await unique_username(db, data.display_name),
        password_hash=password_hash,
        kind=data.kind,
        agency_id=agency_id,
        organisation=data.organisation,
        role=Role.MEMBER,
        status=Status.PENDING,
    )
    db.add(member)
    await db.flush()
    await audit_service.record(
        db,
        action="account.register",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
        details={"kind": member.kind.value},
    )
    await send_verification(db, member, ctx)


async def send_verification(db: AsyncSession, member: Member, ctx: RequestContext) -> None:
    if member.email_verified_at is not None:
        return
    token = await one_time.issue(
        db,
        member,
        TokenPurpose.VERIFY_EMAIL,
        timedelta(hours=ctx.settings.verification_token_hours),
        ctx.settings,
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "verify_email",
        member=member,
        url=ctx.settings.url(f"/verify-email?token={token}"),
        hours=ctx.settings.verification_token_hours,
    )


async def resend_verification(db: AsyncSession, member: Member, ctx: RequestContext) -> None:
    await ctx.limiter.hit("3/hour", "resend-verification", str(member.id))
    await send_verification(db, member, ctx)


async def verify_email(db: AsyncSession, token: str, ctx: RequestContext) -> Member:
    member = await one_time.redeem(db, token, TokenPurpose.VERIFY_EMAIL, ctx.settings)
    if member.email_verified_at is None:
        member.email_verified_at = utcnow()
        await audit_service.record(
            db,
            action="account.verify_email",
            actor_id=member.id,
            ip=ctx.ip,
            target_type="member",
            target_id=member.id,
        )
    return member


# --- administration --------------------------------------------------------------------------


async def list_members(
    db: AsyncSession, *, status: Status | None = None, query: str | None = None, limit: int = 200
) -> list[Member]:
    stmt = select(Member).order_by(Member.display_name).limit(limit)
    if status is not None:
        stmt = stmt.where(Member.status == status)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(func.lower(Member.display_name).like(like) | Member.email.like(like))
    return list(await db.scalars(stmt))


async def set_moderator(
    db: AsyncSession, actor: Member, target: Member, moderator: bool, ctx: RequestContext
) -> Member:
    check_can_change_role(actor, target)
    new_role = Role.MODERATOR if moderator else Role.MEMBER
    if target.role is not new_role:
        target.role = new_role
        await audit_service.record(
            db,
            action="member.moderator_granted" if moderator else "member.moderator_removed",
            actor_id=actor.id,
            ip=ctx.ip,
            target_type="member",
            target_id=target.id,
        )
    await db.flush()
    return target


async def suspend(
    db: AsyncSession, actor: Member, target: Member, reason: str, ctx: RequestContext
) -> Member:
    """Ends every session and API token of the account at once."""
    check_can_suspend(actor, target)
    if target.suspended_at is None:
        target.suspended_at = utcnow()
        target.credentials_epoch += 1
        await end_all_sessions(db, target.id)
        await audit_service.record(
            db,
            action="member.suspended",
            actor_id=actor.id,
            ip=ctx.ip,
            target_type="member",
            target_id=target.id,
            details={"reason": reason},
        )
    await db.flush()
    return target


async def reinstate(db: AsyncSession, actor: Member, target: Member, ctx: RequestContext) -> Member:
    check_can_suspend(actor, target)
    if target.suspended_at is not None:
        target.suspended_at = None
        await audit_service.record(
            db,
            action="member.reinstated",
            actor_id=actor.id,
            ip=ctx.ip,
            target_type="member",
            target_id=target.id,
        )
    await db.flush()
    return target


async def colleagues(db: AsyncSession, member: Member) -> list[Member]:
    """Vetted, active members of the same agency: what a member sees on their home page."""
    if member.agency_id is None:
        return []
    rows = await db.scalars(
        select(Member)
        .where(
            Member.agency_id == member.agency_id,
            Member.id != member.id,
            Member.status == Status.APPROVED,
            Member.suspended_at.is_(None),
        )
        .order_by(Member.display_name)
    )
    return list(rows)
