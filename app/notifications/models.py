from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Member
from app.db import Base, UTCDateTime, utcnow


class NotificationKind(enum.StrEnum):
    MENTION = "mention"
    REPLY = "reply"
    NEW_THREAD = "new_thread"
    COMMENT = "comment"
    COMMENT_REPLY = "comment_reply"
    PUBLISHED = "published"
    RETURNED = "returned"
    HIDDEN = "hidden"


class Notification(Base):
    """Points at a thread and post, or at an article and comment; what it shows is re-read
    through the visibility filter."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_member_unread", "member_id", "read_at", "created_at"),
        CheckConstraint("(thread_id IS NULL) <> (article_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(NotificationKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("article_comments.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[Member | None] = relationship(lazy="joined", foreign_keys=[actor_id])
