"""Moderator actions on threads and posts, in place with HTMX or by plain form posts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.deps import Ctx, DbSession, RequireModerator, verify_csrf
from app.errors import ServiceError
from app.forms import form_values, validate
from app.forum import moderation, queries
from app.forum.post_pages import render_post
from app.forum.schemas import MoveIn, ReasonIn, SplitIn
from app.policy import Forbidden
from app.templating import is_htmx, render
from app.web import error_page, redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.post("/t/{thread_id}/moderate/{action}")
async def flag(
    request: Request, thread_id: int, action: str, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    await moderation.set_flag(db, moderator, thread_id, action, ctx)
    return redirect(request, f"/t/{thread_id}")


@router.post("/t/{thread_id}/move")
async def move(
    request: Request, thread_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    data, _ = validate(MoveIn, await form_values(request))
    if data is None:
        return error_page(request, 422, "Choose a category.")
    try:
        await moderation.move(db, moderator, thread_id, data.category_id, ctx)
    except Forbidden as exc:
        return error_page(request, 403, exc.message)
    return redirect(request, f"/t/{thread_id}")


@router.get("/t/{thread_id}/split")
async def split_form(
    request: Request, thread_id: int, db: DbSession, moderator: RequireModerator
) -> Response:
    view = await queries.thread_view(db, moderator, thread_id, None)
    return render(request, "forum/split.html", {"view": view, "thread": view.thread, "errors": {}})


@router.post("/t/{thread_id}/split")
async def split(
    request: Request, thread_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    form = await request.form()
    values = {"title": form.get("title", ""), "post_ids": form.getlist("post_ids")}
    data, errors = validate(SplitIn, values)
    if data is not None:
        try:
            new = await moderation.split(db, moderator, thread_id, data.post_ids, data.title, ctx)
        except ServiceError as exc:
            errors = {exc.field or "post_ids": exc.message}
        else:
            return redirect(request, f"/t/{new.id}")
    view = await queries.thread_view(db, moderator, thread_id, None)
    return render(
        request, "forum/split.html", {"view": view, "thread": view.thread, "errors": errors}, status_code=422
    )


@router.post("/p/{post_id}/hide")
async def hide(
    request: Request, post_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    data, _ = validate(ReasonIn, await form_values(request))
    if data is None:
        return error_page(request, 422, "Give a reason of at least 3 characters.")
    post = await moderation.hide_post(db, moderator, post_id, data.reason, ctx)
    return await _after_post_action(request, db, moderator, post.thread_id, post.id)


@router.post("/p/{post_id}/unhide")
async def unhide(
    request: Request, post_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    post = await moderation.unhide_post(db, moderator, post_id, ctx)
    return await _after_post_action(request, db, moderator, post.thread_id, post.id)


async def _after_post_action(
    request: Request, db: DbSession, moderator: RequireModerator, thread_id: int, post_id: int
) -> Response:
    if not is_htmx(request):
        return redirect(request, f"/t/{thread_id}")
    return await render_post(request, db, moderator, await queries.post(db, moderator, post_id))
