from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Agency(Base):
    """A government agency in the directory; unlisted ones were proposed by an applicant."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("country", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(100))
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    second_factor_required: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains: Mapped[list[AgencyDomain]] = relationship(
        back_populates="agency",
        cascade="all, delete-orphan",
        order_by="AgencyDomain.domain",
        lazy="raise",
    )

    @property
    def label(self) -> str:
        return self.format_label(self.name, self.country)

    @staticmethod
    def format_label(name: str, country: str) -> str:
        return f"{name} ({country})"


class AgencyDomain(Base):
    """An e-mail domain whose addresses count as evidence of working for the agency."""

    __tablename__ = "agency_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    agency: Mapped[Agency] = relationship(back_populates="domains")
