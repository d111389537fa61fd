"""Seeds a realistic forum for the benchmark with bulk inserts (minutes, not hours).

2,000 members of 40 agencies, universities and companies; 20 categories across the three tiers;
20,000 threads with 200,000 replies; and one thread of 50 replies of about 600 characters, the
page the benchmark reads most.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from app.accounts.models import AuthSession, Member, MemberKind, Role, Status
from app.agencies.models import Agency
from app.db import create_engine
from app.forum import markdown
from app.forum.models import TLP, AccessGrant, Category, Post, Thread, Tier
from app.security import passwords
from bench.seed_articles import seed_articles

WORDS = (
    "border crossing patrol officers asylum applications biometric enrolment e-gates queue times "
    "document readers passport chip verification land border river section green border arrivals "
    "registration reception capacity coordination neighbouring services liaison officers risk analysis "
    "smuggling networks vehicle inspection rail freight container scanning watchlist hits interpreters "
    "medical screening shelter logistics procurement training exchange joint operations Frontex Europol "
    "interoperability data protection retention audit trail fingerprints facial image quality thresholds"
).split()
COUNTRIES = [
    "Croatia",
    "Finland",
    "Czech Republic",
    "Montenegro",
    "United Kingdom",
    "United States",
    "Poland",
    "Greece",
    "Italy",
    "Spain",
    "India",
    "Bangladesh",
    "Turkey",
    "Serbia",
    "Bosnia and Herzegovina",
    "Slovenia",
    "Hungary",
    "Romania",
    "Bulgaria",
    "Estonia",
]


def paragraph(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length:
        words.append(rng.choice(WORDS))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _post_dates(rng: random.Random, now: datetime, opened: datetime | None, total: int) -> list[datetime]:
    """Replies follow the opening post over the next weeks, never in the future."""
    if opened is None:
        return [now - timedelta(minutes=total - number) for number in range(1, total + 1)]
    lasting = min((now - opened).total_seconds(), 60 * 86400.0)
    later = sorted(opened + timedelta(seconds=lasting * rng.random() ** 2) for _ in range(total - 1))
    return [opened, *later]


def session_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def seed(
    url: str,
    *,
    members: int,
    categories: int,
    threads: int,
    replies: int,
    seed_value: int = 7,
    history_days: int = 0,
    writer: Callable[[random.Random, int], str] | None = None,
    articles: int = 0,
) -> dict:
    """`history_days` spreads threads and their replies over that many days, as in a forum that has
    been running for a while (the digest reads one week of it); 0 puts every reply in the last hours,
    which is what the thread-page benchmark reads. `writer(rng, words)` gives every post and title
    its own text (the search benchmark); without it posts share a few paragraphs."""
    rng = random.Random(seed_value)
    engine = create_engine(url)
    started = time.monotonic()
    now = datetime.now(UTC)
    bodies = [paragraph(rng, rng.choice((180, 320, 600))) for _ in range(60)]
    rendered = [markdown.render(b).html for b in bodies]
    long_bodies = [paragraph(rng, 600) for _ in range(50)]
    password_hash = passwords.hash_password(passwords.hasher(), "benchmark-pass-phrase-1")

    async with engine.begin() as conn:
        await conn.execute(
            insert(Agency),
            [
                {
                    "name": f"Border Service {i}",
                    "country": COUNTRIES[i % len(COUNTRIES)],
                    "is_listed": True,
                    "created_at": now,
                }
                for i in range(40)
            ],
        )
        agency_ids = list((await conn.execute(select(Agency.id).order_by(Agency.id))).scalars())
        rows = []
        for i in range(members):
            kind = (
                MemberKind.OFFICIAL
                if i % 20 < 12
                else MemberKind.ACADEMIC
                if i % 20 < 17
                else MemberKind.SUPPLIER
            )
            rows.append(
                {
                    "email": f"member{i}@bench.example",
                    "display_name": f"Member {i}",
                    "username": f"member{i}",
                    "password_hash": password_hash,
                    "kind": kind,
                    "agency_id": agency_ids[i % len(agency_ids)] if kind is MemberKind.OFFICIAL else None,
                    "organisation": None if kind is MemberKind.OFFICIAL else f"Organisation {i % 50}",
                    "role": Role.MODERATOR if i in (1, 2) else Role.MEMBER,
                    "status": Status.APPROVED,
                    "email_verified_at": now,
                    "credentials_epoch": 0,
                    "email_notifications": False,
                    "created_at": now,
                }
            )
        await conn.execute(insert(Member), rows)
        member_ids = list((await conn.execute(select(Member.id).order_by(Member.id))).scalars())

        tiers = [Tier.COMMUNITY] * 8 + [Tier.AGENCIES] * 8 + [Tier.WORKING_GROUP] * 4
        await conn.execute(
            insert(Category),
            [
                {
                    "slug": f"category-{i}",
                    "name": f"Category {i}",
                    "description": "Benchmark category",
                    "tier": tiers[i],
                    "default_tlp": TLP.GREEN if tiers[i] is Tier.COMMUNITY else TLP.AMBER,
                    "position": i,
                    "created_at": now,
                }
                for i in range(categories)
            ],
        )
        category_rows = list(
            (await conn.execute(select(Category.id, Category.tier).order_by(Category.id))).all()
        )
        await conn.execute(
            insert(AccessGrant),
            [
                {"category_id": cid, "agency_id": agency_ids[j]}
                for cid, tier in category_rows
                if tier is Tier.WORKING_GROUP
                for j in range(0, 40, 4)
            ],
        )

        started_at = sorted(
            now - timedelta(days=history_days * rng.random()) for _ in range(threads if history_days else 0)
        )
        thread_rows = []
        for i in range(threads):
            category_id, tier = category_rows[i % len(category_rows)]
            tlp = (
                rng.choice((TLP.CLEAR, TLP.GREEN))
                if tier is Tier.COMMUNITY
                else rng.choice((TLP.GREEN, TLP.AMBER))
            )
            thread_rows.append(
                {
                    "category_id": category_id,
                    "author_id": member_ids[i % len(member_ids)],
                    "title": writer(rng, rng.randint(4, 9)).capitalize()[:120]
                    if writer
                    else paragraph(rng, 50)[:120],
                    "tier": None,
                    "tlp": tlp,
                    "owner_agency_id": None,
                    "pinned": i < 20,
                    "locked": False,
                    "closed": False,
                    "post_count": 1,
                    "last_number": 1,
                    "last_post_at": now - timedelta(minutes=threads - i),
                    "created_at": started_at[i] if history_days else now - timedelta(days=30),
                }
            )
        big_category = category_rows[0][0]
        thread_rows.append(
            {
                **thread_rows[0],
                "category_id": big_category,
                "title": "Managing sudden large arrivals",
                "tlp": TLP.GREEN,
                "pinned": False,
                "post_count": 51,
                "last_number": 51,
                "last_post_at": now,
            }
        )
        for start in range(0, len(thread_rows), 5000):
            await conn.execute(insert(Thread), thread_rows[start : start + 5000])
        thread_ids = list((await conn.execute(select(Thread.id).order_by(Thread.id))).scalars())
        big_thread = thread_ids[-1]

        counts = {tid: 1 for tid in thread_ids[:-1]}
        for _ in range(replies):
            counts[thread_ids[rng.randrange(len(thread_ids) - 1)]] += 1
        batch: list[dict] = []

        async def flush() -> None:
            if batch:
                await conn.execute(insert(Post), batch)
                batch.clear()

        last_post: dict[int, datetime] = {}
        for index, (tid, total) in enumerate(counts.items()):
            dates = _post_dates(rng, now, started_at[index] if history_days else None, total)
            last_post[tid] = dates[-1] if history_days else thread_rows[index]["last_post_at"]
            for number in range(1, total + 1):
                k = rng.randrange(len(bodies))
                source = writer(rng, rng.randint(25, 140)).capitalize() + "." if writer else bodies[k]
                batch.append(
                    {
                        "thread_id": tid,
                        "number": number,
                        "author_id": member_ids[rng.randrange(members)],
                        "body_source": source,
                        "body_html": f"<p>{html.escape(source)}</p>" if writer else rendered[k],
                        "render_version": 1,
                        "created_at": dates[number - 1],
                    }
                )
                if len(batch) >= 5000:
                    await flush()
        for number in range(1, 52):
            body = long_bodies[(number - 1) % 50]
            batch.append(
                {
                    "thread_id": big_thread,
                    "number": number,
                    "author_id": member_ids[(number * 7) % len(member_ids)],
                    "body_source": body,
                    "body_html": markdown.render(body).html,
                    "render_version": 1,
                    "created_at": now - timedelta(minutes=60 - number),
                }
            )
        await flush()
        for tid, total in counts.items():
            if total > 1 or history_days:
                batch.append({"id": tid, "post_count": total, "last_number": total})
        for start in range(0, len(batch), 5000):
            await conn.execute(
                update(Thread)
                .where(Thread.id == bindparam("tid"))
                .values(
                    post_count=bindparam("pc"), last_number=bindparam("ln"), last_post_at=bindparam("lp")
                ),
                [
                    {"tid": r["id"], "pc": r["post_count"], "ln": r["last_number"], "lp": last_post[r["id"]]}
                    for r in batch[start : start + 5000]
                ],
            )
        batch.clear()

        article_id = (
            await seed_articles(conn, rng, now, member_ids, category_rows, articles, paragraph)
            if articles
            else None
        )
        reader = member_ids[0]
        token = secrets.token_urlsafe(32)
        await conn.execute(
            insert(AuthSession),
            [
                {
                    "id": session_token_hash(token),
                    "member_id": reader,
                    "created_at": now,
                    "last_seen_at": now,
                    "expires_at": now + timedelta(hours=12),
                    "ip": "127.0.0.1",
                    "user_agent": "wrk",
                }
            ],
        )
        post_total = await conn.scalar(select(Post.id).order_by(Post.id.desc()).limit(1))
    async with engine.connect() as conn:
        # Fresh bulk loads have no planner statistics yet; autovacuum would gather them in production.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    await engine.dispose()
    return {
        "session_token": token,
        "thread_id": big_thread,
        "article_id": article_id,
        "category_slug": "category-0",
        "posts": post_total,
        "threads": len(thread_ids),
        "members": members,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--replies", type=int, default=200_000)
    parser.add_argument("--history-days", type=int, default=0)
    args = parser.parse_args()
    print(
        asyncio.run(
            seed(
                args.database_url,
                members=args.members,
                categories=args.categories,
                threads=args.threads,
                replies=args.replies,
                history_days=args.history_days,
            )
        )
    )


if __name__ == "__main__":
    main()
