"""Digest benchmark: seed a forum, then run `liaison digest send` against a local SMTP sink.

    .venv/bin/python -m bench.digest                                   # SQLite and PostgreSQL, 10,000 members
    .venv/bin/python -m bench.digest --engines sqlite --members 1000   # quicker

The sender is the real command in its own process(es) and the sink another process, as in
production. Reports members per second and the peak memory of the sender: the resident set of the
command and all its worker processes together, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.run import ROOT, _env, bench_database
from bench.seed import seed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        pending.extend(int(child) for child in children)
    return total / 1024


def _send(env: dict[str, str], processes: int) -> tuple[float, float, str]:
    started = time.perf_counter()
    command = [sys.executable, "-m", "app.cli", "digest", "send", "--processes", str(processes)]
    sender = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0.0
    while sender.poll() is None:
        peak = max(peak, _tree_rss_mb(sender.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    output = sender.stdout.read() if sender.stdout else ""
    return elapsed, peak, output.strip().splitlines()[-1] if output.strip() else ""


def run_engine(engine: str, sizes: dict[str, int], processes: int, concurrency: int) -> dict[str, object]:
    url = bench_database(engine, "liaison_bench_digest")
    port = _free_port()
    env = {
        **_env(url, 8765),
        "LIAISON_MAIL_URL": f"smtp://127.0.0.1:{port}",
        "LIAISON_DIGEST_CONCURRENCY": str(concurrency),
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("LIAISON_")})
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    seeded = asyncio.run(seed(url, **sizes))
    print(f"[{engine}] seeded {sizes['members']} members, {seeded['posts']} posts", flush=True)
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.sink", str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert sink.stdout is not None
    sink.stdout.readline()
    try:
        elapsed, peak_mb, summary = _send(env, processes)
    finally:
        sink.terminate()
        received = int(sink.stdout.read().strip() or 0)
        sink.wait()
    result = {
        "engine": engine,
        "members": sizes["members"],
        "seconds": round(elapsed, 1),
        "members_per_s": round(sizes["members"] / elapsed, 1),
        "peak_mb": round(peak_mb),
        "received": received,
        "processes": processes,
        "concurrency": concurrency,
        "summary": summary,
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
    parser.add_argument("--history-days", type=int, default=730, help="days the posts are spread over")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    sizes = {
        "members": args.members,
        "categories": 20,
        "threads": args.threads,
        "replies": args.replies,
        "history_days": args.history_days,
    }
    for engine in args.engines.split(","):
        run_engine(engine, sizes, args.processes, args.concurrency)


if __name__ == "__main__":
    main()
