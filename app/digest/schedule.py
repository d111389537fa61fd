"""An optional in-process schedule for small single-server installs (LIAISON_DIGEST_EVERY_MINUTES).

With several workers or machines each may run it: the per-member claim keeps every digest single.
Larger installs run `liaison digest send` from cron, a systemd timer or a Kubernetes CronJob instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.digest import sending
from app.mail.service import Mailer

log = logging.getLogger(__name__)


async def run_until(
    stop: asyncio.Event,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    mailer: Mailer,
    every_seconds: float,
    concurrency: int = 1,
) -> None:
    """Stops between two members when `stop` is set, never in the middle of one: cancelling a
    task inside a database call can leave its connection waiting for ever."""
    while not stop.is_set():
        try:
            summary = await sending.send_due(
                sessionmaker, settings, mailer, utcnow(), stop=stop, concurrency=concurrency
            )
            if summary.sent or summary.failed or summary.permanent:
                log.info("digest run: %s", summary.line())
        except Exception:  # noqa: BLE001 - a failed run is logged; the next one tries again
            log.exception("digest run failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_seconds)
