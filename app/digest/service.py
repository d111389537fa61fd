"""What a member's digest holds, computed at send (or preview) time through the same visibility
functions as the pages — never a separate access query.

E-mail leaves our control once sent, so anything labelled AMBER or stricter is only counted per
category, never titled, attributed or quoted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    exists,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.accounts.models import Member
from app.articles.models import Article, ArticleAuthor, ArticleStatus, Comment
from app.digest.models import DigestExclusion, DigestFrequency, DigestSetting
from app.forum import markdown
from app.forum.models import TLP, Category, Post, Subscription, Thread, WatchLevel
from app.policy import (
    ThreadKind,
    can_see_content,
    join_visible_threads,
    viewer_params,
    visible_articles,
    visible_comments,
    visible_thread_kinds,
    visible_threads_template,
)

LONGEST = timedelta(days=30)
LIMIT = 8
EXCLUDED = "excluded"
ACTIVE_LIMIT = 5
RESTRICTED = tuple(t for t in TLP if t.restricted)


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


@dataclass(frozen=True)
class ThreadFacts:
    kind: ThreadKind
    category: str
    author_id: int
    created_at: datetime
    replies: int
    repliers: frozenset[int]
    restricted: bool


@dataclass
class Activity:
    """Threads with posts since a date, and their replies (when and by whom): nothing a reader
    could not see in their own digest, since each thread's figures are used only once that
    reader's own visibility query has admitted it. The same for every reader, so a sending run
    reads it once instead of once per member. Titles and text are never part of it."""

    since: datetime
    until: datetime
    threads: dict[int, ThreadFacts] = field(default_factory=dict)
    replies: dict[int, list[tuple[datetime, int]]] = field(default_factory=dict)
    by_kind: dict[ThreadKind, list[tuple[int, ThreadFacts]]] = field(default_factory=dict)
    red: list[int] = field(default_factory=list)
    articles: bool = False
    comments: bool = False

    def replies_by_others(self, thread_id: int, facts: ThreadFacts, member_id: int, since: datetime) -> int:
        """Most members of a run share the run's window, and most replies are by someone else:
        those cases need no walk through the thread's replies."""
        if since == self.since and member_id not in facts.repliers:
            return facts.replies
        return sum(1 for at, author in self.replies.get(thread_id, ()) if at >= since and author != member_id)


async def activity_between(db: AsyncSession, since: datetime, until: datetime) -> Activity:
    activity = Activity(since, until)
    replies = await db.execute(
        select(Post.thread_id, Post.created_at, Post.author_id).where(
            Post.number > 1,
            Post.created_at >= since,
            Post.created_at < until,
            Post.hidden_at.is_(None),
            Post.deleted_at.is_(None),
        )
    )
    for thread_id, at, author in replies:
        activity.replies.setdefault(thread_id, []).append((at, author))
    threads = await db.execute(
        select(
            Thread.id,
            Thread.category_id,
            Thread.tier,
            Thread.tlp,
            Thread.owner_agency_id,
            Category.name,
            Thread.author_id,
            Thread.created_at,
        )
        .join(Category, Category.id == Thread.category_id)
        .where(Thread.last_post_at >= since, Thread.hidden_at.is_(None), Thread.deleted_at.is_(None))
    )
    for thread_id, category_id, tier, tlp, owner, category, author_id, created_at in threads:
        kind = ThreadKind(category_id, tier, tlp, owner)
        posted = activity.replies.get(thread_id, [])
        repliers = frozenset(author for _, author in posted)
        activity.threads[thread_id] = ThreadFacts(
            kind, category, author_id, created_at, len(posted), repliers, tlp.restricted
        )
        if tlp is TLP.RED:
            activity.red.append(thread_id)
        else:
            activity.by_kind.setdefault(kind, []).append((thread_id, activity.threads[thread_id]))
    published = Article.status == ArticleStatus.PUBLISHED
    activity.articles = await db.scalar(
        select(exists().where(published, Article.published_at >= since, Article.published_at < until))
    )
    activity.comments = await db.scalar(
        select(
            exists()
            .where(Comment.article_id == Article.id, published)
            .where(Comment.created_at >= since, Comment.created_at < until)
        )
    )
    return activity


