"""What a service needs to know about the request it serves, without depending on FastAPI."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.security.ratelimit import RateLimiter


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_agent: str | None
    settings: Settings
    limiter: RateLimiter
