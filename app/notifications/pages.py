from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.deps import CurrentMember, DbSession, verify_csrf
from app.notifications import service
from app.templating import render
from app.web import redirect

router = APIRouter(prefix="/notifications", dependencies=[Depends(verify_csrf)])


@router.get("")
async def notifications(request: Request, db: DbSession, member: CurrentMember, page: int = 1) -> Response:
    page = max(1, min(page, 10_000))
    return render(
        request,
        "notifications/list.html",
        {
            "items": await service.list_for(db, member, page),
            "page": page,
            "page_size": service.PAGE_SIZE,
        },
    )


@router.get("/{notification_id}")
async def open_notification(
    request: Request, notification_id: int, db: DbSession, member: CurrentMember
) -> Response:
    return redirect(request, await service.open_notification(db, member, notification_id))


@router.post("/read-all")
async def read_all(request: Request, db: DbSession, member: CurrentMember) -> Response:
    await service.mark_all_read(db, member)
    return redirect(request, "/notifications")
