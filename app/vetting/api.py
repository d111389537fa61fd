from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from app.accounts.schemas import MemberOut, ReasonIn
from app.deps import ApiModerator, Ctx, DbSession
from app.vetting import service

router = APIRouter(prefix="/vetting", tags=["vetting"])


class ApplicationOut(BaseModel):
    applicant: MemberOut
    email_verified: bool
    domain_matches: bool
    agency_listed: bool
    colleagues: list[str]

    @classmethod
    def of(cls, application: service.Application) -> ApplicationOut:
        return cls(
            applicant=MemberOut.of(application.member),
            email_verified=application.email_verified,
            domain_matches=application.domain_matches,
            agency_listed=application.agency_listed,
            colleagues=application.colleagues,
        )


@router.get("/applications", response_model=list[ApplicationOut])
async def list_applications(db: DbSession, moderator: ApiModerator) -> list[ApplicationOut]:
    return [ApplicationOut.of(a) for a in await service.pending_applications(db, moderator)]


@router.get("/applications/{member_id}", response_model=ApplicationOut)
async def get_application(member_id: int, db: DbSession, moderator: ApiModerator) -> ApplicationOut:
    return ApplicationOut.of(await service.application(db, moderator, member_id))


@router.post("/applications/{member_id}/approve", response_model=MemberOut)
async def approve(member_id: int, db: DbSession, ctx: Ctx, moderator: ApiModerator) -> MemberOut:
    return MemberOut.of(await service.approve(db, moderator, member_id, ctx))


@router.post("/applications/{member_id}/reject", response_model=MemberOut)
async def reject(
    member_id: int, body: ReasonIn, db: DbSession, ctx: Ctx, moderator: ApiModerator
) -> MemberOut:
    return MemberOut.of(await service.reject(db, moderator, member_id, body.reason, ctx))
