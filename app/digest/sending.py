"""Sending the digest: safe to run twice, or on two machines at once.

Each member's digest for a period is claimed by inserting its delivery row; the unique constraint
on (member, period) lets exactly one run win. Mail goes out after the claim is committed. A
delivery that fails for a passing reason (timeout, 4xx, connection) is retried by a later run with
backoff; a permanent refusal (5xx) is recorded for admins and not retried. A member who already
received theirs is never sent it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiosmtplib
from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.models import Member, Status
from app.config import Settings
from app.db import begin_for_writing
from app.digest import message, service
from app.digest.models import DeliveryStatus, DigestDelivery, DigestFrequency, DigestSetting
from app.mail.service import Mailer

FIRST_RETRY = timedelta(minutes=15)
LONGEST_WAIT = timedelta(hours=12)
STALE_CLAIM = timedelta(minutes=30)


@dataclass
class Summary:
    sent: int = 0
    empty: int = 0
    not_due: int = 0
    unsubscribed: int = 0
    inactive: int = 0
    failed: int = 0
    permanent: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"sent {self.sent}; skipped {self.empty} empty, {self.unsubscribed} unsubscribed, "
            f"{self.inactive} suspended or not approved, {self.not_due} already done; "
            f"failed {self.failed} (retried later), {self.permanent} refused for good"
        )


@dataclass
class Plan:
    recipients: list[tuple[int, DigestFrequency]]
    unsubscribed: int
    inactive: int


def period_key(frequency: DigestFrequency, now: datetime) -> str:
    if frequency is DigestFrequency.DAILY:
        return now.strftime("%Y-%m-%d")
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


@asynccontextmanager
async def _writing(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A short write transaction that takes SQLite's write lock at BEGIN, so that two runs wait
    for each other instead of failing; reading for the digest happens outside it."""
    async with sessionmaker() as db, db.begin():
        await begin_for_writing(db)
        yield db


async def plan(db: AsyncSession) -> Plan:
    """Approved, not suspended, not unsubscribed. Pending and rejected accounts get nothing."""
    members = await db.scalar(select(func.count(Member.id))) or 0
    unsubscribed = (
        await db.scalar(
            select(func.count(DigestSetting.member_id))
            .join(Member, Member.id == DigestSetting.member_id)
            .where(Member.status == Status.APPROVED, Member.suspended_at.is_(None))
            .where(DigestSetting.frequency == DigestFrequency.NEVER)
        )
        or 0
    )
    rows = await db.execute(
        select(Member.id, DigestSetting.frequency)
        .outerjoin(DigestSetting, DigestSetting.member_id == Member.id)
        .where(Member.status == Status.APPROVED, Member.suspended_at.is_(None))
        .where(or_(DigestSetting.frequency.is_(None), DigestSetting.frequency != DigestFrequency.NEVER))
        .order_by(Member.id)
    )
    recipients = [(member_id, frequency or DigestFrequency.WEEKLY) for member_id, frequency in rows]
    return Plan(recipients, unsubscribed, members - len(recipients) - unsubscribed)


async def claim(db: AsyncSession, member_id: int, period: str, now: datetime) -> bool:
    """True if this run now owns the member's digest for the period. Committed by the caller
    before anything is sent."""
    try:
        async with db.begin_nested():
            await db.execute(
                insert(DigestDelivery).values(
                    member_id=member_id,
                    period=period,
                    status=DeliveryStatus.CLAIMED,
                    attempts=1,
                    claimed_at=now,
                )
            )
        return True
    except IntegrityError:
        pass
    retry = await db.execute(
        update(DigestDelivery)
        .where(DigestDelivery.member_id == member_id, DigestDelivery.period == period)
        .where(
            or_(
                and_(DigestDelivery.status == DeliveryStatus.FAILED, DigestDelivery.next_attempt_at <= now),
                and_(
                    DigestDelivery.status == DeliveryStatus.CLAIMED,
                    DigestDelivery.claimed_at <= now - STALE_CLAIM,
                ),
            )
        )
        .values(status=DeliveryStatus.CLAIMED, attempts=DigestDelivery.attempts + 1, claimed_at=now)
    )
    return retry.rowcount == 1


async def _finish(
    db: AsyncSession,
    member_id: int,
    period: str,
    status: DeliveryStatus,
    now: datetime,
    error: str | None = None,
) -> None:
    row = await db.scalar(
        select(DigestDelivery).where(DigestDelivery.member_id == member_id, DigestDelivery.period == period)
    )
    assert row is not None
    row.status = status
    row.last_error = error
    row.sent_at = now if status is DeliveryStatus.SENT else None
    row.next_attempt_at = now + backoff(row.attempts) if status is DeliveryStatus.FAILED else None
    await db.flush()


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(getattr(r, "code", 0) >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailer: Mailer,
    now: datetime,
    planned: Plan | None = None,
    progress: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> Summary:
    if planned is None:
        async with sessionmaker() as db:
            planned = await plan(db)
    summary = Summary(unsubscribed=planned.unsubscribed, inactive=planned.inactive)
    for member_id, frequency in planned.recipients:
        if stop is not None and stop.is_set():
            break
        period = period_key(frequency, now)
        async with _writing(sessionmaker) as db:
            owned = await claim(db, member_id, period, now)
        if not owned:
            summary.not_due += 1
        else:
            await _deliver(sessionmaker, settings, mailer, member_id, period, now, summary)
        if progress is not None:
            progress(1)
    return summary


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailer: Mailer,
    member_id: int,
    period: str,
    now: datetime,
    summary: Summary,
) -> None:
    async with sessionmaker() as db:
        member = await db.get(Member, member_id)
        assert member is not None
        digest = await service.compose(db, member, now)
        email = None if digest.is_empty else message.build(settings, digest)
    if email is None:
        async with _writing(sessionmaker) as db:
            await _finish(db, member_id, period, DeliveryStatus.EMPTY, now)
        summary.empty += 1
        return
    try:
        await mailer.send(email)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none may stop the run
        permanent = _is_permanent(exc)
        async with _writing(sessionmaker) as db:
            status = DeliveryStatus.PERMANENT if permanent else DeliveryStatus.FAILED
            await _finish(db, member_id, period, status, now, f"{type(exc).__name__}: {exc}"[:500])
        if permanent:
            summary.permanent += 1
        else:
            summary.failed += 1
        summary.errors.append(f"member {member_id}: {type(exc).__name__}")
        return
    async with _writing(sessionmaker) as db:
        await _finish(db, member_id, period, DeliveryStatus.SENT, now)
        setting = await db.get(DigestSetting, member_id)
        if setting is None:
            db.add(DigestSetting(member_id=member_id, frequency=DigestFrequency.WEEKLY, last_sent_at=now))
        else:
            setting.last_sent_at = now
    summary.sent += 1


async def failures(db: AsyncSession, limit: int = 200) -> list[tuple[DigestDelivery, Member]]:
    """Deliveries that did not go out, newest first: for admins."""
    rows = await db.execute(
        select(DigestDelivery, Member)
        .join(Member, Member.id == DigestDelivery.member_id)
        .where(DigestDelivery.status.in_((DeliveryStatus.FAILED, DeliveryStatus.PERMANENT)))
        .order_by(DigestDelivery.claimed_at.desc())
        .limit(limit)
    )
    return [(d, m) for d, m in rows]
