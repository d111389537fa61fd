from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit import service
from app.audit.schemas import AuditEventOut, AuditPage, AuditQuery
from app.deps import ApiAuditReader, DbSession

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
async def audit_log(
    db: DbSession, reader: ApiAuditReader, query: Annotated[AuditQuery, Query()]
) -> AuditPage:
    events, total = await service.list_events(db, query.to_filter(), query.page)
    withheld = await service.withheld(db, reader, events)
    shown = [AuditEventOut.model_validate(e) for e in events]
    for event in shown:
        if event.id in withheld:
            event.details = {"withheld": "you cannot see what this event is about"}
    return AuditPage(total=total, page=query.page, events=shown)
