"""Admin pages for members: the moderator role, suspension and reinstatement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.accounts import repository, service
from app.accounts.models import Member, Status
from app.accounts.schemas import ReasonIn
from app.deps import Ctx, DbSession, RequireAdmin, verify_csrf
from app.errors import NotFound, ServiceError
from app.forms import form_values, validate
from app.policy import Forbidden
from app.templating import is_htmx, render
from app.web import redirect

router = APIRouter(prefix="/admin/members", dependencies=[Depends(verify_csrf)])


@router.get("")
async def list_members(
    request: Request, db: DbSession, _admin: RequireAdmin, status: Status | None = None, q: str = ""
) -> Response:
    return render(
        request,
        "accounts/admin_members.html",
        {
            "members": await service.list_members(db, status=status, query=q[:100]),
            "statuses": list(Status),
            "status": status,
            "q": q[:100],
        },
    )


async def _target(db: DbSession, member_id: int) -> Member:
    target = await repository.get_member(db, member_id)
    if target is None:
        raise NotFound("No such member.")
    return target


def _row(
    request: Request, admin: Member, target: Member, *, error: str | None = None, status_code: int = 200
) -> Response:
    if not is_htmx(request) and error is None:
        return redirect(request, "/admin/members")
    return render(
        request,
        "accounts/admin_members.html",
        {
            "members": [target],
            "m": target,
            "error": error,
            "statuses": list(Status),
            "status": None,
            "q": "",
        },
        block="member_row",
        status_code=status_code,
    )


@router.post("/{member_id}/moderator")
async def set_moderator(
    request: Request, member_id: int, db: DbSession, ctx: Ctx, admin: RequireAdmin
) -> Response:
    target = await _target(db, member_id)
    moderator = (await form_values(request)).get("moderator") == "1"
    try:
        await service.set_moderator(db, admin, target, moderator, ctx)
    except Forbidden as exc:
        return _row(request, admin, target, error=exc.message, status_code=403)
    return _row(request, admin, target)


@router.post("/{member_id}/suspend")
async def suspend(request: Request, member_id: int, db: DbSession, ctx: Ctx, admin: RequireAdmin) -> Response:
    target = await _target(db, member_id)
    data, _ = validate(ReasonIn, await form_values(request))
    if data is None:
        return _row(request, admin, target, error="Give a reason of at least 3 characters.", status_code=422)
    try:
        await service.suspend(db, admin, target, data.reason, ctx)
    except (Forbidden, ServiceError) as exc:
        return _row(request, admin, target, error=exc.message, status_code=403)
    return _row(request, admin, target)


@router.post("/{member_id}/reinstate")
async def reinstate(
    request: Request, member_id: int, db: DbSession, ctx: Ctx, admin: RequireAdmin
) -> Response:
    target = await _target(db, member_id)
    try:
        await service.reinstate(db, admin, target, ctx)
    except Forbidden as exc:
        return _row(request, admin, target, error=exc.message, status_code=403)
    return _row(request, admin, target)
