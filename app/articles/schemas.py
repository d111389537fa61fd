from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.articles.models import ArticleStatus
from app.forum.models import TLP, Tier
from app.forum.schemas import AuthorOut, Body, LabelledIn, Reason, parse_handles

Abstract = Annotated[str, StringConstraints(strip_whitespace=True, max_length=3_000)]
ArticleBody = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200_000)]
PeopleRole = Literal["coauthors", "participants"]
KEYWORD = re.compile(r"^[\w][\w .\-/]{0,58}[\w.]?$")


def _keywords(value: object) -> list[str]:
    """From a form ('e-gates; biometrics') or a JSON list; lower-cased, order kept, no repeats."""
    if value is None:
        return []
    items = re.split(r"[,;\n]+", value) if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    keywords: list[str] = []
    for item in items:
        word = re.sub(r"\s+", " ", str(item)).strip().lower()
        if not word:
            continue
        if not KEYWORD.match(word):
            raise ValueError(f"{word[:60]!r} is not a keyword (letters, digits, spaces, - . /; up to 60)")
        if word not in keywords:
            keywords.append(word)
    if len(keywords) > 12:
        raise ValueError("At most 12 keywords.")
    return keywords


class DraftIn(LabelledIn):
    """Everything an author can set on a draft. Empty abstract and body are allowed while
    drafting; submitting asks for them."""

    abstract: Abstract = ""
    body: ArticleBody = ""
    keywords: list[str] = Field(default_factory=list)
    coauthors: list[str] = Field(default_factory=list)

    @field_validator("abstract", "body", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords(cls, value: object) -> list[str]:
        return _keywords(value)

    @field_validator("coauthors", mode="before")
    @classmethod
    def _coauthors(cls, value: object) -> list[str]:
        return parse_handles(value)


class ReturnIn(BaseModel):
    notes: Reason


class CommentIn(BaseModel):
    body: Body
    parent_id: int | None = Field(None, gt=0)


class CommentEditIn(BaseModel):
    body: Body


class HideIn(BaseModel):
    reason: Reason


class ArticleSummaryOut(BaseModel):
    id: int
    title: str
    abstract: str
    status: ArticleStatus
    tlp: TLP
    tlp_label: str
    tier: Tier
    category_id: int
    authors: list[AuthorOut]
    keywords: list[str]
    published_at: datetime | None
    revised_at: datetime | None
    comment_count: int
    url: str


class ArticleOut(ArticleSummaryOut):
    body_source: str
    body_html: str
    reading_minutes: int
    has_pdf: bool
    editor_notes: str | None
    hidden: bool
    hidden_reason: str | None


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    parent_id: int | None
    author: AuthorOut
    created_at: datetime
    edited: bool
    deleted: bool
    hidden: bool
    hidden_reason: str | None
    body_html: str | None


class RevisionOut(BaseModel):
    """An earlier published text of an article, for moderators."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    pdf_filename: str | None
    published_at: datetime
    replaced_at: datetime


class RevisionTextOut(RevisionOut):
    abstract: str
    body_source: str
    body_html: str
