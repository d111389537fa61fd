"""Looking members up; shared by the account services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member


async def get_member(db: AsyncSession, member_id: int) -> Member | None:
    return await db.get(Member, member_id)


async def get_member_by_email(db: AsyncSession, email: str) -> Member | None:
    return await db.scalar(select(Member).where(Member.email == email.strip().lower()))
