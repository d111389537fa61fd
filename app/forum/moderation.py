"""Moderators pin, lock, close, move and split threads and hide posts; all of it is audited."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.audit import service as audit_service
from app.context import RequestContext
from app.db import utcnow
from app.errors import InvalidInput
from app.forum import queries
from app.forum.models import Post, Thread, ThreadParticipant
from app.policy import check_can_moderate, check_can_move

FLAGS = {
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
    "lock": ("locked", True),
    "unlock": ("locked", False),
    "close": ("closed", True),
    "open": ("closed", False),
}


async def _audit(
    db: AsyncSession,
    actor: Member,
    action: str,
    target_type: str,
    target_id: int,
    ctx: RequestContext,
    **details: object,
) -> None:
    await audit_service.record(
        db,
        action=action,
        actor_id=actor.id,
        ip=ctx.ip,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


async def set_flag(
    db: AsyncSession, actor: Member, thread_id: int, action: str, ctx: RequestContext
) -> Thread:
    check_can_moderate(actor)
    if action not in FLAGS:
        raise InvalidInput(f"Unknown action {action!r}.")
    thread = await queries.thread(db, actor, thread_id)
    attribute, value = FLAGS[action]
    if getattr(thread, attribute) != value:
        setattr(thread, attribute, value)
        await _audit(db, actor, f"thread.{action}", "thread", thread.id, ctx)
    await db.flush()
    return thread


async def move(
    db: AsyncSession, actor: Member, thread_id: int, category_id: int, ctx: RequestContext
) -> Thread:
    check_can_moderate(actor)
    thread = await queries.thread(db, actor, thread_id)
    target = await queries.category_by_id(db, actor, category_id)
    source = thread.category
    if target.id == source.id:
        return thread
    await db.refresh(source, ["grants"])
    await db.refresh(target, ["grants"])
    check_can_move(thread, source, target)
    thread.category_id = target.id
    thread.category = target
    await _audit(db, actor, "thread.move", "thread", thread.id, ctx, source=source.slug, target=target.slug)
    await db.flush()
    return thread


async def hide_post(db: AsyncSession, actor: Member, post_id: int, reason: str, ctx: RequestContext) -> Post:
    """Hiding the opening post hides the whole thread from everyone but moderators."""
    check_can_moderate(actor)
    post = await queries.post(db, actor, post_id)
    if post.hidden_at is None:
        post.hidden_at = utcnow()
        post.hidden_reason = reason
        if post.number == 1:
            thread = await queries.thread(db, actor, post.thread_id)
            thread.hidden_at = post.hidden_at
        await _audit(db, actor, "post.hide", "post", post.id, ctx, reason=reason, thread_id=post.thread_id)
    await db.flush()
    return post


async def unhide_post(db: AsyncSession, actor: Member, post_id: int, ctx: RequestContext) -> Post:
    check_can_moderate(actor)
    post = await queries.post(db, actor, post_id)
    if post.hidden_at is not None:
        post.hidden_at = None
        post.hidden_reason = None
        if post.number == 1:
            thread = await queries.thread(db, actor, post.thread_id)
            thread.hidden_at = None
        await _audit(db, actor, "post.unhide", "post", post.id, ctx, thread_id=post.thread_id)
    await db.flush()
    return post


async def split(
    db: AsyncSession, actor: Member, thread_id: int, post_ids: list[int], title: str, ctx: RequestContext
) -> Thread:
    """Replies move to a new thread in the same category with the same label and participants."""
    check_can_moderate(actor)
    source = await queries.thread(db, actor, thread_id)
    posts = list(
        await db.scalars(
            select(Post)
            .where(Post.thread_id == source.id, Post.id.in_(post_ids), Post.number > 1)
            .order_by(Post.number)
        )
    )
    if len(posts) != len(set(post_ids)):
        raise InvalidInput("Choose replies of this thread (not its opening post).", field="post_ids")
    now = utcnow()
    target = Thread(
        category_id=source.category_id,
        author_id=posts[0].author_id,
        title=title,
        tier=source.tier,
        tlp=source.tlp,
        owner_agency_id=source.owner_agency_id,
        post_count=len(posts),
        last_number=len(posts),
        last_post_at=posts[-1].created_at,
        created_at=now,
    )
    db.add(target)
    await db.flush()
    participant_ids = await db.scalars(
        select(ThreadParticipant.member_id).where(ThreadParticipant.thread_id == source.id)
    )
    for member_id in participant_ids:
        db.add(ThreadParticipant(thread_id=target.id, member_id=member_id))
    for number, post in enumerate(posts, start=1):
        post.thread_id = target.id
        post.number = number
    await db.flush()
    remaining = await db.execute(
        select(func.count(Post.id), func.max(Post.created_at)).where(Post.thread_id == source.id)
    )
    count, last = remaining.one()
    source.post_count = count
    source.last_post_at = last or source.created_at
    await _audit(
        db,
        actor,
        "thread.split",
        "thread",
        source.id,
        ctx,
        new_thread_id=target.id,
        moved=[p.id for p in posts],
    )
    await db.flush()
    return await queries.thread(db, actor, target.id)
