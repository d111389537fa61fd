"""Accounts: applying, verifying, signing in, sessions, passwords, roles and suspension."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import (
    AuthSession,
    Member,
    MemberKind,
    OneTimeToken,
    Role,
    Status,
    TokenPurpose,
)
from app.accounts.schemas import ChangePasswordIn, RegistrationIn, ResetPasswordIn, SignInIn
from app.agencies import service as agencies_service
from app.audit import service as audit_service
from app.config import Settings, get_settings
from app.context import RequestContext
from app.db import after_commit, utcnow
from app.errors import InvalidInput, NotFound
from app.mail import service as mail_service
from app.policy import check_can_change_role, check_can_end_session, check_can_suspend
from app.security import passwords, tokens

SESSION_TOUCH_SECONDS = 60


class SignInFailed(Exception):
    """Deliberately says nothing about which part was wrong."""


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return passwords.make_hasher(time_cost, memory_kib, parallelism)


def hasher(settings: Settings | None = None) -> PasswordHasher:
    s = settings or get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Hashing for unknown accounts too keeps response times from revealing which e-mails exist."""
    return passwords.hash_password(hasher(), secrets.token_urlsafe(16))


def _link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


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


async def get_member(db: AsyncSession, member_id: int) -> Member | None:
    return await db.get(Member, member_id)


async def get_member_by_email(db: AsyncSession, email: str) -> Member | None:
    return await db.scalar(select(Member).where(Member.email == email.strip().lower()))


# --- applying -------------------------------------------------------------------------------


