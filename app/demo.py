"""Demo data for `make run`: a few real-world-like agencies, one account of each kind, two applicants.

Passwords are generated on first load and kept in var/demo-accounts.txt (readable by the owner
only), so a demo install never ships with guessable credentials.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import service as accounts_service
from app.accounts.models import Member, MemberKind, Role, Status
from app.agencies.models import Agency, AgencyDomain
from app.config import get_settings
from app.db import utcnow
from app.security import passwords


def credentials_file() -> Path:
    return get_settings().var_dir / "demo-accounts.txt"


AGENCIES = [
    ("United Kingdom", "Border Force", ["homeoffice.gov.uk"]),
    ("United States", "Customs and Border Protection", ["cbp.dhs.gov"]),
    ("Croatia", "Border Police Directorate", ["mup.hr"]),
    ("Finland", "Finnish Customs", ["tulli.fi"]),
    ("Czech Republic", "Customs Administration", ["cs.mfcr.cz"]),
    ("Montenegro", "Border Police", ["policija.me"]),
    ("European Union", "Europol", ["europol.europa.eu"]),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    kind: MemberKind
    role: Role
    status: Status
    agency: str | None = None
    organisation: str | None = None
    verified: bool = True


ACCOUNTS = [
    DemoAccount(
        "admin@liaison.example",
        "Ana Admin",
        MemberKind.ACADEMIC,
        Role.ADMIN,
        Status.APPROVED,
        organisation="Liaison secretariat",
    ),
    DemoAccount(
        "moderator@liaison.example",
        "Marko Moderator",
        MemberKind.ACADEMIC,
        Role.MODERATOR,
        Status.APPROVED,
        organisation="Liaison secretariat",
    ),
    DemoAccount(
        "ivana.horvat@mup.hr",
        "Ivana Horvat",
        MemberKind.OFFICIAL,
        Role.MEMBER,
        Status.APPROVED,
        agency="Border Police Directorate",
    ),
    DemoAccount(
        "l.virtanen@uni.example",
        "Liisa Virtanen",
        MemberKind.ACADEMIC,
        Role.MEMBER,
        Status.APPROVED,
        organisation="University of Helsinki",
    ),
    DemoAccount(
        "sales@gates.example",
        "Sam Supplier",
        MemberKind.SUPPLIER,
        Role.MEMBER,
        Status.APPROVED,
        organisation="Example E-Gates Ltd",
    ),
    DemoAccount(
        "j.smith@homeoffice.gov.uk",
        "Jo Smith",
        MemberKind.OFFICIAL,
        Role.MEMBER,
        Status.PENDING,
        agency="Border Force",
    ),
    DemoAccount(
        "p.novak@gmail.example",
        "Petr Novák",
        MemberKind.OFFICIAL,
        Role.MEMBER,
        Status.PENDING,
        agency="Customs Administration",
        verified=False,
    ),
]


async def load(db: AsyncSession) -> list[tuple[str, str]] | None:
    """Creates the demo world once; returns (e-mail, password) pairs, or None if already there."""
    if await db.scalar(select(Member.id).limit(1)) is not None:
        return None
    agencies: dict[str, Agency] = {}
    for country, name, domains in AGENCIES:
        agency = Agency(
            name=name, country=country, is_listed=True, domains=[AgencyDomain(domain=d) for d in domains]
        )
        db.add(agency)
        agencies[name] = agency
    await db.flush()
    hasher = accounts_service.hasher()
    credentials: list[tuple[str, str]] = []
    now = utcnow()
    for account in ACCOUNTS:
        password = secrets.token_urlsafe(12)
        db.add(
            Member(
                email=account.email,
                display_name=account.name,
                username=await accounts_service.unique_username(db, account.name),
                password_hash=passwords.hash_password(hasher, password),
                kind=account.kind,
                agency_id=agencies[account.agency].id if account.agency else None,
                organisation=account.organisation,
                role=account.role,
                status=account.status,
                email_verified_at=now if account.verified else None,
                decided_at=now if account.status is Status.APPROVED else None,
            )
        )
        credentials.append((account.email, password))
        await db.flush()
    return credentials


def save_credentials(credentials: list[tuple[str, str]]) -> None:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{email}  {password}" for email, password in credentials]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
