"""Admin pages for categories and member groups."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.agencies import service as agencies_service
from app.deps import Ctx, DbSession, RequireAdmin, verify_csrf
from app.errors import ServiceError
from app.forms import FORM_LEVEL, errors_by_field
from app.forum import admin
from app.forum.models import TLP, Category, Tier
from app.forum.schemas import CategoryIn
from app.groups import service as groups_service
from app.policy import Forbidden
from app.templating import render
from app.web import redirect

router = APIRouter(prefix="/admin", dependencies=[Depends(verify_csrf)])


async def _category_form(
    request: Request,
    db: DbSession,
    category: Category | None,
    values: dict[str, object],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/category.html",
        {
            "category": category,
            "values": values,
            "errors": errors,
            "tiers": list(Tier),
            "labels": list(TLP),
            "agencies": await agencies_service.list_all(db),
            "groups": await groups_service.all_groups(db),
        },
        status_code=status_code,
    )


@router.get("/categories")
async def categories(request: Request, db: DbSession, admin_member: RequireAdmin) -> Response:
    return render(
        request, "admin/categories.html", {"categories": await admin.list_categories(db, admin_member)}
    )


@router.get("/categories/new")
async def new_category(request: Request, db: DbSession, _admin: RequireAdmin) -> Response:
    return await _category_form(request, db, None, {"tier": "community", "default_tlp": "green"}, {})


@router.get("/categories/{category_id}")
async def edit_category(
    request: Request, category_id: int, db: DbSession, admin_member: RequireAdmin
) -> Response:
    category = await admin.get(db, admin_member, category_id)
    values: dict[str, object] = {
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "tier": category.tier.value,
        "default_tlp": category.default_tlp.value,
        "position": category.position,
        "agency_ids": [g.agency_id for g in category.grants if g.agency_id],
        "group_ids": [g.group_id for g in category.grants if g.group_id],
    }
    return await _category_form(request, db, category, values, {})


async def _save(
    request: Request, db: DbSession, ctx: Ctx, admin_member: RequireAdmin, category: Category | None
) -> Response:
    form = await request.form()
    values: dict[str, object] = {
        k: form.get(k)
        for k in ("name", "slug", "description", "tier", "default_tlp", "position")
        if form.get(k) not in (None, "")
    }
    values["agency_ids"] = [v for v in form.getlist("agency_ids") if isinstance(v, str) and v.isdigit()]
    values["group_ids"] = [v for v in form.getlist("group_ids") if isinstance(v, str) and v.isdigit()]
    try:
        data = CategoryIn.model_validate(values)
        await admin.save(db, admin_member, data, ctx, category)
    except ValidationError as exc:
        errors = errors_by_field(exc)
    except (ServiceError, Forbidden) as exc:
        errors = {getattr(exc, "field", None) or FORM_LEVEL: exc.message}
    else:
        return redirect(request, "/admin/categories")
    return await _category_form(request, db, category, values, errors, 422)


@router.post("/categories")
async def create_category(request: Request, db: DbSession, ctx: Ctx, admin_member: RequireAdmin) -> Response:
    return await _save(request, db, ctx, admin_member, None)


@router.post("/categories/{category_id}")
async def update_category(
    request: Request, category_id: int, db: DbSession, ctx: Ctx, admin_member: RequireAdmin
) -> Response:
    return await _save(request, db, ctx, admin_member, await admin.get(db, admin_member, category_id))


async def _groups_page(
    request: Request,
    db: DbSession,
    admin_member: RequireAdmin,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/groups.html",
        {
            "groups": await groups_service.list_groups(db, admin_member),
            "errors": errors,
        },
        status_code=status_code,
    )


@router.get("/groups")
async def groups(request: Request, db: DbSession, admin_member: RequireAdmin) -> Response:
    return await _groups_page(request, db, admin_member, {})


@router.post("/groups")
async def create_group(request: Request, db: DbSession, ctx: Ctx, admin_member: RequireAdmin) -> Response:
    form = await request.form()
    try:
        await groups_service.create(
            db, admin_member, str(form.get("name", "")), str(form.get("description", "")), ctx
        )
    except ServiceError as exc:
        return await _groups_page(request, db, admin_member, {"name": exc.message}, 422)
    return redirect(request, "/admin/groups")


@router.post("/groups/{group_id}/members")
async def add_group_member(
    request: Request, group_id: int, db: DbSession, ctx: Ctx, admin_member: RequireAdmin
) -> Response:
    form = await request.form()
    try:
        await groups_service.add_member(db, admin_member, group_id, str(form.get("username", "")), ctx)
    except ServiceError as exc:
        return await _groups_page(request, db, admin_member, {f"group-{group_id}": exc.message}, 422)
    return redirect(request, "/admin/groups")


@router.post("/groups/{group_id}/members/{member_id}/remove")
async def remove_group_member(
    request: Request, group_id: int, member_id: int, db: DbSession, ctx: Ctx, admin_member: RequireAdmin
) -> Response:
    await groups_service.remove_member(db, admin_member, group_id, member_id, ctx)
    return redirect(request, "/admin/groups")
