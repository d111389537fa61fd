"""Reading the forum and starting threads."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts import service as accounts_service
from app.deps import Ctx, CurrentMember, DbSession, OptionalMember, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.forum import queries, service
from app.forum.models import TLP, Tier
from app.forum.schemas import ThreadIn
from app.policy import (
    Forbidden,
    can_moderate,
    can_see_content,
    can_see_edit_history,
    visible_categories,
)
from app.sitewide import service as sitewide_service
from app.templating import render
from app.web import redirect

router = APIRouter(dependencies=[Depends(verify_csrf)])


@router.get("/")
async def home(request: Request, db: DbSession, member: OptionalMember) -> Response:
    if member is None:
        return render(request, "home/landing.html")
    if not can_see_content(member):
        return redirect(request, "/application")
    await sitewide_service.enforce_second_factor(db, member)
    return render(
        request,
        "forum/index.html",
        {
            "summaries": await queries.category_index(db, member),
            "colleagues": await accounts_service.colleagues(db, member),
        },
    )


@router.get("/c/{slug}")
async def category(
    request: Request, slug: str, db: DbSession, member: CurrentMember, page: int = 1
) -> Response:
    found = await queries.category_by_slug(db, member, slug)
    page = max(1, min(page, 10_000))
    rows, total = await queries.category_threads(db, member, found, page)
    return render(
        request,
        "forum/category.html",
        {
            "category": found,
            "rows": rows,
            "page": page,
            "pages": max(1, -(-total // queries.THREADS_PER_PAGE)),
            "total": total,
            "watch_level": await service.category_watch_level(db, member, found.id),
        },
    )


async def _new_thread_form(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    slug: str,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    found = await queries.category_by_slug(db, member, slug)
    labels = [t for t in TLP if not (t.restricted and found.tier is Tier.COMMUNITY)]
    return render(
        request,
        "forum/new_thread.html",
        {
            "category": found,
            "labels": labels,
            "values": values,
            "errors": errors,
            "can_raise_tier": found.tier is Tier.COMMUNITY,
        },
        status_code=status_code,
    )


@router.get("/c/{slug}/new")
async def new_thread(request: Request, slug: str, db: DbSession, member: CurrentMember) -> Response:
    found = await queries.category_by_slug(db, member, slug)
    return await _new_thread_form(request, db, member, slug, {"tlp": found.default_tlp.value}, {})


@router.post("/c/{slug}/new")
async def create_thread(
    request: Request, slug: str, db: DbSession, ctx: Ctx, member: CurrentMember
) -> Response:
    found = await queries.category_by_slug(db, member, slug)
    values = await form_values(request)
    data, errors = validate(ThreadIn, {**values, "category_id": found.id})
    if data is not None:
        try:
            thread = await service.create_thread(db, member, data, ctx)
        except (ServiceError, Forbidden) as exc:
            errors = {getattr(exc, "field", None) or FORM_LEVEL: exc.message}
        else:
            return redirect(request, f"/t/{thread.id}")
    return await _new_thread_form(request, db, member, slug, values, errors, 422)


async def thread_context(
    db: DbSession, member: CurrentMember, view: queries.ThreadView, **extra: object
) -> dict[str, object]:
    """Everything the thread page needs, for the whole page and for each of its blocks."""
    move_targets = list(await db.scalars(visible_categories(member))) if can_moderate(member) else []
    return {
        "view": view,
        "thread": view.thread,
        "reply_text": "",
        "errors": {},
        "move_targets": move_targets,
        "can_moderate": can_moderate(member),
        "can_see_history": can_see_edit_history(member),
        **extra,
    }


@router.get("/t/{thread_id}")
async def thread(
    request: Request,
    thread_id: int,
    db: DbSession,
    member: CurrentMember,
    page: int | None = None,
    quote: int | None = None,
) -> Response:
    view = await queries.thread_view(db, member, thread_id, min(page, 100_000) if page else None)
    reply_text = await service.quote_source(db, member, quote) if quote else ""
    context = await thread_context(db, member, view, reply_text=reply_text)
    return render(request, "forum/thread.html", context, block="posts")
