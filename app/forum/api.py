"""The forum as JSON under /api/v1, through the same queries, services and policy as the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.models import Member
from app.deps import ApiMember, ApiModerator, Ctx, DbSession
from app.forum import moderation, queries, service
from app.forum.models import Category, Post, Thread
from app.forum.schemas import (
    AuthorOut,
    CategoryOut,
    MoveIn,
    PostIn,
    PostOut,
    ReasonIn,
    SplitIn,
    ThreadIn,
    ThreadOut,
    ThreadPage,
    ThreadSummaryOut,
    WatchIn,
)

router = APIRouter(tags=["forum"])
Page = Annotated[int, Query(ge=1, le=100_000)]


def _author(member: Member | queries.Author) -> AuthorOut:
    return AuthorOut.model_validate(member)


def _category(summary: queries.CategorySummary) -> CategoryOut:
    c = summary.category
    return CategoryOut(
        id=c.id,
        slug=c.slug,
        name=c.name,
        description=c.description,
        tier=c.tier,
        default_tlp=c.default_tlp,
        thread_count=summary.thread_count,
        post_count=summary.post_count,
        last_activity_at=summary.last_activity_at,
    )


def _summary(row: queries.ThreadRow) -> ThreadSummaryOut:
    t = row.thread
    return ThreadSummaryOut(
        id=t.id,
        title=t.title,
        category_id=t.category_id,
        tlp=t.tlp,
        tlp_label=t.tlp.label,
        author=_author(t.author),
        reply_count=max(t.post_count - 1, 0),
        pinned=t.pinned,
        locked=t.locked,
        closed=t.closed,
        last_post_at=t.last_post_at,
        unread=row.unread,
    )


def _post(view: queries.PostView) -> PostOut:
    p = view.post
    return PostOut(
        id=p.id,
        number=p.number,
        author=_author(p.author),
        created_at=p.created_at,
        edited=p.edited_at is not None,
        deleted=p.deleted_at is not None,
        hidden=p.hidden_at is not None,
        hidden_reason=p.hidden_reason if p.hidden_at else None,
        body_html=view.body_html,
        body_source=None if view.hidden_for_viewer else p.body_source,
    )


def _thread(view: queries.ThreadView) -> ThreadOut:
    t = view.thread
    return ThreadOut(
        id=t.id,
        title=t.title,
        category_id=t.category_id,
        tlp=t.tlp,
        tlp_label=t.tlp.label,
        tier=view.effective_tier,
        pinned=t.pinned,
        locked=t.locked,
        closed=t.closed,
        participants=[_author(m) for m in view.participants] if t.tlp.value == "red" else [],
        page=view.page,
        pages=view.pages,
        posts=[_post(p) for p in view.posts],
    )


@router.get("/categories", response_model=list[CategoryOut])
async def list_categories(db: DbSession, member: ApiMember) -> list[CategoryOut]:
    return [_category(s) for s in await queries.category_index(db, member)]


@router.get("/categories/{slug}/threads", response_model=ThreadPage)
async def category_threads(slug: str, db: DbSession, member: ApiMember, page: Page = 1) -> ThreadPage:
    category: Category = await queries.category_by_slug(db, member, slug)
    rows, total = await queries.category_threads(db, member, category, page)
    return ThreadPage(total=total, page=page, threads=[_summary(r) for r in rows])


@router.post("/threads", response_model=ThreadOut, status_code=201)
async def create_thread(body: ThreadIn, db: DbSession, ctx: Ctx, member: ApiMember) -> ThreadOut:
    thread: Thread = await service.create_thread(db, member, body, ctx)
    return _thread(await queries.thread_view(db, member, thread.id, 1))


@router.get("/threads/{thread_id}", response_model=ThreadOut)
async def get_thread(thread_id: int, db: DbSession, member: ApiMember, page: Page = 1) -> ThreadOut:
    return _thread(await queries.thread_view(db, member, thread_id, page))


@router.post("/threads/{thread_id}/posts", response_model=PostOut, status_code=201)
async def reply(thread_id: int, body: PostIn, db: DbSession, ctx: Ctx, member: ApiMember) -> PostOut:
    post: Post = await service.reply(db, member, thread_id, body.body, ctx)
    return _post(queries.present(post, member))


@router.get("/posts/{post_id}", response_model=PostOut)
async def get_post(post_id: int, db: DbSession, member: ApiMember) -> PostOut:
    return _post(queries.present(await queries.post(db, member, post_id), member))


@router.put("/posts/{post_id}", response_model=PostOut)
async def edit_post(post_id: int, body: PostIn, db: DbSession, ctx: Ctx, member: ApiMember) -> PostOut:
    return _post(queries.present(await service.edit_post(db, member, post_id, body.body, ctx), member))


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(post_id: int, db: DbSession, member: ApiMember) -> None:
    await service.delete_post(db, member, post_id)


@router.put("/threads/{thread_id}/watch", status_code=204)
async def watch_thread(thread_id: int, body: WatchIn, db: DbSession, member: ApiMember) -> None:
    await service.set_watch(db, member, body.level, thread_id=thread_id)


@router.put("/categories/{slug}/watch", status_code=204)
async def watch_category(slug: str, body: WatchIn, db: DbSession, member: ApiMember) -> None:
    category = await queries.category_by_slug(db, member, slug)
    await service.set_watch(db, member, body.level, category_id=category.id)


@router.get("/threads/{thread_id}/mentionable", response_model=list[AuthorOut])
async def mentionable(
    thread_id: int, db: DbSession, member: ApiMember, q: Annotated[str, Query(max_length=40)] = ""
) -> list[AuthorOut]:
    return [_author(m) for m in await service.mentionable(db, member, thread_id, q)]


@router.post("/threads/{thread_id}/moderate/{action}", response_model=ThreadSummaryOut)
async def moderate(
    thread_id: int, action: str, db: DbSession, ctx: Ctx, moderator: ApiModerator
) -> ThreadSummaryOut:
    thread = await moderation.set_flag(db, moderator, thread_id, action, ctx)
    return _summary(queries.ThreadRow(thread, False))


@router.post("/threads/{thread_id}/move", response_model=ThreadSummaryOut)
async def move(
    thread_id: int, body: MoveIn, db: DbSession, ctx: Ctx, moderator: ApiModerator
) -> ThreadSummaryOut:
    thread = await moderation.move(db, moderator, thread_id, body.category_id, ctx)
    return _summary(queries.ThreadRow(thread, False))


@router.post("/threads/{thread_id}/split", response_model=ThreadOut, status_code=201)
async def split(thread_id: int, body: SplitIn, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> ThreadOut:
    thread = await moderation.split(db, moderator, thread_id, body.post_ids, body.title, ctx)
    return _thread(await queries.thread_view(db, moderator, thread.id, 1))


@router.post("/posts/{post_id}/hide", response_model=PostOut)
async def hide(post_id: int, body: ReasonIn, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> PostOut:
    return _post(
        queries.present(await moderation.hide_post(db, moderator, post_id, body.reason, ctx), moderator)
    )


@router.post("/posts/{post_id}/unhide", response_model=PostOut)
async def unhide(post_id: int, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> PostOut:
    return _post(queries.present(await moderation.unhide_post(db, moderator, post_id, ctx), moderator))
