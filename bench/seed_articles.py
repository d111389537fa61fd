"""Published articles for the benchmark: spread over the categories like threads, a few comments
each, and one long article with 100 comments and 100 replies (the article page the benchmark reads)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.articles.models import Article, ArticleAuthor, ArticleKeyword, ArticleStatus, Comment
from app.forum import markdown
from app.forum.models import TLP, Tier

KEYWORDS = ("land borders", "biometrics", "e-gates", "asylum", "customs", "k9", "drones", "identity")
BATCH = 5000


Writer = Callable[[random.Random, int], str]


def _body(rng: random.Random, paragraph: Writer) -> str:
    sections = [f"## Part {n}\n\n{paragraph(rng, 220)}\n\n{paragraph(rng, 180)}" for n in range(1, 7)]
    return "\n\n".join(sections) + "\n\n| Crossing | Cars |\n|---|---|\n| One | 4100 |\n"


async def seed_articles(
    conn: AsyncConnection,
    rng: random.Random,
    now: datetime,
    member_ids: list[int],
    categories: list[tuple[int, Tier]],
    count: int,
    paragraph: Writer,
) -> int:
    """Returns the id of the long article, filed in the first (Community) category."""
    source = _body(rng, paragraph)
    rendered = markdown.render_article(source)
    comment_html = markdown.render(paragraph(rng, 60)).html
    rows = []
    for i in range(count + 1):
        category_id, tier = categories[i % len(categories)] if i < count else categories[0]
        rows.append(
            {
                "category_id": category_id,
                "tier": None,
                "tlp": TLP.GREEN if tier is Tier.COMMUNITY or i == count else TLP.AMBER,
                "owner_agency_id": None,
                "status": ArticleStatus.PUBLISHED,
                "title": f"Field study {i}: " + paragraph(rng, 8)[:80],
                "abstract": paragraph(rng, 60),
                "body_source": source,
                "body_html": rendered.html,
                "render_version": markdown.RENDER_VERSION,
                "reading_minutes": rendered.reading_minutes,
                "created_by_id": member_ids[(i * 7) % len(member_ids)],
                "created_at": now - timedelta(days=60),
                "updated_at": now - timedelta(days=30),
                "published_at": now - timedelta(minutes=count - i),
                "revision_count": 0,
                "comment_count": 200 if i == count else 3,
            }
        )
    for start in range(0, len(rows), BATCH):
        await conn.execute(insert(Article), rows[start : start + BATCH])
    ids = list((await conn.execute(select(Article.id).order_by(Article.id))).scalars())
    authors, keywords, comments = [], [], []
    for n, article_id in enumerate(ids):
        creator = rows[n]["created_by_id"]
        coauthor = member_ids[(n * 13 + 1) % len(member_ids)]
        authors.append({"article_id": article_id, "member_id": creator, "position": 0})
        if coauthor != creator:
            authors.append({"article_id": article_id, "member_id": coauthor, "position": 1})
        for word in rng.sample(KEYWORDS, 2):
            keywords.append({"article_id": article_id, "keyword": word})
        for c in range(200 if article_id == ids[-1] else 3):
            comments.append(
                {
                    "article_id": article_id,
                    "parent_id": None,
                    "author_id": member_ids[rng.randrange(len(member_ids))],
                    "body_source": "A comment.",
                    "body_html": comment_html,
                    "render_version": markdown.RENDER_VERSION,
                    "created_at": now - timedelta(minutes=1000 - c),
                }
            )
    for table, batch in ((ArticleAuthor, authors), (ArticleKeyword, keywords), (Comment, comments)):
        for start in range(0, len(batch), BATCH):
            await conn.execute(insert(table), batch[start : start + BATCH])
    long_article = ids[-1]
    on_long = list(
        (
            await conn.execute(
                select(Comment.id).where(Comment.article_id == long_article).order_by(Comment.id)
            )
        ).scalars()
    )
    top, replies = on_long[:100], on_long[100:]
    await conn.execute(
        update(Comment.__table__).where(Comment.id == bindparam("cid")).values(parent_id=bindparam("pid")),
        [{"cid": reply, "pid": top[n]} for n, reply in enumerate(replies)],
    )
    return long_article
