"""Reading and writing in the forum through the pages, as members would."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role
from app.forum.models import TLP, Post, Thread, Tier
from app.notifications.models import Notification
from tests.support.factories import make_agency, make_member
from tests.support.forum import deliver_mail, make_category, make_thread
from tests.support.web import post_form, sign_in


async def _member_in(client, db, **kw):
    member = await make_member(db, **kw)
    await db.commit()
    await sign_in(client, member.email)
    return member


async def test_start_a_thread_with_the_category_default_label(client, db):
    category = await make_category(db, tlp=TLP.GREEN)
    await _member_in(client, db)
    form = await client.get(f"/c/{category.slug}/new")
    assert 'value="green" checked' in form.text and 'value="amber"' not in form.text
    response = await post_form(
        client,
        f"/c/{category.slug}/new",
        {"title": "E-gates at night", "body": "What **works**?"},
        page=f"/c/{category.slug}/new",
    )
    assert response.status_code == 303
    thread = await db.scalar(select(Thread).where(Thread.title == "E-gates at night"))
    assert thread.tlp is TLP.GREEN
    page = await client.get(response.headers["location"])
    assert "TLP:GREEN" in page.text and "<strong>works</strong>" in page.text


async def test_thread_form_errors_keep_the_text(client, db):
    community = await make_category(db)
    agencies = await make_category(db, tier=Tier.AGENCIES)
    await _member_in(client, db, agency=await make_agency(db))
    cases = [
        (community, {"title": "x", "body": "Body text here"}, "at least 5"),
        (community, {"title": "A fine title", "body": ""}, "required"),
        (
            community,
            {"title": "A fine title", "body": "Restricted", "tlp": "amber"},
            "cannot be used in a Community",
        ),
        (agencies, {"title": "A fine title", "body": "Red", "tlp": "red"}, "at least one participant"),
        (
            agencies,
            {"title": "A fine title", "body": "Red", "tlp": "red", "participants": "@nobody_here"},
            "cannot be added",
        ),
        (
            agencies,
            {"title": "A fine title", "body": "Red", "tlp": "red", "participants": "not a handle!"},
            "not a member handle",
        ),
    ]
    for category, data, message in cases:
        response = await post_form(client, f"/c/{category.slug}/new", data, page=f"/c/{category.slug}/new")
        assert response.status_code == 422, data
        assert message in response.text, (data, message)
        if data["body"]:
            assert data["body"] in response.text
    assert await db.scalar(select(Thread.id)) is None


async def test_agencies_only_thread_in_a_community_category(client, other_client, db):
    agency = await make_agency(db)
    category = await make_category(db)
    official = await _member_in(client, db, agency=agency)
    academic = await make_member(db)
    await db.commit()
    response = await post_form(
        client,
        f"/c/{category.slug}/new",
        {"title": "Officials only please", "body": "Text", "agencies_only": "1"},
        page=f"/c/{category.slug}/new",
    )
    thread_url = response.headers["location"]
    await sign_in(other_client, academic.email)
    assert (await other_client.get(thread_url)).status_code == 404
    assert "Officials only please" not in (await other_client.get(f"/c/{category.slug}")).text
    assert (await client.get(thread_url)).status_code == 200
    assert official


async def test_reply_in_place_quote_and_locked_thread(client, db):
    category = await make_category(db)
    author = await _member_in(client, db, name="Ivana Horvat")
    thread = await make_thread(db, author, category, body="Original words to quote")
    await db.commit()
    response = await post_form(
        client, f"/t/{thread.id}/reply", {"body": "A reply with **bold**"}, page=f"/t/{thread.id}", htmx=True
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<article class="post')
    assert "<strong>bold</strong>" in response.text and 'hx-swap-oob="true"' in response.text
    assert "<html" not in response.text

    first = await db.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    form = await client.get(
        f"/t/{thread.id}/reply-form", params={"quote": first.id}, headers={"HX-Request": "true"}
    )
    assert f"&gt; @{author.username} wrote:" in form.text and "Original words to quote" in form.text
    no_js = await client.get(f"/t/{thread.id}", params={"quote": first.id})
    assert "&gt; Original words to quote" in no_js.text

    (await db.get(Thread, thread.id)).locked = True
    await db.commit()
    response = await post_form(
        client, f"/t/{thread.id}/reply", {"body": "Keep this text"}, page=f"/t/{thread.id}", htmx=True
    )
    assert response.status_code == 409 and "locked" in response.text and "Keep this text" in response.text
    assert response.headers["HX-Retarget"] == "#reply-form"


async def test_edit_keeps_history_for_moderators(client, other_client, db):
    category = await make_category(db)
    author = await _member_in(client, db)
    moderator = await make_member(db, role=Role.MODERATOR)
    thread = await make_thread(db, author, category, body="First version")
    await db.commit()
    post = await db.scalar(select(Post).where(Post.thread_id == thread.id))
    response = await post_form(
        client, f"/p/{post.id}/edit", {"body": "Second version"}, page=f"/t/{thread.id}", htmx=True
    )
    assert response.status_code == 200 and "Second version" in response.text and "edited" in response.text
    assert (await client.get(f"/p/{post.id}/history")).status_code == 403
    await sign_in(other_client, moderator.email)
    history = await other_client.get(f"/p/{post.id}/history")
    assert "First version" in history.text and "Second version" in history.text
    forbidden = await post_form(
        other_client, f"/p/{post.id}/edit", {"body": "Moderator edit"}, page="/account"
    )
    assert forbidden.status_code == 403


async def test_delete_is_soft_and_the_opening_post_removes_the_thread(client, other_client, db):
    category = await make_category(db)
    author = await _member_in(client, db)
    other = await make_member(db)
    thread = await make_thread(db, author, category, replies=1)
    await db.commit()
    reply = await db.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 2))
    await sign_in(other_client, other.email)
    assert (await post_form(other_client, f"/p/{reply.id}/delete", page="/account")).status_code == 403
    response = await post_form(client, f"/p/{reply.id}/delete", page="/account", htmx=True)
    assert "This post was deleted." in response.text
    await db.refresh(reply)
    assert reply.deleted_at is not None and reply.body_source
    first = await db.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    await post_form(client, f"/p/{first.id}/delete", page="/account")
    assert (await client.get(f"/t/{thread.id}")).status_code == 404


async def test_mentions_notify_only_members_who_can_see(app, client, other_client, db, smtp):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    author = await _member_in(client, db, agency=agency)
    colleague = await make_member(db, agency=agency, name="Coll Eague")
    academic = await make_member(db, name="Aca Demic")
    colleague.email_notifications = True
    await db.commit()
    thread = await make_thread(
        db,
        author,
        category,
        tlp=TLP.AMBER,
        title="Restricted plan title",
        body=f"Hello @{colleague.username} and @{academic.username}",
    )
    await db.commit()
    await deliver_mail(db, app)
    recipients = set(await db.scalars(select(Notification.member_id)))
    assert recipients == {colleague.id}

    offered = (await client.get(f"/t/{thread.id}/mentionable", params={"q": ""})).json()
    assert colleague.username in {m["username"] for m in offered}
    assert academic.username not in {m["username"] for m in offered}

    await sign_in(other_client, colleague.email)
    page = await other_client.get("/")
    assert 'aria-label="1 unread"' in page.text
    listed = await other_client.get("/notifications")
    assert "Restricted plan title" in listed.text
    mail = await smtp.wait_for(colleague.email, "mentioned you")
    assert "Restricted plan title" not in mail.as_string() and "restricted discussion" in smtp.body(mail)


async def test_watching_muting_and_category_watch(client, other_client, db):
    category = await make_category(db)
    author = await make_member(db)
    watcher = await _member_in(client, db)
    thread = await make_thread(db, author, category)
    await db.commit()
    await post_form(client, f"/t/{thread.id}/watch", {"level": "watching"}, page=f"/t/{thread.id}")
    await sign_in(other_client, author.email)
    await post_form(
        other_client, f"/t/{thread.id}/reply", {"body": "Reply for the watcher"}, page=f"/t/{thread.id}"
    )
    kinds = list(await db.scalars(select(Notification.kind).where(Notification.member_id == watcher.id)))
    assert [k.value for k in kinds] == ["reply"]

    await post_form(client, f"/t/{thread.id}/watch", {"level": "muted"}, page=f"/t/{thread.id}")
    await post_form(
        other_client,
        f"/t/{thread.id}/reply",
        {"body": f"Muted, even @{watcher.username}"},
        page=f"/t/{thread.id}",
    )
    assert (
        len(list(await db.scalars(select(Notification.id).where(Notification.member_id == watcher.id)))) == 1
    )

    await post_form(client, f"/c/{category.slug}/watch", {"level": "watching"}, page=f"/c/{category.slug}")
    await post_form(
        other_client,
        f"/c/{category.slug}/new",
        {"title": "A brand new thread", "body": "Hello"},
        page=f"/c/{category.slug}/new",
    )
    kinds = list(await db.scalars(select(Notification.kind).where(Notification.member_id == watcher.id)))
    assert "new_thread" in [k.value for k in kinds]


async def test_notification_disappears_when_access_is_lost(client, db):
    agency = await make_agency(db)
    community = await make_category(db)
    agencies = await make_category(db, tier=Tier.AGENCIES)
    author = await make_member(db, agency=agency)
    moderator = await make_member(db, role=Role.MODERATOR)
    reader = await _member_in(client, db)
    thread = await make_thread(db, author, community, title="Moves later", body=f"Hi @{reader.username}")
    await db.commit()
    assert "Moves later" in (await client.get("/notifications")).text
    from app.forum import moderation
    from tests.support.world import context

    await moderation.move(db, moderator, thread.id, agencies.id, context())
    await db.commit()
    listed = await client.get("/notifications")
    assert "Moves later" not in listed.text
    assert 'unread">' not in (await client.get("/account")).text
    note = await db.scalar(select(Notification.id))
    assert (await client.get(f"/notifications/{note}")).status_code == 404


async def test_category_lists_pinned_first_then_latest_activity(client, db):
    category = await make_category(db)
    member = await _member_in(client, db)
    old = await make_thread(db, member, category, title="Old but pinned")
    await make_thread(db, member, category, title="Quiet thread")
    busy = await make_thread(db, member, category, title="Busy thread")
    old.pinned = True
    await db.commit()
    await make_thread(db, member, category, title="Newest thread")
    from app.forum import service
    from tests.support.world import context

    await service.reply(db, member, busy.id, "bump", context())
    await db.commit()
    text = (await client.get(f"/c/{category.slug}")).text
    order = [text.index(t) for t in ("Old but pinned", "Busy thread", "Newest thread", "Quiet thread")]
    assert order == sorted(order)
    index = await client.get("/")
    assert "4 threads" in index.text and "5 posts" in index.text and "Busy thread" in index.text


async def test_invisible_and_missing_things_answer_the_same_404(client, db):
    agency = await make_agency(db)
    hidden = await make_category(db, tier=Tier.AGENCIES)
    author = await make_member(db, agency=agency)
    thread = await make_thread(db, author, hidden, title="Secret title here")
    await _member_in(client, db)
    await db.commit()
    post = await db.scalar(select(Post).where(Post.thread_id == thread.id))
    for existing, missing in [
        (f"/t/{thread.id}", "/t/999999"),
        (f"/c/{hidden.slug}", "/c/nope"),
        (f"/p/{post.id}/edit", "/p/999999/edit"),
    ]:
        a, b = await client.get(existing), await client.get(missing)
        assert a.status_code == b.status_code == 404
        assert a.text == b.text


async def test_link_to_the_first_unread_post(client, db):
    """Read positions are per thread: having read another thread changes nothing here."""
    category = await make_category(db)
    author = await make_member(db)
    other = await make_thread(db, author, category, replies=2)
    thread = await make_thread(db, author, category, replies=64)
    await _member_in(client, db)
    await client.get(f"/t/{other.id}")
    first = await client.get(f"/t/{thread.id}")
    assert "Jump to first unread" not in first.text, "nothing has been read yet: start at the top"
    again = await client.get(f"/t/{thread.id}")
    assert f'href="/t/{thread.id}?page=2#p31">Jump to first unread' in again.text
    await client.get(f"/t/{thread.id}", params={"page": 3})
    done = await client.get(f"/t/{thread.id}")
    assert "Jump to first unread" not in done.text
