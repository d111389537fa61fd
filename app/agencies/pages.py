"""Admin pages for the agency directory."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.agencies import service
from app.agencies.models import Agency
from app.agencies.schemas import AgencyIn
from app.deps import Ctx, DbSession, RequireAdmin, verify_csrf
from app.errors import NotFound, ServiceError
from app.forms import FORM_LEVEL, form_values, validate
from app.templating import render
from app.web import redirect

router = APIRouter(prefix="/admin/agencies", dependencies=[Depends(verify_csrf)])


async def _list(
    request: Request,
    db: DbSession,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "agencies/list.html",
        {
            "agencies": await service.list_all(db),
            "values": values or {},
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("")
async def list_agencies(request: Request, db: DbSession, _admin: RequireAdmin) -> Response:
    return await _list(request, db)


@router.post("")
async def create_agency(request: Request, db: DbSession, ctx: Ctx, admin: RequireAdmin) -> Response:
    values = await form_values(request)
    data, errors = validate(AgencyIn, values)
    if data is not None:
        try:
            await service.create(db, data, actor_id=admin.id, ip=ctx.ip)
        except ServiceError as exc:
            errors = {FORM_LEVEL: exc.message}
        else:
            return redirect(request, "/admin/agencies")
    return await _list(request, db, values, errors, 422)


async def _agency(db: DbSession, agency_id: int) -> Agency:
    agency = await service.get(db, agency_id)
    if agency is None:
        raise NotFound("No such agency.")
    return agency


@router.get("/{agency_id}")
async def edit_agency(request: Request, agency_id: int, db: DbSession, _admin: RequireAdmin) -> Response:
    agency = await _agency(db, agency_id)
    values = {
        "name": agency.name,
        "country": agency.country,
        "domains": "\n".join(d.domain for d in agency.domains),
        "second_factor_required": agency.second_factor_required,
    }
    return render(request, "agencies/edit.html", {"agency": agency, "values": values, "errors": {}})


@router.post("/{agency_id}")
async def update_agency(
    request: Request, agency_id: int, db: DbSession, ctx: Ctx, admin: RequireAdmin
) -> Response:
    agency = await _agency(db, agency_id)
    values = await form_values(request)
    data, errors = validate(AgencyIn, values)
    if data is not None:
        try:
            await service.update(db, agency, data, actor_id=admin.id, ip=ctx.ip)
        except ServiceError as exc:
            errors = {FORM_LEVEL: exc.message}
        else:
            return redirect(request, "/admin/agencies")
    return render(
        request, "agencies/edit.html", {"agency": agency, "values": values, "errors": errors}, status_code=422
    )
