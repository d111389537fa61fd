"""Signing in: browser sessions and API bearer tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import (
    AuthSession,
    Member,
    TokenPurpose,
)
from app.accounts.repository import get_member_by_email
from app.accounts.schemas import SignInIn
from app.audit import service as audit_service
from app.config import Settings
from app.context import RequestContext
from app.db import after_commit, utcnow
from app.errors import NotFound
from app.mfa import service as mfa_service
from app.policy import check_can_end_session
from app.security import passwords, tokens

SESSION_TOUCH_SECONDS = 60


class SignInFailed(Exception):
    """Deliberately says nothing about which part was wrong."""


# --- signing in and sessions -----------------------------------------------------------------


async def authenticate(db: AsyncSession, data: SignInIn, ctx: RequestContext) -> Member:
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_address, "sign-in-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_sign_in_per_account, "sign-in-account", data.email)
    member = await get_member_by_email(db, data.email)
    h = passwords.hasher(ctx.settings)
    if member is None:
        passwords.verify_password(h, passwords.dummy_hash(), data.password)
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


@lru_cache(maxsize=4)
def _session_query(along: ColumnElement[Any] | None) -> Select[Any]:
    """Built once per `along` (callers pass one long-lived expression), so every request reuses
    the same statement object and SQLAlchemy its cache key."""
    query = select(AuthSession).where(AuthSession.id == bindparam("session_id"))
    return query if along is None else query.add_columns(along)


async def resolve_session(
    db: AsyncSession, token: str | None, settings: Settings, *, along: ColumnElement[Any] | None = None
) -> tuple[AuthSession | None, Any]:
    """An expired session is refused at once; removing its row and noting activity happen after
    the request's own transaction, so page views stay read-only. `along` is one more column read in
    the same query (every page asks whether anything is unread), correlated to the session row;
    pass the same expression object every time."""
    if not token or len(token) > 128:
        return None, None
    row = (await db.execute(_session_query(along), {"session_id": tokens.sha256_hex(token)})).first()
    if row is None:
        return None, None
    session, extra = row[0], (row[1] if along is not None else None)
    now = utcnow()
    session_id = session.id
    idle_limit = session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if session.expires_at <= now or idle_limit <= now:

        async def forget(write: AsyncSession) -> None:
            await write.execute(delete(AuthSession).where(AuthSession.id == session_id))

        after_commit(db, forget)
        return None, None
    if (now - session.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:

        async def touch(write: AsyncSession) -> None:
            await write.execute(
                update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now)
            )

        after_commit(db, touch)
    return session, extra


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


# --- API tokens ------------------------------------------------------------------------------


async def issue_api_token(
    db: AsyncSession, data: SignInIn, ctx: RequestContext, otp: str = ""
) -> tuple[str, int]:
    """Raises SecondFactorFailed, after a right password, when the account's second factor is
    missing or wrong."""
    await ctx.limiter.hit(ctx.settings.rate_token_per_address, "token-ip", ctx.ip or "-")
    await ctx.limiter.hit(ctx.settings.rate_token_per_account, "token-account", data.email)
    member = await authenticate(db, data, ctx)
    if member.second_factor_at is not None:
        if not otp:
            raise mfa_service.SecondFactorFailed
        await mfa_service.check(db, member, otp, ctx)
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
