"""Writing in the forum: threads, replies, edits, deletions and watching."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member, MemberKind
from app.context import RequestContext
from app.db import utcnow
from app.errors import InvalidInput
from app.forum import markdown, queries
from app.forum.models import TLP, Post, PostRevision, Subscription, Thread, ThreadParticipant, WatchLevel
from app.forum.schemas import ThreadIn
from app.notifications import service as notifications
from app.notifications.models import NotificationKind
from app.policy import (
    Forbidden,
    check_can_delete_post,
    check_can_edit_post,
    check_can_reply,
    check_label_fits_category,
    check_thread_tier,
    members_who_can_see_category,
    members_who_can_see_thread,
)


def _render(source: str) -> markdown.Rendered:
    return markdown.render(source)


async def create_thread(db: AsyncSession, member: Member, data: ThreadIn, ctx: RequestContext) -> Thread:
    category = await queries.category_by_id(db, member, data.category_id)
    tlp = data.tlp or category.default_tlp
    check_label_fits_category(tlp, category)
    check_thread_tier(category, data.tier)
    await ctx.count_posting(member.id)
    if tlp is TLP.AMBER_STRICT and member.agency_id is None:
        raise Forbidden("TLP:AMBER+STRICT limits a thread to the author's agency, and you have none.")
    participants: list[Member] = []
    if tlp is TLP.RED:
        participants = await _red_participants(db, member, category.id, data.participants)

    now = utcnow()
    rendered = _render(data.body)
    thread = Thread(
        category_id=category.id,
        author_id=member.id,
        title=data.title,
        tier=data.tier,
        tlp=tlp,
        owner_agency_id=member.agency_id if tlp is TLP.AMBER_STRICT else None,
        post_count=1,
        last_number=1,
        last_post_at=now,
        created_at=now,
    )
    db.add(thread)
    await db.flush()
    first = Post(
        thread_id=thread.id,
        number=1,
        author_id=member.id,
        body_source=data.body,
        body_html=rendered.html,
        render_version=markdown.RENDER_VERSION,
        created_at=now,
    )
    db.add(first)
    for participant in {p.id: p for p in [member, *participants]}.values():
        db.add(ThreadParticipant(thread_id=thread.id, member_id=participant.id))
    db.add(Subscription(member_id=member.id, thread_id=thread.id, level=WatchLevel.WATCHING))
    await db.flush()

    visible = await queries.thread(db, member, thread.id)
    await _notify_post(
        db, member, visible, first, rendered.mentions, ctx, watchers=NotificationKind.NEW_THREAD
    )
    return visible


async def _red_participants(
    db: AsyncSession, member: Member, category_id: int, handles: list[str]
) -> list[Member]:
    if not handles:
        raise InvalidInput("Name at least one participant for a TLP:RED thread.", field="participants")
    found = list(
        await db.scalars(members_who_can_see_category(category_id).where(Member.username.in_(handles)))
    )
    missing = sorted(set(handles) - {m.username for m in found})
    if missing:
        raise InvalidInput(
            "These members cannot be added (unknown, or unable to see this category): "
            + ", ".join("@" + h for h in missing),
            field="participants",
        )
    return found


async def reply(db: AsyncSession, member: Member, thread_id: int, body: str, ctx: RequestContext) -> Post:
    thread = await queries.thread(db, member, thread_id)
    check_can_reply(thread)
    await ctx.count_posting(member.id)
    now = utcnow()
    number = await db.scalar(
        update(Thread)
        .where(Thread.id == thread.id)
        .values(last_number=Thread.last_number + 1, post_count=Thread.post_count + 1, last_post_at=now)
        .returning(Thread.last_number)
    )
    rendered = _render(body)
    post = Post(
        thread_id=thread.id,
        number=number,
        author_id=member.id,
        body_source=body,
        body_html=rendered.html,
        render_version=markdown.RENDER_VERSION,
        created_at=now,
    )
    db.add(post)
    await db.flush()
    await db.refresh(thread)
    await _notify_post(db, member, thread, post, rendered.mentions, ctx, watchers=NotificationKind.REPLY)
    return post


async def _notify_post(
    db: AsyncSession,
    member: Member,
    thread: Thread,
    post: Post,
    mentions: tuple[str, ...],
    ctx: RequestContext,
    *,
    watchers: NotificationKind | None,
) -> None:
    """Mentioned members first; watchers (of the thread or its category) get `watchers` unless
    they were mentioned. Both lists pass through the visibility rules and leave out muted members."""
    mentioned = await notifications.recipients(db, thread, usernames=mentions)
    await notifications.create(
        db,
        ctx.settings,
        kind=NotificationKind.MENTION,
        thread=thread,
        post=post,
        actor=member,
        members=mentioned,
    )
    if watchers is not None:
        ids = await notifications.watcher_ids(db, thread) - {m.id for m in mentioned}
        await notifications.create(
            db,
            ctx.settings,
            kind=watchers,
            thread=thread,
            post=post,
            actor=member,
            members=await notifications.recipients(db, thread, member_ids=ids),
        )


async def editable_post(db: AsyncSession, member: Member, post_id: int) -> tuple[Post, Thread]:
    """The post whose source the member may read in the edit form and change."""
    post = await queries.post(db, member, post_id)
    thread = await queries.thread(db, member, post.thread_id)
    check_can_edit_post(member, post, thread)
    return post, thread


async def edit_post(db: AsyncSession, member: Member, post_id: int, body: str, ctx: RequestContext) -> Post:
    post, thread = await editable_post(db, member, post_id)
    if body == post.body_source:
        return post
    before = set(markdown.render(post.body_source).mentions)
    db.add(PostRevision(post_id=post.id, editor_id=member.id, body_source=post.body_source))
    rendered = _render(body)
    post.body_source, post.body_html = body, rendered.html
    post.render_version = markdown.RENDER_VERSION
    post.edited_at = utcnow()
    await db.flush()
    new_mentions = tuple(h for h in rendered.mentions if h not in before)
    await _notify_post(db, member, thread, post, new_mentions, ctx, watchers=None)
    return post


async def delete_post(db: AsyncSession, member: Member, post_id: int) -> Post:
    """Soft delete: the text stays for moderators' records; deleting the opening post removes the thread."""
    post = await queries.post(db, member, post_id)
    check_can_delete_post(member, post.author_id)
    if post.deleted_at is None:
        post.deleted_at = utcnow()
        if post.number == 1:
            thread = await queries.thread(db, member, post.thread_id)
            thread.deleted_at = post.deleted_at
    await db.flush()
    return post


