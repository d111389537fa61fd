"""Who may see what, as SQL.

Visibility is one SQL expression over a thread (or article), its category and a *viewer row*.
Joining the signed-in member as the viewer lists what they may see; joining every member as the
viewer lists who may see an item (mention autocomplete, notification recipients). Both therefore
use the same rules, and nothing is decided twice. Default deny: no viewer, no rows.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, contains_eager

from app.accounts.models import Member, MemberKind, Role, Status
from app.articles.models import Article, ArticleAuthor, ArticleParticipant, ArticleStatus, Comment
from app.forum.models import TLP, AccessGrant, Category, Post, Thread, ThreadParticipant, Tier
from app.groups.models import GroupMembership
from app.notifications.models import Notification
from app.policy.base import NotVisible, can_see_content

#
# Visibility is one SQL expression over a thread, its category and a *viewer row*. Joining the
# signed-in member as the viewer lists what they may see; joining every member as the viewer lists
# who may see a thread (mention autocomplete, notification recipients). Both therefore use the same
# rules, and nothing is decided twice. Default deny: no viewer, no rows.


Viewer = aliased(Member, name="viewer")
T = TypeVar("T", bound=tuple[Any, ...])
R = TypeVar("R")
STAFF_ROLES = (Role.MODERATOR, Role.ADMIN)


def _active(viewer: type[Member]) -> ColumnElement[bool]:
    return and_(viewer.status == Status.APPROVED, viewer.suspended_at.is_(None))


def _staff(viewer: type[Member]) -> ColumnElement[bool]:
    return viewer.role.in_(STAFF_ROLES)


def _official(viewer: type[Member]) -> ColumnElement[bool]:
    return and_(viewer.kind == MemberKind.OFFICIAL, viewer.agency_id.is_not(None))


def _granted(category: type[Category], viewer: type[Member]) -> ColumnElement[bool]:
    """Two single-level EXISTS, so both correlate to the viewer row of the enclosing query; a nested
    subquery would not, and would then admit anyone in any group."""
    by_agency = exists().where(
        AccessGrant.category_id == category.id, AccessGrant.agency_id == viewer.agency_id
    )
    by_group = exists(
        select(AccessGrant.id)
        .join(GroupMembership, GroupMembership.group_id == AccessGrant.group_id)
        .where(AccessGrant.category_id == category.id, GroupMembership.member_id == viewer.id)
    )
    return or_(by_agency, by_group)


def _tier_allows(
    tier: ColumnElement[Tier], category: type[Category], viewer: type[Member]
) -> ColumnElement[bool]:
    return or_(
        tier == Tier.COMMUNITY,
        and_(tier == Tier.AGENCIES, or_(_official(viewer), _staff(viewer))),
        and_(tier == Tier.WORKING_GROUP, _granted(category, viewer)),
    )


def category_visible_to(category: type[Category], viewer: type[Member]) -> ColumnElement[bool]:
    return and_(_active(viewer), _tier_allows(category.tier, category, viewer))


def _content_visible_to(
    item: Any, category: type[Category], viewer: type[Member], red_participant: ColumnElement[bool]
) -> ColumnElement[bool]:
    """The access model shared by threads and articles: category tier, the item's own stricter
    tier, its TLP label, and moderation state. `red_participant` says whether the viewer is named
    on a TLP:RED item."""
    label_allows = or_(
        item.tlp.in_((TLP.CLEAR, TLP.GREEN, TLP.AMBER)),
        and_(
            item.tlp == TLP.AMBER_STRICT,
            or_(
                and_(item.owner_agency_id.is_not(None), item.owner_agency_id == viewer.agency_id),
                _staff(viewer),
            ),
        ),
        and_(item.tlp == TLP.RED, red_participant),
    )
    return and_(
        category_visible_to(category, viewer),
        or_(item.tier.is_(None), _tier_allows(item.tier, category, viewer)),
        label_allows,
        item.deleted_at.is_(None),
        or_(item.hidden_at.is_(None), _staff(viewer)),
    )


def thread_visible_to(
    thread: type[Thread], category: type[Category], viewer: type[Member]
) -> ColumnElement[bool]:
    named = exists().where(ThreadParticipant.thread_id == thread.id, ThreadParticipant.member_id == viewer.id)
    return _content_visible_to(thread, category, viewer, named)


def article_readable_by(
    article: type[Article], category: type[Category], viewer: type[Member]
) -> ColumnElement[bool]:
    """Whether the viewer could read the article once published: the thread rules exactly."""
    named = exists().where(
        ArticleParticipant.article_id == article.id, ArticleParticipant.member_id == viewer.id
    )
    return _content_visible_to(article, category, viewer, named)


def article_visible_to(
    article: type[Article], category: type[Category], viewer: type[Member]
) -> ColumnElement[bool]:
    """Published articles by the thread rules; authors see their own in every state; editors see
    those submitted for review that they could read once published. Drafts and returned drafts
    stay with their authors."""
    is_author = exists().where(ArticleAuthor.article_id == article.id, ArticleAuthor.member_id == viewer.id)
    return and_(
        _active(viewer),
        or_(
            and_(article.status == ArticleStatus.PUBLISHED, article_readable_by(article, category, viewer)),
            and_(
                article.status == ArticleStatus.SUBMITTED,
                _staff(viewer),
                article_readable_by(article, category, viewer),
            ),
            and_(is_author, article.deleted_at.is_(None)),
        ),
    )


@lru_cache(maxsize=1)
def _viewer_sees_thread() -> ColumnElement[bool]:
    """The rules do not depend on who is looking (the viewer is a joined row), so the expression is
    built once rather than on every request."""
    return thread_visible_to(Thread, Category, Viewer)


@lru_cache(maxsize=1)
def _viewer_sees_category() -> ColumnElement[bool]:
    return category_visible_to(Category, Viewer)


def visible_categories(member: Member | None) -> Select[tuple[Category]]:
    if not can_see_content(member):
        return select(Category).where(false())
    assert member is not None
    return select(Category).join(Viewer, Viewer.id == member.id).where(_viewer_sees_category())


def _with_viewer(query: Select[T], member: Member) -> Select[T]:
    return (
        query.join(Category, Category.id == Thread.category_id)
        .join(Viewer, Viewer.id == member.id)
        .where(_viewer_sees_thread())
    )


async def one_visible(db: AsyncSession, query: Select[tuple[R]]) -> R:
    """The single row a visibility-filtered query finds; none is NotVisible (404), exactly as for
    something that does not exist."""
    found = await db.scalar(query)
    if found is None:
        raise NotVisible
    return found


VIEWER_ID = bindparam("viewer_id", type_=Integer)


def viewer_params(member: Member | None) -> dict[str, int | None]:
    """Binds the viewer of a statement built on `visible_threads_template`. Whoever may not see
    content binds no one, so the join finds no viewer row and the statement no rows."""
    return {"viewer_id": member.id if can_see_content(member) else None}


@lru_cache(maxsize=1)
def visible_threads_template() -> Select[tuple[Thread]]:
    """`visible_threads` with the viewer left as a parameter, for the hottest pages: a statement
    object built once and executed with `viewer_params` keeps its SQLAlchemy cache key, which
    for this expression costs more to compute than the query takes to run."""
    return (
        select(Thread)
        .join(Category, Category.id == Thread.category_id)
        .join(Viewer, Viewer.id == VIEWER_ID)
        .where(_viewer_sees_thread())
        .options(contains_eager(Thread.category))
    )


def visible_threads(member: Member | None) -> Select[tuple[Thread]]:
    """Every read, list or count of threads (and so of their posts) starts from this query."""
    if not can_see_content(member):
        return select(Thread).where(false())
    assert member is not None
    return _with_viewer(select(Thread), member).options(contains_eager(Thread.category))


@lru_cache(maxsize=2)
def _grouped_totals(one_category: bool) -> Select[tuple[int, int, int, Any]]:
    """Threads that share category, tier, label, owning agency and moderation state are equally
    visible to everyone, so the visibility expression is applied once per such group rather than
    once per thread. TLP:RED threads depend on their own participant list and are counted apart."""
    groups = (
        select(
            Thread.category_id.label("category_id"),
            Thread.tier.label("tier"),
            Thread.tlp.label("tlp"),
            Thread.owner_agency_id.label("owner_agency_id"),
            Thread.hidden_at.label("hidden_at"),
            Thread.deleted_at.label("deleted_at"),
            literal(0, Integer).label("id"),
            func.count(Thread.id).label("threads"),
            func.sum(Thread.post_count).label("posts"),
            func.max(Thread.last_post_at).label("last"),
        )
        .where(Thread.tlp != TLP.RED)
        .where(Thread.category_id == bindparam("category_id") if one_category else true())
        .group_by(
            Thread.category_id,
            Thread.tier,
            Thread.tlp,
            Thread.owner_agency_id,
            Thread.hidden_at,
            Thread.deleted_at,
        )
        .subquery("thread_groups")
    )
    g = groups.c
    return (
        select(g.category_id, func.sum(g.threads), func.sum(g.posts), func.max(g.last))
        .join_from(groups, Category, Category.id == g.category_id)
        .join(Viewer, Viewer.id == VIEWER_ID)
        .where(thread_visible_to(g, Category, Viewer))  # type: ignore[arg-type]
        .group_by(g.category_id)
    )


@lru_cache(maxsize=2)
def _red_totals(one_category: bool) -> Select[tuple[int, int, int, Any]]:
    return (
        visible_threads_template()
        .with_only_columns(
            Thread.category_id,
            func.count(Thread.id),
            func.sum(Thread.post_count),
            func.max(Thread.last_post_at),
        )
        .where(Thread.tlp == TLP.RED)
        .where(Thread.category_id == bindparam("category_id") if one_category else true())
        .group_by(Thread.category_id)
    )


def visible_thread_totals(
    member: Member | None, category_id: int | None = None
) -> list[tuple[Select[Any], dict[str, Any]]]:
    """Per category: threads, posts and latest activity, counted over what the member may see.
    Two queries (grouped threads, then TLP:RED ones) whose rows are added up by the caller; each
    comes with the parameters to execute it with, the statements themselves being built once."""
    if not can_see_content(member):
        return []
    assert member is not None
    params = viewer_params(member)
    if category_id is not None:
        params["category_id"] = category_id
    one = category_id is not None
    return [(_grouped_totals(one), params), (_red_totals(one), params)]


class ThreadKind(NamedTuple):
    """What a thread's visibility depends on, TLP:RED participants aside."""

    category_id: int
    tier: Tier | None
    tlp: TLP
    owner_agency_id: int | None


