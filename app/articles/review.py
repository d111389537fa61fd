"""Editors' decisions on articles: publish, return with notes, hide from readers. Each is
audited and told to the authors."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles import queries, service
from app.articles.models import Article, ArticleStatus
from app.context import RequestContext
from app.db import utcnow
from app.mail import service as mail_service
from app.notifications.models import Notification, NotificationKind
from app.policy import can_see_content, check_can_hide_article, check_can_review_article


async def publish(db: AsyncSession, editor: Member, article_id: int, ctx: RequestContext) -> Article:
    article = await queries.article(db, editor, article_id)
    check_can_review_article(editor, article)
    article.status = ArticleStatus.PUBLISHED
    article.published_at = article.published_at or utcnow()
    article.editor_notes = None
    await service.audit(db, ctx, editor, "article.publish", article)
    _tell_authors(db, ctx, editor, article, NotificationKind.PUBLISHED, notes=None)
    return article


async def return_to_authors(
    db: AsyncSession, editor: Member, article_id: int, notes: str, ctx: RequestContext
) -> Article:
    article = await queries.article(db, editor, article_id)
    check_can_review_article(editor, article)
    article.status = ArticleStatus.RETURNED
    article.editor_notes = notes
    await service.audit(db, ctx, editor, "article.return", article)
    _tell_authors(db, ctx, editor, article, NotificationKind.RETURNED, notes=notes)
    return article


async def hide(
    db: AsyncSession, moderator: Member, article_id: int, reason: str | None, ctx: RequestContext
) -> Article:
    """`reason` None shows the article again. Hidden, it is out of lists, search, digests and
    comments; its authors and the moderators can still open it, and the authors are told why."""
    article = await queries.article(db, moderator, article_id)
    check_can_hide_article(moderator, article)
    if (reason is None) == (article.hidden_at is None):
        return article
    article.hidden_at = utcnow() if reason is not None else None
    article.hidden_reason = reason
    if reason is None:
        await service.audit(db, ctx, moderator, "article.unhide", article)
    else:
        await service.audit(db, ctx, moderator, "article.hide", article, reason=reason)
        _tell_authors(db, ctx, moderator, article, NotificationKind.HIDDEN, notes=reason)
    await db.flush()
    return article


_DECISION_PAGES = {
    NotificationKind.PUBLISHED: "/a/{id}",
    NotificationKind.RETURNED: "/a/{id}/edit",
    NotificationKind.HIDDEN: "/a/{id}",
}


def _tell_authors(
    db: AsyncSession,
    ctx: RequestContext,
    editor: Member,
    article: Article,
    kind: NotificationKind,
    notes: str | None,
) -> None:
    """A notification for each author who may still read anything here (not a suspended one),
    and an e-mail. E-mail leaves our control: for AMBER and stricter it names neither the article
    nor the notes."""
    restricted = article.tlp.restricted
    for author in filter(can_see_content, article.author_members):
        db.add(Notification(member_id=author.id, kind=kind, article_id=article.id, actor_id=editor.id))
        mail_service.send_template(
            db,
            ctx.settings,
            author.email,
            "article_decision",
            member=author,
            decision=kind.value,
            restricted=restricted,
            title=None if restricted else article.title,
            notes=None if restricted else notes,
            tlp=article.tlp.label,
            url=ctx.settings.url(_DECISION_PAGES[kind].format(id=article.id)),
        )
