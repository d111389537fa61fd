"""Factories for the forum: categories and threads made through the real services."""

from __future__ import annotations

import itertools

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.forum import service as forum_service
from app.forum.models import TLP, AccessGrant, Category, Thread, Tier
from app.forum.schemas import ThreadIn
from tests.support.world import context

_seq = itertools.count(1)


async def make_category(
    db: AsyncSession, tier: Tier = Tier.COMMUNITY, tlp: TLP = TLP.GREEN, agency_ids: tuple[int, ...] = ()
) -> Category:
    n = next(_seq)
    category = Category(
        slug=f"cat-{n}",
        name=f"Category {n}",
        tier=tier,
        default_tlp=tlp,
        position=n,
        grants=[AccessGrant(agency_id=a) for a in agency_ids],
    )
    db.add(category)
    await db.flush()
    return category


async def make_thread(
    db: AsyncSession,
    author: Member,
    category: Category,
    *,
    title: str | None = None,
    body: str = "Opening post of the thread.",
    tlp: TLP | None = None,
    participants: tuple[str, ...] = (),
    replies: int = 0,
) -> Thread:
    thread = await forum_service.create_thread(
        db,
        author,
        ThreadIn(
            category_id=category.id,
            title=title or f"Thread number {next(_seq)}",
            body=body,
            tlp=tlp,
            participants=list(participants),
        ),
        context(),
    )
    for i in range(replies):
        await forum_service.reply(db, author, thread.id, f"Reply number {i + 1} with some words.", context())
    return thread


async def deliver_mail(db: AsyncSession, app) -> None:  # type: ignore[no-untyped-def]
    """Services called directly queue mail on the session, as a request would; send it now."""
    from app.mail import service as mail_service

    await app.state.postman.dispatch(mail_service.take_outbox(db))
    await app.state.postman.drain()
