from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.audit.service import AuditFilter


class AuditQuery(BaseModel):
    """Filters from a query string: dates are whole UTC days, `until` inclusive."""

    actor: int | None = Field(None, gt=0)
    action: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    since: date | None = None
    until: date | None = None
    page: int = Field(1, ge=1, le=100_000)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        """Filter forms send every field; an empty one means 'any'."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v not in ("", None)}
        return data

    @model_validator(mode="after")
    def _order(self) -> AuditQuery:
        if self.since and self.until and self.since > self.until:
            raise ValueError("'since' must not be after 'until'.")
        return self

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            actor_id=self.actor,
            action=self.action or None,
            since=datetime.combine(self.since, time.min, UTC) if self.since else None,
            until=datetime.combine(self.until + timedelta(days=1), time.min, UTC) if self.until else None,
        )


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str | None
    target_id: int | None
    ip: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    total: int
    page: int
    events: list[AuditEventOut]
