"""What search reads: one document per thread (its title and opening post), reply, article and
comment, holding their text only.

Who may see a result is never stored here. Each hit is checked against the live thread or article
through the visibility SQL when the search runs, so moving a thread to a stricter tier, relabelling
or hiding it changes who finds it at once, without touching the index.

The full-text index itself belongs to each engine and is created by the migrations: a weighted
tsvector column with a GIN index on PostgreSQL, an FTS5 table kept in step by triggers on SQLite.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, string_enum

# Created by migrations for one engine only, so the model/migration comparison leaves them out.
ENGINE_OWNED_TABLES = frozenset({"search_fts"})
ENGINE_OWNED_COLUMNS = frozenset({("search_documents", "document")})
ENGINE_OWNED_INDEXES = frozenset({"ix_search_documents_document", "ix_search_documents_pairs"})


class DocumentKind(enum.StrEnum):
    THREAD = "thread"
    REPLY = "reply"
    ARTICLE = "article"
    COMMENT = "comment"

    @property
    def label(self) -> str:
        return {"thread": "Discussion", "reply": "Reply", "article": "Article", "comment": "Comment"}[
            self.value
        ]


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_author_created", "author_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(string_enum(DocumentKind, 8), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    """For Alembic's comparison of models and database."""
    if type_ == "table":
        return name not in ENGINE_OWNED_TABLES and not (name or "").startswith("search_fts_")
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in ENGINE_OWNED_COLUMNS
    if type_ == "index":
        return name not in ENGINE_OWNED_INDEXES
    return True
