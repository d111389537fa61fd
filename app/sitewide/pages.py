"""The admin page for site-wide settings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.config import get_settings
from app.deps import Ctx, DbSession, RequireAdmin, verify_csrf
from app.forms import form_values
from app.sitewide import service
from app.templating import render

router = APIRouter(prefix="/admin/settings", dependencies=[Depends(verify_csrf)])


async def _page(request: Request, db: DbSession, *, saved: bool = False) -> Response:
    context = {
        "everyone": await service.everyone_needs_second_factor(db),
        "forced": get_settings().second_factor_for_everyone,
        "saved": saved,
    }
    return render(request, "admin/settings.html", context)


@router.get("")
async def settings_page(request: Request, db: DbSession, _admin: RequireAdmin) -> Response:
    return await _page(request, db)


@router.post("")
async def save(request: Request, db: DbSession, ctx: Ctx, admin: RequireAdmin) -> Response:
    required = (await form_values(request)).get("second_factor_for_everyone") == "1"
    await service.set_everyone_needs_second_factor(db, admin, required, ctx)
    return await _page(request, db, saved=True)
