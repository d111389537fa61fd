"""Digest settings and a preview of the next digest."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.db import utcnow
from app.deps import Ctx, CurrentMember, DbSession, RequireAdmin, verify_csrf
from app.digest import sending, service, unsubscribe
from app.digest.models import DigestFrequency
from app.digest.schemas import DigestSettingsIn
from app.errors import InvalidInput, NotFound
from app.forms import errors_by_field
from app.policy import visible_categories
from app.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(verify_csrf)])


async def _page(
    request: Request, db: DbSession, member: CurrentMember, *, saved: bool = False, block: str | None = None
) -> Response:
    """The settings block alone (HTMX, after saving) does not show the preview, so it skips
    composing the digest, the costly part of this page."""
    frequency, _, excluded = await service.settings_for(db, member)
    return render(
        request,
        "digest/settings.html",
        {
            "frequency": frequency,
            "frequencies": list(DigestFrequency),
            "excluded": excluded,
            "categories": list(await db.scalars(visible_categories(member))),
            "digest": None if block and is_htmx(request) else await service.compose(db, member, utcnow()),
            "saved": saved,
            "base_url": "",
        },
        block=block,
    )


@router.get("/account/digest")
async def settings(request: Request, db: DbSession, member: CurrentMember) -> Response:
    return await _page(request, db, member)


@router.get("/account/digest/view")
async def view(
    request: Request,
    db: DbSession,
    ctx: Ctx,
    member: CurrentMember,
    since: int = 0,
    until: int = 0,
    sig: str = "",
) -> Response:
    """A digest as it was sent, recomputed for its window through today's visibility rules."""
    unsubscribe.check_view(ctx.settings, member, since, until, sig)
    try:
        start, end = datetime.fromtimestamp(since, UTC), datetime.fromtimestamp(until, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise NotFound("This digest link is not valid.") from exc
    digest = await service.compose(db, member, end, since=start)
    return render(request, "digest/view.html", {"digest": digest, "base_url": ""})


@router.post("/account/digest")
async def save(request: Request, db: DbSession, member: CurrentMember) -> Response:
    form = await request.form()
    try:
        data = DigestSettingsIn.model_validate(
            {"frequency": form.get("frequency") or "weekly", "exclude": form.getlist("exclude")}
        )
    except ValidationError as exc:
        raise InvalidInput("; ".join(errors_by_field(exc).values())) from exc
    visible = {category.id for category in await db.scalars(visible_categories(member))}
    await service.save_settings(db, member, data.frequency, set(data.exclude) & visible)
    return await _page(request, db, member, saved=True, block="digest_settings")


public_router = APIRouter()


@public_router.get("/digest/unsubscribe")
async def unsubscribe_page(request: Request, db: DbSession, ctx: Ctx, token: str = "") -> Response:
    member = await unsubscribe.member_for(db, ctx.settings, token)
    current, _, _ = await service.settings_for(db, member)
    return render(
        request,
        "digest/unsubscribe.html",
        {"token": token, "current": current, "lower": unsubscribe.lower_choices(current), "done": False},
    )


@public_router.post("/digest/unsubscribe")
async def unsubscribe_now(request: Request, db: DbSession, ctx: Ctx, token: str = "") -> Response:
    """RFC 8058: a POST with `List-Unsubscribe=One-Click` stops the digest at once, with no further
    confirmation; the page's own buttons may pick a lower frequency instead."""
    member = await unsubscribe.member_for(db, ctx.settings, token)
    form = await request.form()
    try:
        chosen = DigestFrequency(str(form.get("frequency") or "never"))
    except ValueError as exc:
        raise InvalidInput("Choose weekly or never.") from exc
    await unsubscribe.set_frequency(db, member, chosen)
    current, _, _ = await service.settings_for(db, member)
    return render(
        request, "digest/unsubscribe.html", {"token": token, "current": current, "lower": [], "done": True}
    )


@router.get("/admin/digest")
async def failures(request: Request, db: DbSession, admin: RequireAdmin) -> Response:
    return render(request, "digest/failures.html", {"rows": await sending.failures(db)})
