"""The read side of the forum. Every query starts from the policy's visibility filter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.agencies.models import Agency
from app.db import after_commit
from app.forum.models import (
    TLP,
    Category,
    Post,
    PostRevision,
    ReadMark,
    Subscription,
    Thread,
    ThreadParticipant,
    Tier,
    WatchLevel,
)
from app.policy import (
    VIEWER_ID,
    NotVisible,
    can_see_hidden_posts,
    one_visible,
    viewer_params,
    visible_categories,
    visible_posts,
    visible_thread_totals,
    visible_threads,
    visible_threads_template,
)

THREADS_PER_PAGE = 30
POSTS_PER_PAGE = 30


@dataclass(frozen=True)
class CategorySummary:
    category: Category
    thread_count: int
    post_count: int
    last_activity_at: datetime | None
    latest: Thread | None


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    unread: bool


@dataclass(frozen=True, slots=True)
class Author:
    id: int
    username: str
    display_name: str
    affiliation: str


@dataclass(frozen=True, slots=True)
class PostRow:
    """A post as the thread page reads it: plain rows rather than ORM objects (with their author
    and agency), which on a page of 30 posts is a measurable share of the request."""

    id: int
    thread_id: int
    number: int
    author_id: int
    author: Author
    body_source: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden_at: datetime | None
    hidden_reason: str | None


@dataclass(frozen=True)
class PostView:
    post: Post | PostRow
    body_html: str | None
    hidden_for_viewer: bool


@dataclass(frozen=True)
class ThreadView:
    thread: Thread
    posts: list[PostView]
    page: int
    pages: int
    participants: list[Member]
    watch_level: WatchLevel | None
    first_unread: tuple[int, int] | None

    @property
    def effective_tier(self) -> Tier:
        tier = self.thread.tier
        return (
            tier
            if tier is not None and tier.rank > self.thread.category.tier.rank
            else self.thread.category.tier
        )


async def _totals(
    db: AsyncSession, member: Member, category_id: int | None = None
) -> dict[int, tuple[int, int, datetime]]:
    totals: dict[int, tuple[int, int, datetime]] = {}
    for query, params in visible_thread_totals(member, category_id):
        rows = await db.execute(query, params)
        for cid, threads, posts, last in rows:
            before = totals.get(cid)
            if before is None:
                totals[cid] = (int(threads), int(posts or 0), last)
            else:
                totals[cid] = (before[0] + int(threads), before[1] + int(posts or 0), max(before[2], last))
    return totals


async def category_index(db: AsyncSession, member: Member) -> list[CategorySummary]:
    """Counts and latest activity are computed over visible threads only, in four queries however
    many threads there are."""
    categories = list(await db.scalars(visible_categories(member).order_by(Category.position, Category.name)))
    totals = await _totals(db, member)
    latest: dict[int, Thread] = {}
    last_by_category = {cid: last for cid, (_, _, last) in totals.items()}
    if last_by_category:
        candidates = await db.scalars(
            visible_threads(member).where(Thread.last_post_at.in_(set(last_by_category.values())))
        )
        for thread in candidates:
            if last_by_category.get(thread.category_id) != thread.last_post_at:
                continue
            if thread.category_id not in latest or thread.id > latest[thread.category_id].id:
                latest[thread.category_id] = thread
    summaries = []
    for category in categories:
        threads, posts, last = totals.get(category.id, (0, 0, None))
        summaries.append(CategorySummary(category, threads, posts, last, latest.get(category.id)))
    return summaries


async def category_by_slug(db: AsyncSession, member: Member, slug: str) -> Category:
    return await one_visible(db, visible_categories(member).where(Category.slug == slug[:80]))


async def category_by_id(db: AsyncSession, member: Member, category_id: int) -> Category:
    return await one_visible(db, visible_categories(member).where(Category.id == category_id))


@lru_cache(maxsize=1)
def _threads_of_category() -> Select[tuple[Thread, int | None]]:
    return (
        visible_threads_template()
        .where(Thread.category_id == bindparam("category_id"))
        .add_columns(ReadMark.last_read_number)
        .outerjoin(ReadMark, and_(ReadMark.thread_id == Thread.id, ReadMark.member_id == VIEWER_ID))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .limit(THREADS_PER_PAGE)
        .offset(bindparam("skip", type_=Integer))
    )


async def category_threads(
    db: AsyncSession, member: Member, category: Category, page: int = 1
) -> tuple[list[ThreadRow], int]:
    total = (await _totals(db, member, category.id)).get(category.id, (0, 0, None))[0]
    rows = await db.execute(
        _threads_of_category(),
        {
            **viewer_params(member),
            "category_id": category.id,
            "skip": (max(page, 1) - 1) * THREADS_PER_PAGE,
        },
    )
    return [ThreadRow(thread, (last_read or 0) < thread.last_number) for thread, last_read in rows], total


async def thread(db: AsyncSession, member: Member, thread_id: int) -> Thread:
    return await one_visible(db, visible_threads(member).where(Thread.id == thread_id))


async def post(db: AsyncSession, member: Member, post_id: int) -> Post:
    return await one_visible(db, visible_posts(member).where(Post.id == post_id))


def _post_row(
    id: int,
    thread_id: int,
    number: int,
    author_id: int,
    username: str,
    display_name: str,
    organisation: str | None,
    agency_name: str | None,
    agency_country: str | None,
    *rest: Any,
) -> PostRow:
    affiliation = (
        Agency.format_label(agency_name, agency_country or "")
        if agency_name is not None
        else organisation or ""
    )
    return PostRow(
        id, thread_id, number, author_id, Author(author_id, username, display_name, affiliation), *rest
    )


def present(post: Post | PostRow, member: Member) -> PostView:
    """Deleted posts show to no one; hidden ones only to moderators."""
    if post.deleted_at is not None:
        return PostView(post, None, True)
    if post.hidden_at is not None and not can_see_hidden_posts(member):
        return PostView(post, None, True)
    return PostView(post, post.body_html, False)


@lru_cache(maxsize=1)
def _thread_with_position() -> Select[Any]:
    """The thread, the viewer's read position and watch level, and where their first unread post
    is (how many posts precede it, and its number): one statement. The unread part is only
    evaluated when something is unread. The read position is correlated to the thread explicitly:
    nested inside the posts subqueries it would otherwise read every thread's mark."""
    read_position = func.coalesce(
        select(ReadMark.last_read_number)
        .where(ReadMark.member_id == VIEWER_ID, ReadMark.thread_id == Thread.id)
        .correlate(Thread)
        .scalar_subquery(),
        0,
    )
    watch_level = select(Subscription.level).where(
        Subscription.member_id == VIEWER_ID, Subscription.thread_id == Thread.id
    )
    unread = read_position < Thread.last_number
    read_posts = (
        select(func.count())
        .where(Post.thread_id == Thread.id, Post.number <= read_position)
        .scalar_subquery()
    )
    next_unread = (
        select(func.min(Post.number))
        .where(Post.thread_id == Thread.id, Post.number > read_position)
        .scalar_subquery()
    )
    return (
        visible_threads_template()
        .where(Thread.id == bindparam("thread_id"))
        .add_columns(
            read_position,
            watch_level.scalar_subquery(),
            case((unread, read_posts)),
            case((unread, next_unread)),
        )
    )