@lru_cache(maxsize=64)
def _kinds_visible(count: int) -> Select[tuple[int, Any, Any, Any]]:
    """The kinds are rows of parameters, so the rules run over a few dozen rows rather than over
    every active thread; a statement is built once per number of kinds."""
    rows = [
        select(
            bindparam(f"kind_category_{i}", type_=Thread.category_id.type).label("category_id"),
            bindparam(f"kind_tier_{i}", type_=Thread.tier.type).label("tier"),
            bindparam(f"kind_tlp_{i}", type_=Thread.tlp.type).label("tlp"),
            bindparam(f"kind_owner_{i}", type_=Thread.owner_agency_id.type).label("owner_agency_id"),
            null().label("hidden_at"),
            null().label("deleted_at"),
            literal(0, Integer).label("id"),
        )
        for i in range(count)
    ]
    kinds = union_all(*rows).subquery("thread_kinds")
    k = kinds.c
    return (
        select(k.category_id, k.tier, k.tlp, k.owner_agency_id)
        .join_from(kinds, Category, Category.id == k.category_id)
        .join(Viewer, Viewer.id == VIEWER_ID)
        .where(k.tlp != TLP.RED, thread_visible_to(k, Category, Viewer))  # type: ignore[arg-type]
    )


@lru_cache(maxsize=1)
def _red_among() -> Select[tuple[int]]:
    return (
        visible_threads_template()
        .with_only_columns(Thread.id)
        .where(Thread.tlp == TLP.RED, Thread.id.in_(bindparam("ids", expanding=True)))
    )


