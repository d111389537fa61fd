"""Member groups: named sets of members that working-group categories can admit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member
from app.audit import service as audit_service
from app.context import RequestContext
from app.errors import Conflict, InvalidInput, NotFound
from app.groups.models import GroupMembership, MemberGroup
from app.policy import check_can_administer


@dataclass(frozen=True)
class GroupView:
    group: MemberGroup
    members: list[Member]


async def list_groups(db: AsyncSession, actor: Member) -> list[GroupView]:
    check_can_administer(actor)
    groups = list(await db.scalars(select(MemberGroup).order_by(MemberGroup.name)))
    rows = await db.execute(
        select(GroupMembership.group_id, Member)
        .join(Member, Member.id == GroupMembership.member_id)
        .order_by(Member.display_name)
    )
    members: dict[int, list[Member]] = {}
    for group_id, member in rows:
        members.setdefault(group_id, []).append(member)
    return [GroupView(g, members.get(g.id, [])) for g in groups]


async def all_groups(db: AsyncSession) -> list[MemberGroup]:
    return list(await db.scalars(select(MemberGroup).order_by(MemberGroup.name)))


async def create(
    db: AsyncSession, actor: Member, name: str, description: str, ctx: RequestContext
) -> MemberGroup:
    check_can_administer(actor)
    name = name.strip()
    if not 2 <= len(name) <= 120:
        raise InvalidInput("Give the group a name of 2 to 120 characters.", field="name")
    if await db.scalar(select(MemberGroup.id).where(func.lower(MemberGroup.name) == name.lower())):
        raise Conflict("A group with this name exists.", field="name")
    group = MemberGroup(name=name, description=description.strip()[:2000])
    db.add(group)
    await db.flush()
    await audit_service.record(
        db,
        action="group.create",
        actor_id=actor.id,
        ip=ctx.ip,
        target_type="group",
        target_id=group.id,
        details={"name": name},
    )
    return group


async def _group(db: AsyncSession, group_id: int) -> MemberGroup:
    group = await db.get(MemberGroup, group_id)
    if group is None:
        raise NotFound("No such group.")
    return group


async def add_member(
    db: AsyncSession, actor: Member, group_id: int, username: str, ctx: RequestContext
) -> None:
    check_can_administer(actor)
    group = await _group(db, group_id)
    member = await db.scalar(
        select(Member).where(Member.username == username.strip().lstrip("@").lower()[:40])
    )
    if member is None:
        raise InvalidInput("No member has this handle.", field="username")
    exists = await db.scalar(
        select(GroupMembership.id).where(
            GroupMembership.group_id == group.id, GroupMembership.member_id == member.id
        )
    )
    if exists is None:
        db.add(GroupMembership(group_id=group.id, member_id=member.id))
        await audit_service.record(
            db,
            action="group.member_added",
            actor_id=actor.id,
            ip=ctx.ip,
            target_type="group",
            target_id=group.id,
            details={"member_id": member.id},
        )
    await db.flush()


async def remove_member(
    db: AsyncSession, actor: Member, group_id: int, member_id: int, ctx: RequestContext
) -> None:
    check_can_administer(actor)
    group = await _group(db, group_id)
    result = await db.execute(
        delete(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.member_id == member_id
        )
    )
    if result.rowcount:
        await audit_service.record(
            db,
            action="group.member_removed",
            actor_id=actor.id,
            ip=ctx.ip,
            target_type="group",
            target_id=group.id,
            details={"member_id": member_id},
        )
