"""Comments on published articles, one level of replies."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.articles import queries
from app.articles.models import Article, Comment
from app.articles.schemas import CommentIn
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import utcnow
from app.forum import markdown
from app.mail import service as mail_service
from app.notifications.models import Notification, NotificationKind
from app.policy import (
    NotVisible,
    check_can_comment,
    check_can_delete_comment,
    check_can_edit_comment,
    check_can_moderate,
    check_can_reply_to_comment,
    members_who_can_read_article,
)


async def add(
    db: AsyncSession, member: Member, article_id: int, data: CommentIn, ctx: RequestContext
) -> Comment:
    article = await queries.article(db, member, article_id)
    check_can_comment(member, article)
    parent = None
    if data.parent_id is not None:
        parent = await queries.comment(db, member, data.parent_id)
        if parent.article_id != article.id:
            raise NotVisible
        check_can_reply_to_comment(member, parent)
    await ctx.count_posting(member.id)
    rendered = markdown.render(data.body)
    comment = Comment(
        article_id=article.id,
        parent_id=(parent.parent_id or parent.id) if parent is not None else None,
        author_id=member.id,
        body_source=data.body,
        body_html=rendered.html,
        render_version=markdown.RENDER_VERSION,
        created_at=utcnow(),
    )
    db.add(comment)
    await _count(db, article.id, 1)
    await db.flush()
    await db.refresh(comment, ["author"])
    targets = {a.member_id: NotificationKind.COMMENT for a in article.authors}
    if parent is not None:
        targets[parent.author_id] = NotificationKind.COMMENT_REPLY
    await _notify(db, ctx, member, article, comment, targets)
    return comment


async def _notify(
    db: AsyncSession,
    ctx: RequestContext,
    actor: Member,
    article: Article,
    comment: Comment,
    targets: dict[int, NotificationKind],
) -> None:
    """Only members who can still read the article hear of it; e-mail never quotes AMBER+."""
    targets.pop(actor.id, None)
    if not targets:
        return
    readers = await db.scalars(members_who_can_read_article(article.id).where(Member.id.in_(list(targets))))
    restricted = article.tlp.restricted
    for reader in readers:
        kind = targets[reader.id]
        db.add(
            Notification(
                member_id=reader.id,
                kind=kind,
                article_id=article.id,
                comment_id=comment.id,
                actor_id=actor.id,
            )
        )
        if reader.email_notifications:
            mail_service.send_template(
                db,
                ctx.settings,
                reader.email,
                "article_comment",
                member=reader,
                reply=kind is NotificationKind.COMMENT_REPLY,
                actor=actor.display_name,
                restricted=restricted,
                title=None if restricted else article.title,
                excerpt=None if restricted else markdown.excerpt(comment.body_source),
                tlp=article.tlp.label,
                url=ctx.settings.url(f"/a/{article.id}#c{comment.id}"),
            )
    await db.flush()


async def editable(db: AsyncSession, member: Member, comment_id: int) -> Comment:
    """The comment whose source the member may read in the edit form and change."""
    comment = await queries.comment(db, member, comment_id)
    check_can_edit_comment(member, comment)
    return comment


async def edit(db: AsyncSession, member: Member, comment_id: int, body: str) -> Comment:
    comment = await editable(db, member, comment_id)
    comment.body_source = body
    comment.body_html = markdown.render(body).html
    comment.render_version = markdown.RENDER_VERSION
    comment.edited_at = utcnow()
    await db.flush()
    return comment


async def remove(db: AsyncSession, member: Member, comment_id: int, ctx: RequestContext) -> Comment:
    comment = await queries.comment(db, member, comment_id)
    check_can_delete_comment(member, comment)
    if _counted(comment):
        await _count(db, comment.article_id, -1)
    comment.deleted_at = utcnow()
    if member.id != comment.author_id:
        await audit_service.record(
            db,
            action="comment.delete",
            actor_id=member.id,
            ip=ctx.ip,
            target_type="comment",
            target_id=comment.id,
        )
    await db.flush()
    return comment


async def hide(
    db: AsyncSession, moderator: Member, comment_id: int, reason: str | None, ctx: RequestContext
) -> Comment:
    """`reason` None unhides."""
    check_can_moderate(moderator)
    comment = await queries.comment(db, moderator, comment_id)
    was_counted = _counted(comment)
    comment.hidden_at = utcnow() if reason is not None else None
    comment.hidden_reason = reason
    await audit_service.record(
        db,
        action="comment.hide" if reason is not None else "comment.unhide",
        actor_id=moderator.id,
        ip=ctx.ip,
        target_type="comment",
        target_id=comment.id,
        details={"reason": reason} if reason else None,
    )
    if was_counted != _counted(comment):
        await _count(db, comment.article_id, 1 if _counted(comment) else -1)
    await db.flush()
    return comment


def _counted(comment: Comment) -> bool:
    """The count on the articles list is what readers may see: hidden and deleted comments are
    not in it, so it cannot tell anyone that a moderator hid something."""
    return comment.hidden_at is None and comment.deleted_at is None


async def _count(db: AsyncSession, article_id: int, change: int) -> None:
    await db.execute(
        update(Article).where(Article.id == article_id).values(comment_count=Article.comment_count + change)
    )
