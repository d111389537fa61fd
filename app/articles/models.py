"""Articles: long-form, citable writing by academics and officials, reviewed before publication.

An article is filed in a forum category and carries a tier and a TLP label exactly as a thread
does, so one visibility expression in the policy module governs both.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Member
from app.db import Base, UTCDateTime, string_enum, utcnow
from app.forum.models import TLP, Category, Tier


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Waiting for review",
            "returned": "Returned to the authors",
            "published": "Published",
        }[self.value]


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    tier: Mapped[Tier | None] = mapped_column(string_enum(Tier))
    tlp: Mapped[TLP] = mapped_column(string_enum(TLP))
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    status: Mapped[ArticleStatus] = mapped_column(string_enum(ArticleStatus), default=ArticleStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text, default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    render_version: Mapped[int] = mapped_column(Integer)
    reading_minutes: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    editor_notes: Mapped[str | None] = mapped_column(Text)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    pdf_stored_name: Mapped[str | None] = mapped_column(String(64))
    pdf_filename: Mapped[str | None] = mapped_column(String(200))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    authors: Mapped[list[ArticleAuthor]] = relationship(
        lazy="selectin", order_by="ArticleAuthor.position", cascade="all, delete-orphan"
    )
    keywords: Mapped[list[ArticleKeyword]] = relationship(
        lazy="selectin", order_by="ArticleKeyword.keyword", cascade="all, delete-orphan"
    )

    @property
    def author_members(self) -> list[Member]:
        return [a.member for a in self.authors]

    @property
    def keyword_list(self) -> list[str]:
        return [k.keyword for k in self.keywords]

    @property
    def effective_tier(self) -> Tier:
        tier = self.tier
        return tier if tier is not None and tier.rank > self.category.tier.rank else self.category.tier


class ArticleAuthor(Base):
    __tablename__ = "article_authors"
    __table_args__ = (UniqueConstraint("article_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class ArticleParticipant(Base):
    """The members a TLP:RED article is limited to (its authors among them)."""

    __tablename__ = "article_participants"
    __table_args__ = (UniqueConstraint("article_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)


class ArticleKeyword(Base):
    __tablename__ = "article_keywords"
    __table_args__ = (UniqueConstraint("article_id", "keyword"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    keyword: Mapped[str] = mapped_column(String(60), index=True)


class ArticleRevision(Base):
    """The published text (and PDF) an article had before each revision; shown to moderators.
    A PDF file named here is never deleted, though the article may have moved on from it."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    pdf_stored_name: Mapped[str | None] = mapped_column(String(64))
    pdf_filename: Mapped[str | None] = mapped_column(String(200))
    pdf_size: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))


class Comment(Base):
    __tablename__ = "article_comments"
    __table_args__ = (Index("ix_article_comments_article_created", "article_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("article_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    render_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
