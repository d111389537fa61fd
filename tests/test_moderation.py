"""Moderators pin, lock, close, move, split and hide; every action is audited."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.forum.models import TLP, Post, Thread, Tier
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category, make_thread
from tests.support.web import post_form, sign_in


async def _setup(client, db):
    agency = await make_agency(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    await db.commit()
    await sign_in(client, moderator.email)
    return moderator, author


async def _actions(db) -> list[str]:
    return list(await db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


async def test_pin_lock_close_are_audited(client, db):
    _, author = await _setup(client, db)
    category = await make_category(db)
    thread = await make_thread(db, author, category)
    await db.commit()
    for action in ("pin", "lock", "close", "unlock", "open", "unpin"):
        response = await post_form(client, f"/t/{thread.id}/moderate/{action}", page=f"/t/{thread.id}")
        assert response.status_code == 303, action
    assert [a for a in await _actions(db) if a.startswith("thread.")] == [
        "thread.pin",
        "thread.lock",
        "thread.close",
        "thread.unlock",
        "thread.open",
        "thread.unpin",
    ]
    bad = await post_form(client, f"/t/{thread.id}/moderate/explode", page=f"/t/{thread.id}")
    assert bad.status_code == 422


async def test_members_cannot_moderate(client, other_client, db):
    _, author = await _setup(client, db)
    category = await make_category(db)
    thread = await make_thread(db, author, category)
    await db.commit()
    await sign_in(other_client, author.email)
    for url in (f"/t/{thread.id}/moderate/pin", f"/t/{thread.id}/split", f"/t/{thread.id}/move"):
        assert (
            await post_form(other_client, url, {"category_id": "1", "title": "x" * 6}, page="/account")
        ).status_code == 403


async def test_move_that_would_loosen_a_restricted_label_is_refused(client, db):
    _, author = await _setup(client, db)
    community = await make_category(db)
    agencies = await make_category(db, tier=Tier.AGENCIES)
    agencies_two = await make_category(db, tier=Tier.AGENCIES)
    amber = await make_thread(db, author, agencies, tlp=TLP.AMBER, title="Amber discussion")
    green = await make_thread(db, author, agencies, tlp=TLP.GREEN, title="Green discussion")
    await db.commit()
    refused = await post_form(
        client, f"/t/{amber.id}/move", {"category_id": str(community.id)}, page="/account"
    )
    assert refused.status_code == 403 and "Community" in refused.text
    await db.refresh(amber)
    assert amber.category_id == agencies.id
    assert (
        await post_form(client, f"/t/{amber.id}/move", {"category_id": str(agencies_two.id)}, page="/account")
    ).status_code == 303
    assert (
        await post_form(client, f"/t/{green.id}/move", {"category_id": str(community.id)}, page="/account")
    ).status_code == 303
    assert "thread.move" in await _actions(db)


async def test_split_moves_replies_with_the_same_label(client, db):
    _, author = await _setup(client, db)
    category = await make_category(db, tier=Tier.AGENCIES)
    thread = await make_thread(db, author, category, tlp=TLP.AMBER, replies=3)
    await db.commit()
    replies = list(
        await db.scalars(
            select(Post).where(Post.thread_id == thread.id, Post.number > 1).order_by(Post.number)
        )
    )
    form = await client.get(f"/t/{thread.id}/split")
    assert "Replies to move" in form.text
    response = await post_form(
        client,
        f"/t/{thread.id}/split",
        {"title": "A split-off discussion", "post_ids": str(replies[1].id)},
        page="/account",
    )
    assert response.status_code == 303
    new = await db.scalar(select(Thread).where(Thread.title == "A split-off discussion"))
    assert new.tlp is TLP.AMBER and new.category_id == category.id and new.post_count == 1
    moved = await db.get(Post, replies[1].id)
    await db.refresh(moved)
    assert moved.thread_id == new.id and moved.number == 1
    await db.refresh(thread)
    assert thread.post_count == 3
    empty = await post_form(
        client, f"/t/{thread.id}/split", {"title": "Nothing chosen here"}, page="/account"
    )
    assert empty.status_code == 422


async def test_hidden_post_shows_a_placeholder_to_members(client, other_client, db):
    _, author = await _setup(client, db)
    category = await make_category(db)
    thread = await make_thread(db, author, category, replies=1)
    await db.commit()
    reply = await db.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    missing_reason = await post_form(client, f"/p/{reply.id}/hide", {"reason": ""}, page="/account")
    assert missing_reason.status_code == 422
    response = await post_form(
        client, f"/p/{reply.id}/hide", {"reason": "Personal data"}, page="/account", htmx=True
    )
    assert "Hidden from members: Personal data" in response.text
    await sign_in(other_client, author.email)
    page = await other_client.get(f"/t/{thread.id}")
    assert "hidden by a moderator" in page.text and "Reply number 1" not in page.text
    api = await other_client.get(f"/api/v1/posts/{reply.id}", headers={})
    assert api.status_code == 401
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "post.hide"))
    assert event.details["reason"] == "Personal data"
    await post_form(client, f"/p/{reply.id}/unhide", page="/account")
    assert "Reply number 1" in (await other_client.get(f"/t/{thread.id}")).text


async def test_the_edit_form_shows_a_post_source_only_to_its_author_while_it_is_shown(
    client, other_client, db
):
    moderator, author = await _setup(client, db)
    category = await make_category(db)
    thread = await make_thread(db, author, category, replies=2)
    await db.commit()
    replies = list(
        await db.scalars(
            select(Post).where(Post.thread_id == thread.id, Post.number > 1).order_by(Post.number)
        )
    )
    reader = await make_member(db)
    await db.commit()
    await sign_in(other_client, reader.email)
    refused = await other_client.get(f"/p/{replies[0].id}/edit")
    assert refused.status_code == 403 and "Reply number 1" not in refused.text
    await post_form(client, f"/p/{replies[0].id}/hide", {"reason": "Personal data"}, page="/account")
    await sign_in(other_client, author.email)
    for post in replies:
        await db.refresh(post)
    hidden = await other_client.get(f"/p/{replies[0].id}/edit")
    assert hidden.status_code == 403 and "Reply number 1" not in hidden.text
    assert "Reply number 2" in (await other_client.get(f"/p/{replies[1].id}/edit")).text
    await post_form(other_client, f"/p/{replies[1].id}/delete", page=f"/t/{thread.id}")
    deleted = await other_client.get(f"/p/{replies[1].id}/edit")
    assert deleted.status_code == 403 and "Reply number 2" not in deleted.text


async def test_hiding_the_opening_post_hides_the_thread(client, other_client, db):
    _, author = await _setup(client, db)
    category = await make_category(db)
    thread = await make_thread(db, author, category, title="Thread to hide")
    await db.commit()
    first = await db.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    await post_form(client, f"/p/{first.id}/hide", {"reason": "Off topic"}, page="/account")
    await sign_in(other_client, author.email)
    assert (await other_client.get(f"/t/{thread.id}")).status_code == 404
    assert "Thread to hide" not in (await other_client.get(f"/c/{category.slug}")).text
    assert (await client.get(f"/t/{thread.id}")).status_code == 200
