"""Admins create and edit categories: tier, default label and, for working groups, who is admitted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.accounts.models import Member
from app.audit import service as audit_service
from app.context import RequestContext
from app.errors import Conflict, InvalidInput, NotFound
from app.forum.models import AccessGrant, Category, Tier
from app.forum.schemas import CategoryIn
from app.policy import check_can_manage_forum, check_label_fits_category


async def list_categories(db: AsyncSession, actor: Member) -> list[Category]:
    check_can_manage_forum(actor)
    return list(
        await db.scalars(
            select(Category).options(selectinload(Category.grants)).order_by(Category.position, Category.name)
        )
    )


async def get(db: AsyncSession, actor: Member, category_id: int) -> Category:
    check_can_manage_forum(actor)
    category = await db.get(Category, category_id, options=[selectinload(Category.grants)])
    if category is None:
        raise NotFound("No such category.")
    return category


def _grants(data: CategoryIn) -> list[AccessGrant]:
    if data.tier is not Tier.WORKING_GROUP:
        return []
    if not data.agency_ids and not data.group_ids:
        raise InvalidInput("A working group admits at least one agency or member group.", field="agency_ids")
    return [AccessGrant(agency_id=a) for a in sorted(set(data.agency_ids))] + [
        AccessGrant(group_id=g) for g in sorted(set(data.group_ids))
    ]


async def save(
    db: AsyncSession, actor: Member, data: CategoryIn, ctx: RequestContext, category: Category | None = None
) -> Category:
    check_can_manage_forum(actor)
    clash = await db.scalar(
        select(Category.id).where(Category.slug == data.slug, Category.id != (category.id if category else 0))
    )
    if clash is not None:
        raise Conflict("Another category uses this address.", field="slug")
    probe = Category(tier=data.tier)
    check_label_fits_category(data.default_tlp, probe)
    if category is not None and data.tier.rank < category.tier.rank:
        raise InvalidInput(
            "A category cannot be made more open once it holds discussions; create a new one.", field="tier"
        )
    grants = _grants(data)
    created = category is None
    if category is None:
        category = Category(slug=data.slug)
        db.add(category)
    category.slug, category.name, category.description = data.slug, data.name, data.description
    category.tier, category.default_tlp, category.position = data.tier, data.default_tlp, data.position
    category.grants = grants
    await db.flush()
    await audit_service.record(
        db,
        action="category.create" if created else "category.update",
        actor_id=actor.id,
        ip=ctx.ip,
        target_type="category",
        target_id=category.id,
        details={"tier": data.tier.value, "agencies": data.agency_ids, "groups": data.group_ids},
    )
    return category