@dataclass
class Run:
    """What one sending run shares between its members: thread activity and plain-text excerpts,
    both reader-independent. Excerpts are keyed by post or comment and only ever read for an item
    the member's visibility query returned."""

    now: datetime
    activity: Activity | None = None
    excerpts: dict[tuple[str, int], str] = field(default_factory=dict)

    async def activity_since(self, db: AsyncSession, since: datetime) -> Activity:
        if self.activity is None or since < self.activity.since:
            self.activity = await activity_between(db, since, self.now)
        return self.activity

    def excerpt(self, kind: str, key: int, source: str) -> str:
        if (kind, key) not in self.excerpts:
            self.excerpts[(kind, key)] = markdown.excerpt(source)
        return self.excerpts[(kind, key)]


class _Restricted:
    """AMBER and stricter items, counted once each per category and never described."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, int]] = set()
        self.counts: Counter[str] = Counter()

    def count(self, kind: str, key: int, category: str) -> None:
        if (kind, key) not in self.seen:
            self.seen.add((kind, key))
            self.counts[category] += 1


@dataclass
class _Quiet:
    """What the member turned off: muted threads and categories, categories left out of the
    digest; and the threads they watch."""

    threads: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)
    watching: set[int] = field(default_factory=set)


@lru_cache(maxsize=1)
def _quiet_statement() -> Any:
    member_id = bindparam("member_id", type_=Subscription.member_id.type)
    return union_all(
        select(
            type_coerce(Subscription.level, String), Subscription.thread_id, Subscription.category_id
        ).where(Subscription.member_id == member_id),
        select(literal(EXCLUDED, String), null(), DigestExclusion.category_id).where(
            DigestExclusion.member_id == member_id
        ),
    )


async def _quiet_for(db: AsyncSession, member: Member) -> _Quiet:
    quiet = _Quiet()
    for level, thread_id, category_id in await db.execute(_quiet_statement(), {"member_id": member.id}):
        if level == WatchLevel.MUTED and thread_id:
            quiet.threads.add(thread_id)
        elif level in (WatchLevel.MUTED, EXCLUDED):
            quiet.categories.add(category_id)
        elif level == WatchLevel.WATCHING and thread_id:
            quiet.watching.add(thread_id)
    return quiet


async def compose(
    db: AsyncSession,
    member: Member,
    now: datetime,
    since: datetime | None = None,
    run: Run | None = None,
) -> Digest:
    """`since` given replays a window already sent (the "view in browser" link), or is the window
    a sending run already worked out from the member's settings."""
    if since is None:
        frequency, last_sent_at, _ = await settings_for(db, member)
        since = window(frequency, last_sent_at, now)
    digest = Digest(member, since, now)
    if not can_see_content(member):
        return digest
    run = run or Run(now)
    restricted = _Restricted()
    quiet = await _quiet_for(db, member)
    activity = await run.activity_since(db, since)
    await _threads(db, member, digest, run, activity, quiet, restricted)
    if quiet.watching & activity.replies.keys():
        await _watched(db, member, digest, run)
    if activity.articles:
        await _articles(db, member, digest, restricted)
    if activity.comments:
        await _comments(db, member, digest, run, restricted)
    digest.restricted = dict(sorted(restricted.counts.items()))
    return digest


def _quiet(member: Member) -> Any:
    return and_(Thread.hidden_at.is_(None), ~_muted(member), ~_excluded(member, Thread.category_id))


async def _threads(
    db: AsyncSession,
    member: Member,
    digest: Digest,
    run: Run,
    activity: Activity,
    quiet: _Quiet,
    restricted: _Restricted,
) -> None:
    """The policy says which kinds of active thread the member may see; the run's activity then
    ranks those threads, and a last query, through `visible_threads`, reads what is shown."""
    since, now = digest.since, digest.until
    kinds, red = await visible_thread_kinds(db, member, activity.by_kind.keys(), activity.red)
    member_id = member.id
    new: list[tuple[datetime, int]] = []
    active: list[tuple[int, int]] = []
    visible = [activity.by_kind[kind] for kind in kinds] + [[(t, activity.threads[t]) for t in red]]
    for threads in visible:
        for thread_id, facts in threads:
            if thread_id in quiet.threads or facts.kind.category_id in quiet.categories:
                continue
            opened = since <= facts.created_at < now and facts.author_id != member_id
            count = activity.replies_by_others(thread_id, facts, member_id, since)
            if not opened and not count:
                continue
            if facts.restricted:
                restricted.count("thread", thread_id, facts.category)
                continue
            if opened:
                new.append((facts.created_at, thread_id))
            if count:
                active.append((count, thread_id))
    new.sort(reverse=True)
    active.sort(key=lambda pair: (-pair[0], pair[1]))
    shown_new = [thread_id for _, thread_id in new[: LIMIT * 2]]
    shown_active = dict((thread_id, count) for count, thread_id in active[:ACTIVE_LIMIT])
    if not shown_new and not shown_active:
        return
    rows = {
        row[0]: row
        for row in await db.execute(
            _shown_threads(), {**viewer_params(member), "ids": [*shown_new, *shown_active]}
        )
    }
    for thread_id in shown_new:
        if thread_id in rows and len(digest.new_threads) < LIMIT:
            _, title, tlp, category, name, post_id, source = rows[thread_id]
            excerpt = run.excerpt("post", post_id, source)
            digest.new_threads.append(Item(title, name, excerpt, tlp, f"/t/{thread_id}", category))
    for thread_id, count in shown_active.items():
        if thread_id in rows:
            _, title, tlp, category, name, *_ = rows[thread_id]
            digest.active_threads.append(Item(title, name, "", tlp, f"/t/{thread_id}", category, count))


