from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from app.forum.models import TLP
from app.search.models import DocumentKind

MAX_PAGE = 200


class SearchIn(BaseModel):
    """The search form and URL. The text itself is read by `query.parse`, which explains what it
    cannot search for; this only bounds it."""

    q: str = Field("", max_length=2000)
    kind: DocumentKind | None = None
    category: str | None = Field(None, max_length=80, pattern=r"^[a-z0-9-]+$")
    author: str | None = Field(None, max_length=41, pattern=r"^@?[A-Za-z0-9_.-]+$")
    agency: int | None = Field(None, ge=1, le=2**31 - 1)
    after: date | None = None
    before: date | None = None
    tlp: TLP | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)

    @model_validator(mode="after")
    def _dates_in_order(self) -> SearchIn:
        if self.after and self.before and self.after > self.before:
            raise ValueError("The “from” date must not be after the “to” date.")
        return self


class ResultOut(BaseModel):
    kind: DocumentKind
    title: str
    url: str
    category: str
    author: str
    created_at: datetime
    tlp: TLP
    tlp_label: str
    snippet: str
    snippet_html: str


class SearchOut(BaseModel):
    page: int
    found: int
    exhaustive: bool
    has_next: bool
    summary: str
    results: list[ResultOut]