async def visible_thread_kinds(
    db: AsyncSession, member: Member | None, kinds: Collection[ThreadKind], red_ids: Collection[int]
) -> tuple[set[ThreadKind], set[int]]:
    """For the digest, which goes through every member in one run: which kinds of live (neither
    hidden nor deleted) thread the member may see, and which of the given TLP:RED threads they are
    named on. As for the category totals, the rules are those of `thread_visible_to`, applied once
    per kind instead of once per thread; a kind never covers TLP:RED, whose threads each have their
    own participants."""
    if not can_see_content(member):
        return set(), set()
    params: dict[str, Any] = viewer_params(member)
    visible: set[ThreadKind] = set()
    listed = sorted({kind for kind in kinds if kind.tlp is not TLP.RED}, key=repr)
    if listed:
        for i, kind in enumerate(listed):
            params |= {
                f"kind_category_{i}": kind.category_id,
                f"kind_tier_{i}": kind.tier,
                f"kind_tlp_{i}": kind.tlp,
                f"kind_owner_{i}": kind.owner_agency_id,
            }
        visible = {ThreadKind(*row) for row in await db.execute(_kinds_visible(len(listed)), params)}
    red = set(await db.scalars(_red_among(), {**params, "ids": list(red_ids)})) if red_ids else set()
    return visible, red


