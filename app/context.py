"""What a service needs to know about the request it serves, without depending on FastAPI."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.errors import TooFast
from app.security.ratelimit import RateLimited, RateLimiter


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    user_agent: str | None
    settings: Settings
    limiter: RateLimiter

    async def count_posting(self, member_id: int) -> None:
        """New threads, replies, articles and comments draw on one budget per member, which keeps
        a runaway script or a compromised account from flooding readers and their e-mail."""
        try:
            await self.limiter.hit(self.settings.rate_posting_per_account, "posting", str(member_id))
        except RateLimited as exc:
            raise TooFast(exc.retry_after) from None
