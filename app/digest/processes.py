"""`liaison digest send` over several processes.

Composing and rendering a digest is Python work, so one process keeps one core busy however many
workers it runs. Each process takes every n-th member of the plan, opens its own database engine
and SMTP connections, and claims members exactly as a second machine would: the per-member claim
keeps every digest single.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from app.config import Settings
from app.digest import sending

_done: Any = None


def _share(counter: Any) -> None:
    global _done
    _done = counter


def _count(n: int) -> None:
    with _done.get_lock():
        _done.value += n


def send_here(
    settings: Settings, now: datetime, planned: sending.Plan, progress: Callable[[int], None]
) -> sending.Summary:
    from app.db import create_engine, create_sessionmaker
    from app.mail.service import mailer_from_url

    async def run() -> sending.Summary:
        engine = create_engine(settings.database_url)
        try:
            return await sending.send_due(
                create_sessionmaker(engine),
                settings,
                mailer_from_url(settings.mail_url),
                now,
                planned,
                progress,
                concurrency=settings.digest_concurrency,
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _in_child(settings: Settings, now: datetime, planned: sending.Plan) -> sending.Summary:
    return send_here(settings, now, planned, _count)


def send_in_processes(
    settings: Settings,
    now: datetime,
    planned: sending.Plan,
    processes: int,
    progress: Callable[[int], None] | None = None,
) -> sending.Summary:
    """This process takes the first slice itself, so `processes` is the number of processes that
    work (and hold the application in memory), not one more."""
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    slices = [sending.Plan(planned.recipients[i::processes], 0, 0) for i in range(processes)]
    reported = 0

    def report(n: int) -> None:
        nonlocal reported
        if progress is None:
            return
        children = counter.value
        progress(n + children - reported)
        reported = children

    total = sending.Summary(unsubscribed=planned.unsubscribed, inactive=planned.inactive)
    pool = ProcessPoolExecutor(processes - 1, mp_context=context, initializer=_share, initargs=(counter,))
    with pool:
        futures = [pool.submit(_in_child, settings, now, part) for part in slices[1:]]
        parts = [send_here(settings, now, slices[0], report)]
        while not all(f.done() for f in futures):
            time.sleep(0.2)
            report(0)
        report(0)
        parts.extend(future.result() for future in futures)
    for part in parts:
        for name in ("sent", "empty", "not_due", "failed", "permanent"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.errors.extend(part.errors)
    return total
