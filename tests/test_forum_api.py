"""The forum's JSON API follows the same policy as the pages."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role
from app.forum.models import TLP, Post, Tier
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category
from tests.support.web import api_token


async def test_thread_lifecycle_through_the_api(client, db):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    author = await make_member(db, agency=agency)
    colleague = await make_member(db, agency=agency)
    outsider = await make_member(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    headers = await api_token(client, author.email)

    created = await client.post(
        "/api/v1/threads",
        headers=headers,
        json={
            "category_id": category.id,
            "title": "Coordinating winter patrols",
            "body": f"Ping @{colleague.username}",
            "tlp": "red",
            "participants": [colleague.username],
        },
    )
    assert created.status_code == 201, created.text
    thread = created.json()
    assert thread["tlp_label"] == "TLP:RED" and {p["username"] for p in thread["participants"]} == {
        author.username,
        colleague.username,
    }

    reply = await client.post(
        f"/api/v1/threads/{thread['id']}/posts", headers=headers, json={"body": "More *detail*"}
    )
    assert reply.status_code == 201 and "<em>detail</em>" in reply.json()["body_html"]
    edited = await client.put(f"/api/v1/posts/{reply.json()['id']}", headers=headers, json={"body": "Edited"})
    assert edited.json()["edited"] is True

    listing = (await client.get(f"/api/v1/categories/{category.slug}/threads", headers=headers)).json()
    assert listing["total"] == 1 and listing["threads"][0]["reply_count"] == 1

    outsider_headers = await api_token(client, outsider.email)
    assert (await client.get(f"/api/v1/threads/{thread['id']}", headers=outsider_headers)).status_code == 404
    assert (
        await client.post(
            f"/api/v1/threads/{thread['id']}/posts", headers=outsider_headers, json={"body": "sneaky"}
        )
    ).status_code == 404
    mod_headers = await api_token(client, moderator.email)
    assert (await client.get(f"/api/v1/threads/{thread['id']}", headers=mod_headers)).status_code == 404, (
        "TLP:RED is for the named participants only"
    )

    colleague_headers = await api_token(client, colleague.email)
    notes = (await client.get("/api/v1/notifications", headers=colleague_headers)).json()
    assert notes["unread"] >= 1 and notes["notifications"][0]["title"] == "Coordinating winter patrols"
    assert (await client.post("/api/v1/notifications/read-all", headers=colleague_headers)).status_code == 204

    deleted = await client.delete(f"/api/v1/posts/{reply.json()['id']}", headers=headers)
    assert deleted.status_code == 204
    shown = (await client.get(f"/api/v1/threads/{thread['id']}", headers=headers)).json()["posts"][1]
    assert shown["deleted"] is True and shown["body_html"] is None and shown["body_source"] is None


async def test_api_refusals_are_4xx_with_clear_messages(client, db):
    category = await make_category(db)
    member = await make_member(db)
    await db.commit()
    headers = await api_token(client, member.email)
    amber = await client.post(
        "/api/v1/threads",
        headers=headers,
        json={"category_id": category.id, "title": "Amber in community", "body": "x" * 5, "tlp": "amber"},
    )
    assert amber.status_code == 403 and "Community" in amber.json()["detail"]
    invalid = await client.post(
        "/api/v1/threads", headers=headers, json={"category_id": category.id, "title": "x"}
    )
    assert invalid.status_code == 422
    assert {tuple(e["loc"]) for e in invalid.json()["detail"]} >= {("body", "title"), ("body", "body")}
    missing = await client.post(
        "/api/v1/threads",
        headers=headers,
        json={"category_id": 999999, "title": "Nowhere to go", "body": "Body"},
    )
    assert missing.status_code == 404
    assert (await client.post("/api/v1/threads/1/moderate/pin", headers=headers)).status_code == 403


async def test_moderation_through_the_api(client, db):
    category = await make_category(db, tier=Tier.AGENCIES)
    community = await make_category(db)
    agency = await make_agency(db)
    author = await make_member(db, agency=agency)
    moderator = await make_member(db, role=Role.MODERATOR)
    await db.commit()
    headers = await api_token(client, author.email)
    thread = (
        await client.post(
            "/api/v1/threads",
            headers=headers,
            json={"category_id": category.id, "title": "Thread to moderate", "body": "Body", "tlp": "amber"},
        )
    ).json()
    await client.post(f"/api/v1/threads/{thread['id']}/posts", headers=headers, json={"body": "reply one"})
    mod = await api_token(client, moderator.email)
    assert (await client.post(f"/api/v1/threads/{thread['id']}/moderate/lock", headers=mod)).json()["locked"]
    locked = await client.post(
        f"/api/v1/threads/{thread['id']}/posts", headers=headers, json={"body": "late"}
    )
    assert locked.status_code == 403 and "locked" in locked.json()["detail"]
    moved = await client.post(
        f"/api/v1/threads/{thread['id']}/move", headers=mod, json={"category_id": community.id}
    )
    assert moved.status_code == 403
    reply_id = await db.scalar(select(Post.id).where(Post.thread_id == thread["id"], Post.number == 2))
    hidden = await client.post(f"/api/v1/posts/{reply_id}/hide", headers=mod, json={"reason": "Not relevant"})
    assert hidden.json()["hidden"] is True and hidden.json()["body_html"] is not None
    as_member = (await client.get(f"/api/v1/posts/{reply_id}", headers=headers)).json()
    assert as_member["body_html"] is None and as_member["hidden_reason"] == "Not relevant"
    split = await client.post(
        f"/api/v1/threads/{thread['id']}/split",
        headers=mod,
        json={"title": "Split via the API", "post_ids": [reply_id]},
    )
    assert split.status_code == 201 and split.json()["tlp"] == TLP.AMBER.value
