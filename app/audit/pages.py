from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.accounts import service as accounts_service
from app.audit import service
from app.audit.schemas import AuditQuery
from app.deps import DbSession, RequireAuditReader
from app.templating import render

router = APIRouter(prefix="/audit")


@router.get("")
async def audit_log(
    request: Request, db: DbSession, reader: RequireAuditReader, query: Annotated[AuditQuery, Query()]
) -> Response:
    events, total = await service.list_events(db, query.to_filter(), query.page)
    return render(
        request,
        "audit/log.html",
        {
            "events": events,
            "withheld": await service.withheld(db, reader, events),
            "total": total,
            "query": query,
            "actions": await service.known_actions(db),
            "staff": await accounts_service.list_members(db, limit=500),
            "pages": max(1, -(-total // service.PAGE_SIZE)),
        },
        block="results",
    )
