"""Choosing co-authors and participants: who is offered, with what, and who is refused."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import MemberKind, Role
from app.articles.models import Article, Comment
from app.forum.models import Tier
from app.notifications.models import Notification
from tests.support.articles import make_article, make_comment
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category
from tests.support.web import api_token, post_form, sign_in


async def test_suggestions_offer_writers_who_can_see_the_category_with_their_affiliation(client, db):
    agency = await make_agency(db, name="Finnish Customs", country="Finland")
    community = await make_category(db)
    agencies = await make_category(db, tier=Tier.AGENCIES)
    author = await make_member(db, kind=MemberKind.ACADEMIC, name="Alma Author")
    official = await make_member(db, agency=agency, name="Kaisa Virtanen")
    academic = await make_member(db, kind=MemberKind.ACADEMIC, name="Kaarlo Scholar")
    supplier = await make_member(db, kind=MemberKind.SUPPLIER, name="Kai Vendor")
    await db.commit()
    await sign_in(client, author.email)

    offered = (await client.get("/articles/people", params={"category_id": community.id, "q": "@ka"})).json()
    assert {m["username"] for m in offered} == {official.username, academic.username}
    assert {
        "username": official.username,
        "name": "Kaisa Virtanen",
        "affiliation": "Finnish Customs (Finland)",
    } in offered
    participants = (
        await client.get(
            "/articles/people", params={"category_id": community.id, "q": "ka", "role": "participants"}
        )
    ).json()
    assert supplier.username in {m["username"] for m in participants}, (
        "participants read; they need not write"
    )
    assert (await client.get("/articles/people", params={"category_id": agencies.id})).status_code == 404
    assert (await client.get("/articles/people", params={"category_id": "x"})).status_code == 422
    assert (
        await client.get("/articles/people", params={"category_id": community.id, "role": "x"})
    ).status_code == 422

    bearer = await api_token(client, author.email)
    listed = await client.get(
        "/api/v1/articles/people", params={"category_id": community.id, "q": "kai"}, headers=bearer
    )
    assert [m["affiliation"] for m in listed.json()] == ["Finnish Customs (Finland)"]

    await sign_in(client, supplier.email)
    assert (await client.get("/articles/people", params={"category_id": community.id})).status_code == 403


async def test_a_supplier_cannot_be_made_a_coauthor(client, db):
    """Co-authors change the article, and suppliers do not write articles."""
    category = await make_category(db)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    supplier = await make_member(db, kind=MemberKind.SUPPLIER)
    await db.commit()
    await sign_in(client, author.email)
    form = {
        "category_id": str(category.id),
        "title": "Drones on the Drina",
        "coauthors": "@" + supplier.username,
    }
    response = await post_form(client, "/articles/new", form, page="/articles/new")
    assert response.status_code == 422 and "not an academic or agency official" in response.text
    bearer = await api_token(client, author.email)
    api = await client.post(
        "/api/v1/articles",
        json={**form, "category_id": category.id, "coauthors": [supplier.username]},
        headers=bearer,
    )
    assert api.status_code == 422
    assert await db.scalar(select(func.count()).select_from(Article)) == 0


async def test_the_edit_form_lists_the_authors_with_their_affiliations(client, db):
    agency = await make_agency(db, name="Polish Border Guard", country="Poland")
    category = await make_category(db)
    author = await make_member(db, agency=agency, name="Piotr Nowak")
    coauthor = await make_member(db, kind=MemberKind.ACADEMIC, name="Ana Horvat")
    article = await make_article(db, author, category, coauthors=(coauthor.username,))
    await db.commit()
    await sign_in(client, author.email)
    page = (await client.get(f"/a/{article.id}/edit")).text
    assert "Polish Border Guard (Poland)" in page and "University of Example" in page
    assert 'data-mention-url="/articles/people"' in page and 'data-mention-with="category_id"' in page
    assert 'maxlength="200"' in page, "attributes given to the field macro reach the input unescaped"


async def test_no_reply_to_a_comment_that_is_no_longer_shown(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category, publish_as=moderator)
    hidden = await make_comment(db, author, article, "Off-topic aside.")
    gone = await make_comment(db, author, article, "Withdrawn remark.")
    reader = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    await sign_in(client, moderator.email)
    await post_form(client, f"/ac/{hidden.id}/hide", {"reason": "off topic"}, page=f"/a/{article.id}")
    await sign_in(client, author.email)
    await post_form(client, f"/ac/{gone.id}/delete", page=f"/a/{article.id}")
    await sign_in(client, reader.email)
    before = await db.scalar(select(func.count()).select_from(Notification))
    for parent in (hidden, gone):
        response = await post_form(
            client,
            f"/a/{article.id}/comments",
            {"body": "Agreed.", "parent_id": str(parent.id)},
            page=f"/a/{article.id}",
        )
        assert response.status_code == 403 and "no longer shown" in response.text
    assert (
        await db.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id.is_not(None))) == 0
    )
    assert await db.scalar(select(func.count()).select_from(Notification)) == before
