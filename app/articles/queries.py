"""The read side of articles. Every query starts from the policy's visibility filter."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles.models import (
    Article,
    ArticleAuthor,
    ArticleKeyword,
    ArticleParticipant,
    ArticleRevision,
    ArticleStatus,
    Comment,
)
from app.forum.markdown import Heading, headings_of
from app.policy import can_see_hidden_posts, one_visible, visible_articles, visible_comments

ARTICLES_PER_PAGE = 20


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    body_html: str | None
    hidden_for_viewer: bool
    replies: list[CommentView]


@dataclass(frozen=True)
class ArticleView:
    article: Article
    comments: list[CommentView]
    headings: tuple[Heading, ...]


async def article(db: AsyncSession, member: Member, article_id: int) -> Article:
    return await one_visible(db, visible_articles(member).where(Article.id == article_id))


async def comment(db: AsyncSession, member: Member, comment_id: int) -> Comment:
    return await one_visible(db, visible_comments(member).where(Comment.id == comment_id))


def present(comment: Comment, member: Member) -> CommentView:
    """Deleted comments show to no one; hidden ones only to moderators."""
    if comment.deleted_at is not None or (comment.hidden_at is not None and not can_see_hidden_posts(member)):
        return CommentView(comment, None, True, [])
    return CommentView(comment, comment.body_html, False, [])


async def article_view(db: AsyncSession, member: Member, article_id: int) -> ArticleView:
    """The article (with its authors and keywords) and all its comments: four queries however many
    comments there are."""
    found = await article(db, member, article_id)
    rows = await db.scalars(
        select(Comment).where(Comment.article_id == found.id).order_by(Comment.created_at, Comment.id)
    )
    top: list[CommentView] = []
    by_id: dict[int, CommentView] = {}
    for row in rows:
        view = present(row, member)
        by_id[row.id] = view
        parent = by_id.get(row.parent_id) if row.parent_id else None
        (parent.replies if parent is not None else top).append(view)
    return ArticleView(found, top, headings_of(found.body_html))


def _published(member: Member, keyword: str | None, author: str | None) -> Select[tuple[Article]]:
    query = visible_articles(member).where(Article.status == ArticleStatus.PUBLISHED)
    if keyword:
        query = query.where(
            exists().where(ArticleKeyword.article_id == Article.id, ArticleKeyword.keyword == keyword.lower())
        )
    if author:
        query = query.where(
            exists().where(
                ArticleAuthor.article_id == Article.id,
                ArticleAuthor.member_id == Member.id,
                Member.username == author.lower().lstrip("@"),
            )
        )
    return query


@dataclass(frozen=True)
class PublishedPage:
    articles: list[Article]
    total: int
    page: int
    """The page listed: the one asked for, or the last one when that was past the end."""
    pages: int


async def published(
    db: AsyncSession, member: Member, *, keyword: str | None = None, author: str | None = None, page: int = 1
) -> PublishedPage:
    """Newest first; counted through the same filter as listed."""
    query = _published(member, keyword, author)
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / ARTICLES_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = await db.scalars(
        query.order_by(Article.published_at.desc(), Article.id.desc())
        .limit(ARTICLES_PER_PAGE)
        .offset((page - 1) * ARTICLES_PER_PAGE)
    )
    return PublishedPage(list(rows), total, page, pages)


async def own_drafts(db: AsyncSession, member: Member) -> list[Article]:
    """The member's articles that are not published yet."""
    return list(
        await db.scalars(
            visible_articles(member)
            .where(Article.status != ArticleStatus.PUBLISHED)
            .where(
                exists().where(ArticleAuthor.article_id == Article.id, ArticleAuthor.member_id == member.id)
            )
            .order_by(Article.updated_at.desc())
        )
    )


async def review_queue(db: AsyncSession, member: Member) -> list[Article]:
    """Submitted articles this editor could read once published (the visibility rules decide)."""
    return list(
        await db.scalars(
            visible_articles(member)
            .where(Article.status == ArticleStatus.SUBMITTED)
            .order_by(Article.submitted_at)
        )
    )


async def named_participants(db: AsyncSession, found: Article) -> list[str]:
    """The handles a TLP:RED article's authors named, besides themselves."""
    authors = {a.member_id for a in found.authors}
    rows = await db.execute(
        select(Member.id, Member.username)
        .join(ArticleParticipant, ArticleParticipant.member_id == Member.id)
        .where(ArticleParticipant.article_id == found.id)
        .order_by(Member.username)
    )
    return [username for member_id, username in rows if member_id not in authors]


async def revisions(db: AsyncSession, found: Article) -> list[ArticleRevision]:
    return list(
        await db.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == found.id)
            .order_by(ArticleRevision.number.desc())
        )
    )


async def visible_comment_count(db: AsyncSession, member: Member, article_id: int) -> int:
    return (
        await db.scalar(
            select(func.count()).select_from(
                visible_comments(member).where(Comment.article_id == article_id).subquery()
            )
        )
        or 0
    )
