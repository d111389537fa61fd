"""The vetting queue; decisions are made in place with HTMX, or by plain form posts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts.schemas import ReasonIn
from app.deps import Ctx, DbSession, RequireModerator, verify_csrf
from app.errors import ServiceError
from app.forms import form_values, validate
from app.templating import is_htmx, render
from app.vetting import service
from app.web import redirect

router = APIRouter(prefix="/vetting", dependencies=[Depends(verify_csrf)])


@router.get("")
async def queue(request: Request, db: DbSession, moderator: RequireModerator) -> Response:
    return render(
        request,
        "vetting/queue.html",
        {
            "applications": await service.pending_applications(db, moderator),
        },
    )


async def _row(
    request: Request,
    db: DbSession,
    moderator: RequireModerator,
    member_id: int,
    *,
    error: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    if not is_htmx(request) and error is None:
        return redirect(request, "/vetting")
    application = await service.application(db, moderator, member_id)
    return render(
        request,
        "vetting/queue.html",
        {
            "applications": [application],
            "application": application,
            "error": error,
            "reason": reason,
        },
        block="application_row",
        status_code=status_code,
    )


@router.post("/{member_id}/approve")
async def approve(
    request: Request, member_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    try:
        await service.approve(db, moderator, member_id, ctx)
    except ServiceError as exc:
        return await _row(request, db, moderator, member_id, error=exc.message, status_code=exc.status_code)
    return await _row(request, db, moderator, member_id)


@router.post("/{member_id}/reject")
async def reject(
    request: Request, member_id: int, db: DbSession, ctx: Ctx, moderator: RequireModerator
) -> Response:
    values = await form_values(request)
    data, errors = validate(ReasonIn, values)
    if data is None:
        return await _row(
            request,
            db,
            moderator,
            member_id,
            reason=values.get("reason", ""),
            error="Give a reason of at least 3 characters; the applicant will read it.",
            status_code=422,
        )
    try:
        await service.reject(db, moderator, member_id, data.reason, ctx)
    except ServiceError as exc:
        return await _row(request, db, moderator, member_id, error=exc.message, status_code=exc.status_code)
    return await _row(request, db, moderator, member_id)
