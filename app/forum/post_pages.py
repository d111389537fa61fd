"""Replying, quoting, editing, deleting, previewing, mentioning and watching."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from app.deps import Ctx, CurrentMember, DbSession, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.forum import markdown, queries, service
from app.forum.models import Post
from app.forum.pages import thread_context
from app.forum.schemas import PostIn, PreviewIn, WatchIn
from app.policy import Forbidden, can_moderate, can_see_edit_history, check_can_moderate
from app.templating import is_htmx, render
from app.web import error_page, redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.post("/t/{thread_id}/reply")
async def reply(request: Request, thread_id: int, db: DbSession, ctx: Ctx, member: CurrentMember) -> Response:
    values = await form_values(request)
    data, errors = validate(PostIn, values)
    status_code = 422
    if data is not None:
        try:
            post = await service.reply(db, member, thread_id, data.body, ctx)
        except (ServiceError, Forbidden) as exc:
            errors = {FORM_LEVEL: exc.message}
            status_code = 409 if isinstance(exc, Forbidden) else exc.status_code
        else:
            if not is_htmx(request):
                view = await queries.thread_view(db, member, thread_id, None)
                return redirect(request, f"/t/{thread_id}?page={view.pages}#p{post.number}")
            return await render_post(request, db, member, post, block="new_post")
    view = await queries.thread_view(db, member, thread_id, None)
    return render(
        request,
        "forum/thread.html",
        await thread_context(db, member, view, reply_text=values.get("body", ""), errors=errors),
        block="reply_form",
        status_code=status_code,
        headers={"HX-Retarget": "#reply-form", "HX-Reswap": "outerHTML"},
    )


@router.get("/t/{thread_id}/reply-form")
async def reply_form(
    request: Request, thread_id: int, db: DbSession, member: CurrentMember, quote: int | None = None
) -> Response:
    if not is_htmx(request):
        return redirect(request, f"/t/{thread_id}?quote={quote or ''}#reply")
    thread = await queries.thread(db, member, thread_id)
    text = await service.quote_source(db, member, quote) if quote else ""
    return render(
        request, "forum/thread.html", {"thread": thread, "reply_text": text, "errors": {}}, block="reply_form"
    )


async def _edit_form(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    post_id: int,
    body: str | None,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    post, _ = await service.editable_post(db, member, post_id)
    return render(
        request,
        "forum/edit_post.html",
        {
            "post": post,
            "body": post.body_source if body is None else body,
            "errors": errors,
        },
        block="edit_form",
        status_code=status_code,
    )


@router.get("/p/{post_id}/edit")
async def edit_form(request: Request, post_id: int, db: DbSession, member: CurrentMember) -> Response:
    return await _edit_form(request, db, member, post_id, None, {})


@router.post("/p/{post_id}/edit")
async def edit(request: Request, post_id: int, db: DbSession, ctx: Ctx, member: CurrentMember) -> Response:
    values = await form_values(request)
    data, errors = validate(PostIn, values)
    if data is not None:
        try:
            post = await service.edit_post(db, member, post_id, data.body, ctx)
        except ServiceError as exc:
            errors = {FORM_LEVEL: exc.message}
        else:
            return await _post_fragment(request, db, member, post.id)
    return await _edit_form(request, db, member, post_id, values.get("body", ""), errors, 422)


async def render_post(
    request: Request, db: DbSession, member: CurrentMember, post: Post, *, block: str = "single_post"
) -> Response:
    """One post as the thread page shows it, for HTMX to swap in; `new_post` also resets the form."""
    thread = await queries.thread(db, member, post.thread_id)
    return render(
        request,
        "forum/thread.html",
        {
            "thread": thread,
            "pv": queries.present(post, member),
            "can_moderate": can_moderate(member),
            "can_see_history": can_see_edit_history(member),
            "reply_text": "",
            "errors": {},
        },
        block=block,
    )


async def _post_fragment(request: Request, db: DbSession, member: CurrentMember, post_id: int) -> Response:
    post = await queries.post(db, member, post_id)
    if not is_htmx(request):
        return redirect(request, f"/t/{post.thread_id}#p{post.number}")
    return await render_post(request, db, member, post)


@router.get("/p/{post_id}")
async def show_post(request: Request, post_id: int, db: DbSession, member: CurrentMember) -> Response:
    return await _post_fragment(request, db, member, post_id)


@router.post("/p/{post_id}/delete")
async def delete(request: Request, post_id: int, db: DbSession, member: CurrentMember) -> Response:
    post = await service.delete_post(db, member, post_id)
    if post.number == 1:
        return redirect(request, "/")
    return await _post_fragment(request, db, member, post_id)


@router.get("/p/{post_id}/history")
async def history(request: Request, post_id: int, db: DbSession, member: CurrentMember) -> Response:
    check_can_moderate(member)
    post = await queries.post(db, member, post_id)
    return render(
        request, "forum/history.html", {"post": post, "revisions": await queries.revisions(db, post)}
    )


@router.post("/preview")
async def preview(request: Request, member: CurrentMember) -> Response:
    data, _ = validate(PreviewIn, await form_values(request))
    html = markdown.render(data.body).html if data is not None else ""
    return render(request, "forum/preview.html", {"html": html}, block="preview")


@router.get("/t/{thread_id}/mentionable")
async def mentionable(thread_id: int, db: DbSession, member: CurrentMember, q: str = "") -> JSONResponse:
    members = await service.mentionable(db, member, thread_id, q)
    return JSONResponse(
        [{"username": m.username, "name": m.display_name, "affiliation": m.affiliation} for m in members]
    )


@router.get("/c/{slug}/members")
async def category_members(slug: str, db: DbSession, member: CurrentMember, q: str = "") -> JSONResponse:
    category = await queries.category_by_slug(db, member, slug)
    members = await service.category_members(db, member, category.id, q)
    return JSONResponse(
        [{"username": m.username, "name": m.display_name, "affiliation": m.affiliation} for m in members]
    )


@router.post("/t/{thread_id}/watch")
async def watch_thread(request: Request, thread_id: int, db: DbSession, member: CurrentMember) -> Response:
    data, _ = validate(WatchIn, await form_values(request))
    if data is None:
        return error_page(request, 422, "Choose watch, normal or mute.")
    await service.set_watch(db, member, data.level, thread_id=thread_id)
    view = await queries.thread_view(db, member, thread_id, None)
    if not is_htmx(request):
        return redirect(request, f"/t/{thread_id}")
    return render(request, "forum/thread.html", await thread_context(db, member, view), block="watch")


@router.post("/c/{slug}/watch")
async def watch_category(request: Request, slug: str, db: DbSession, member: CurrentMember) -> Response:
    category = await queries.category_by_slug(db, member, slug)
    data, _ = validate(WatchIn, await form_values(request))
    if data is None:
        return error_page(request, 422, "Choose watch, normal or mute.")
    await service.set_watch(db, member, data.level, category_id=category.id)
    return redirect(request, f"/c/{category.slug}")
