from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.models import Agency
from app.db import Base, UTCDateTime, utcnow


class MemberKind(enum.StrEnum):
    OFFICIAL = "official"
    ACADEMIC = "academic"
    SUPPLIER = "supplier"

    @property
    def label(self) -> str:
        return {
            "official": "Agency official",
            "academic": "Academic",
            "supplier": "Industry supplier",
        }[self.value]


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Status(enum.StrEnum):
    """Where an application stands; suspension is separate so reinstating restores it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[MemberKind] = mapped_column(_enum(MemberKind))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    organisation: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.MEMBER)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.PENDING, index=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Asked for, not yet confirmed from the new mailbox: sign-in and mail still use `email`.
    pending_email: Mapped[str | None] = mapped_column(String(254))
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    credentials_epoch: Mapped[int] = mapped_column(default=0)
    email_notifications: Mapped[bool] = mapped_column(default=False)
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        """Only vetted, unsuspended members may see any content."""
        return self.status is Status.APPROVED and self.suspended_at is None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def affiliation(self) -> str:
        if self.agency is not None:
            return self.agency.label
        return self.organisation or ""

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2]


class AuthSession(Base):
    """A signed-in browser; the cookie holds a random token, the row only its SHA-256."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    member: Mapped[Member] = relationship(lazy="joined")


class TokenPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify-email"
    RESET_PASSWORD = "reset-password"
    CHANGE_EMAIL = "change-email"
    API = "api"


class OneTimeToken(Base):
    """Makes an e-mailed JWT single-use: the JWT's id is stored hashed and marked when used."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (Index("ix_one_time_tokens_member_purpose", "member_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jti_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
