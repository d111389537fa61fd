"""Notifications: created only for members who can see the thread, and re-checked when shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, raiseload

from app.accounts.models import Member
from app.articles.models import Article
from app.config import Settings
from app.db import utcnow
from app.forum import markdown
from app.forum.models import TLP, Post, Subscription, Thread, WatchLevel
from app.forum.queries import POSTS_PER_PAGE
from app.mail import service as mail_service
from app.notifications.models import Notification, NotificationKind
from app.policy import NotVisible, members_who_can_see_thread, visible_notifications

PAGE_SIZE = 30


@dataclass(frozen=True)
class NotificationView:
    notification: Notification
    thread: Thread | None
    article: Article | None

    @property
    def title(self) -> str:
        subject = self.thread or self.article
        assert subject is not None
        return subject.title

    @property
    def tlp(self) -> TLP:
        subject = self.thread or self.article
        assert subject is not None
        return subject.tlp


def _muted(thread: Thread) -> object:
    return select(Subscription.member_id).where(
        Subscription.level == WatchLevel.MUTED,
        or_(Subscription.thread_id == thread.id, Subscription.category_id == thread.category_id),
    )


async def recipients(
    db: AsyncSession, thread: Thread, *, member_ids: Iterable[int] = (), usernames: Iterable[str] = ()
) -> list[Member]:
    """Candidates narrowed to those the visibility rules admit; muted members are left out."""
    ids, handles = list(member_ids), list(usernames)
    if not ids and not handles:
        return []
    query = members_who_can_see_thread(thread.id).where(
        or_(Member.id.in_(ids), Member.username.in_(handles)), Member.id.not_in(_muted(thread))
    )
    return list(await db.scalars(query))


async def watcher_ids(db: AsyncSession, thread: Thread) -> set[int]:
    rows = await db.scalars(
        select(Subscription.member_id).where(
            Subscription.level == WatchLevel.WATCHING,
            or_(Subscription.thread_id == thread.id, Subscription.category_id == thread.category_id),
        )
    )
    return set(rows)


async def create(
    db: AsyncSession,
    settings: Settings,
    *,
    kind: NotificationKind,
    thread: Thread,
    post: Post,
    actor: Member,
    members: Iterable[Member],
) -> int:
    count = 0
    for member in members:
        if member.id == actor.id:
            continue
        db.add(
            Notification(
                member_id=member.id, kind=kind, thread_id=thread.id, post_id=post.id, actor_id=actor.id
            )
        )
        count += 1
        if member.email_notifications:
            _email(db, settings, member, kind, thread, post, actor)
    await db.flush()
    return count


def _email(
    db: AsyncSession,
    settings: Settings,
    member: Member,
    kind: NotificationKind,
    thread: Thread,
    post: Post,
    actor: Member,
) -> None:
    """Mail leaves our control: AMBER and stricter threads are never named or quoted in it."""
    restricted = thread.tlp.restricted
    mail_service.send_template(
        db,
        settings,
        member.email,
        "notification",
        member=member,
        kind=kind.value,
        actor=actor.display_name,
        restricted=restricted,
        category=thread.category.name,
        title=None if restricted else thread.title,
        tlp=thread.tlp.label,
        excerpt=None if restricted else markdown.excerpt(post.body_source),
        url=f"{settings.base_url.rstrip('/')}/notifications",
    )


def _visible(member: Member) -> Select[tuple[Notification, Thread | None, Article | None]]:
    """Thread or article is outer-joined, so their own eager joins (inner) must not apply."""
    query = (
        select(Notification, Thread, Article)
        .where(Notification.member_id == member.id)
        .options(
            contains_eager(Thread.category),
            contains_eager(Article.category),
            raiseload(Thread.author),
            raiseload(Article.authors),
            raiseload(Article.keywords),
        )
    )
    return visible_notifications(query, member)


def has_unread(member_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Answered by an index alone; read along with the session on every page."""
    return exists().where(Notification.member_id == member_id, Notification.read_at.is_(None))


async def unread_count(db: AsyncSession, member: Member, *, any_unread: bool | None = None) -> int:
    """Counted through the visibility filter, and only when something is unread at all (most
    members, most of the time, have nothing)."""
    if any_unread is None:
        any_unread = bool(await db.scalar(select(has_unread(literal(member.id)))))
    if not any_unread:
        return 0
    query = select(func.count(Notification.id)).where(
        Notification.member_id == member.id, Notification.read_at.is_(None)
    )
    return await db.scalar(visible_notifications(query, member)) or 0


async def list_for(db: AsyncSession, member: Member, page: int = 1) -> list[NotificationView]:
    rows = await db.execute(
        _visible(member)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return [NotificationView(n, t, a) for n, t, a in rows]


async def open_notification(db: AsyncSession, member: Member, notification_id: int) -> str:
    """Marks it read and answers where it points."""
    row = (await db.execute(_visible(member).where(Notification.id == notification_id))).first()
    if row is None:
        raise NotVisible
    notification, thread, article = row
    if notification.read_at is None:
        notification.read_at = utcnow()
    if article is not None:
        return f"/a/{article.id}" + (f"#c{notification.comment_id}" if notification.comment_id else "")
    assert thread is not None
    number = (
        await db.scalar(select(Post.number).where(Post.id == notification.post_id))
        if notification.post_id
        else None
    )
    if number is None:
        return f"/t/{thread.id}"
    return f"/t/{thread.id}?page={(number - 1) // POSTS_PER_PAGE + 1}#p{number}"


async def mark_all_read(db: AsyncSession, member: Member) -> None:
    await db.execute(
        update(Notification)
        .where(and_(Notification.member_id == member.id, Notification.read_at.is_(None)))
        .values(read_at=utcnow())
    )
