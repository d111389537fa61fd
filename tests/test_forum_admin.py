"""Admins manage categories (with working-group grants) and member groups; both are audited."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.forum.models import Category, Tier
from app.groups.models import GroupMembership, MemberGroup
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category, make_thread
from tests.support.web import post_form, sign_in


async def test_admin_creates_a_working_group_that_admits_a_group(client, other_client, db):
    admin = await make_member(db, role=Role.ADMIN)
    agency = await make_agency(db)
    academic = await make_member(db, name="Wendy Groupmember")
    await db.commit()
    await sign_in(client, admin.email)

    response = await post_form(
        client, "/admin/groups", {"name": "Balkan route researchers"}, page="/admin/groups"
    )
    assert response.status_code == 303
    group = await db.scalar(select(MemberGroup))
    response = await post_form(
        client,
        f"/admin/groups/{group.id}/members",
        {"username": "@" + academic.username},
        page="/admin/groups",
    )
    assert response.status_code == 303
    unknown = await post_form(
        client, f"/admin/groups/{group.id}/members", {"username": "@nobody"}, page="/admin/groups"
    )
    assert unknown.status_code == 422 and "No member has this handle" in unknown.text

    no_grants = await post_form(
        client,
        "/admin/categories",
        {"name": "Balkan WG", "slug": "balkan-wg", "tier": "working_group", "default_tlp": "amber"},
        page="/admin/categories/new",
    )
    assert no_grants.status_code == 422 and "at least one agency or member group" in no_grants.text
    response = await client.post(
        "/admin/categories",
        data={
            "csrf_token": (await client.get("/admin/categories/new")).text.split('name="csrf_token" value="')[
                1
            ][:64],
            "name": "Balkan WG",
            "slug": "balkan-wg",
            "tier": "working_group",
            "default_tlp": "amber",
            "agency_ids": str(agency.id),
            "group_ids": str(group.id),
        },
    )
    assert response.status_code == 303
    category = await db.scalar(select(Category).where(Category.slug == "balkan-wg"))
    assert category.tier is Tier.WORKING_GROUP

    author = await make_member(db, agency=agency)
    await db.commit()
    await make_thread(db, author, category, title="Working group business")
    await db.commit()
    await sign_in(other_client, academic.email)
    assert "Working group business" in (await other_client.get("/c/balkan-wg")).text

    member_id = academic.id
    await post_form(client, f"/admin/groups/{group.id}/members/{member_id}/remove", page="/admin/groups")
    assert await db.scalar(select(GroupMembership.id)) is None
    assert (await other_client.get("/c/balkan-wg")).status_code == 404
    actions = set(await db.scalars(select(AuditEvent.action)))
    assert {"group.create", "group.member_added", "group.member_removed", "category.create"} <= actions


async def test_category_rules(client, db):
    admin = await make_member(db, role=Role.ADMIN)
    existing = await make_category(db, tier=Tier.AGENCIES)
    await db.commit()
    await sign_in(client, admin.email)
    cases = [
        ({"name": "Open", "slug": "Bad Slug!", "tier": "community"}, "should match pattern"),
        ({"name": "Open", "slug": existing.slug, "tier": "community"}, "Another category uses this address"),
        ({"name": "Open", "slug": "open-one", "tier": "community", "default_tlp": "red"}, "cannot be used"),
    ]
    for data, message in cases:
        response = await post_form(client, "/admin/categories", data, page="/admin/categories/new")
        assert response.status_code == 422 and message in response.text, (data, response.text[-400:])
    loosen = await post_form(
        client,
        f"/admin/categories/{existing.id}",
        {"name": existing.name, "slug": existing.slug, "tier": "community"},
        page="/admin/categories",
    )
    assert loosen.status_code == 422 and "cannot be made more open" in loosen.text
    assert (await client.get("/admin/categories")).status_code == 200


def test_rerender_command(tmp_path):
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}",
        "LIAISON_DEMO": "true",
        "LIAISON_VAR_DIR": str(tmp_path),
    }

    def liaison(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    assert liaison("migrate").returncode == 0 and liaison("demo").returncode == 0
    with sqlite3.connect(tmp_path / "r.db") as conn:
        for table in ("posts", "articles", "article_comments"):
            conn.execute(f"UPDATE {table} SET body_html = 'stale', render_version = 0")  # noqa: S608
    result = liaison("forum", "rerender")
    assert result.returncode == 0 and "Re-rendered 4 posts, 1 articles, 1 comments" in result.stdout
    with sqlite3.connect(tmp_path / "r.db") as conn:
        for table in ("posts", "articles", "article_comments"):
            stale = f"SELECT count(*) FROM {table} WHERE body_html = 'stale'"  # noqa: S608
            assert conn.execute(stale).fetchone()[0] == 0
    assert "Re-rendered 0 posts, 0 articles, 0 comments" in liaison("forum", "rerender").stdout
