"""Forum benchmark: seed, serve with 2 uvicorn workers, load with wrk, report.

    .venv/bin/python -m bench.run                 # SQLite and PostgreSQL
    .venv/bin/python -m bench.run --engines sqlite --duration 10

Each engine gets a fresh database seeded by bench/seed.py. Every endpoint is measured in the same
run as the trivial /health endpoint of the same app, and reported as a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.seed import seed

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


async def _fresh_postgres(name: str) -> None:
    from sqlalchemy import text

    from app.db import create_engine

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {name}"))
    await engine.dispose()


def bench_database(engine: str, name: str, *, reuse: bool = False) -> str:
    """Each benchmark has its own SQLite file and PostgreSQL database (`name`), emptied unless
    `reuse`: running one benchmark leaves the others' seeds alone."""
    if engine == "sqlite":
        path = ROOT / "var" / f"{name}.db"
        path.parent.mkdir(exist_ok=True)
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{path}"
    if not reuse:
        asyncio.run(_fresh_postgres(name))
    return f"{PG_SERVER}/{name}"


def _env(url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "LIAISON_DATABASE_URL": url,
        "LIAISON_SECRET_KEY": "bench-" + "k" * 40,
        "LIAISON_BASE_URL": f"http://127.0.0.1:{port}",
        "LIAISON_DEMO": "false",
        "LIAISON_MAIL_URL": f"file://{ROOT / 'var' / 'bench-mail'}",
    }


def _wrk(url: str, cookie: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Cookie: liaison_session={cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {
        m.group(1): float(m.group(2)) * UNITS[m.group(3)]
        for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    return {"rps": round(rps, 1), "p50_ms": round(latency["50"], 2), "p99_ms": round(latency["99"], 2)}


def run_engine(engine: str, duration: int, connections: int, sizes: dict[str, int]) -> dict[str, object]:
    port = 8765
    url = bench_database(engine, "liaison_bench")
    env = _env(url, port)
    os.environ.update({k: v for k, v in env.items() if k.startswith("LIAISON_")})
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    seeded = asyncio.run(seed(url, **sizes))
    print(
        f"[{engine}] seeded {seeded['threads']} threads, {seeded['posts']} posts in {seeded['seconds']} s",
        flush=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        targets = {
            "health": "/health",
            "thread (50 replies)": f"/t/{seeded['thread_id']}",
            "category": f"/c/{seeded['category_slug']}",
            "home": "/",
            "article (200 comments)": f"/a/{seeded['article_id']}",
            "articles list": "/articles",
        }
        results: dict[str, dict[str, float]] = {}
        for name, path in targets.items():
            _wrk(base + path, seeded["session_token"], 3, connections)
            results[name] = _wrk(base + path, seeded["session_token"], duration, connections)
            print(f"[{engine}] {name:20} {results[name]}", flush=True)
        trivial = results["health"]["rps"]
        for row in results.values():
            row["ratio_to_health"] = round(row["rps"] / trivial, 3)
        return {
            "engine": engine,
            "seeded": {k: v for k, v in seeded.items() if k != "session_token"},
            "connections": connections,
            "duration_s": duration,
            "results": results,
        }
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--replies", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    sizes = {
        "members": args.members,
        "categories": 20,
        "threads": args.threads,
        "replies": args.replies,
        "articles": args.articles,
    }
    report = [run_engine(e, args.duration, args.connections, sizes) for e in args.engines.split(",")]
    out = ROOT / "bench" / "results.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {out}")
    for run in report:
        print(f"\n{run['engine']}: {args.connections} connections, {args.duration} s each")
        print(f"{'endpoint':22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs /health':>10}")
        for name, row in run["results"].items():
            figures = (
                f"{row['rps']:8.1f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['ratio_to_health']:10.1%}"
            )
            print(f"{name:22} {figures}")


if __name__ == "__main__":
    main()
