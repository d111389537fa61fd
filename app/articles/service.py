"""Writing, reviewing and revising articles."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles import queries
from app.articles.models import (
    Article,
    ArticleAuthor,
    ArticleKeyword,
    ArticleParticipant,
    ArticleRevision,
    ArticleStatus,
)
from app.articles.schemas import DraftIn, PeopleRole
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import utcnow
from app.errors import InvalidInput
from app.forum import markdown
from app.forum import queries as forum_queries
from app.forum import service as forum_service
from app.forum.models import TLP, Category
from app.policy import (
    WRITER_KINDS,
    Forbidden,
    NotVisible,
    check_can_edit_article,
    check_can_see_article_history,
    check_can_submit_article,
    check_can_write_articles,
    check_label_fits_category,
    check_revision_keeps_access,
    check_thread_tier,
    editors_who_can_review,
    members_who_can_read_article,
    members_who_can_see_category,
)

_REFUSED_BECAUSE = {
    "co-authors": "unknown, unable to see this category, or not an academic or agency official",
    "participants": "unknown, or unable to see this category",
}


async def _members(db: AsyncSession, category: Category, handles: list[str], what: str) -> list[Member]:
    """Named members, each of whom must be able to see the category at all; co-authors edit the
    article, so they must also be of a kind that writes articles."""
    if not handles:
        return []
    query = members_who_can_see_category(category.id).where(Member.username.in_(handles))
    if what == "co-authors":
        query = query.where(Member.kind.in_(WRITER_KINDS))
    found = list(await db.scalars(query))
    missing = sorted(set(handles) - {m.username for m in found})
    if missing:
        raise InvalidInput(
            f"These members cannot be added as {what} ({_REFUSED_BECAUSE[what]}): "
            + ", ".join("@" + h for h in missing),
            field="coauthors" if what == "co-authors" else "participants",
        )
    by_handle = {m.username: m for m in found}
    return [by_handle[h] for h in handles]


def _label(member: Member, data: DraftIn, category: Category) -> TLP:
    tlp = data.tlp or category.default_tlp
    check_label_fits_category(tlp, category)
    check_thread_tier(category, data.tier)
    if tlp is TLP.AMBER_STRICT and member.agency_id is None:
        raise Forbidden("TLP:AMBER+STRICT limits an article to the author's agency, and you have none.")
    return tlp


async def people(
    db: AsyncSession, member: Member, category_id: int, prefix: str, role: PeopleRole
) -> list[Member]:
    """Whom the form offers as co-authors or TLP:RED participants of an article in this category;
    saving checks each name again against the article's own label."""
    check_can_write_articles(member)
    kinds = WRITER_KINDS if role == "coauthors" else None
    return await forum_service.category_members(db, member, category_id, prefix, kinds)


async def _check_authors_can_read(db: AsyncSession, article: Article, authors: list[Member]) -> None:
    """Naming a co-author must not widen who reads the article: each must pass the same rules
    as a reader would, asked of the database by the policy's own expression."""
    readers = set(
        await db.scalars(
            members_who_can_read_article(article.id)
            .where(Member.id.in_([a.id for a in authors]))
            .with_only_columns(Member.id)
        )
    )
    outside = [a for a in authors if a.id not in readers]
    if outside:
        raise Forbidden(
            "These authors could not read the article at this access level and label: "
            + ", ".join("@" + a.username for a in outside)
        )


async def _apply(
    db: AsyncSession, member: Member, article: Article | None, data: DraftIn
) -> tuple[Article, markdown.RenderedArticle]:
    """In a savepoint: a refusal found after writing (an author who could not read the result)
    undoes this change and nothing else, even when the page then answers normally."""
    async with db.begin_nested():
        return await _apply_unchecked(db, member, article, data)


async def _apply_unchecked(
    db: AsyncSession, member: Member, article: Article | None, data: DraftIn
) -> tuple[Article, markdown.RenderedArticle]:
    category = await forum_queries.category_by_id(db, member, data.category_id)
    creator_id = article.created_by_id if article is not None else member.id
    coauthors = [m for m in await _members(db, category, data.coauthors, "co-authors") if m.id != creator_id]
    creator = member if creator_id == member.id else await db.get(Member, creator_id)
    assert creator is not None
    authors = [creator, *coauthors]
    tlp = _label(creator, data, category)
    participants: list[Member] = []
    if tlp is TLP.RED:
        participants = await _members(db, category, data.participants, "participants")
        if not participants and len(authors) == 1:
            raise InvalidInput("Name at least one participant for a TLP:RED article.", field="participants")
    rendered = markdown.render_article(data.body)
    now = utcnow()
    if article is None:
        article = Article(created_by_id=member.id, created_at=now, status=ArticleStatus.DRAFT)
        db.add(article)
    article.category_id = category.id
    article.title = data.title
    article.abstract = data.abstract
    article.body_source = data.body
    article.body_html = rendered.html
    article.render_version = markdown.RENDER_VERSION
    article.reading_minutes = rendered.reading_minutes
    article.tier = data.tier
    article.tlp = tlp
    article.owner_agency_id = creator.agency_id if tlp is TLP.AMBER_STRICT else None
    article.updated_at = now
    await db.flush()
    await _replace_links(db, article, authors, participants if tlp is TLP.RED else None, data.keywords)
    await _check_authors_can_read(db, article, authors)
    return article, rendered


