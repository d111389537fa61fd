from __future__ import annotations

from pydantic import BaseModel, Field

from app.digest.models import DigestFrequency


class DigestSettingsIn(BaseModel):
    frequency: DigestFrequency = DigestFrequency.WEEKLY
    exclude: list[int] = Field(default_factory=list, max_length=500)
