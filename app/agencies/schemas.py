from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


def normalise_domains(value: object) -> list[str]:
    """Accepts a list or a comma/space/newline separated string, as typed in a form."""
    if value is None:
        return []
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    domains: list[str] = []
    for item in items:
        domain = str(item).strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not DOMAIN_RE.match(domain):
            raise ValueError(f"{domain!r} is not a valid domain name (like bordforce.gov.example)")
        if domain not in domains:
            domains.append(domain)
    if len(domains) > 50:
        raise ValueError("At most 50 domains per agency.")
    return domains


class AgencyIn(BaseModel):
    name: Name
    country: Country
    domains: list[str] = Field(default_factory=list)
    second_factor_required: bool = False

    @field_validator("domains", mode="before")
    @classmethod
    def _domains(cls, value: object) -> list[str]:
        return normalise_domains(value)


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    country: str
    is_listed: bool
    domains: list[str]

    @field_validator("domains", mode="before")
    @classmethod
    def _domain_names(cls, value: object) -> list[str]:
        return [getattr(d, "domain", d) for d in value]  # type: ignore[attr-defined]


class DirectoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    country: str
