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


async def test_forum_pages_query_count_does_not_grow(client, db, engine):
    from app.forum import service
    from app.forum.models import TLP, Tier
    from tests.support.forum import make_category, make_thread
    from tests.support.world import context

    agency = await make_agency(db)
    reader = await make_member(db, agency=agency)
    authors = [await make_member(db, agency=agency) for _ in range(6)]
    small_cat = await make_category(db)
    large_cat = await make_category(db, tier=Tier.AGENCIES)
    small = await make_thread(
        db, authors[0], large_cat, replies=3, tlp=TLP.RED, participants=(reader.username,)
    )
    large = await make_thread(
        db,
        authors[0],
        large_cat,
        tlp=TLP.RED,
        participants=tuple(a.username for a in authors[1:]) + (reader.username,),
    )
    for i in range(29):
        await service.reply(
            db, authors[i % 6], large.id, f"Reply {i} mentioning @{reader.username}", context()
        )
    for _ in range(2):
        await make_thread(db, authors[1], small_cat)
    await db.commit()
    await sign_in(client, reader.email)
    home_before = await _queries_for(client, engine, "/")
    for _ in range(25):
        await make_thread(db, authors[2], large_cat)
    await make_thread(
        db,
        authors[3],
        await make_category(db, tier=Tier.AGENCIES),
        tlp=TLP.RED,
        participants=(reader.username,),
    )
    await db.commit()
    assert await _queries_for(client, engine, "/") == home_before

    pairs = [
        (f"/t/{small.id}", f"/t/{large.id}"),
        (f"/c/{small_cat.slug}", f"/c/{large_cat.slug}"),
        ("/notifications", "/notifications"),
    ]
    for few, many in pairs:
        assert await _queries_for(client, engine, few) == await _queries_for(client, engine, many), (
            few,
            many,
        )
    assert await _queries_for(client, engine, f"/t/{large.id}") <= 10
    assert await _queries_for(client, engine, "/") <= 8