async def _replace_links(
    db: AsyncSession,
    article: Article,
    authors: list[Member],
    participants: list[Member] | None,
    keywords: list[str],
) -> None:
    """`participants` is None unless the article is TLP:RED; its authors are always among them."""
    await db.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id == article.id))
    await db.execute(delete(ArticleParticipant).where(ArticleParticipant.article_id == article.id))
    await db.execute(delete(ArticleKeyword).where(ArticleKeyword.article_id == article.id))
    for position, author in enumerate(authors):
        db.add(ArticleAuthor(article_id=article.id, member_id=author.id, position=position))
    if participants is not None:
        for person in {m.id: m for m in [*authors, *participants]}.values():
            db.add(ArticleParticipant(article_id=article.id, member_id=person.id))
    for keyword in keywords:
        db.add(ArticleKeyword(article_id=article.id, keyword=keyword))
    await db.flush()
    await db.refresh(article, ["authors", "keywords", "category"])


async def audit(
    db: AsyncSession, ctx: RequestContext, actor: Member, action: str, article: Article, **details: str
) -> None:
    await audit_service.record(
        db,
        action=action,
        actor_id=actor.id,
        ip=ctx.ip,
        target_type="article",
        target_id=article.id,
        details=details or None,
    )


async def create_draft(db: AsyncSession, member: Member, data: DraftIn, ctx: RequestContext) -> Article:
    check_can_write_articles(member)
    await ctx.count_posting(member.id)
    article, _ = await _apply(db, member, None, data)
    await audit(db, ctx, member, "article.create", article)
    return article


async def save(
    db: AsyncSession, member: Member, article_id: int, data: DraftIn, ctx: RequestContext
) -> Article:
    """Saves a draft, or revises a published article: the text it replaces is kept."""
    article = await queries.article(db, member, article_id)
    check_can_edit_article(member, article)
    if article.status is ArticleStatus.PUBLISHED:
        check_revision_keeps_access(article, data.category_id, data.tier, data.tlp or article.tlp)
        previous = snapshot(article, member)
        article, _ = await _apply(db, member, article, data)
        await keep_revision(db, ctx, member, article, previous)
    else:
        article, _ = await _apply(db, member, article, data)
    return article


def snapshot(article: Article, member: Member) -> ArticleRevision:
    """The article as readers saw it until now, about to be revised by `member`."""
    assert article.published_at is not None
    return ArticleRevision(
        article_id=article.id,
        number=article.revision_count + 1,
        title=article.title,
        abstract=article.abstract,
        body_source=article.body_source,
        body_html=article.body_html,
        pdf_stored_name=article.pdf_stored_name,
        pdf_filename=article.pdf_filename,
        pdf_size=article.pdf_size,
        published_at=article.revised_at or article.published_at,
        replaced_by_id=member.id,
    )


async def keep_revision(
    db: AsyncSession, ctx: RequestContext, member: Member, article: Article, previous: ArticleRevision
) -> None:
    db.add(previous)
    article.revision_count += 1
    article.revised_at = article.updated_at = utcnow()
    await db.flush()
    await audit(db, ctx, member, "article.revise", article)


async def autosave(db: AsyncSession, member: Member, article_id: int, data: DraftIn) -> Article:
    """Only drafts autosave: a published article changes when its author says so."""
    article = await queries.article(db, member, article_id)
    check_can_edit_article(member, article)
    if article.status is ArticleStatus.PUBLISHED:
        raise Forbidden("Published articles are revised with the Save button, not autosaved.")
    article, _ = await _apply(db, member, article, data)
    return article


async def delete_draft(db: AsyncSession, member: Member, article_id: int, ctx: RequestContext) -> None:
    article = await queries.article(db, member, article_id)
    check_can_edit_article(member, article)
    if article.status is ArticleStatus.PUBLISHED:
        raise Forbidden("A published article cannot be deleted by its authors; ask a moderator.")
    article.deleted_at = utcnow()
    await audit(db, ctx, member, "article.delete", article)


async def submit(db: AsyncSession, member: Member, article_id: int, ctx: RequestContext) -> Article:
    article = await queries.article(db, member, article_id)
    check_can_submit_article(member, article)
    if len(article.abstract) < 20 or len(article.body_source) < 50:
        raise InvalidInput("Write an abstract (20 characters or more) and a body before submitting.")
    if await db.scalar(editors_who_can_review(article.id).with_only_columns(Member.id).limit(1)) is None:
        raise InvalidInput(
            "No editor could read this article at its access level and label, so none could review it. "
            "Name a moderator among its TLP:RED participants, or choose a wider label or category."
        )
    article.status = ArticleStatus.SUBMITTED
    article.submitted_at = utcnow()
    await audit(db, ctx, member, "article.submit", article)
    return article


async def revisions(
    db: AsyncSession, member: Member, article_id: int
) -> tuple[Article, list[ArticleRevision]]:
    """Earlier versions, newest first, for those who may see them (moderators)."""
    check_can_see_article_history(member)
    article = await queries.article(db, member, article_id)
    return article, await queries.revisions(db, article)


async def revision(
    db: AsyncSession, member: Member, article_id: int, number: int
) -> tuple[Article, ArticleRevision]:
    check_can_see_article_history(member)
    article = await queries.article(db, member, article_id)
    found = await db.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == number
        )
    )
    if found is None:
        raise NotVisible
    return article, found
