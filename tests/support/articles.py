"""Small factories for articles, through the services the pages use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles import comments, review, service
from app.articles.models import Article
from app.articles.schemas import CommentIn, DraftIn
from app.forum.models import TLP, Category
from tests.support.world import context

BODY = "## Background\n\nLand borders in winter.\n\n## Findings\n\nE-gates need light.[^1]\n\n[^1]: Field notes.\n"


async def make_article(
    db: AsyncSession,
    author: Member,
    category: Category,
    *,
    title: str = "Winter patrols on long land borders",
    tlp: TLP | None = None,
    publish_as: Member | None = None,
    coauthors: tuple[str, ...] = (),
    keywords: tuple[str, ...] = ("land borders",),
    participants: tuple[str, ...] = (),
) -> Article:
    article = await service.create_draft(
        db,
        author,
        DraftIn(
            category_id=category.id,
            title=title,
            abstract="What three winters of patrols taught us about long land borders.",
            body=BODY,
            tlp=tlp,
            keywords=list(keywords),
            coauthors=list(coauthors),
            participants=list(participants),
        ),
        context(),
    )
    if publish_as is not None:
        await service.submit(db, author, article.id, context())
        await review.publish(db, publish_as, article.id, context())
    return article


async def make_comment(
    db: AsyncSession, member: Member, article: Article, body: str, parent_id: int | None = None
):  # type: ignore[no-untyped-def]
    return await comments.add(db, member, article.id, CommentIn(body=body, parent_id=parent_id), context())
