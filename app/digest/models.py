"""What each member asked of the digest e-mail."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, string_enum


class DigestFrequency(enum.StrEnum):
    WEEKLY = "weekly"
    DAILY = "daily"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {"weekly": "Weekly", "daily": "Daily", "never": "Never"}[self.value]

    @property
    def rank(self) -> int:
        """Higher sends less mail."""
        return {"daily": 0, "weekly": 1, "never": 2}[self.value]

    @property
    def period(self) -> timedelta:
        return timedelta(days=1) if self is DigestFrequency.DAILY else timedelta(days=7)


class DigestSetting(Base):
    """One row per member who changed the defaults (weekly, every category) or received a digest."""

    __tablename__ = "digest_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    frequency: Mapped[DigestFrequency] = mapped_column(
        string_enum(DigestFrequency), default=DigestFrequency.WEEKLY
    )
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestExclusion(Base):
    """A category the member leaves out of their digest."""

    __tablename__ = "digest_exclusions"
    __table_args__ = (UniqueConstraint("member_id", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))


class DeliveryStatus(enum.StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"
    PERMANENT = "permanent"


class DigestDelivery(Base):
    """One member's digest for one period. The unique constraint is the claim: whichever run inserts
    the row first sends it, so two runs (or two machines) never both do."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("member_id", "period"),
        Index("ix_digest_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(16))
    status: Mapped[DeliveryStatus] = mapped_column(string_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