@lru_cache(maxsize=1)
def _page_of_posts() -> Select[Any]:
    return (
        select(
            Post.id,
            Post.thread_id,
            Post.number,
            Post.author_id,
            Member.username,
            Member.display_name,
            Member.organisation,
            Agency.name,
            Agency.country,
            Post.body_source,
            Post.body_html,
            Post.created_at,
            Post.edited_at,
            Post.deleted_at,
            Post.hidden_at,
            Post.hidden_reason,
        )
        .join(Member, Member.id == Post.author_id)
        .outerjoin(Agency, Agency.id == Member.agency_id)
        .where(Post.thread_id == bindparam("thread_id"))
        .order_by(Post.number)
        .limit(POSTS_PER_PAGE)
        .offset(bindparam("skip", type_=Integer))
    )


async def thread_view(db: AsyncSession, member: Member, thread_id: int, page: int | None) -> ThreadView:
    """Two queries whatever the thread's size (three for TLP:RED, which lists its participants):
    the thread with the member's read position, watch level and first unread post, then its page
    of posts."""
    row = (
        await db.execute(_thread_with_position(), {**viewer_params(member), "thread_id": thread_id})
    ).first()
    if row is None:
        raise NotVisible
    found, last_read, watch, read_posts, next_number = row
    pages = max(1, math.ceil(found.post_count / POSTS_PER_PAGE))
    first_unread = None
    if next_number is not None:
        first_unread = (min(pages, (read_posts or 0) // POSTS_PER_PAGE + 1), next_number)
    page = min(max(page or 1, 1), pages)
    rows = await db.execute(_page_of_posts(), {"thread_id": found.id, "skip": (page - 1) * POSTS_PER_PAGE})
    posts = [_post_row(*row) for row in rows]
    participants: list[Member] = []
    if found.tlp is TLP.RED:
        participants = list(
            await db.scalars(
                select(Member)
                .join(ThreadParticipant, ThreadParticipant.member_id == Member.id)
                .where(ThreadParticipant.thread_id == found.id)
                .order_by(Member.display_name)
            )
        )
    if posts and posts[-1].number > last_read:
        member_id, thread_id_, number = member.id, found.id, posts[-1].number

        async def remember(write: AsyncSession) -> None:
            await mark_read(write, member_id, thread_id_, number)

        after_commit(db, remember)
    return ThreadView(
        found, [present(p, member) for p in posts], page, pages, participants, watch, first_unread
    )


async def mark_read(db: AsyncSession, member_id: int, thread_id: int, number: int) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ReadMark).values(member_id=member_id, thread_id=thread_id, last_read_number=number)
    statement = statement.on_conflict_do_update(
        index_elements=[ReadMark.member_id, ReadMark.thread_id],
        set_={
            "last_read_number": func.max(ReadMark.last_read_number, number)
            if dialect == "sqlite"
            else func.greatest(ReadMark.last_read_number, number)
        },
    )
    await db.execute(statement)


async def revisions(db: AsyncSession, post: Post) -> list[PostRevision]:
    return list(
        await db.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.replaced_at.desc())
        )
    )
