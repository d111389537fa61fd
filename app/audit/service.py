"""The audit log: who did what, to what, when and from which address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles.models import Article, Comment
from app.audit.models import AuditEvent
from app.forum.models import Post, Thread
from app.policy import visible_articles, visible_comments, visible_posts, visible_threads

PAGE_SIZE = 50
FORBIDDEN_DETAIL_KEYS = frozenset({"password", "token", "secret", "hash", "code"})


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def record(
    db: AsyncSession,
    *,
    action: str,
    actor_id: int | None,
    ip: str | None,
    target_type: str | None = None,
    target_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    details = details or {}
    leaked = {key for key in details for word in FORBIDDEN_DETAIL_KEYS if word in key.lower()}
    if leaked:
        raise ValueError(f"audit details must not carry secrets: {sorted(leaked)}")
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        ip=ip,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    db.add(event)
    await db.flush()
    return event


def _filtered(query: Select[Any], flt: AuditFilter) -> Select[Any]:
    if flt.actor_id is not None:
        query = query.where(AuditEvent.actor_id == flt.actor_id)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.since is not None:
        query = query.where(AuditEvent.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.at < flt.until)
    return query


async def list_events(db: AsyncSession, flt: AuditFilter, page: int = 1) -> tuple[list[AuditEvent], int]:
    total = await db.scalar(_filtered(select(func.count(AuditEvent.id)), flt)) or 0
    rows = await db.scalars(
        _filtered(select(AuditEvent), flt)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return list(rows), total


async def known_actions(db: AsyncSession) -> list[str]:
    rows = await db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return list(rows)


_CONTENT: dict[str, tuple[Callable[[Member], Select[Any]], Any]] = {
    "thread": (visible_threads, Thread.id),
    "post": (visible_posts, Post.id),
    "article": (visible_articles, Article.id),
    "comment": (visible_comments, Comment.id),
}


async def withheld(db: AsyncSession, reader: Member, events: list[AuditEvent]) -> set[int]:
    """Events whose details the reader may not see: those about a thread, post, article or comment
    the reader cannot see (a working group's, a TLP:RED one, or deleted). A moderator's reason for
    hiding something can quote it, and the audit log is read by staff who were not granted it."""
    hidden: set[int] = set()
    for kind, (visible, column) in _CONTENT.items():
        about = {e.target_id for e in events if e.target_type == kind and e.target_id is not None}
        if not about:
            continue
        seen = set(await db.scalars(visible(reader).with_only_columns(column).where(column.in_(about))))
        hidden |= {e.id for e in events if e.target_type == kind and e.target_id not in seen and e.details}
    return hidden
