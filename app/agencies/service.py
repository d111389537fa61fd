"""The agency directory and the e-mail domains that count as evidence of employment."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.agencies.models import Agency, AgencyDomain
from app.agencies.schemas import AgencyIn
from app.audit import service as audit_service
from app.errors import Conflict


class AgencyConflict(Conflict):
    pass


async def list_directory(db: AsyncSession) -> list[Agency]:
    rows = await db.scalars(
        select(Agency).where(Agency.is_listed.is_(True)).order_by(Agency.country, Agency.name)
    )
    return list(rows)


async def list_all(db: AsyncSession) -> list[Agency]:
    rows = await db.scalars(
        select(Agency)
        .options(selectinload(Agency.domains))
        .order_by(Agency.is_listed, Agency.country, Agency.name)
    )
    return list(rows)


async def get(db: AsyncSession, agency_id: int) -> Agency | None:
    """With its domains: the admin pages show and edit them."""
    return await db.get(Agency, agency_id, options=[selectinload(Agency.domains)])


async def get_listed(db: AsyncSession, agency_id: int) -> Agency | None:
    agency = await db.get(Agency, agency_id)
    return agency if agency is not None and agency.is_listed else None


def domain_matches(agency: Agency | None, email: str) -> bool:
    """True when the address is at one of the agency's domains or a subdomain of one."""
    if agency is None:
        return False
    return address_at(email, [d.domain for d in agency.domains])


def address_at(email: str, domains: list[str]) -> bool:
    host = email.rpartition("@")[2].lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)


async def domains_of(db: AsyncSession, agency_id: int) -> list[str]:
    return list(await db.scalars(select(AgencyDomain.domain).where(AgencyDomain.agency_id == agency_id)))


async def _check_domains_free(db: AsyncSession, domains: list[str], agency_id: int | None) -> None:
    if not domains:
        return
    taken = await db.scalars(
        select(AgencyDomain).where(
            AgencyDomain.domain.in_(domains), AgencyDomain.agency_id != (agency_id or 0)
        )
    )
    clash = [d.domain for d in taken]
    if clash:
        raise AgencyConflict(f"Already registered to another agency: {', '.join(clash)}")


async def _check_name_free(db: AsyncSession, data: AgencyIn, agency_id: int | None) -> None:
    existing = await db.scalar(
        select(Agency.id).where(
            func.lower(Agency.name) == data.name.lower(),
            func.lower(Agency.country) == data.country.lower(),
            Agency.id != (agency_id or 0),
        )
    )
    if existing is not None:
        raise AgencyConflict("An agency with this name already exists in this country.")


async def create(db: AsyncSession, data: AgencyIn, *, actor_id: int, ip: str | None) -> Agency:
    await _check_name_free(db, data, None)
    await _check_domains_free(db, data.domains, None)
    agency = Agency(
        name=data.name,
        country=data.country,
        is_listed=True,
        domains=[AgencyDomain(domain=d) for d in data.domains],
    )
    db.add(agency)
    await _flush(db)
    await audit_service.record(
        db,
        action="agency.create",
        actor_id=actor_id,
        ip=ip,
        target_type="agency",
        target_id=agency.id,
        details={"name": agency.name, "country": agency.country, "domains": data.domains},
    )
    return agency


async def update(
    db: AsyncSession, agency: Agency, data: AgencyIn, *, actor_id: int, ip: str | None
) -> Agency:
    await _check_name_free(db, data, agency.id)
    await _check_domains_free(db, data.domains, agency.id)
    before = {
        "name": agency.name,
        "country": agency.country,
        "domains": [d.domain for d in agency.domains],
        "second_factor_required": agency.second_factor_required,
    }
    agency.name = data.name
    agency.country = data.country
    agency.second_factor_required = data.second_factor_required
    agency.is_listed = True
    keep = {d.domain: d for d in agency.domains}
    agency.domains = [keep.get(d) or AgencyDomain(domain=d) for d in data.domains]
    await _flush(db)
    await audit_service.record(
        db,
        action="agency.update",
        actor_id=actor_id,
        ip=ip,
        target_type="agency",
        target_id=agency.id,
        details={"before": before, "after": data.model_dump()},
    )
    return agency


async def propose(db: AsyncSession, name: str, country: str) -> Agency:
    """An applicant names an agency missing from the directory; it stays unlisted until vetted."""
    existing = await db.scalar(
        select(Agency).where(
            func.lower(Agency.name) == name.lower(), func.lower(Agency.country) == country.lower()
        )
    )
    if existing is not None:
        return existing
    agency = Agency(name=name, country=country, is_listed=False)
    db.add(agency)
    await db.flush()
    return agency


async def _flush(db: AsyncSession) -> None:
    try:
        await db.flush()
    except IntegrityError as exc:
        raise AgencyConflict("This agency or one of its domains already exists.") from exc
