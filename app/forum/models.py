from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Member
from app.db import Base, UTCDateTime, string_enum, utcnow


class Tier(enum.StrEnum):
    """Who may see a category (and, stricter, a thread). Order matters: later is stricter."""

    COMMUNITY = "community"
    AGENCIES = "agencies"
    WORKING_GROUP = "working_group"

    @property
    def label(self) -> str:
        return {"community": "Community", "agencies": "Agencies only", "working_group": "Working group"}[
            self.value
        ]

    @property
    def rank(self) -> int:
        return list(Tier).index(self)


class TLP(enum.StrEnum):
    """Traffic Light Protocol 2.0 labels."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber_strict"
    RED = "red"

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper().replace("_STRICT", "+STRICT")

    @property
    def restricted(self) -> bool:
        """AMBER and stricter: never in a Community category, never quoted in e-mail."""
        return self in (TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)

    @property
    def description(self) -> str:
        return {
            "clear": "Disclosure is not limited.",
            "green": "Limited disclosure: members of this community, not public channels.",
            "amber": "Limited disclosure: recipients' organisations on a need-to-know basis.",
            "amber_strict": "Limited to the author's own agency.",
            "red": "For the named participants only.",
        }[self.value]


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[Tier] = mapped_column(string_enum(Tier))
    default_tlp: Mapped[TLP] = mapped_column(string_enum(TLP))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list[AccessGrant]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="AccessGrant.id"
    )


class AccessGrant(Base):
    """An agency or a member group admitted to a working-group category."""

    __tablename__ = "access_grants"
    __table_args__ = (
        CheckConstraint("(agency_id IS NULL) <> (group_id IS NULL)", name="one_grantee"),
        UniqueConstraint("category_id", "agency_id", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("member_groups.id", ondelete="CASCADE"))


class Thread(Base):
    __tablename__ = "threads"
    __table_args__ = (
        Index("ix_threads_category_listing", "category_id", "pinned", "last_post_at"),
        Index("ix_threads_last_post_at", "last_post_at"),
        Index(
            "ix_threads_visibility_groups",
            "category_id",
            "tier",
            "tlp",
            "owner_agency_id",
            "hidden_at",
            "deleted_at",
            "post_count",
            "last_post_at",
        ),
        # Partial, so that it serves the TLP:RED counts without tempting planners to read every
        # thread through it when the visibility expression lists labels.
        Index(
            "ix_threads_red_category",
            "category_id",
            sqlite_where=text("tlp = 'red'"),
            postgresql_where=text("tlp = 'red'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    tier: Mapped[Tier | None] = mapped_column(string_enum(Tier))
    tlp: Mapped[TLP] = mapped_column(string_enum(TLP))
    owner_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship(lazy="joined", innerjoin=True)
    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])


class ThreadParticipant(Base):
    """The members a TLP:RED thread is limited to, named by its author."""

    __tablename__ = "thread_participants"
    __table_args__ = (UniqueConstraint("thread_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        Index("ix_posts_author_created", "author_id", "created_at"),
        Index("ix_posts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    render_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)


class PostRevision(Base):
    """The text a post had before each edit; shown to moderators."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    body_source: Mapped[str] = mapped_column(Text)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[Member] = relationship(lazy="joined")


class ReadMark(Base):
    """How far a member has read a thread, for the 'first unread' link."""

    __tablename__ = "read_marks"
    __table_args__ = (UniqueConstraint("member_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    last_read_number: Mapped[int] = mapped_column(Integer, default=0)


class WatchLevel(enum.StrEnum):
    WATCHING = "watching"
    MUTED = "muted"


class Subscription(Base):
    """A member watching or muting a thread or a whole category."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (category_id IS NULL)", name="one_target"),
        UniqueConstraint("member_id", "thread_id", "category_id"),
        Index("ix_subscriptions_thread", "thread_id", "level"),
        Index("ix_subscriptions_category", "category_id", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    level: Mapped[WatchLevel] = mapped_column(string_enum(WatchLevel))