async def register(db: AsyncSession, data: RegistrationIn, ctx: RequestContext) -> None:
    """Answers identically whether or not the address is known; the owner learns by e-mail."""
    await ctx.limiter.hit(ctx.settings.rate_register_per_address, "register", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_register_per_account, "register-account", data.email)
    existing = await get_member_by_email(db, data.email)
    password_hash = passwords.hash_password(hasher(ctx.settings), data.password)
    if existing is not None:
        mail_service.send_template(
            db,
            ctx.settings,
            existing.email,
            "already_registered",
            member=existing,
            sign_in_url=_link(ctx.settings, "/sign-in"),
            reset_url=_link(ctx.settings, "/password/forgot"),
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
    token = await _issue_one_time(
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
        url=_link(ctx.settings, f"/verify-email?token={token}"),
        hours=ctx.settings.verification_token_hours,
    )


async def resend_verification(db: AsyncSession, member: Member, ctx: RequestContext) -> None:
    await ctx.limiter.hit("3/hour", "resend-verification", str(member.id))
    await send_verification(db, member, ctx)


async def verify_email(db: AsyncSession, token: str, ctx: RequestContext) -> Member:
    member = await _redeem_one_time(db, token, TokenPurpose.VERIFY_EMAIL, ctx.settings)
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


# --- one-time tokens ------------------------------------------------------------------------


async def _issue_one_time(
    db: AsyncSession, member: Member, purpose: TokenPurpose, lifetime: timedelta, settings: Settings
) -> str:
    """Earlier unused tokens of the same purpose stop working: only the newest link counts."""
    await db.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.member_id == member.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    token, claims = tokens.issue(
        secret=settings.secret_key,
        issuer=settings.jwt_issuer,
        subject=member.id,
        purpose=purpose.value,
        lifetime=lifetime,
        epoch=member.credentials_epoch,
    )
    db.add(
        OneTimeToken(
            jti_hash=tokens.sha256_hex(claims.jti),
            member_id=member.id,
            purpose=purpose,
            expires_at=claims.expires_at,
        )
    )
    await db.flush()
    return token


async def _redeem_one_time(
    db: AsyncSession, token: str, purpose: TokenPurpose, settings: Settings, *, consume: bool = True
) -> Member:
    invalid = InvalidInput("This link is invalid, used or expired. Request a new one.", field="token")
    try:
        claims = tokens.decode(
            token, secret=settings.secret_key, issuer=settings.jwt_issuer, purpose=purpose.value
        )
    except tokens.TokenInvalid:
        raise invalid from None
    record = await db.scalar(
        select(OneTimeToken).where(OneTimeToken.jti_hash == tokens.sha256_hex(claims.jti))
    )
    if (
        record is None
        or record.used_at is not None
        or record.purpose is not purpose
        or record.member_id != claims.subject
        or record.expires_at <= utcnow()
    ):
        raise invalid
    member = await db.get(Member, claims.subject)
    if member is None or member.credentials_epoch != claims.epoch:
        raise invalid
    if consume:
        record.used_at = utcnow()
    return member


# --- signing in and sessions -----------------------------------------------------------------


async def authenticate(db: AsyncSession, data: SignInIn, ctx: RequestContext) -> Member:
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_address, "sign-in-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_account, "sign-in-account", data.email)
    member = await get_member_by_email(db, data.email)
    h = hasher(ctx.settings)
    if member is None:
        passwords.verify_password(h, _dummy_hash(), data.password)
        raise SignInFailed
    if not passwords.verify_password(h, member.password_hash, data.password):
        await audit_service.record(
            db,
            action="auth.sign_in_failed",
            actor_id=None,
            ip=ctx.ip,
            target_type="member",
            target_id=member.id,
        )
        raise SignInFailed
    if passwords.needs_rehash(h, member.password_hash):
        member.password_hash = passwords.hash_password(h, data.password)
    return member


async def start_session(db: AsyncSession, member: Member, ctx: RequestContext) -> str:
    """Always a fresh random id, so a session fixed before sign-in is never reused."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        AuthSession(
            id=tokens.sha256_hex(token),
            member_id=member.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=ctx.settings.session_absolute_hours),
            ip=ctx.ip,
            user_agent=(ctx.user_agent or "")[:300] or None,
        )
    )
    await audit_service.record(
        db,
        action="auth.sign_in",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    await db.flush()
    return token


async def resolve_session(db: AsyncSession, token: str | None, settings: Settings) -> AuthSession | None:
    """An expired session is refused at once; removing its row and noting activity happen after
    the request's own transaction, so page views stay read-only."""
    if not token or len(token) > 128:
        return None
    session = await db.get(AuthSession, tokens.sha256_hex(token))
    if session is None:
        return None
    now = utcnow()
    session_id = session.id
    idle_limit = session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if session.expires_at <= now or idle_limit <= now:

        async def forget(write: AsyncSession) -> None:
            await write.execute(delete(AuthSession).where(AuthSession.id == session_id))

        after_commit(db, forget)
        return None
    if (now - session.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:

        async def touch(write: AsyncSession) -> None:
            await write.execute(
                update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
            )

        after_commit(db, touch)
    return session


async def sign_out(db: AsyncSession, session: AuthSession, ctx: RequestContext) -> None:
    await audit_service.record(
        db,
        action="auth.sign_out",
        actor_id=session.member_id,
        ip=ctx.ip,
        target_type="member",
        target_id=session.member_id,
    )
    await db.delete(session)
    await db.flush()


async def list_sessions(db: AsyncSession, member: Member) -> list[AuthSession]:
    rows = await db.scalars(
        select(AuthSession)
        .where(AuthSession.member_id == member.id, AuthSession.expires_at > utcnow())
        .order_by(AuthSession.last_seen_at.desc())
    )
    return list(rows)


async def end_session(db: AsyncSession, member: Member, session_id: str, ctx: RequestContext) -> None:
    session = await db.get(AuthSession, session_id[:64])
    if session is None:
        raise NotFound("No such session.")
    check_can_end_session(member, session.member_id)
    await db.delete(session)
    await audit_service.record(
        db,
        action="auth.session_ended",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    await db.flush()


async def end_all_sessions(db: AsyncSession, member_id: int, *, keep: str | None = None) -> None:
    query = delete(AuthSession).where(AuthSession.member_id == member_id)
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    await db.execute(query)


# --- passwords -------------------------------------------------------------------------------


async def _set_password(db: AsyncSession, member: Member, password: str, settings: Settings) -> None:
    """A new password also voids API tokens and e-mailed links issued under the old one."""
    member.password_hash = passwords.hash_password(hasher(settings), password)
    member.credentials_epoch += 1
    await db.flush()


async def change_password(
    db: AsyncSession,
    member: Member,
    data: ChangePasswordIn,
    ctx: RequestContext,
    *,
    keep_session: str | None,
) -> None:
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_account, "sign-in-account", member.email)
    if not passwords.verify_password(hasher(ctx.settings), member.password_hash, data.current_password):
        raise InvalidInput("Your current password is not correct.", field="current_password")
    await _set_password(db, member, data.new_password, ctx.settings)
    await end_all_sessions(db, member.id, keep=keep_session)
    await audit_service.record(
        db,
        action="account.password_changed",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "password_changed",
        member=member,
        reset_url=_link(ctx.settings, "/password/forgot"),
    )


async def request_password_reset(db: AsyncSession, email: str, ctx: RequestContext) -> None:
    """Same answer and no error for unknown addresses: nothing here tells who is a member."""
    await ctx.limiter.hit(ctx.settings.rate_reset_per_address, "reset-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_reset_per_account, "reset-account", email)
    member = await get_member_by_email(db, email)
    if member is None:
        return
    token = await _issue_one_time(
        db,
        member,
        TokenPurpose.RESET_PASSWORD,
        timedelta(minutes=ctx.settings.reset_token_minutes),
        ctx.settings,
    )
    await audit_service.record(
        db,
        action="account.password_reset_requested",
        actor_id=None,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "reset_password",
        member=member,
        url=_link(ctx.settings, f"/password/reset?token={token}"),
        minutes=ctx.settings.reset_token_minutes,
    )


async def check_reset_token(db: AsyncSession, token: str, ctx: RequestContext) -> Member:
    return await _redeem_one_time(db, token, TokenPurpose.RESET_PASSWORD, ctx.settings, consume=False)


async def reset_password(db: AsyncSession, data: ResetPasswordIn, ctx: RequestContext) -> Member:
    member = await _redeem_one_time(db, data.token, TokenPurpose.RESET_PASSWORD, ctx.settings)
    await _set_password(db, member, data.password, ctx.settings)
    await end_all_sessions(db, member.id)
    await audit_service.record(
        db,
        action="account.password_reset",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    mail_service.send_template(
        db,
        ctx.settings,
        member.email,
        "password_changed",
        member=member,
        reset_url=_link(ctx.settings, "/password/forgot"),
    )
    return member


# --- API tokens ------------------------------------------------------------------------------


async def issue_api_token(db: AsyncSession, data: SignInIn, ctx: RequestContext) -> tuple[str, int]:
    await ctx.limiter.hit(ctx.settings.rate_token_per_address, "token-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_token_per_account, "token-account", data.email)
    member = await authenticate(db, data, ctx)
    lifetime = timedelta(minutes=ctx.settings.api_token_minutes)
    token, _ = tokens.issue(
        secret=ctx.settings.secret_key,
        issuer=ctx.settings.jwt_issuer,
        subject=member.id,
        purpose=TokenPurpose.API.value,
        lifetime=lifetime,
        epoch=member.credentials_epoch,
    )
    await audit_service.record(
        db,
        action="auth.api_token",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="member",
        target_id=member.id,
    )
    return token, int(lifetime.total_seconds())


async def member_from_api_token(db: AsyncSession, token: str, settings: Settings) -> Member | None:
    try:
        claims = tokens.decode(
            token, secret=settings.secret_key, issuer=settings.jwt_issuer, purpose=TokenPurpose.API.value
        )
    except tokens.TokenInvalid:
        return None
    member = await db.get(Member, claims.subject)
    if member is None or member.credentials_epoch != claims.epoch:
        return None
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
