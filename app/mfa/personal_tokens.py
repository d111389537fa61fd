"""Personal API tokens: for scripts and integrations, created and revoked by the member in their
settings. A token is shown once and kept as its SHA-256; it is refused as soon as it is revoked,
expires, or its owner is suspended."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import after_commit, utcnow
from app.errors import InvalidInput, NotFound
from app.mfa.models import ApiToken, TokenScope
from app.security import tokens

PREFIX = "lsn_"
MAX_ACTIVE = 20
TOUCH_SECONDS = 60


def is_personal(bearer: str) -> bool:
    return bearer.startswith(PREFIX)


async def create(
    db: AsyncSession, member: Member, name: str, scope: TokenScope, days: int, ctx: RequestContext
) -> tuple[ApiToken, str]:
    active = await list_for(db, member)
    if len([t for t in active if t.revoked_at is None and t.expires_at > utcnow()]) >= MAX_ACTIVE:
        raise InvalidInput(f"You have {MAX_ACTIVE} tokens already; revoke one first.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        member_id=member.id,
        name=name,
        scope=scope,
        token_hash=tokens.sha256_hex(secret),
        prefix=secret[: len(PREFIX) + 4],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.add(token)
    await db.flush()
    await audit_service.record(
        db,
        action="auth.api_token_created",
        actor_id=member.id,
        ip=ctx.ip,
        target_type="api_token",
        target_id=token.id,
    )
    return token, secret


async def list_for(db: AsyncSession, member: Member) -> list[ApiToken]:
    return list(
        await db.scalars(
            select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.created_at.desc())
        )
    )


async def revoke(db: AsyncSession, member: Member, token_id: int, ctx: RequestContext) -> None:
    token = await db.get(ApiToken, token_id)
    if token is None or token.member_id != member.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await audit_service.record(
            db,
            action="auth.api_token_revoked",
            actor_id=member.id,
            ip=ctx.ip,
            target_type="api_token",
            target_id=token.id,
        )
    await db.flush()


async def resolve(db: AsyncSession, bearer: str) -> tuple[Member, ApiToken] | None:
    """The token's owner, or None for an unknown, revoked or expired token. Noting its use happens
    after the request's own transaction, at most once a minute."""
    if len(bearer) > 100:
        return None
    token = await db.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.sha256_hex(bearer)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    member = await db.get(Member, token.member_id)
    if member is None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOUCH_SECONDS:
        token_id = token.id

        async def touch(write: AsyncSession) -> None:
            await write.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))

        after_commit(db, touch)
    return member, token
