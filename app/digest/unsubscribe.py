"""Leaving the digest from the e-mail itself, without signing in (RFC 8058 one-click).

The link carries a signed token with its own purpose claim and the member's credentials epoch, so it
stands for nothing else and stops working when their password is reset. It can only lower the
digest frequency.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.config import Settings
from app.digest import service
from app.digest.models import DigestFrequency
from app.errors import NotFound
from app.security import tokens

PURPOSE = "digest-unsubscribe"
LIFETIME = timedelta(days=365)


def token_for(settings: Settings, member: Member) -> str:
    token, _ = tokens.issue(
        secret=settings.secret_key,
        issuer=settings.jwt_issuer,
        subject=member.id,
        purpose=PURPOSE,
        lifetime=LIFETIME,
        epoch=member.credentials_epoch,
    )
    return token


def url_for(settings: Settings, member: Member) -> str:
    return settings.url(f"/digest/unsubscribe?token={token_for(settings, member)}")


async def member_for(db: AsyncSession, settings: Settings, token: str) -> Member:
    """Any flaw in the token answers the same 404, so nothing tells a forged token from an old one."""
    try:
        claims = tokens.decode(token, secret=settings.secret_key, issuer=settings.jwt_issuer, purpose=PURPOSE)
    except tokens.TokenInvalid as exc:
        raise NotFound(
            "This unsubscribe link is not valid (any more). Sign in to change your digest."
        ) from exc
    member = await db.get(Member, claims.subject)
    if member is None or member.credentials_epoch != claims.epoch:
        raise NotFound("This unsubscribe link is not valid (any more). Sign in to change your digest.")
    return member


def view_signature(settings: Settings, member_id: int, since: int, until: int) -> str:
    """Binds a digest window to one member, so the view link shows only that member their own
    digest (and still only after they sign in)."""
    payload = f"digest-view:{member_id}:{since}:{until}".encode()
    return hmac.new(settings.secret_key.encode(), payload, hashlib.sha256).hexdigest()


def view_url(settings: Settings, member: Member, since: datetime, until: datetime) -> str:
    start, end = int(since.timestamp()), int(until.timestamp())
    signature = view_signature(settings, member.id, start, end)
    return settings.url(f"/account/digest/view?since={start}&until={end}&sig={signature}")


def check_view(settings: Settings, member: Member, since: int, until: int, signature: str) -> None:
    if not hmac.compare_digest(view_signature(settings, member.id, since, until), signature):
        raise NotFound("This digest link is for another account.")


def lower_choices(current: DigestFrequency) -> list[DigestFrequency]:
    """What the page offers before 'never': a lower frequency, if there is one."""
    return [DigestFrequency.WEEKLY] if current is DigestFrequency.DAILY else []


async def set_frequency(db: AsyncSession, member: Member, frequency: DigestFrequency) -> None:
    """Only ever lowers: a leaked link cannot be used to send someone more mail."""
    current, _, excluded = await service.settings_for(db, member)
    if frequency.rank < current.rank:
        frequency = current
    await service.save_settings(db, member, frequency, excluded)
