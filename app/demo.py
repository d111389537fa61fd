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
from app.articles.models import Article, ArticleAuthor, ArticleKeyword, ArticleStatus, Comment
from app.config import get_settings
from app.db import utcnow
from app.forum import markdown
from app.forum.models import TLP, AccessGrant, Category, Post, Thread, Tier
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
    hasher = passwords.hasher()
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
    await _forum(db, agencies)
    await _articles(db)
    return credentials


CATEGORIES = [
    (
        "general",
        "General",
        "Introductions, conferences and anything that fits nowhere else.",
        Tier.COMMUNITY,
        TLP.CLEAR,
    ),
    (
        "technology",
        "Technology and e-gates",
        "Document readers, e-gates, biometrics: what worked.",
        Tier.COMMUNITY,
        TLP.GREEN,
    ),
    (
        "land-borders",
        "Managing land borders",
        "Between agencies only: long land borders and large arrivals.",
        Tier.AGENCIES,
        TLP.AMBER,
    ),
    (
        "western-balkans",
        "Western Balkans land borders",
        "Working group of the region's border police and Europol.",
        Tier.WORKING_GROUP,
        TLP.AMBER,
    ),
]

THREADS = [
    (
        "general",
        "Ana Admin",
        "Welcome to Liaison",
        TLP.CLEAR,
        "Welcome! This is where we keep talking between the Zagreb and New Delhi summits.\n\n"
        "Please introduce yourself below. @ivana_horvat, would you start?",
    ),
    (
        "technology",
        "Sam Supplier",
        "Which document readers cope with worn passports?",
        TLP.GREEN,
        "We keep hearing that older readers fail on **worn polycarbonate data pages**. What have you seen?",
    ),
    (
        "land-borders",
        "Ivana Horvat",
        "Handling sudden large arrivals at a green border",
        TLP.AMBER,
        "Last autumn we had several thousand arrivals in a week at a 30 km stretch. "
        "Sharing what we changed:\n\n"
        "- mobile registration teams\n"
        "- a shared picture with the neighbouring service\n\n"
        "What worked for you?",
    ),
    (
        "western-balkans",
        "Ivana Horvat",
        "Joint patrol schedule for the winter",
        TLP.AMBER,
        "Proposal for aligning patrols on the Croatian–Montenegrin stretch this winter.",
    ),
]


async def _forum(db: AsyncSession, agencies: dict[str, Agency]) -> None:
    categories: dict[str, Category] = {}
    for position, (slug, name, description, tier, tlp) in enumerate(CATEGORIES):
        category = Category(
            slug=slug, name=name, description=description, tier=tier, default_tlp=tlp, position=position
        )
        if tier is Tier.WORKING_GROUP:
            category.grants = [
                AccessGrant(agency_id=agencies[a].id)
                for a in ("Border Police Directorate", "Border Police", "Europol")
            ]
        db.add(category)
        categories[slug] = category
    await db.flush()
    authors = {m.display_name: m for m in await db.scalars(select(Member))}
    now = utcnow()
    for slug, author_name, title, tlp, body in THREADS:
        author = authors[author_name]
        thread = Thread(
            category_id=categories[slug].id,
            author_id=author.id,
            title=title,
            tlp=tlp,
            post_count=1,
            last_number=1,
            last_post_at=now,
        )
        db.add(thread)
        await db.flush()
        db.add(
            Post(
                thread_id=thread.id,
                number=1,
                author_id=author.id,
                body_source=body,
                body_html=markdown.render(body).html,
                render_version=markdown.RENDER_VERSION,
            )
        )
    await db.flush()


ARTICLE_BODY = """## Why night crossings

Most irregular crossings on a forested land border happen between dusk and dawn, when patrols see
least.

## What we measured

| Winter | Cameras | Crossings detected |
|---|---:|---:|
| 2023 | 4 | 61 % |
| 2024 | 9 | 78 % |

Detection rose with coverage, not with camera resolution.[^1]

> Coverage beats resolution.

[^1]: Field logs of the Border Police Directorate, shared with permission.
"""


async def _articles(db: AsyncSession) -> None:
    """One published article with a comment, so the Articles page is not empty."""
    members = {m.display_name: m for m in await db.scalars(select(Member))}
    category = await db.scalar(select(Category).where(Category.slug == "general"))
    assert category is not None
    author, commenter = members["Liisa Virtanen"], members["Ivana Horvat"]
    now = utcnow()
    rendered = markdown.render_article(ARTICLE_BODY)
    article = Article(
        category_id=category.id,
        tlp=category.default_tlp,
        status=ArticleStatus.PUBLISHED,
        title="Thermal cameras and night crossings on forested borders",
        abstract="Two winters of thermal camera coverage on a forested land border: what it detected, "
        "what it missed, and what mattered more than image quality.",
        body_source=ARTICLE_BODY,
        body_html=rendered.html,
        render_version=markdown.RENDER_VERSION,
        reading_minutes=rendered.reading_minutes,
        created_by_id=author.id,
        submitted_at=now,
        published_at=now,
        comment_count=1,
        authors=[ArticleAuthor(member_id=author.id, position=0)],
        keywords=[ArticleKeyword(keyword="thermal cameras"), ArticleKeyword(keyword="land borders")],
    )
    db.add(article)
    await db.flush()
    text = "We saw the same at our crossings: coverage first. Which models did you use?"
    db.add(
        Comment(
            article_id=article.id,
            author_id=commenter.id,
            body_source=text,
            body_html=markdown.render(text).html,
            render_version=markdown.RENDER_VERSION,
        )
    )
    await db.flush()


def save_credentials(credentials: list[tuple[str, str]]) -> None:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{email}  {password}" for email, password in credentials]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
