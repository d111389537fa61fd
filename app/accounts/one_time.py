"""E-mailed links: JWTs made single-use by storing the hash of their id and marking it used."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import (
    Member,
    OneTimeToken,
    TokenPurpose,
)
from app.config import Settings
from app.db import utcnow
from app.errors import InvalidInput
from app.security import tokens


async def issue(
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


async def redeem(
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