async def quote_source(db: AsyncSession, member: Member, post_id: int) -> str:
    post = await queries.post(db, member, post_id)
    view = queries.present(post, member)
    if view.hidden_for_viewer:
        return ""
    return markdown.quote(post.author.username, post.body_source)


async def set_watch(
    db: AsyncSession,
    member: Member,
    level: WatchLevel | None,
    *,
    thread_id: int | None = None,
    category_id: int | None = None,
) -> None:
    if thread_id is not None:
        await queries.thread(db, member, thread_id)
        target = Subscription.thread_id == thread_id
    else:
        assert category_id is not None
        await queries.category_by_id(db, member, category_id)
        target = Subscription.category_id == category_id
    await db.execute(delete(Subscription).where(Subscription.member_id == member.id, target))
    if level is not None:
        db.add(Subscription(member_id=member.id, thread_id=thread_id, category_id=category_id, level=level))
    await db.flush()


async def category_watch_level(db: AsyncSession, member: Member, category_id: int) -> WatchLevel | None:
    return await db.scalar(
        select(Subscription.level).where(
            Subscription.member_id == member.id, Subscription.category_id == category_id
        )
    )


async def mentionable(db: AsyncSession, member: Member, thread_id: int, prefix: str) -> list[Member]:
    """Autocomplete offers only members who can see this thread."""
    thread = await queries.thread(db, member, thread_id)
    needle = prefix.lstrip("@").lower()[:40]
    query = members_who_can_see_thread(thread.id).where(Member.id != member.id)
    if needle:
        query = query.where(Member.username.like(f"{needle}%") | Member.display_name.ilike(f"%{needle}%"))
    return list(await db.scalars(query.order_by(Member.username).limit(10)))


async def category_members(
    db: AsyncSession,
    member: Member,
    category_id: int,
    prefix: str,
    kinds: tuple[MemberKind, ...] | None = None,
) -> list[Member]:
    """Candidates for TLP:RED participants (or, limited to `kinds`, an article's co-authors):
    members who can see the category."""
    await queries.category_by_id(db, member, category_id)
    needle = prefix.lstrip("@").lower()[:40]
    query = members_who_can_see_category(category_id).where(Member.id != member.id)
    if kinds is not None:
        query = query.where(Member.kind.in_(kinds))
    if needle:
        query = query.where(Member.username.like(f"{needle}%") | Member.display_name.ilike(f"%{needle}%"))
    return list(await db.scalars(query.order_by(Member.username).limit(10)))
