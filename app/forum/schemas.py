from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.forum.models import TLP, Tier, WatchLevel

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=50_000)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]
HANDLE = re.compile(r"^@?([a-z0-9_]{2,40})$")


def parse_handles(value: object) -> list[str]:
    """From a form ('@ana, @marko') or a JSON list; order kept, duplicates dropped."""
    if value is None:
        return []
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    handles: list[str] = []
    for item in items:
        item = str(item).strip().lower()
        if not item:
            continue
        match = HANDLE.match(item)
        if not match:
            raise ValueError(f"{item!r} is not a member handle like @ana_horvat")
        if match.group(1) not in handles:
            handles.append(match.group(1))
    if len(handles) > 50:
        raise ValueError("At most 50 participants.")
    return handles


class LabelledIn(BaseModel):
    """Where a thread or an article goes and who may read it: category, TLP label, the
    agencies-only box and, for TLP:RED, the participants."""

    category_id: int = Field(gt=0)
    title: Title
    tlp: TLP | None = None
    agencies_only: bool = False
    participants: list[str] = Field(default_factory=list)

    @field_validator("participants", mode="before")
    @classmethod
    def _participants(cls, value: object) -> list[str]:
        return parse_handles(value)

    @field_validator("agencies_only", mode="before")
    @classmethod
    def _checkbox(cls, value: object) -> object:
        return value in (True, "1", "on", "true") if value is not None else False

    @property
    def tier(self) -> Tier | None:
        return Tier.AGENCIES if self.agencies_only else None


class ThreadIn(LabelledIn):
    body: Body


class PostIn(BaseModel):
    body: Body


class PreviewIn(BaseModel):
    body: Annotated[str, StringConstraints(max_length=50_000)] = ""


class ReasonIn(BaseModel):
    reason: Reason


class MoveIn(BaseModel):
    category_id: int = Field(gt=0)


class SplitIn(BaseModel):
    title: Title
    post_ids: list[int] = Field(min_length=1, max_length=500)


class WatchIn(BaseModel):
    level: WatchLevel | None = None


class CategoryIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
    slug: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    ]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    tier: Tier
    default_tlp: TLP = TLP.GREEN
    position: int = Field(0, ge=0, le=10_000)
    agency_ids: list[int] = Field(default_factory=list)
    group_ids: list[int] = Field(default_factory=list)


class AuthorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str
    username: str
    affiliation: str


class CategoryOut(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    tier: Tier
    default_tlp: TLP
    thread_count: int
    post_count: int
    last_activity_at: datetime | None


class ThreadSummaryOut(BaseModel):
    id: int
    title: str
    category_id: int
    tlp: TLP
    tlp_label: str
    author: AuthorOut
    reply_count: int
    pinned: bool
    locked: bool
    closed: bool
    last_post_at: datetime
    unread: bool


class PostOut(BaseModel):
    id: int
    number: int
    author: AuthorOut
    created_at: datetime
    edited: bool
    deleted: bool
    hidden: bool
    hidden_reason: str | None
    body_html: str | None
    body_source: str | None


class ThreadOut(BaseModel):
    id: int
    title: str
    category: CategoryOut | None = None
    category_id: int
    tlp: TLP
    tlp_label: str
    tier: Tier
    pinned: bool
    locked: bool
    closed: bool
    participants: list[AuthorOut]
    page: int
    pages: int
    posts: list[PostOut]


class ThreadPage(BaseModel):
    total: int
    page: int
    threads: list[ThreadSummaryOut]
