"""Articles through the pages, as authors, editors and readers use them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import MemberKind, Role
from app.articles.models import Article, ArticleRevision, ArticleStatus
from app.audit.models import AuditEvent
from app.forum.models import TLP, Tier
from app.notifications.models import Notification, NotificationKind
from tests.support.articles import BODY, make_article, make_comment
from tests.support.factories import make_agency, make_member
from tests.support.forum import deliver_mail, make_category
from tests.support.web import post_form, sign_in


async def _signed_in(client, db, **kw):
    member = await make_member(db, **kw)
    await db.commit()
    await sign_in(client, member.email)
    return member


def _draft_form(category, **extra):
    return {"category_id": str(category.id), "title": "E-gates after dark", **extra}


async def test_write_a_draft_autosave_and_only_authors_see_it(client, other_client, db):
    category = await make_category(db)
    author = await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    response = await post_form(client, "/articles/new", _draft_form(category), page="/articles/new")
    assert response.status_code == 303
    article = await db.scalar(select(Article).where(Article.title == "E-gates after dark"))
    assert article.status is ArticleStatus.DRAFT and article.author_members[0].id == author.id
    edit_url = response.headers["location"]
    page = await client.get(edit_url)
    assert f'hx-post="/a/{article.id}/autosave"' in page.text

    saved = await post_form(
        client,
        f"/a/{article.id}/autosave",
        _draft_form(category, abstract="Short abstract", body="## Lights\n\nMore light.", keywords="e-gates"),
        page=edit_url,
        htmx=True,
    )
    assert saved.status_code == 200 and "Draft saved at" in saved.text and "<html" not in saved.text
    await db.refresh(article)
    assert article.body_source == "## Lights\n\nMore light." and article.keyword_list == ["e-gates"]
    refused = await post_form(client, f"/a/{article.id}/autosave", {"title": "x"}, page=edit_url, htmx=True)
    assert "Not saved yet" in refused.text
    without_script = await post_form(client, f"/a/{article.id}/autosave", {"title": "x"}, page=edit_url)
    assert without_script.status_code == 422 and "<html" in without_script.text, "a page, as Save answers"

    await _signed_in(other_client, db, kind=MemberKind.ACADEMIC)
    for path in (f"/a/{article.id}", f"/a/{article.id}/edit", f"/api/v1/articles/{article.id}"):
        assert (await other_client.get(path)).status_code in (401, 404)
    assert (await other_client.get(f"/a/{article.id}")).status_code == 404
    assert "E-gates after dark" not in (await other_client.get("/articles")).text


async def test_suppliers_do_not_write_articles(client, db):
    category = await make_category(db)
    await _signed_in(client, db, kind=MemberKind.SUPPLIER)
    assert (await client.get("/articles/new")).status_code == 403
    response = await post_form(client, "/articles/new", _draft_form(category), page="/articles")
    assert response.status_code == 403


async def test_submit_publish_notify_and_audit(client, other_client, db, app, smtp):
    category = await make_category(db)
    author = await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    editor = await _signed_in(other_client, db, role=Role.MODERATOR)
    article = await make_article(db, author, category)
    await db.commit()
    assert (await client.get("/editor/articles")).status_code == 403
    empty = await make_article(db, author, category, title="Nothing written yet")
    empty.abstract = ""
    await db.commit()
    refused = await post_form(client, f"/a/{empty.id}/submit", page="/articles")
    assert refused.status_code == 422 and "abstract" in refused.text

    assert (await post_form(client, f"/a/{article.id}/submit", page="/articles")).status_code == 303
    assert (await client.get(f"/a/{article.id}/edit")).status_code == 403
    queue = await other_client.get("/editor/articles")
    assert "Winter patrols on long land borders" in queue.text
    published = await post_form(other_client, f"/a/{article.id}/publish", page="/editor/articles")
    assert published.status_code == 303
    await db.refresh(article)
    assert article.status is ArticleStatus.PUBLISHED and article.published_at is not None
    actions = set(await db.scalars(select(AuditEvent.action).where(AuditEvent.target_id == article.id)))
    assert {"article.create", "article.submit", "article.publish"} <= actions
    note = await db.scalar(select(Notification).where(Notification.member_id == author.id))
    assert note.kind is NotificationKind.PUBLISHED and note.article_id == article.id
    mail = await smtp.wait_for(author.email, "published")
    assert "Winter patrols" in mail["Subject"]
    assert (await client.get(f"/notifications/{note.id}")).headers["location"] == f"/a/{article.id}"
    assert editor.id != author.id


async def test_return_with_notes_is_emailed_but_never_for_restricted_articles(client, other_client, db, smtp):
    agency = await make_agency(db)
    author = await _signed_in(client, db, agency=agency)
    await _signed_in(other_client, db, role=Role.MODERATOR)
    open_article = await make_article(db, author, await make_category(db))
    restricted = await make_article(
        db, author, await make_category(db, tier=Tier.AGENCIES), title="Amber smuggling routes", tlp=TLP.AMBER
    )
    await db.commit()
    for article in (open_article, restricted):
        await post_form(client, f"/a/{article.id}/submit", page="/articles")
        response = await post_form(
            other_client,
            f"/a/{article.id}/return",
            {"notes": f"Please cite the 2024 data for {article.id}."},
            page="/editor/articles",
        )
        assert response.status_code == 303
    await db.refresh(open_article)
    assert open_article.status is ArticleStatus.RETURNED
    plain = await smtp.wait_for(author.email, "Winter patrols")
    assert f"cite the 2024 data for {open_article.id}" in plain.get_content()
    hidden = await smtp.wait_for(author.email, "returned with notes")
    text = hidden.as_string()
    assert "Amber smuggling" not in text and f"data for {restricted.id}" not in text
    page = await client.get(f"/a/{restricted.id}/edit")
    assert f"cite the 2024 data for {restricted.id}" in page.text
    assert (await post_form(client, f"/a/{restricted.id}/submit", page="/articles")).status_code == 303


async def test_revisions_are_kept_and_shown_to_moderators(client, other_client, db):
    category = await make_category(db)
    author = await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    moderator = await make_member(db, role=Role.MODERATOR)
    article = await make_article(db, author, category, publish_as=moderator)
    await db.commit()
    response = await post_form(
        client,
        f"/a/{article.id}/edit",
        _draft_form(
            category, title="Winter patrols, revised", abstract="A new abstract of twenty+.", body=BODY
        ),
        page=f"/a/{article.id}/edit",
    )
    assert response.status_code == 303 and response.headers["location"] == f"/a/{article.id}"
    await db.refresh(article)
    assert article.status is ArticleStatus.PUBLISHED and article.revision_count == 1
    old = await db.scalar(select(ArticleRevision).where(ArticleRevision.article_id == article.id))
    assert old.title == "Winter patrols on long land borders"
    reader = await _signed_in(other_client, db, kind=MemberKind.ACADEMIC)
    page = await other_client.get(f"/a/{article.id}")
    assert "Winter patrols, revised" in page.text and "revised on" in page.text
    assert "earlier versions" not in page.text
    assert (await other_client.get(f"/a/{article.id}/revisions")).status_code == 403
    await sign_in(other_client, moderator.email)
    history = await other_client.get(f"/a/{article.id}/revisions/1")
    assert history.status_code == 200 and "Winter patrols on long land borders" in history.text
    assert reader.id != moderator.id


async def test_article_page_shows_contents_citation_and_authors(client, db):
    agency = await make_agency(db, name="Polish Border Guard", country="Poland")
    category = await make_category(db)
    author = await make_member(db, agency=agency, name="Piotr Nowak")
    coauthor = await make_member(db, kind=MemberKind.ACADEMIC, name="Ana Horvat")
    moderator = await make_member(db, role=Role.MODERATOR)
    article = await make_article(db, author, category, publish_as=moderator, coauthors=(coauthor.username,))
    await db.commit()
    await sign_in(client, coauthor.email)
    page = (await client.get(f"/a/{article.id}")).text
    assert 'href="#sec-background"' in page and 'id="sec-findings"' in page
    assert 'class="footnotes"' in page and "1 min read" in page
    assert "Polish Border Guard (Poland)" in page and "University of Example" in page
    assert "Piotr Nowak, Ana Horvat. “Winter patrols on long land borders”. Liaison," in page
    assert f"http://testserver/a/{article.id}" in page
    assert "Revise" in page


async def test_list_filters_by_keyword_and_author(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    ana = await make_member(db, kind=MemberKind.ACADEMIC, name="Ana")
    bo = await make_member(db, kind=MemberKind.ACADEMIC, name="Bo")
    await make_article(db, ana, category, title="Ana on e-gates", keywords=("e-gates",), publish_as=moderator)
    await make_article(db, bo, category, title="Bo on dogs", keywords=("k9",), publish_as=moderator)
    await make_article(db, bo, category, title="Bo unpublished draft")
    await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    everything = (await client.get("/articles")).text
    assert "Ana on e-gates" in everything and "Bo on dogs" in everything and "unpublished" not in everything
    by_keyword = (await client.get("/articles", params={"keyword": "E-gates"})).text
    assert "Ana on e-gates" in by_keyword and "Bo on dogs" not in by_keyword
    by_author = await client.get(
        "/articles", params={"author": "@" + bo.username}, headers={"HX-Request": "true"}
    )
    assert "Bo on dogs" in by_author.text and "Ana on" not in by_author.text and "<html" not in by_author.text


async def test_comments_replies_notifications_and_moderation(client, other_client, db, app, smtp):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    author.email_notifications = True
    article = await make_article(db, author, category, publish_as=moderator)
    commenter = await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    response = await post_form(
        client,
        f"/a/{article.id}/comments",
        {"body": "Which **cameras**?"},
        page=f"/a/{article.id}",
        htmx=True,
    )
    assert response.status_code == 200 and "<strong>cameras</strong>" in response.text
    assert 'hx-swap-oob="true"' in response.text and "<html" not in response.text
    first = await db.scalar(
        select(Notification).where(Notification.member_id == author.id, Notification.kind == "comment")
    )
    assert first is not None
    await deliver_mail(db, app)
    assert "Which cameras" in (await smtp.wait_for(author.email, "New comment")).get_content()

    await sign_in(other_client, author.email)
    top_id = first.comment_id
    reply = await post_form(
        other_client,
        f"/a/{article.id}/comments",
        {"body": "Thermal ones.", "parent_id": str(top_id)},
        page=f"/a/{article.id}",
        htmx=True,
    )
    assert reply.status_code == 200 and reply.headers["HX-Retarget"] == f"#c{top_id}"
    assert reply.headers["HX-Reswap"] == "beforeend", "a reply lands inside the comment it answers"
    nested = await post_form(
        client,
        f"/a/{article.id}/comments",
        {"body": "Thanks!", "parent_id": str(top_id + 1)},
        page=f"/a/{article.id}",
        htmx=True,
    )
    assert nested.status_code == 200 and nested.headers["HX-Retarget"] == f"#c{top_id}", "one level deep"
    replies = list(await db.scalars(select(Notification).where(Notification.kind == "comment_reply")))
    assert {n.member_id for n in replies} == {commenter.id, author.id}
    from app.articles.models import Comment

    parents = list(
        await db.scalars(
            select(Comment.parent_id).where(Comment.article_id == article.id).order_by(Comment.id)
        )
    )
    assert parents == [None, top_id, top_id], "replies stay one level deep"

    edit = await post_form(other_client, f"/ac/{top_id}/edit", {"body": "Not mine"}, page=f"/a/{article.id}")
    assert edit.status_code == 403
    form = await other_client.get(f"/ac/{top_id}/edit")
    assert form.status_code == 403 and "**cameras**" not in form.text, "the source is its author's alone"
    assert "**cameras**" in (await client.get(f"/ac/{top_id}/edit")).text
    await sign_in(other_client, moderator.email)
    hidden = await post_form(
        other_client, f"/ac/{top_id}/hide", {"reason": "off topic"}, page=f"/a/{article.id}", htmx=True
    )
    assert hidden.status_code == 200 and "Hidden from members: off topic" in hidden.text
    page = (await client.get(f"/a/{article.id}")).text
    assert "This comment was hidden by a moderator." in page and "Which <strong>cameras" not in page
    form = await client.get(f"/ac/{top_id}/edit")
    assert form.status_code == 403 and "**cameras**" not in form.text, "nor its author's once hidden"
    assert "comment.hide" in set(await db.scalars(select(AuditEvent.action)))
    own = await post_form(client, f"/ac/{top_id + 2}/delete", page=f"/a/{article.id}", htmx=True)
    assert own.status_code == 200 and "This comment was deleted." in own.text
    await db.refresh(article)
    assert article.comment_count == 1, "the list counts neither the hidden nor the deleted comment"
    await post_form(
        other_client, f"/ac/{top_id}/hide", {"reason": "still off topic"}, page=f"/a/{article.id}"
    )
    await db.refresh(article)
    assert article.comment_count == 1, "hiding twice takes one away once"
    await post_form(other_client, f"/ac/{top_id}/unhide", page=f"/a/{article.id}")
    await db.refresh(article)
    assert article.comment_count == 2


async def test_comment_notifications_only_reach_readers(client, db):
    """An author who can no longer read the article (suspended) hears nothing of new comments."""
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    article = await make_article(db, author, category, publish_as=moderator)
    author.suspended_at = author.created_at
    await _signed_in(client, db, agency=agency)
    await post_form(
        client, f"/a/{article.id}/comments", {"body": "Seen at the crossing."}, page=f"/a/{article.id}"
    )
    count = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.member_id == author.id, Notification.kind == "comment")
    )
    assert count == 0


async def test_coauthors_must_be_able_to_read_the_article(client, db):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    await _signed_in(client, db, agency=agency)
    supplier = await make_member(db, kind=MemberKind.SUPPLIER)
    academic = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    for handle in (supplier.username, academic.username):
        response = await post_form(
            client, "/articles/new", _draft_form(category, coauthors="@" + handle), page="/articles/new"
        )
        assert response.status_code == 422 and "cannot be added as co-authors" in response.text
    assert await db.scalar(select(func.count()).select_from(Article)) == 0


async def test_comment_mail_on_a_restricted_article_names_nothing(client, db, app, smtp):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    author.email_notifications = True
    article = await make_article(
        db, author, category, title="Amber tunnel findings", tlp=TLP.AMBER, publish_as=moderator
    )
    await _signed_in(client, db, agency=agency)
    await post_form(
        client, f"/a/{article.id}/comments", {"body": "Tunnel under gate four."}, page=f"/a/{article.id}"
    )
    await deliver_mail(db, app)
    mail = await smtp.wait_for(author.email, "New comment")
    text = mail.as_string()
    assert "Amber tunnel" not in text and "gate four" not in text and "TLP:AMBER" in text


async def test_reply_link_swaps_in_a_reply_form(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category, publish_as=moderator)
    other = await make_article(db, author, category, title="Another article entirely", publish_as=moderator)
    comment = await make_comment(db, author, article, "First thoughts.")
    await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    form = await client.get(
        f"/a/{article.id}/comment-form", params={"reply": comment.id}, headers={"HX-Request": "true"}
    )
    assert form.status_code == 200 and "<html" not in form.text
    assert f'name="parent_id" value="{comment.id}"' in form.text and "Post reply" in form.text
    page = await client.get(f"/a/{article.id}", params={"reply": comment.id})
    assert f'name="parent_id" value="{comment.id}"' in page.text
    elsewhere = await client.get(f"/a/{other.id}/comment-form", params={"reply": comment.id})
    assert elsewhere.status_code == 404


async def test_a_revision_may_not_make_a_published_article_more_open(client, db):
    agency = await make_agency(db)
    agencies = await make_category(db, tier=Tier.AGENCIES)
    community = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, agency=agency)
    participant = await make_member(db, agency=agency)
    article = await make_article(
        db,
        author,
        agencies,
        tlp=TLP.RED,
        participants=(participant.username, moderator.username),
        publish_as=moderator,
    )
    await db.commit()
    await sign_in(client, author.email)
    form = await client.get(f"/a/{article.id}/edit")
    assert f"@{participant.username}" in form.text
    base = {
        "title": article.title,
        "abstract": article.abstract,
        "body": BODY,
        "participants": "@" + participant.username,
    }
    for change, message in [
        ({"category_id": str(community.id), "tlp": "clear"}, "stays in its category"),
        ({"category_id": str(agencies.id), "tlp": "amber"}, "more open"),
    ]:
        response = await post_form(
            client, f"/a/{article.id}/edit", {**base, **change}, page=f"/a/{article.id}/edit"
        )
        assert response.status_code == 422 and message in response.text
    kept = await post_form(
        client,
        f"/a/{article.id}/edit",
        {**base, "category_id": str(agencies.id), "tlp": "red"},
        page="/articles",
    )
    assert kept.status_code == 303
    await db.refresh(article)
    assert article.tlp is TLP.RED and article.revision_count == 1


async def test_a_red_article_with_coauthors_needs_no_other_participants(client, db):
    agency = await make_agency(db)
    category = await make_category(db, tier=Tier.AGENCIES)
    author = await _signed_in(client, db, agency=agency)
    coauthor = await make_member(db, agency=agency)
    outsider = await make_member(db, agency=agency)
    await db.commit()
    response = await post_form(
        client,
        "/articles/new",
        _draft_form(category, tlp="red", coauthors="@" + coauthor.username),
        page="/articles/new",
    )
    assert response.status_code == 303, response.text
    article = await db.scalar(select(Article).where(Article.created_by_id == author.id))
    await sign_in(client, coauthor.email)
    assert (await client.get(f"/a/{article.id}")).status_code == 200
    await sign_in(client, outsider.email)
    assert (await client.get(f"/a/{article.id}")).status_code == 404


async def test_a_comment_refused_without_javascript_shows_the_whole_page_with_the_text(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category, publish_as=moderator)
    await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    response = await post_form(
        client, f"/a/{article.id}/comments", {"body": "x" * 70_000}, page=f"/a/{article.id}"
    )
    assert response.status_code == 422 and "<html" in response.text and "How to cite" in response.text
    assert "x" * 70_000 in response.text, "the text is kept to be shortened"
    form = await client.get(f"/a/{article.id}/comment-form", params={"reply": 999999})
    assert form.status_code == 404


async def test_the_article_page_is_whole_for_htmx_too(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, author, category, publish_as=moderator)
    await _signed_in(client, db, kind=MemberKind.ACADEMIC)
    page = await client.get(f"/a/{article.id}", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "How to cite" in page.text