@lru_cache(maxsize=1)
def _shown_threads() -> Select[Any]:
    author = aliased(Member, name="thread_author")
    return (
        visible_threads_template()
        .with_only_columns(
            Thread.id, Thread.title, Thread.tlp, Category.name, author.display_name, Post.id, Post.body_source
        )
        .join(author, author.id == Thread.author_id)
        .join(Post, and_(Post.thread_id == Thread.id, Post.number == 1))
        .where(Thread.id.in_(bindparam("ids", expanding=True)), Thread.tlp.not_in(RESTRICTED))
        .where(Thread.hidden_at.is_(None), Post.hidden_at.is_(None), Post.deleted_at.is_(None))
    )


async def _watched(db: AsyncSession, member: Member, digest: Digest, run: Run) -> None:
    """Restricted threads among these were already counted with the thread's other activity."""
    author = aliased(Member, name="reply_author")
    watching = aliased(Subscription, name="watching")
    watched = (
        join_visible_threads(
            select(Post.id, Post.number, Post.body_source, author.display_name, Thread),
            Post.thread_id,
            member,
        )
        .join(author, author.id == Post.author_id)
        .join(
            watching,
            and_(
                watching.thread_id == Post.thread_id,
                watching.member_id == member.id,
                watching.level == WatchLevel.WATCHING,
            ),
        )
        .where(Post.number > 1, Post.created_at >= digest.since, Post.created_at < digest.until)
        .where(Post.author_id != member.id, Post.hidden_at.is_(None), Post.deleted_at.is_(None))
        .where(_quiet(member), Thread.tlp.not_in(RESTRICTED))
        .order_by(Post.created_at.desc())
        .limit(LIMIT)
    )
    for post_id, number, source, name, thread in await db.execute(watched):
        digest.watched_replies.append(
            Item(
                thread.title,
                name,
                run.excerpt("post", post_id, source),
                thread.tlp,
                f"/t/{thread.id}#p{number}",
                thread.category.name,
            )
        )


def _own(member: Member) -> Any:
    return exists().where(ArticleAuthor.article_id == Article.id, ArticleAuthor.member_id == member.id)


async def _articles(db: AsyncSession, member: Member, digest: Digest, restricted: _Restricted) -> None:
    articles = (
        visible_articles(member)
        .where(Article.status == ArticleStatus.PUBLISHED, Article.hidden_at.is_(None))
        .where(Article.published_at >= digest.since, Article.published_at < digest.until, ~_own(member))
        .where(~_excluded(member, Article.category_id))
        .order_by(Article.published_at.desc())
    )
    for article in await db.scalars(articles):
        if article.tlp.restricted:
            restricted.count("article", article.id, article.category.name)
        elif len(digest.new_articles) < LIMIT:
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


async def _comments(
    db: AsyncSession, member: Member, digest: Digest, run: Run, restricted: _Restricted
) -> None:
    comments = (
        visible_comments(member)
        .add_columns(Article.title, Article.tlp, Article.id, Category.name)
        .where(_own(member), Article.status == ArticleStatus.PUBLISHED)
        .where(Comment.created_at >= digest.since, Comment.created_at < digest.until)
        .where(Comment.author_id != member.id, Comment.hidden_at.is_(None), Comment.deleted_at.is_(None))
        .order_by(Comment.created_at.desc())
    )
    for comment, title, tlp, article_id, category in await db.execute(comments):
        if tlp.restricted:
            restricted.count("article", article_id, category)
        elif len(digest.comments_on_yours) < LIMIT:
            digest.comments_on_yours.append(
                Item(
                    title,
                    comment.author.display_name,
                    run.excerpt("comment", comment.id, comment.body_source),
                    tlp,
                    f"/a/{article_id}#c{comment.id}",
                    category,
                )
            )


def _cut(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
