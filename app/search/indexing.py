"""Keeping the search documents in step with what they index.

A listener on every flush writes the documents of the threads, posts, articles and comments whose
text changed, in the same transaction: whichever service or route changed them, the index cannot
fall behind or hold text from a rolled-back change. Hiding and moving need nothing here, since
access is checked against the live rows at search time. `rebuild` recreates every document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Connection, delete, event, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.articles.models import Article, Comment
from app.db import upsert
from app.forum import markdown
from app.forum.models import Post, Thread
from app.search.models import DocumentKind, SearchDocument

MARKUP = re.compile(r"[*_`#\[\]<>!|~&\\=]|^\s*[-+>]|\n\s*[-+>\d]", re.MULTILINE)
BATCH = 1000


def plain(source: str) -> str:
    """Most posts are prose with no Markdown at all; those skip the renderer."""
    if MARKUP.search(source):
        return markdown.plain_text(source)
    return " ".join(source.split())


def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _post_row(post: Post, title: str | None) -> dict[str, Any]:
    opening = post.number == 1
    return {
        "source": f"p{post.id}",
        "kind": DocumentKind.THREAD if opening else DocumentKind.REPLY,
        "thread_id": post.thread_id,
        "post_id": post.id,
        "article_id": None,
        "comment_id": None,
        "author_id": post.author_id,
        "title": title if opening else None,
        "body": plain(post.body_source),
        "created_at": post.created_at,
    }


def _article_row(article: Article) -> dict[str, Any]:
    return {
        "source": f"a{article.id}",
        "kind": DocumentKind.ARTICLE,
        "thread_id": None,
        "post_id": None,
        "article_id": article.id,
        "comment_id": None,
        "author_id": article.created_by_id,
        "title": article.title,
        "body": " ".join(part for part in (plain(article.abstract), plain(article.body_source)) if part),
        "created_at": article.published_at or article.created_at,
    }


def _comment_row(comment: Comment) -> dict[str, Any]:
    return {
        "source": f"c{comment.id}",
        "kind": DocumentKind.COMMENT,
        "thread_id": None,
        "post_id": None,
        "article_id": comment.article_id,
        "comment_id": comment.id,
        "author_id": comment.author_id,
        "title": None,
        "body": plain(comment.body_source),
        "created_at": comment.created_at,
    }


def _write(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = upsert(connection.dialect.name, SearchDocument.__table__).values(rows)
    columns = ("kind", "thread_id", "post_id", "article_id", "comment_id", "author_id", "title", "body")
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["source"],
            set_={name: statement.excluded[name] for name in (*columns, "created_at")},
        )
    )


def _forget(connection: Connection, sources: Iterable[str]) -> None:
    sources = list(sources)
    if sources:
        connection.execute(delete(SearchDocument).where(SearchDocument.source.in_(sources)))


@event.listens_for(Session, "after_flush")
def _keep_in_step(session: Session, _context: Any) -> None:
    touched = [o for o in (*session.new, *session.dirty) if isinstance(o, Post | Thread | Article | Comment)]
    gone = [o for o in session.deleted if isinstance(o, Post | Article | Comment)]
    if not touched and not gone:
        return
    connection = session.connection()
    rows: list[dict[str, Any]] = []
    forget: list[str] = [_source(o) for o in gone]
    new = set(map(id, session.new))
    for obj in touched:
        fresh = id(obj) in new
        if isinstance(obj, Post):
            if obj.deleted_at is not None:
                forget.append(_source(obj))
            elif fresh or _changed(obj, "body_source", "deleted_at", "thread_id", "number"):
                title = None
                if obj.number == 1:
                    title = connection.scalar(select(Thread.title).where(Thread.id == obj.thread_id))
                rows.append(_post_row(obj, title))
        elif isinstance(obj, Thread):
            if not fresh and _changed(obj, "title"):
                connection.execute(
                    update(SearchDocument)
                    .where(SearchDocument.thread_id == obj.id, SearchDocument.kind == DocumentKind.THREAD)
                    .values(title=obj.title)
                )
        elif isinstance(obj, Article):
            if obj.deleted_at is not None:
                forget.append(_source(obj))
            elif fresh or _changed(obj, "title", "abstract", "body_source", "published_at", "deleted_at"):
                rows.append(_article_row(obj))
        elif obj.deleted_at is not None:
            forget.append(_source(obj))
        elif fresh or _changed(obj, "body_source", "deleted_at"):
            rows.append(_comment_row(obj))
    _forget(connection, forget)
    _write(connection, rows)


def _source(obj: Post | Article | Comment) -> str:
    prefix = "p" if isinstance(obj, Post) else "a" if isinstance(obj, Article) else "c"
    return f"{prefix}{obj.id}"


async def rebuild(db: AsyncSession, progress: Callable[[int], None] | None = None) -> int:
    """Every document again from the content tables, in batches; the engines' own indexes follow
    (PostgreSQL's column is generated, SQLite's FTS table is kept by triggers)."""
    await db.execute(delete(SearchDocument))
    written = 0
    titles = {thread_id: title for thread_id, title in await db.execute(select(Thread.id, Thread.title))}
    sources: list[tuple[Any, Callable[[Any], dict[str, Any]]]] = [
        (
            select(Post).where(Post.deleted_at.is_(None)).order_by(Post.id),
            lambda p: _post_row(p, titles.get(p.thread_id)),
        ),
        (select(Article).where(Article.deleted_at.is_(None)).order_by(Article.id), _article_row),
        (select(Comment).where(Comment.deleted_at.is_(None)).order_by(Comment.id), _comment_row),
    ]
    for query, row in sources:
        last = 0
        while True:
            model = query.column_descriptions[0]["entity"]
            batch = list(await db.scalars(query.where(model.id > last).limit(BATCH)))
            if not batch:
                break
            last = batch[-1].id
            rows = [row(obj) for obj in batch]
            await db.run_sync(lambda session, rows=rows: _write(session.connection(), rows))
            db.expunge_all()
            written += len(rows)
            if progress is not None:
                progress(len(rows))
    return written
