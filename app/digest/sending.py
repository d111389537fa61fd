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
from functools import lru_cache
from typing import Any

import aiosmtplib
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.models import Member, Status
from app.config import Settings
from app.db import begin_for_writing, upsert
from app.digest import message, service
from app.digest.message import DigestMail
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


@dataclass(frozen=True)
class Recipient:
    member_id: int
    frequency: DigestFrequency
    last_sent_at: datetime | None


@dataclass
class Plan:
    recipients: list[Recipient]
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
        select(Member.id, DigestSetting.frequency, DigestSetting.last_sent_at)
        .outerjoin(DigestSetting, DigestSetting.member_id == Member.id)
        .where(Member.status == Status.APPROVED, Member.suspended_at.is_(None))
        .where(or_(DigestSetting.frequency.is_(None), DigestSetting.frequency != DigestFrequency.NEVER))
        .order_by(Member.id)
    )
    recipients = [
        Recipient(member_id, frequency or DigestFrequency.WEEKLY, last_sent_at)
        for member_id, frequency, last_sent_at in rows
    ]
    return Plan(recipients, unsubscribed, members - len(recipients) - unsubscribed)


def _insert(db: AsyncSession, table: Any) -> Any:
    return upsert(db.get_bind().dialect.name, table)


async def claim_many(db: AsyncSession, member_ids: list[int], period: str, now: datetime) -> dict[int, int]:
    """The members whose digest for the period this run now owns, with the attempt each claim is:
    a new row, or a failed delivery whose retry is due, or a claim left behind by a run that
    stopped. Committed by the caller before anything is sent; a concurrent run's insert of the
    same (member, period) waits for this one and then finds the row taken."""
    if not member_ids:
        return {}
    fresh = await db.execute(
        _insert(db, DigestDelivery)
        .values(
            [
                {
                    "member_id": member_id,
                    "period": period,
                    "status": DeliveryStatus.CLAIMED,
                    "attempts": 1,
                    "claimed_at": now,
                }
                for member_id in member_ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["member_id", "period"])
        .returning(DigestDelivery.member_id, DigestDelivery.attempts)
    )
    owned = {member_id: attempts for member_id, attempts in fresh}
    rest = [member_id for member_id in member_ids if member_id not in owned]
    if rest:
        retried = await db.execute(
            update(DigestDelivery)
            .where(DigestDelivery.member_id.in_(rest), DigestDelivery.period == period)
            .where(
                or_(
                    and_(
                        DigestDelivery.status == DeliveryStatus.FAILED, DigestDelivery.next_attempt_at <= now
                    ),
                    and_(
                        DigestDelivery.status == DeliveryStatus.CLAIMED,
                        DigestDelivery.claimed_at <= now - STALE_CLAIM,
                    ),
                )
            )
            .values(status=DeliveryStatus.CLAIMED, attempts=DigestDelivery.attempts + 1, claimed_at=now)
            .returning(DigestDelivery.member_id, DigestDelivery.attempts)
        )
        owned.update({member_id: attempts for member_id, attempts in retried})
    return owned


async def claim(db: AsyncSession, member_id: int, period: str, now: datetime) -> bool:
    return member_id in await claim_many(db, [member_id], period, now)


async def _finish(
    db: AsyncSession,
    member_id: int,
    period: str,
    status: DeliveryStatus,
    now: datetime,
    attempts: int,
    error: str | None = None,
) -> None:
    connection = await db.connection()
    await connection.execute(
        _RECORD,
        {
            "member": member_id,
            "for_period": period,
            "new_status": status,
            "error": error,
            "when_sent": now if status is DeliveryStatus.SENT else None,
            "next_at": now + backoff(attempts) if status is DeliveryStatus.FAILED else None,
        },
    )
    if status is DeliveryStatus.SENT:
        await connection.execute(_last_sent(connection.dialect.name), {"member": member_id, "now": now})


# Built once and run on the connection, without the ORM session's bookkeeping: a run records
# thousands of deliveries, and building the statements anew each time cost more than running them.
_RECORD = (
    update(DigestDelivery)
    .where(DigestDelivery.member_id == bindparam("member"), DigestDelivery.period == bindparam("for_period"))
    .values(
        status=bindparam("new_status"),
        last_error=bindparam("error"),
        sent_at=bindparam("when_sent"),
        next_attempt_at=bindparam("next_at"),
    )
)


@lru_cache(maxsize=2)
def _last_sent(dialect: str) -> Any:
    return (
        upsert(dialect, DigestSetting)
        .values(
            member_id=bindparam("member"), frequency=DigestFrequency.WEEKLY, last_sent_at=bindparam("now")
        )
        .on_conflict_do_update(index_elements=["member_id"], set_={"last_sent_at": bindparam("now")})
    )


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(getattr(r, "code", 0) >= 500 for r in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500


CHUNK = 20


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailer: Mailer,
    now: datetime,
    planned: Plan | None = None,
    progress: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
    concurrency: int = 1,
) -> Summary:
    """Members are claimed a few at a time, each claim committed before their mail goes out; their
    digests are composed in one read transaction that ends before any mail is sent, and each
    delivery is recorded as soon as it is known. `concurrency` workers run at once, each with
    its own database sessions and SMTP connection, so that one composes while another waits on
    the mail server. Leave it at 1 when the session maker shares one connection."""
    if planned is None:
        async with sessionmaker() as db:
            planned = await plan(db)
    summary = Summary(unsubscribed=planned.unsubscribed, inactive=planned.inactive)
    run = service.Run(now)
    chunks = iter([planned.recipients[i : i + CHUNK] for i in range(0, len(planned.recipients), CHUNK)])

    async def work() -> None:
        async with mailer.session() as connection:
            for chunk in chunks:
                if stop is not None and stop.is_set():
                    return
                await _chunk(sessionmaker, settings, connection, chunk, run, summary)
                if progress is not None:
                    progress(len(chunk))

    await asyncio.gather(*(work() for _ in range(max(1, concurrency))))
    return summary


async def _chunk(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailer: Mailer,
    chunk: list[Recipient],
    run: service.Run,
    summary: Summary,
) -> None:
    now = run.now
    periods = {r.member_id: period_key(r.frequency, now) for r in chunk}
    owned: dict[int, int] = {}
    async with _writing(sessionmaker) as db:
        for period in sorted(set(periods.values())):
            ids = [member_id for member_id, p in periods.items() if p == period]
            owned |= await claim_many(db, ids, period, now)
    summary.not_due += len(chunk) - len(owned)
    if not owned:
        return
    built: list[tuple[int, DigestMail | None]] = []
    async with sessionmaker() as db:
        members = {m.id: m for m in await db.scalars(select(Member).where(Member.id.in_(list(owned))))}
        for recipient in chunk:
            member = members.get(recipient.member_id)
            if member is None:
                continue
            since = service.window(recipient.frequency, recipient.last_sent_at, now)
            digest = await service.compose(db, member, now, since=since, run=run)
            built.append((member.id, None if digest.is_empty else message.build(settings, digest)))
    for member_id, email in built:
        period, attempts = periods[member_id], owned[member_id]
        await _deliver(sessionmaker, mailer, member_id, period, attempts, email, now, summary)


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    mailer: Mailer,
    member_id: int,
    period: str,
    attempts: int,
    email: DigestMail | None,
    now: datetime,
    summary: Summary,
) -> None:
    status, error = DeliveryStatus.SENT, None
    if email is None:
        status = DeliveryStatus.EMPTY
    else:
        try:
            await mailer.send_bytes(email.sender, email.to, email.data)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none may stop the run
            status = DeliveryStatus.PERMANENT if _is_permanent(exc) else DeliveryStatus.FAILED
            error = f"{type(exc).__name__}: {exc}"[:500]
            summary.errors.append(f"member {member_id}: {type(exc).__name__}")
    async with _writing(sessionmaker) as db:
        await _finish(db, member_id, period, status, now, attempts, error)
    if status is DeliveryStatus.SENT:
        summary.sent += 1
    elif status is DeliveryStatus.EMPTY:
        summary.empty += 1
    elif status is DeliveryStatus.PERMANENT:
        summary.permanent += 1
    else:
        summary.failed += 1


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
