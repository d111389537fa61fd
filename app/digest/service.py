"""What a member's digest holds, computed at send (or preview) time through the same visibility
functions as the pages — never a separate access query.

E-mail leaves our control once sent, so anything labelled AMBER or stricter is only counted per
category, never titled, attributed or quoted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles.models import Article, ArticleAuthor, ArticleStatus, Comment
from app.digest.models import DigestExclusion, DigestFrequency, DigestSetting
from app.forum import markdown
from app.forum.models import TLP, Category, Post, Subscription, Thread, WatchLevel
from app.policy import (
    can_see_content,
    join_visible_threads,
    visible_articles,
    visible_comments,
    visible_threads,
)

LONGEST = timedelta(days=30)
LIMIT = 8


@dataclass(frozen=True)
class Item:
    title: str
    author: str
    excerpt: str
    tlp: TLP
    url: str
    category: str
    count: int = 0


@dataclass
class Digest:
    member: Member
    since: datetime
    until: datetime
    new_threads: list[Item] = field(default_factory=list)
    active_threads: list[Item] = field(default_factory=list)
    new_articles: list[Item] = field(default_factory=list)
    comments_on_yours: list[Item] = field(default_factory=list)
    watched_replies: list[Item] = field(default_factory=list)
    restricted: dict[str, int] = field(default_factory=dict)

    @property
    def sections(self) -> list[tuple[str, list[Item]]]:
        return [
            ("New discussions", self.new_threads),
            ("Most active discussions", self.active_threads),
            ("New articles", self.new_articles),
            ("Comments on your articles", self.comments_on_yours),
            ("Replies in discussions you watch", self.watched_replies),
        ]

    @property
    def is_empty(self) -> bool:
        return not self.restricted and not any(items for _, items in self.sections)


async def settings_for(db: AsyncSession, member: Member) -> tuple[DigestFrequency, datetime | None, set[int]]:
    row = await db.get(DigestSetting, member.id)
    excluded = set(
        await db.scalars(select(DigestExclusion.category_id).where(DigestExclusion.member_id == member.id))
    )
    if row is None:
        return DigestFrequency.WEEKLY, None, excluded
    return row.frequency, row.last_sent_at, excluded


async def save_settings(
    db: AsyncSession, member: Member, frequency: DigestFrequency, excluded: set[int]
) -> None:
    row = await db.get(DigestSetting, member.id)
    if row is None:
        db.add(DigestSetting(member_id=member.id, frequency=frequency))
    else:
        row.frequency = frequency
    await db.execute(DigestExclusion.__table__.delete().where(DigestExclusion.member_id == member.id))
    for category_id in sorted(excluded):
        db.add(DigestExclusion(member_id=member.id, category_id=category_id))
    await db.flush()


def window(frequency: DigestFrequency, last_sent_at: datetime | None, now: datetime) -> datetime:
    """Since the last digest, or one period back; never more than a month."""
    since = last_sent_at or now - frequency.period
    return max(since, now - LONGEST)


def _muted(member: Member, thread: Any = Thread) -> Any:
    return exists().where(
        Subscription.member_id == member.id,
        Subscription.level == WatchLevel.MUTED,
        or_(Subscription.thread_id == thread.id, Subscription.category_id == thread.category_id),
    )


def _excluded(member: Member, category_id: Any) -> Any:
    return exists().where(DigestExclusion.member_id == member.id, DigestExclusion.category_id == category_id)


async def compose(db: AsyncSession, member: Member, now: datetime, since: datetime | None = None) -> Digest:
    """`since` given replays a window already sent (the "view in browser" link)."""
    frequency, last_sent_at, _ = await settings_for(db, member)
    since = since or window(frequency, last_sent_at, now)
    digest = Digest(member, since, now)
    if not can_see_content(member):
        return digest
    restricted: Counter[str] = Counter()
    seen_restricted: set[tuple[str, int]] = set()

    def keep(kind: str, key: int, tlp: TLP, category: str) -> bool:
        if tlp.restricted:
            if (kind, key) not in seen_restricted:
                seen_restricted.add((kind, key))
                restricted[category] += 1
            return False
        return True

    quiet = and_(
        Thread.hidden_at.is_(None),
        ~_muted(member),
        ~_excluded(member, Thread.category_id),
    )
    opening = (
        visible_threads(member)
        .add_columns(Post)
        .join(Post, and_(Post.thread_id == Thread.id, Post.number == 1))
        .where(Thread.created_at >= since, Thread.created_at < now, Thread.author_id != member.id, quiet)
        .where(Post.hidden_at.is_(None), Post.deleted_at.is_(None))
        .order_by(Thread.created_at.desc())
    )
    for thread, post in await db.execute(opening):
        if keep("thread", thread.id, thread.tlp, thread.category.name) and len(digest.new_threads) < LIMIT:
            digest.new_threads.append(_thread_item(thread, post))

    fresh_reply = and_(
        Post.number > 1,
        Post.created_at >= since,
        Post.created_at < now,
        Post.author_id != member.id,
        Post.hidden_at.is_(None),
        Post.deleted_at.is_(None),
    )
    replies_since = (
        select(Post.thread_id, func.count(Post.id).label("replies"))
        .where(fresh_reply)
        .group_by(Post.thread_id)
        .subquery("replies_since")
    )
    active = (
        visible_threads(member)
        .add_columns(replies_since.c.replies)
        .join(replies_since, replies_since.c.thread_id == Thread.id)
        .where(quiet)
        .order_by(replies_since.c.replies.desc(), Thread.id)
    )
    for thread, replies in await db.execute(active):
        if keep("thread", thread.id, thread.tlp, thread.category.name) and len(digest.active_threads) < 5:
            digest.active_threads.append(
                Item(
                    thread.title,
                    thread.author.display_name,
                    "",
                    thread.tlp,
                    f"/t/{thread.id}",
                    thread.category.name,
                    replies,
                )
            )

    watching = exists().where(
        Subscription.member_id == member.id,
        Subscription.level == WatchLevel.WATCHING,
        Subscription.thread_id == Thread.id,
    )
    watched = (
        join_visible_threads(select(Post, Thread), Post.thread_id, member)
        .where(fresh_reply, quiet, watching)
        .order_by(Post.created_at.desc())
    )
    for post, thread in await db.execute(watched):
        if (
            keep("thread", thread.id, thread.tlp, thread.category.name)
            and len(digest.watched_replies) < LIMIT
        ):
            digest.watched_replies.append(_reply_item(thread, post))

    own = exists().where(ArticleAuthor.article_id == Article.id, ArticleAuthor.member_id == member.id)
    articles = (
        visible_articles(member)
        .where(Article.status == ArticleStatus.PUBLISHED, Article.hidden_at.is_(None))
        .where(Article.published_at >= since, Article.published_at < now, ~own)
        .where(~_excluded(member, Article.category_id))
        .order_by(Article.published_at.desc())
    )
    for article in await db.scalars(articles):
        if (
            keep("article", article.id, article.tlp, article.category.name)
            and len(digest.new_articles) < LIMIT
        ):
            authors = ", ".join(m.display_name for m in article.author_members)
            digest.new_articles.append(
                Item(
                    article.title,
                    authors,
                    _cut(article.abstract),
                    article.tlp,
                    f"/a/{article.id}",
                    article.category.name,
                )
            )

    comments = (
        visible_comments(member)
        .add_columns(Article.title, Article.tlp, Article.id, Category.name)
        .where(own, Article.status == ArticleStatus.PUBLISHED)
        .where(Comment.created_at >= since, Comment.created_at < now, Comment.author_id != member.id)
        .where(Comment.hidden_at.is_(None), Comment.deleted_at.is_(None))
        .order_by(Comment.created_at.desc())
    )
    for comment, title, tlp, article_id, category in await db.execute(comments):
        if keep("article", article_id, tlp, category) and len(digest.comments_on_yours) < LIMIT:
            digest.comments_on_yours.append(
                Item(
                    title,
                    comment.author.display_name,
                    markdown.excerpt(comment.body_source),
                    tlp,
                    f"/a/{article_id}#c{comment.id}",
                    category,
                )
            )
    digest.restricted = dict(sorted(restricted.items()))
    return digest


def _cut(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _thread_item(thread: Thread, post: Post) -> Item:
    return Item(
        thread.title,
        thread.author.display_name,
        markdown.excerpt(post.body_source),
        thread.tlp,
        f"/t/{thread.id}",
        thread.category.name,
    )


def _reply_item(thread: Thread, post: Post) -> Item:
    return Item(
        thread.title,
        post.author.display_name,
        markdown.excerpt(post.body_source),
        thread.tlp,
        f"/t/{thread.id}#p{post.number}",
        thread.category.name,
    )
