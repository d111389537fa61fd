"""Staff pages send a fixed number of SQL queries whatever the number of rows they show."""

from __future__ import annotations

from app.accounts.models import Role
from tests.support.factories import make_agency, make_member
from tests.support.queries import count_queries
from tests.support.web import sign_in


async def _queries_for(client, engine, path: str) -> int:
    await client.get(path)
    with count_queries(engine) as counter:
        response = await client.get(path)
    assert response.status_code == 200
    return counter.count


async def _grow(db, n: int, tag: str) -> None:
    for i in range(n):
        agency = await make_agency(db, domains=(f"agency{i}.{tag}.gov.example",))
        await make_member(db, agency=agency, status="pending")
        await make_member(db, agency=agency)
    await db.commit()


async def test_staff_pages_query_count_does_not_grow_with_rows(client, db, engine):
    admin = await make_member(db, role=Role.ADMIN)
    await db.commit()
    await sign_in(client, admin.email)
    await _grow(db, 2, "small")
    paths = ["/vetting", "/admin/members", "/admin/agencies", "/audit", "/account", "/"]
    small = {p: await _queries_for(client, engine, p) for p in paths}
    await _grow(db, 15, "large")
    large = {p: await _queries_for(client, engine, p) for p in paths}
    assert small == large
    assert max(large.values()) <= 8, large
