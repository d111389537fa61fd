from __future__ import annotations

from fastapi import APIRouter, HTTPException

from app.agencies import service
from app.agencies.schemas import AgencyIn, AgencyOut, DirectoryEntry
from app.deps import ApiAdmin, Ctx, DbSession

router = APIRouter(prefix="/agencies", tags=["agencies"])


@router.get("/directory", response_model=list[DirectoryEntry])
async def directory(db: DbSession) -> list[DirectoryEntry]:
    """Public: applicants pick their agency from it when they register."""
    return [DirectoryEntry.model_validate(a) for a in await service.list_directory(db)]


@router.get("", response_model=list[AgencyOut])
async def list_agencies(db: DbSession, _admin: ApiAdmin) -> list[AgencyOut]:
    return [AgencyOut.model_validate(a) for a in await service.list_all(db)]


@router.post("", response_model=AgencyOut, status_code=201)
async def create_agency(body: AgencyIn, db: DbSession, ctx: Ctx, admin: ApiAdmin) -> AgencyOut:
    agency = await service.create(db, body, actor_id=admin.id, ip=ctx.ip)
    return AgencyOut.model_validate(agency)


@router.put("/{agency_id}", response_model=AgencyOut)
async def update_agency(
    agency_id: int, body: AgencyIn, db: DbSession, ctx: Ctx, admin: ApiAdmin
) -> AgencyOut:
    agency = await service.get(db, agency_id)
    if agency is None:
        raise HTTPException(404, "No such agency.")
    agency = await service.update(db, agency, body, actor_id=admin.id, ip=ctx.ip)
    return AgencyOut.model_validate(agency)
