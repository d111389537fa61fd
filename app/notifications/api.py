from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.deps import ApiMember, DbSession
from app.notifications import service
from app.notifications.models import NotificationKind

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: int
    kind: NotificationKind
    thread_id: int | None
    post_id: int | None
    article_id: int | None
    comment_id: int | None
    title: str
    tlp_label: str
    actor: str | None
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    unread: int
    notifications: list[NotificationOut]


@router.get("", response_model=NotificationList)
async def list_notifications(
    db: DbSession, member: ApiMember, page: int = Query(1, ge=1, le=10_000)
) -> NotificationList:
    items = await service.list_for(db, member, page)
    return NotificationList(
        unread=await service.unread_count(db, member),
        notifications=[
            NotificationOut(
                id=i.notification.id,
                kind=i.notification.kind,
                thread_id=i.notification.thread_id,
                post_id=i.notification.post_id,
                article_id=i.notification.article_id,
                comment_id=i.notification.comment_id,
                title=i.title,
                tlp_label=i.tlp.label,
                actor=i.notification.actor.display_name if i.notification.actor else None,
                created_at=i.notification.created_at,
                read=i.notification.read_at is not None,
            )
            for i in items
        ],
    )


@router.post("/read-all", status_code=204)
async def read_all(db: DbSession, member: ApiMember) -> None:
    await service.mark_all_read(db, member)
