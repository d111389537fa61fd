"""Search in two steps: the engine's text match finds candidates, best first; the visibility SQL
then keeps those the member may see, in batches, until the page is full.

Every title, snippet and count shown comes from the second step, so a result the member may not
see contributes nothing — not even to "N results".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.accounts.models import Member
from app.articles.models import Article, ArticleStatus, Comment
from app.forum.models import TLP, Category, Post, Thread
from app.policy import join_visible_articles, join_visible_threads
from app.search import engines, snippets
from app.search.engines import DocumentFilter
from app.search.models import DocumentKind, SearchDocument
from app.search.query import ParsedQuery, parse, prefix_of
from app.search.schemas import SearchIn

PER_PAGE = 20
BATCH = 200
MOST_EXAMINED = 4000
MOST_WINDOWS = 12
SUGGESTIONS = 6


@dataclass(frozen=True)
class Filters:
    kind: DocumentKind | None = None
    category: str | None = None
    author: str | None = None
    agency: int | None = None
    after: date | None = None
    before: date | None = None
    tlp: TLP | None = None

    @classmethod
    def of(cls, form: SearchIn) -> Filters:
        return cls(form.kind, form.category, form.author, form.agency, form.after, form.before, form.tlp)


@dataclass
class Result:
    kind: DocumentKind
    title: str
    url: str
    category: str
    author: str
    created_at: datetime
    tlp: TLP
    body: str = field(repr=False)
    words: list[str] = field(repr=False)

    @cached_property
    def snippet(self) -> snippets.Pieces:
        """Worked out only for the results shown, not for every candidate looked at."""
        return snippets.highlight(self.body, self.words)


@dataclass
class ResultPage:
    query: ParsedQuery
    results: list[Result] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    found: int = 0
    exhausted: bool = True

    @property
    def summary(self) -> str:
        if self.found == 0:
            return "No results"
        noun = "result" if self.found == 1 else "results"
        return f"{self.found} {noun}" if self.exhausted else f"More than {self.found} results"


def _day(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=UTC)


async def _document_filter(
    db: AsyncSession, filters: Filters, kinds: tuple[DocumentKind, ...]
) -> DocumentFilter:
    author_ids: tuple[int, ...] | None = None
    if filters.author is not None:
        handle = filters.author.removeprefix("@").lower()
        author_ids = tuple(await db.scalars(select(Member.id).where(Member.username == handle)))
    if filters.agency is not None:
        agency_members = set(await db.scalars(select(Member.id).where(Member.agency_id == filters.agency)))
        author_ids = tuple(agency_members if author_ids is None else agency_members & set(author_ids))
    return DocumentFilter(
        kinds=(filters.kind,) if filters.kind else kinds,
        author_ids=author_ids,
        after=_day(filters.after) if filters.after else None,
        before=_day(filters.before) + timedelta(days=1) if filters.before else None,
    )


def _narrowed(query: Select[Any], filters: Filters, label: Any) -> Select[Any]:
    if filters.category is not None:
        query = query.where(Category.slug == filters.category)
    if filters.tlp is not None:
        query = query.where(label == filters.tlp)
    return query


async def _visible(
    db: AsyncSession, member: Member, ids: list[int], filters: Filters, words: list[str]
) -> list[Result]:
    """The candidates the member may see, in the engine's order, each with what is shown of it."""
    author = aliased(Member, name="author")
    found: dict[int, Result] = {}
    threads = _narrowed(
        join_visible_threads(
            select(
                SearchDocument.id,
                SearchDocument.kind,
                SearchDocument.body,
                SearchDocument.created_at,
                Thread.id,
                Thread.title,
                Thread.tlp,
                Category.name,
                Post.number,
                author.display_name,
            )
            .select_from(SearchDocument)
            .join(Post, Post.id == SearchDocument.post_id)
            .join(author, author.id == SearchDocument.author_id),
            SearchDocument.thread_id,
            member,
        )
        .where(SearchDocument.id.in_(ids), SearchDocument.kind.in_((DocumentKind.THREAD, DocumentKind.REPLY)))
        .where(Post.hidden_at.is_(None), Post.deleted_at.is_(None), Thread.hidden_at.is_(None)),
        filters,
        Thread.tlp,
    )
    for doc_id, kind, body, at, thread_id, title, tlp, category, number, name in await db.execute(threads):
        url = f"/t/{thread_id}" if number == 1 else f"/t/{thread_id}#p{number}"
        found[doc_id] = Result(kind, title, url, category, name, at, tlp, body, words)
    comment = aliased(Comment, name="comment")
    articles = _narrowed(
        join_visible_articles(
            select(
                SearchDocument.id,
                SearchDocument.kind,
                SearchDocument.body,
                SearchDocument.created_at,
                SearchDocument.comment_id,
                Article.id,
                Article.title,
                Article.tlp,
                Category.name,
                author.display_name,
            )
            .select_from(SearchDocument)
            .join(author, author.id == SearchDocument.author_id)
            .outerjoin(comment, comment.id == SearchDocument.comment_id),
            SearchDocument.article_id,
            member,
        )
        .where(
            SearchDocument.id.in_(ids), SearchDocument.kind.in_((DocumentKind.ARTICLE, DocumentKind.COMMENT))
        )
        .where(Article.status == ArticleStatus.PUBLISHED, Article.hidden_at.is_(None))
        .where(comment.hidden_at.is_(None), comment.deleted_at.is_(None)),
        filters,
        Article.tlp,
    )
    for doc_id, kind, body, at, comment_id, article_id, title, tlp, category, name in await db.execute(
        articles
    ):
        url = f"/a/{article_id}" if comment_id is None else f"/a/{article_id}#c{comment_id}"
        found[doc_id] = Result(kind, title, url, category, name, at, tlp, body, words)
    return [found[i] for i in ids if i in found]


async def search(db: AsyncSession, member: Member, text: str, filters: Filters, page: int = 1) -> ResultPage:
    """Raises QueryRefused, with a message for people, when the text cannot be searched for."""
    query = parse(text)
    result = ResultPage(query, page=page)
    where = await _document_filter(db, filters, ())
    if where.author_ids == ():
        return result
    engine = engines.engine_for(db)
    wanted = page * PER_PAGE + 1
    visible: list[Result] = []
    window: engines.Window | None = None
    examined = 0
    windows = 0
    while len(visible) < wanted:
        if windows == MOST_WINDOWS:
            result.exhausted = False
            break
        windows += 1
        window = await engine.match(db, query, where, window)
        for start in range(0, len(window.ids), BATCH):
            if len(visible) >= wanted or examined >= MOST_EXAMINED:
                result.exhausted = False
                break
            batch = window.ids[start : start + BATCH]
            examined += len(batch)
            visible += await _visible(db, member, batch, filters, query.highlights)
        else:
            if window.older is None:
                break
            continue
        break
    else:
        result.exhausted = False
    result.found = len(visible)
    result.has_next = len(visible) >= wanted
    result.results = visible[(page - 1) * PER_PAGE : page * PER_PAGE]
    return result


async def suggest(db: AsyncSession, member: Member, text: str) -> list[Result]:
    """Titles of discussions and articles while the last word is still being typed."""
    typed = prefix_of(text)
    if typed is None:
        return []
    words, typing = typed
    where = DocumentFilter(kinds=(DocumentKind.THREAD, DocumentKind.ARTICLE))
    ids = (await engines.engine_for(db).prefix(db, words, typing, where))[:BATCH]
    if not ids:
        return []
    return (await _visible(db, member, ids, Filters(), [*words, typing]))[:SUGGESTIONS]
