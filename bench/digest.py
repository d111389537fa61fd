"""Digest benchmark: seed a forum, then build and send every member's digest to a local SMTP sink.

    .venv/bin/python -m bench.digest                                   # SQLite and PostgreSQL, 10,000 members
    .venv/bin/python -m bench.digest --engines sqlite --members 1000   # quicker

Reports members per second and the process's peak memory (the sink runs in a thread of the same
process, so the figure is an upper bound for the sender).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.run import PG_BENCH, ROOT, _env, _fresh_postgres
from bench.seed import seed


class CountingSink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.count += 1
        return "250 OK"


async def _send(url: str, smtp_port: int) -> tuple[float, int, dict[str, int]]:
    from app.config import get_settings
    from app.db import create_engine, create_sessionmaker, utcnow
    from app.digest import sending
    from app.mail.service import SmtpMailer

    get_settings.cache_clear()
    settings = get_settings()
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    started = time.perf_counter()
    summary = await sending.send_due(
        sessionmaker, settings, SmtpMailer(f"smtp://127.0.0.1:{smtp_port}"), utcnow()
    )
    elapsed = time.perf_counter() - started
    await engine.dispose()
    counts = {"sent": summary.sent, "empty": summary.empty, "failed": summary.failed + summary.permanent}
    return elapsed, summary.sent + summary.empty + summary.failed + summary.permanent, counts


def run_engine(engine: str, sizes: dict[str, int]) -> dict[str, object]:
    if engine == "sqlite":
        path = ROOT / "var" / "bench-digest.db"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        asyncio.run(_fresh_postgres())
        url = PG_BENCH
    env = _env(url, 8765)
    os.environ.update({k: v for k, v in env.items() if k.startswith("LIAISON_")})
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    seeded = asyncio.run(seed(url, **sizes))
    print(f"[{engine}] seeded {sizes['members']} members, {seeded['posts']} posts", flush=True)
    sink = CountingSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        elapsed, members, counts = asyncio.run(_send(url, port))
    finally:
        controller.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "engine": engine,
        "members": members,
        "seconds": round(elapsed, 1),
        "members_per_s": round(members / elapsed, 1),
        "peak_mb": round(peak_mb),
        "received": sink.count,
        **counts,
    }
    print(f"[{engine}] {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--replies", type=int, default=200_000)
    args = parser.parse_args()
    sizes = {"members": args.members, "categories": 20, "threads": args.threads, "replies": args.replies}
    for engine in args.engines.split(","):
        run_engine(engine, sizes)


if __name__ == "__main__":
    main()
