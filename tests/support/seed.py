"""Seeds a freshly migrated database for the browser tests: `python -m tests.support.seed`."""

from __future__ import annotations

import asyncio

from app.accounts.models import Role
from app.config import get_settings
from app.db import create_engine, create_sessionmaker
from app.forum.models import TLP, Category, Tier
from tests.support.factories import make_agency, make_member


async def main() -> None:
    engine = create_engine(get_settings().database_url)
    async with create_sessionmaker(engine)() as db, db.begin():
        agency = await make_agency(
            db, name="Border Police Directorate", country="Croatia", domains=("mup.hr",)
        )
        await make_member(db, role=Role.MODERATOR, email="moderator@liaison.test", name="Marko Moderator")
        await make_member(db, role=Role.ADMIN, email="admin@liaison.test", name="Ada Admin")
        await make_member(db, agency=agency, email="author@mup.hr", name="Ana Author")
        await make_member(db, agency=agency, email="colleague@mup.hr", name="Goran Colleague")
        await make_member(db, agency=agency, email="analyst@mup.hr", name="Petra Analyst")
        db.add(
            Category(
                slug="land-borders", name="Managing land borders", tier=Tier.AGENCIES, default_tlp=TLP.AMBER
            )
        )
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
