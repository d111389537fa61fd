"""CPU cost per request of the benchmark pages, measured in-process on one core.

Run after `python -m bench.run` (which leaves var/liaison_bench.db and the liaison_bench database):

    .venv/bin/python -m bench.inprocess                      # SQLite
    .venv/bin/python -m bench.inprocess postgresql+asyncpg://postgres@127.0.0.1:5432/liaison_bench
    .venv/bin/python -m bench.inprocess --profile /t/20001   # pyinstrument tree for one page
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import time
from datetime import UTC, datetime, timedelta

from bench.run import ROOT

DEFAULT_URL = f"sqlite+aiosqlite:///{ROOT / 'var' / 'liaison_bench.db'}"


async def measure(url: str, paths: list[str], repeat: int, profile: bool) -> None:
    os.environ.update(
        {
            "LIAISON_DATABASE_URL": url,
            "LIAISON_SECRET_KEY": "bench-" + "k" * 40,
            "LIAISON_MAIL_URL": f"file://{ROOT / 'var' / 'bench-mail'}",
        }
    )
    import httpx
    from sqlalchemy import insert, select

    from app.accounts.models import AuthSession, Member
    from app.db import create_engine, create_sessionmaker
    from app.forum.models import Thread
    from app.main import create_app

    app = create_app()
    engine = create_engine(url)
    app.state.engine, app.state.sessionmaker = engine, create_sessionmaker(engine)
    token, now = secrets.token_urlsafe(32), datetime.now(UTC)
    async with engine.begin() as conn:
        member_id = await conn.scalar(select(Member.id).order_by(Member.id).limit(1))
        thread_id = await conn.scalar(select(Thread.id).order_by(Thread.id.desc()).limit(1))
        await conn.execute(
            insert(AuthSession).values(
                id=hashlib.sha256(token.encode()).hexdigest(),
                member_id=member_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=1),
            )
        )
    paths = paths or [f"/t/{thread_id}", "/c/category-0", "/", "/health"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", cookies={"liaison_session": token}
    ) as client:
        for path in paths:
            for _ in range(20):
                await client.get(path)
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            started = time.perf_counter()
            for _ in range(repeat):
                response = await client.get(path)
            elapsed = (time.perf_counter() - started) * 1000 / repeat
            print(f"{path:20} {response.status_code} {elapsed:7.2f} ms/request")
            if profile:
                profiler.stop()
                print(profiler.output_text(color=False))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", nargs="?", default=DEFAULT_URL)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--profile", action="store_true", help="print a pyinstrument profile (pip install pyinstrument)"
    )
    args = parser.parse_args()
    asyncio.run(measure(args.url, args.paths, args.repeat, args.profile))


if __name__ == "__main__":
    main()
