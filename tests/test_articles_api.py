"""Articles as JSON: the same flows and refusals as the pages."""

from __future__ import annotations

from app.accounts.models import MemberKind, Role
from app.forum.models import Tier
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category
from tests.support.queries import count_queries
from tests.support.web import api_token, sign_in

PDF = b"%PDF-1.7\n%%EOF\n"


async def test_draft_review_publish_and_comment_through_the_api(client, db):
    category = await make_category(db)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    editor = await make_member(db, role=Role.MODERATOR)
    reader = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    as_author = await api_token(client, author.email)
    as_editor = await api_token(client, editor.email)
    as_reader = await api_token(client, reader.email)

    draft = {
        "category_id": category.id,
        "title": "Document readers compared",
        "keywords": ["document readers"],
    }
    created = await client.post("/api/v1/articles", json=draft, headers=as_author)
    assert created.status_code == 201, created.text
    article = created.json()
    assert article["status"] == "draft" and article["authors"][0]["username"] == author.username
    url = f"/api/v1/articles/{article['id']}"
    assert (await client.get(url, headers=as_reader)).status_code == 404
    assert (await client.post(url + "/submit", headers=as_author)).status_code == 422
    full = {
        **draft,
        "abstract": "We compared six readers at three crossings.",
        "body": "## Method\n\n" + "word " * 60,
    }
    assert (
        (await client.put(url, json=full, headers=as_author))
        .json()["body_html"]
        .startswith('<h2 id="sec-method">')
    )
    upload = await client.put(
        url + "/pdf", files={"pdf": ("r.pdf", PDF, "application/pdf")}, headers=as_author
    )
    assert upload.status_code == 200 and upload.json()["has_pdf"]
    assert (await client.post(url + "/submit", headers=as_author)).json()["status"] == "submitted"
    assert (await client.post(url + "/publish", headers=as_reader)).status_code == 403
    queue = (await client.get("/api/v1/articles/review-queue", headers=as_editor)).json()
    assert [a["id"] for a in queue] == [article["id"]]
    assert (await client.post(url + "/publish", headers=as_editor)).json()["status"] == "published"

    listed = (
        await client.get("/api/v1/articles", params={"keyword": "Document Readers"}, headers=as_reader)
    ).json()
    assert [a["id"] for a in listed] == [article["id"]]
    assert (await client.get(url + "/pdf", headers=as_reader)).content == PDF
    comment = await client.post(url + "/comments", json={"body": "Which one was fastest?"}, headers=as_reader)
    assert comment.status_code == 201
    reply = await client.post(
        url + "/comments", json={"body": "The second.", "parent_id": comment.json()["id"]}, headers=as_author
    )
    assert reply.json()["parent_id"] == comment.json()["id"]
    comments = (await client.get(url + "/comments", headers=as_reader)).json()
    assert [c["body_html"] for c in comments] == ["<p>Which one was fastest?</p>\n", "<p>The second.</p>\n"]
    edit = await client.put(
        f"/api/v1/articles/comments/{reply.json()['id']}", json={"body": "x" * 3}, headers=as_reader
    )
    assert edit.status_code == 403
    hidden = await client.post(
        f"/api/v1/articles/comments/{comment.json()['id']}/hide", json={"reason": "spam"}, headers=as_editor
    )
    assert hidden.json()["hidden"] is True
    shown = (await client.get(url + "/comments", headers=as_reader)).json()[0]
    assert shown["body_html"] is None and shown["hidden_reason"] is None
    notes = (await client.get("/api/v1/notifications", headers=as_author)).json()["notifications"]
    assert {n["kind"] for n in notes} >= {"published", "comment"}

    revised = await client.put(
        url, json={**full, "title": "Document readers, compared again"}, headers=as_author
    )
    assert revised.json()["revised_at"] is not None
    assert (await client.get(url + "/revisions", headers=as_reader)).status_code == 403
    history = (await client.get(url + "/revisions", headers=as_editor)).json()
    assert [(r["number"], r["title"]) for r in history] == [(1, "Document readers compared")]
    first = (await client.get(url + "/revisions/1", headers=as_editor)).json()
    assert first["body_source"] == full["body"].strip() and first["abstract"] == full["abstract"]
    assert (await client.get(url + "/revisions/2", headers=as_editor)).status_code == 404


async def test_bad_input_is_a_clear_4xx(client, db):
    category = await make_category(db, tier=Tier.AGENCIES)
    official = await make_member(db, agency=await make_agency(db))
    await db.commit()
    token = await api_token(client, official.email)
    cases = [
        ({"category_id": category.id, "title": "ok title", "tlp": "purple"}, 422),
        ({"category_id": category.id, "title": "ok title", "keywords": ["<script>"]}, 422),
        ({"category_id": category.id, "title": "ok title", "tlp": "red"}, 422),
        ({"category_id": 999999, "title": "ok title"}, 404),
        ({"category_id": category.id, "title": "ok title", "coauthors": ["@nobody_at_all"]}, 422),
    ]
    for body, status in cases:
        response = await client.post("/api/v1/articles", json=body, headers=token)
        assert response.status_code == status, (body, response.text)


async def test_article_page_sends_a_fixed_number_of_queries(client, db, engine):
    from tests.support.articles import make_article, make_comment

    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    commenters = [await make_member(db, kind=MemberKind.ACADEMIC) for _ in range(5)]
    small = await make_article(db, author, category, publish_as=moderator, title="Few comments here")
    large = await make_article(db, author, category, publish_as=moderator, title="Many comments here")
    await make_comment(db, commenters[0], small, "One comment.")
    for i in range(25):
        top = await make_comment(db, commenters[i % 5], large, f"Comment {i}")
        await make_comment(db, commenters[(i + 1) % 5], large, f"Reply {i}", parent_id=top.id)
    await db.commit()
    await sign_in(client, author.email)
    counts = []
    for article in (small, large):
        await client.get(f"/a/{article.id}")
        with count_queries(engine) as counter:
            response = await client.get(f"/a/{article.id}")
        assert response.status_code == 200 and "Comment 24" in response.text or article is small
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8, counts
