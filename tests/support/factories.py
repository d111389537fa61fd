"""Small factory functions; each returns a flushed row."""

from __future__ import annotations

import itertools
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import Member, MemberKind, Role, Status
from app.agencies.models import Agency, AgencyDomain
from app.db import utcnow
from app.security import passwords

PASSWORD = "violet-harbour-lantern-42"
# Staff must have a second factor; test staff get this authenticator seed (tests.support.totp).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPLIAISONTESTSEED2"
_seq = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return passwords.hash_password(passwords.hasher(), PASSWORD)


async def make_agency(
    db: AsyncSession,
    *,
    name: str | None = None,
    country: str = "Croatia",
    domains: tuple[str, ...] = (),
    listed: bool = True,
) -> Agency:
    n = next(_seq)
    agency = Agency(
        name=name or f"Border Police {n}",
        country=country,
        is_listed=listed,
        domains=[AgencyDomain(domain=d) for d in domains],
    )
    db.add(agency)
    await db.flush()
    return agency


async def make_member(
    db: AsyncSession,
    *,
    role: Role = Role.MEMBER,
    status: Status = Status.APPROVED,
    kind: MemberKind = MemberKind.ACADEMIC,
    agency: Agency | None = None,
    email: str | None = None,
    name: str | None = None,
    verified: bool = True,
    suspended: bool = False,
    password_hash_value: str | None = None,
    second_factor: bool = True,
) -> Member:
    n = next(_seq)
    if agency is not None:
        kind = MemberKind.OFFICIAL
    member = Member(
        email=email or f"member{n}@example.org",
        display_name=name or f"Member {n}",
        username=f"m{n}_" + "".join(c for c in (name or "member").lower() if c.isalnum())[:20],
        password_hash=password_hash_value or password_hash(),
        kind=kind,
        agency_id=agency.id if agency else None,
        organisation=None if agency else "University of Example",
        role=role,
        status=status,
        email_verified_at=utcnow() if verified else None,
        suspended_at=utcnow() if suspended else None,
    )
    db.add(member)
    await db.flush()
    if role in (Role.MODERATOR, Role.ADMIN) and second_factor:
        await give_second_factor(db, member)
    return member


async def give_second_factor(db: AsyncSession, member: Member) -> None:
    from app.config import get_settings
    from app.mfa.models import TotpFactor
    from app.mfa.service import SEAL_PURPOSE
    from app.security import secretbox

    sealed = secretbox.seal(get_settings().secret_key, SEAL_PURPOSE, STAFF_TOTP_SECRET)
    member.second_factor_at = utcnow()
    db.add(TotpFactor(member_id=member.id, sealed_secret=sealed, confirmed_at=member.second_factor_at))
    await db.flush()