def join_visible_threads(query: Select[T], thread_id: ColumnElement[int], member: Member | None) -> Select[T]:
    """Restricts any query that carries a thread id (notifications, posts) to threads the member may
    see, by joining the thread rather than filtering on a subquery of all visible threads."""
    if not can_see_content(member):
        return query.where(false())
    assert member is not None
    return (
        query.join(Thread, Thread.id == thread_id)
        .join(Category, Category.id == Thread.category_id)
        .join(Viewer, Viewer.id == member.id)
        .where(_viewer_sees_thread())
    )


def visible_posts(member: Member | None) -> Select[tuple[Post]]:
    """Posts of the threads the member may see; post-level hiding is applied when shown."""
    return join_visible_threads(select(Post), Post.thread_id, member)


def members_who_can_see_thread(thread_id: int) -> Select[tuple[Member]]:
    """Mention candidates and notification recipients: the same rules, read the other way round."""
    return (
        select(Member)
        .join(Thread, Thread.id == thread_id)
        .join(Category, Category.id == Thread.category_id)
        .where(thread_visible_to(Thread, Category, Member))
    )


def members_who_can_see_category(category_id: int) -> Select[tuple[Member]]:
    return (
        select(Member).join(Category, Category.id == category_id).where(category_visible_to(Category, Member))
    )


@lru_cache(maxsize=1)
def _viewer_sees_article() -> ColumnElement[bool]:
    return article_visible_to(Article, Category, Viewer)


def visible_articles(member: Member | None) -> Select[tuple[Article]]:
    """Every read, list or count of articles (and so of their comments and files) starts here."""
    if not can_see_content(member):
        return select(Article).where(false())
    assert member is not None
    return (
        select(Article)
        .join(Category, Category.id == Article.category_id)
        .join(Viewer, Viewer.id == member.id)
        .where(_viewer_sees_article())
        .options(contains_eager(Article.category))
    )


def join_visible_articles(
    query: Select[T], article_id: ColumnElement[int], member: Member | None
) -> Select[T]:
    if not can_see_content(member):
        return query.where(false())
    assert member is not None
    return (
        query.join(Article, Article.id == article_id)
        .join(Category, Category.id == Article.category_id)
        .join(Viewer, Viewer.id == member.id)
        .where(_viewer_sees_article())
    )


def visible_comments(member: Member | None) -> Select[tuple[Comment]]:
    """Comments of articles the member may see; comment-level hiding is applied when shown."""
    return join_visible_articles(select(Comment), Comment.article_id, member)


def members_who_can_read_article(article_id: int) -> Select[tuple[Member]]:
    """Co-author candidates and comment notification recipients: who could read it published."""
    return (
        select(Member)
        .join(Article, Article.id == article_id)
        .join(Category, Category.id == Article.category_id)
        .where(article_readable_by(Article, Category, Member))
    )


def editors_who_can_review(article_id: int) -> Select[tuple[Member]]:
    """Moderators who would find the article in their review queue: staff who could read it once
    published and are not among its authors."""
    return members_who_can_read_article(article_id).where(
        _staff(Member),
        ~exists().where(ArticleAuthor.article_id == article_id, ArticleAuthor.member_id == Member.id),
    )


def visible_notifications(query: Select[T], member: Member | None) -> Select[T]:
    """Notifications point at a thread or an article; each is shown only while its subject is
    visible, by the same expressions as the pages."""
    if not can_see_content(member):
        return query.where(false())
    assert member is not None
    return (
        query.outerjoin(Thread, Thread.id == Notification.thread_id)
        .outerjoin(Article, Article.id == Notification.article_id)
        .join(Category, Category.id == func.coalesce(Thread.category_id, Article.category_id))
        .join(Viewer, Viewer.id == member.id)
        .where(
            or_(
                and_(Notification.thread_id.is_not(None), _viewer_sees_thread()),
                and_(Notification.article_id.is_not(None), _viewer_sees_article()),
            )
        )
    )
