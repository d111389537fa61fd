"""Reading and changing site-wide settings.

Every signed-in page asks whether every member must use two-step sign-in, so the answer is kept in
memory for a few seconds rather than read on each request; another worker process sees a change
within `FRESH_SECONDS`. The environment (LIAISON_SECOND_FACTOR_FOR_EVERYONE) can force it on, so
that an operator can require it whatever the admin pages say.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.audit import service as audit_service
from app.config import get_settings
from app.context import RequestContext
from app.db import utcnow
from app.policy import check_member_second_factor
from app.sitewide.models import SiteSetting

EVERYONE_NEEDS_SECOND_FACTOR = "second_factor_for_everyone"
FRESH_SECONDS = 10.0

_cache: dict[str, tuple[float, str | None]] = {}


def forget() -> None:
    _cache.clear()


async def _value(db: AsyncSession, key: str) -> str | None:
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < FRESH_SECONDS:
        return cached[1]
    value = await db.scalar(select(SiteSetting.value).where(SiteSetting.key == key))
    _cache[key] = (time.monotonic(), value)
    return value


async def everyone_needs_second_factor(db: AsyncSession) -> bool:
    if get_settings().second_factor_for_everyone:
        return True
    return await _value(db, EVERYONE_NEEDS_SECOND_FACTOR) == "1"


async def enforce_second_factor(db: AsyncSession, member: Member) -> None:
    """The policy's check, with the site-wide rule read only for members without a factor."""
    everyone = member.second_factor_at is None and await everyone_needs_second_factor(db)
    check_member_second_factor(member, everyone=everyone)


async def set_everyone_needs_second_factor(
    db: AsyncSession, admin: Member, required: bool, ctx: RequestContext
) -> None:
    setting = await db.get(SiteSetting, EVERYONE_NEEDS_SECOND_FACTOR)
    value = "1" if required else "0"
    if setting is None:
        db.add(SiteSetting(key=EVERYONE_NEEDS_SECOND_FACTOR, value=value, updated_by=admin.id))
    else:
        setting.value, setting.updated_at, setting.updated_by = value, utcnow(), admin.id
    await db.flush()
    _cache.pop(EVERYONE_NEEDS_SECOND_FACTOR, None)
    await audit_service.record(
        db,
        action="site.second_factor_for_everyone",
        actor_id=admin.id,
        ip=ctx.ip,
        target_type="site",
        target_id=None,
        details={"required": required},
    )
