"""Rate limits shared across workers through Redis when configured, in-process otherwise."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string


@dataclass
class RateLimited(Exception):
    retry_after: int


class RateLimiter:
    def __init__(self, redis_url: str | None) -> None:
        uri = f"async+{redis_url}" if redis_url else "async+memory://"
        self.storage: Storage = storage_from_string(uri)
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, limit: str, scope: str, key: str) -> None:
        """Counts one attempt; raises RateLimited with the seconds until a slot frees up."""
        item: RateLimitItem = parse(limit)
        if await self._limiter.hit(item, scope, key.lower()):
            return
        stats = await self._limiter.get_window_stats(item, scope, key.lower())
        raise RateLimited(retry_after=max(1, math.ceil(stats.reset_time - time.time())))

    async def reset(self) -> None:
        await self.storage.reset()
