"""Editors and moderators: who can review an article, and hiding a published one from its readers
with a reason its authors are told."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import MemberKind, Role
from app.articles import service
from app.audit.models import AuditEvent
from app.forum.models import TLP, Tier
from app.notifications.models import Notification, NotificationKind
from tests.support.articles import make_article, make_comment
from tests.support.factories import make_agency, make_member
from tests.support.forum import deliver_mail, make_category
from tests.support.web import api_token, post_form, sign_in
from tests.support.world import context


async def test_a_hidden_article_reaches_only_its_authors_and_the_moderators(
    client, other_client, db, app, smtp
):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category, publish_as=moderator, title="Fence maintenance costs")
    await make_comment(db, author, article, "Figures from 2024.")
    reader = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    await deliver_mail(db, app)
    smtp.clear()
    await sign_in(client, moderator.email)
    await sign_in(other_client, reader.email)
    url = f"/a/{article.id}"

    refused = await post_form(client, url + "/hide", {"reason": ""}, page=url)
    assert refused.status_code == 422 and "reason" in refused.text
    assert (
        await post_form(other_client, url + "/hide", {"reason": "mine"}, page="/articles")
    ).status_code == 403
    hidden = await post_form(client, url + "/hide", {"reason": "Names a serving officer"}, page=url)
    assert hidden.status_code == 303
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "article.hide"))
    assert event.target_id == article.id and event.details == {"reason": "Names a serving officer"}

    for path in (url, url + "/pdf", f"/api/v1/articles/{article.id}"):
        assert (await other_client.get(path)).status_code in (401, 404), path
    assert "Fence maintenance" not in (await other_client.get("/articles")).text
    assert "Fence" not in (await other_client.get("/search", params={"q": "fence"})).text
    comment = await post_form(other_client, url + "/comments", {"body": "Too late?"}, page="/articles")
    assert comment.status_code == 404

    staff_page = (await client.get(url)).text
    assert "Names a serving officer" in staff_page and "Show to its readers again" in staff_page
    assert "hidden from readers" in (await client.get("/articles")).text
    await sign_in(other_client, author.email)
    own = await other_client.get(url)
    assert own.status_code == 200 and "A moderator hid this article" in own.text
    assert f'action="/a/{article.id}/comments"' not in own.text, "no comments while hidden"
    told = await db.scalar(
        select(Notification).where(
            Notification.member_id == author.id, Notification.kind == NotificationKind.HIDDEN
        )
    )
    assert told is not None and "A moderator hid" in (await other_client.get("/notifications")).text
    await deliver_mail(db, app)
    mail = (await smtp.wait_for(author.email, "A moderator hid your article")).get_content()
    assert "Names a serving officer" in mail and "Fence maintenance costs" in mail

    shown = await post_form(client, url + "/unhide", page=url)
    assert shown.status_code == 303
    assert "article.unhide" in set(await db.scalars(select(AuditEvent.action)))
    await sign_in(other_client, reader.email)
    assert (await other_client.get(url)).status_code == 200


async def test_hiding_a_restricted_article_mails_neither_title_nor_reason(client, db, app, smtp):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    article = await make_article(
        db, author, category, publish_as=moderator, title="Amber tunnel survey", tlp=TLP.AMBER
    )
    await db.commit()
    await deliver_mail(db, app)
    smtp.clear()
    token = await api_token(client, moderator.email)
    api = await client.post(
        f"/api/v1/articles/{article.id}/hide", json={"reason": "Gate four named"}, headers=token
    )
    assert api.status_code == 200 and api.json()["hidden"] is True
    assert api.json()["hidden_reason"] == "Gate four named"
    await deliver_mail(db, app)
    text = (await smtp.wait_for(author.email, "A moderator hid your article")).as_string()
    assert "Amber tunnel" not in text and "Gate four" not in text and "TLP:AMBER" in text
    again = await client.post(f"/api/v1/articles/{article.id}/unhide", headers=token)
    assert again.json()["hidden"] is False


async def test_only_published_articles_are_hidden(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category)
    await service.submit(db, author, article.id, context())
    await db.commit()
    token = await api_token(client, moderator.email)
    refused = await client.post(
        f"/api/v1/articles/{article.id}/hide", json={"reason": "too soon"}, headers=token
    )
    assert refused.status_code == 403


async def test_an_article_no_editor_could_read_cannot_be_submitted(client, db):
    """A TLP:RED article is read only by its participants: unless a moderator is among them, it
    would wait in no one's review queue."""
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    colleague = await make_member(db, agency=agency)
    article = await make_article(db, author, category, tlp=TLP.RED, participants=(colleague.username,))
    await db.commit()
    await sign_in(client, author.email)
    refused = await post_form(client, f"/a/{article.id}/submit", page=f"/a/{article.id}/edit")
    assert refused.status_code == 422 and "No editor could read this article" in refused.text
    form = {
        "category_id": str(category.id),
        "title": article.title,
        "abstract": article.abstract,
        "body": article.body_source,
        "tlp": "red",
        "participants": f"@{colleague.username}, @{moderator.username}",
    }
    assert (
        await post_form(client, f"/a/{article.id}/edit", form, page=f"/a/{article.id}/edit")
    ).status_code == 303
    assert (
        await post_form(client, f"/a/{article.id}/submit", page=f"/a/{article.id}/edit")
    ).status_code == 303
    token = await api_token(client, moderator.email)
    queue = (await client.get("/api/v1/articles/review-queue", headers=token)).json()
    assert [a["id"] for a in queue] == [article.id]


async def test_a_suspended_coauthor_hears_nothing_of_decisions(client, db, app, smtp):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    coauthor = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category, coauthors=(coauthor.username,))
    coauthor.suspended_at = coauthor.created_at
    await db.commit()
    await deliver_mail(db, app)
    smtp.clear()
    token = await api_token(client, author.email)
    assert (await client.post(f"/api/v1/articles/{article.id}/submit", headers=token)).status_code == 200
    token = await api_token(client, moderator.email)
    assert (await client.post(f"/api/v1/articles/{article.id}/publish", headers=token)).status_code == 200
    await deliver_mail(db, app)
    await smtp.wait_for(author.email, "Your article was published")
    told = set(await db.scalars(select(Notification.member_id).where(Notification.article_id == article.id)))
    assert told == {author.id} and not smtp.to(coauthor.email)


async def test_the_audit_log_withholds_reasons_about_what_the_reader_cannot_see(client, other_client, db):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    named = await make_member(db, role=Role.MODERATOR)
    other = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    article = await make_article(
        db, author, category, tlp=TLP.RED, participants=(named.username,), publish_as=named
    )
    await db.commit()
    await sign_in(client, named.email)
    url = f"/a/{article.id}"
    await post_form(client, url + "/hide", {"reason": "Quotes the checkpoint rota"}, page=url)
    assert "Quotes the checkpoint rota" in (await client.get("/audit")).text
    await sign_in(other_client, other.email)
    log = (await other_client.get("/audit")).text
    assert "article.hide" in log and "Quotes the checkpoint rota" not in log and "withheld" in log
    token = await api_token(other_client, other.email)
    events = (await other_client.get("/api/v1/audit", headers=token)).json()["events"]
    hidden = next(e for e in events if e["action"] == "article.hide")
    assert hidden["details"] == {"withheld": "you cannot see what this event is about"}
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "article.hide"))
    await db.refresh(event)
    assert event.details == {"reason": "Quotes the checkpoint rota"}, "the record itself is kept whole"
