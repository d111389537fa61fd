"""Search benchmark: a forum of a million posts in realistic text, then typical queries timed as
members of each tier, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.search                              # both engines, 1,000,000 posts
    .venv/bin/python -m bench.search --engines sqlite --replies 200000 --rounds 20   # quicker

Text: words follow Zipf's law over the benchmark's border-management vocabulary plus 30,000
generated words, as in natural language, so that common words match a large share of the posts
and rare ones a handful. Queries: one, two and three words drawn from the common, middle and rare
ranks, and two-word phrases taken from real posts. Each query runs through `search.service.search`
(text match, then the visibility SQL) as a member of each tier; latency is measured around that
call, in the same process, with the database warm.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import string
import time
from dataclasses import dataclass

from sqlalchemy import text

from bench.run import ROOT, _env, bench_database
from bench.seed import WORDS, seed

DOCUMENTS_FROM_POSTS = """
INSERT INTO search_documents (source, kind, thread_id, post_id, author_id, title, body, created_at)
SELECT 'p' || CAST(p.id AS VARCHAR), CASE WHEN p.number = 1 THEN 'thread' ELSE 'reply' END,
       p.thread_id, p.id, p.author_id, CASE WHEN p.number = 1 THEN t.title END, p.body_source, p.created_at
FROM posts AS p JOIN threads AS t ON t.id = p.thread_id
"""


class ZipfText:
    """Words with frequencies proportional to 1 / rank^1.07, the shape of English."""

    def __init__(self, rng: random.Random, extra: int = 30_000) -> None:
        letters = string.ascii_lowercase
        generated: set[str] = set()
        while len(generated) < extra:
            syllables = rng.randint(1, 4)
            word = "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(syllables))
            generated.add(word + rng.choice(letters) if rng.random() < 0.3 else word)
        self.vocabulary = list(dict.fromkeys([*WORDS, *sorted(generated)]))
        rng.shuffle(self.vocabulary)
        weights = [1 / (rank + 1) ** 1.07 for rank in range(len(self.vocabulary))]
        self.cumulative = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random, words: int) -> str:
        return " ".join(rng.choices(self.vocabulary, cum_weights=self.cumulative, k=words))


@dataclass(frozen=True)
class Query:
    kind: str
    text: str


def _queries(writer: ZipfText, rng: random.Random, phrases: list[str], count: int) -> list[Query]:
    vocabulary = writer.vocabulary
    bands = {"common": (20, 200), "middle": (200, 3000), "rare": (3000, 20000)}
    queries = []
    for i in range(count):
        band = list(bands)[i % 3]
        low, high = bands[band]
        words = rng.randint(1, 3)
        queries.append(Query(f"{words} word{'s' if words > 1 else ''}, {band}", " ".join(
            vocabulary[rng.randrange(low, high)] for _ in range(words)
        )))  # fmt: skip
    queries += [Query("phrase", f'"{p}"') for p in phrases[:count]]
    return queries


async def _documents(url: str) -> None:
    """Documents straight from the posts (the bench's text has no Markdown, so it is its own plain
    text), and statistics for the planners."""
    from app.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as conn:
        started = time.perf_counter()
        await conn.execute(text(DOCUMENTS_FROM_POSTS))
        print(f"  search documents written in {time.perf_counter() - started:.0f} s", flush=True)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    await engine.dispose()


async def _prepare(url: str) -> tuple[list[str], dict[str, int]]:
    """A few two-word phrases from real posts, and a member of each tier."""
    from app.db import create_engine

    engine = create_engine(url)
    async with engine.connect() as conn:
        bodies = (
            await conn.execute(text("SELECT body FROM search_documents ORDER BY id LIMIT 400"))
        ).scalars()
        phrases = []
        for body in bodies:
            words = body.lower().rstrip(".").split()
            if len(words) > 5:
                phrases.append(" ".join(words[2:4]))
        handles = {
            "supplier": "member17",
            "academic": "member12",
            "official": "member3",
            "working group": "member0",
            "moderator": "member1",
        }
        members = {}
        for tier, handle in handles.items():
            members[tier] = await conn.scalar(
                text("SELECT id FROM members WHERE username = :u"), {"u": handle}
            )
    await engine.dispose()
    return phrases, members


async def _measure(url: str, queries: list[Query], members: dict[str, int], rounds: int) -> dict[str, object]:
    from app.accounts.models import Member
    from app.db import create_engine, create_sessionmaker
    from app.search import service

    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    timings: dict[str, list[float]] = {}
    by_kind: dict[str, list[float]] = {}
    found: list[int] = []
    async with sessionmaker() as db:
        accounts = {tier: await db.get(Member, member_id) for tier, member_id in members.items()}
        for query in queries[:5]:
            await service.search(db, accounts["official"], query.text, service.Filters())
        for _ in range(rounds):
            for query in queries:
                for tier, member in accounts.items():
                    started = time.perf_counter()
                    result = await service.search(db, member, query.text, service.Filters())
                    elapsed = (time.perf_counter() - started) * 1000
                    timings.setdefault(tier, []).append(elapsed)
                    by_kind.setdefault(query.kind.split(",")[-1].strip(), []).append(elapsed)
                    found.append(result.found)
    await engine.dispose()

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    everything = [t for ts in timings.values() for t in ts]
    return {
        "queries": len(everything),
        "p50_ms": pct(everything, 0.5),
        "p95_ms": pct(everything, 0.95),
        "max_ms": round(max(everything), 1),
        "by_tier": {tier: {"p50": pct(ts, 0.5), "p95": pct(ts, 0.95)} for tier, ts in timings.items()},
        "by_query": {kind: {"p50": pct(ts, 0.5), "p95": pct(ts, 0.95)} for kind, ts in by_kind.items()},
        "median_found": statistics.median(found),
    }


def run_engine(engine: str, sizes: dict[str, int], rounds: int, count: int, reuse: bool) -> dict[str, object]:
    import os
    import subprocess
    import sys

    url = bench_database(engine, "liaison_bench_search", reuse=reuse)
    env = _env(url, 8765)
    os.environ.update({k: v for k, v in env.items() if k.startswith("LIAISON_")})
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    rng = random.Random(11)
    writer = ZipfText(rng)
    if not reuse:
        started = time.perf_counter()
        seeded = asyncio.run(seed(url, **sizes, writer=writer))
        print(
            f"[{engine}] seeded {seeded['posts']} posts in {time.perf_counter() - started:.0f} s", flush=True
        )
        asyncio.run(_documents(url))
    phrases, members = asyncio.run(_prepare(url))
    queries = _queries(writer, rng, phrases, count)
    result = {"engine": engine, **asyncio.run(_measure(url, queries, members, rounds))}
    print(f"[{engine}] {result}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=50_000)
    parser.add_argument("--replies", type=int, default=950_000)
    parser.add_argument("--queries", type=int, default=30, help="queries of each kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure the database seeded by the last run")
    args = parser.parse_args()
    sizes = {"members": args.members, "categories": 20, "threads": args.threads, "replies": args.replies}
    for engine in args.engines.split(","):
        run_engine(engine, sizes, args.rounds, args.queries, args.reuse)


if __name__ == "__main__":
    main()
