from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.mfa.models import TokenScope


class ConfirmIn(BaseModel):
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None


class KeyNameIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class TokenIn(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    scope: TokenScope = TokenScope.READ
    days: int = Field(90, ge=1, le=365)


class TokenOut(BaseModel):
    id: int
    name: str
    scope: TokenScope
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
