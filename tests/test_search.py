"""Search through the page, the suggestions and the API, on both engines: what matches, what is
refused with a message, and that nothing a member may not see is ever found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from app.accounts.models import MemberKind
from app.db import utcnow
from app.forum import moderation
from app.forum import service as forum_service
from app.forum.models import TLP, Thread, Tier
from app.search import engines, indexing, service
from app.search.models import SearchDocument
from app.search.query import QueryRefused, parse
from app.search.service import Filters
from tests.support.articles import make_article, make_comment
from tests.support.factories import make_agency, make_member
from tests.support.forum import make_category, make_thread
from tests.support.web import api_token, sign_in
from tests.support.world import context


async def _titles(db, member, text, **filters):
    found = await service.search(db, member, text, Filters(**filters))
    return [r.title for r in found.results]


async def test_words_phrases_and_left_out_words(db):
    reader = await make_member(db)
    category = await make_category(db)
    await make_thread(db, reader, category, title="E-gates at night", body="Queue times at the e-gates rose.")
    await make_thread(db, reader, category, title="Document readers", body="Readers fail on worn chips.")
    await make_thread(db, reader, category, title="Night shifts", body="Queue times are short at night.")
    assert set(await _titles(db, reader, "queue times")) == {"E-gates at night", "Night shifts"}
    assert await _titles(db, reader, '"times at the e-gates"') == ["E-gates at night"]
    assert await _titles(db, reader, "queue -gates") == ["Night shifts"]
    assert await _titles(db, reader, "readers chips") == ["Document readers"]
    assert await _titles(db, reader, 'queue "worn chips"') == []
    assert await _titles(db, reader, "Queue TIMES e-gates") == ["E-gates at night"]


async def test_titles_rank_above_bodies(db):
    reader = await make_member(db)
    category = await make_category(db)
    await make_thread(db, reader, category, title="Staffing plans", body="We discuss interpreters here.")
    await make_thread(db, reader, category, title="Interpreters", body="Staffing for the summer.")
    assert await _titles(db, reader, "interpreters") == ["Interpreters", "Staffing plans"]


async def test_the_index_follows_edits_deletions_replies_articles_and_comments(db):
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    editor = await make_member(db, role="moderator")
    category = await make_category(db)
    thread = await make_thread(db, author, category, title="Pushbacks", body="Original wording about rivers.")
    reply = await forum_service.reply(db, author, thread.id, "A reply about ferries.", context())
    assert await _titles(db, author, "ferries") == ["Pushbacks"]
    opening = (await service.search(db, author, "rivers", Filters())).results[0]
    assert opening.url == f"/t/{thread.id}"
    found = (await service.search(db, author, "ferries", Filters())).results[0]
    assert found.url == f"/t/{thread.id}#p2" and found.kind.value == "reply"

    await forum_service.edit_post(db, author, reply.id, "A reply about bridges instead.", context())
    assert await _titles(db, author, "ferries") == []
    assert await _titles(db, author, "bridges") == ["Pushbacks"]
    await forum_service.delete_post(db, author, reply.id)
    assert await _titles(db, author, "bridges") == []

    article = await make_article(db, author, category, title="Winter patrols", publish_as=editor)
    await make_comment(db, editor, article, "Snowmobiles changed everything.")
    assert await _titles(db, author, "snowmobiles") == ["Winter patrols"]
    assert await _titles(db, author, "patrols", kind="article") == ["Winter patrols"]


async def test_drafts_hidden_and_deleted_content_are_not_found(db):
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    moderator = await make_member(db, role="moderator")
    category = await make_category(db)
    await make_article(db, author, category, title="Unpublished draft on drones")
    assert await _titles(db, author, "drones") == []
    thread = await make_thread(db, author, category, title="Quarantine", body="Shelter capacity.")
    await moderation.hide_post(db, moderator, await _first(db, thread), "spam", context())
    assert await _titles(db, author, "shelter") == []
    assert await _titles(db, moderator, "shelter") == []


async def _first(db, thread):
    from app.forum.models import Post

    return await db.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.number == 1))


async def test_moving_to_a_stricter_tier_takes_results_away_at_once(db):
    agency = await make_agency(db)
    official = await make_member(db, agency=agency)
    academic = await make_member(db, kind=MemberKind.ACADEMIC)
    moderator = await make_member(db, role="moderator")
    open_category = await make_category(db)
    agencies_only = await make_category(db, tier=Tier.AGENCIES, tlp=TLP.AMBER)
    thread = await make_thread(db, official, open_category, title="Rail freight scanners", tlp=TLP.GREEN)
    assert await _titles(db, academic, "scanners") == ["Rail freight scanners"]
    assert [r.title for r in await service.suggest(db, academic, "rail freig")] == ["Rail freight scanners"]
    await moderation.move(db, moderator, thread.id, agencies_only.id, context())
    assert await _titles(db, academic, "scanners") == []
    assert await service.suggest(db, academic, "rail freig") == []
    assert (await service.search(db, academic, "scanners", Filters())).summary == "No results"
    assert await _titles(db, official, "scanners") == ["Rail freight scanners"]


async def test_filters_by_category_author_agency_dates_and_label(db):
    agency = await make_agency(db)
    official = await make_member(db, agency=agency)
    academic = await make_member(db, kind=MemberKind.ACADEMIC)
    first, second = await make_category(db), await make_category(db)
    await make_thread(db, official, first, title="Biometric thresholds one", tlp=TLP.CLEAR)
    await make_thread(db, academic, second, title="Biometric thresholds two", tlp=TLP.GREEN)
    every = {"Biometric thresholds one", "Biometric thresholds two"}
    assert set(await _titles(db, official, "biometric")) == every
    assert await _titles(db, official, "biometric", category=first.slug) == ["Biometric thresholds one"]
    assert await _titles(db, official, "biometric", author="@" + academic.username) == [
        "Biometric thresholds two"
    ]
    assert await _titles(db, official, "biometric", author="nobody-like-this") == []
    assert await _titles(db, official, "biometric", agency=agency.id) == ["Biometric thresholds one"]
    assert await _titles(db, official, "biometric", tlp=TLP.GREEN) == ["Biometric thresholds two"]
    today = utcnow().date()
    assert set(await _titles(db, official, "biometric", after=today, before=today)) == every
    assert await _titles(db, official, "biometric", after=today + timedelta(days=1)) == []
    assert await _titles(db, official, "biometric", before=today - timedelta(days=1)) == []


@pytest.mark.parametrize("window", [1000, 4])
async def test_results_are_paginated(db, monkeypatch, window):
    """Also with ranking windows smaller than a page, as for a common word in a large forum, and
    with matches the reader may not see between those they may."""
    monkeypatch.setattr(engines, "WINDOW", window)
    monkeypatch.setattr(service, "MOST_WINDOWS", 100)
    monkeypatch.setattr(service, "BATCH", min(window, service.BATCH))
    reader = await make_member(db)
    category = await make_category(db)
    for i in range(service.PER_PAGE + 3):
        await make_thread(db, reader, category, title=f"Watchlist hits {i}", body="Watchlist review.")
        await make_thread(db, reader, category, title=f"Agencies only {i}", body="Watchlist.")
    await db.execute(update(Thread).where(Thread.title.like("Agencies only %")).values(tier=Tier.AGENCIES))
    first = await service.search(db, reader, "watchlist", Filters())
    assert len(first.results) == service.PER_PAGE and first.has_next
    second = await service.search(db, reader, "watchlist", Filters(), page=2)
    assert len(second.results) == 3 and not second.has_next
    assert second.summary == f"{service.PER_PAGE + 3} results"
    titles = {r.title for r in first.results} | {r.title for r in second.results}
    assert titles == {f"Watchlist hits {i}" for i in range(service.PER_PAGE + 3)}


async def test_a_phrase_is_found_behind_windows_of_documents_with_only_its_words(db, monkeypatch):
    """PostgreSQL checks word positions one window of documents holding the words at a time;
    phrase matches older than several such windows must still be found and counted."""
    monkeypatch.setattr(engines, "WINDOW", 4)
    monkeypatch.setattr(service, "MOST_WINDOWS", 100)
    reader = await make_member(db)
    category = await make_category(db)
    for i in range(2):
        await make_thread(db, reader, category, title=f"Old {i}", body="A border crossing at dawn.")
    for i in range(10):
        await make_thread(db, reader, category, title=f"New {i}", body="Crossing back over the border.")
    found = await service.search(db, reader, '"border crossing"', Filters())
    assert {r.title for r in found.results} == {"Old 0", "Old 1"} and found.summary == "2 results"
    assert len((await service.search(db, reader, "border crossing", Filters())).results) == 12
    for i in range(6):
        await make_thread(db, reader, category, title=f"Newest {i}", body="Each border crossing reported.")
    found = await service.search(db, reader, '"border crossing"', Filters())
    assert found.summary == "8 results", "a common phrase goes on window by window"


def test_what_cannot_be_searched_for_is_explained():
    for text, message in (
        ("", "Type a word"),
        ("   ", "Type a word"),
        ("-rivers", "not only words to leave out"),
        ("the and of", "more specific than common words"),
        ('""', "Type a word"),
        ("x" * 201, "at most 200 characters"),
        (" ".join(f"w{i}" for i in range(13)), "at most 12"),
    ):
        try:
            parse(text)
        except QueryRefused as exc:
            assert message in exc.message, (text, exc.message)
        else:
            raise AssertionError(f"{text!r} was accepted")
    assert parse('"unbalanced quote').terms == ["unbalanced quote"] or parse('"unbalanced quote').phrases


async def test_operator_characters_are_only_text(db):
    reader = await make_member(db)
    category = await make_category(db)
    await make_thread(db, reader, category, title="Container scanning", body="Near the port.")
    for text in (
        "NEAR(container scanning)",
        "container OR drones",
        "title:container",
        "contain*",
        "^container",
        "container'; DROP TABLE posts; --",
        "container & | ! ( ) : * <-> \\",
        '"container',
        "container)",
        "_ __init__ container_",
        "container ١٢٣ ǅ",
        "container\x00",
        "0\x00 container\x1b",
    ):
        found = await service.search(db, reader, text, Filters())
        assert found.results == [] or found.results[0].title == "Container scanning", text


async def test_snippets_mark_words_and_escape_content(client, db):
    reader = await make_member(db)
    category = await make_category(db)
    await make_thread(
        db,
        reader,
        category,
        title="Markup test",
        body="Reading `<script>alert(1)</script>` near the e-gates today.",
    )
    await db.commit()
    await sign_in(client, reader.email)
    page = await client.get("/search", params={"q": "e-gates"})
    assert page.status_code == 200
    assert "<mark>gates</mark>" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


async def test_the_page_answers_htmx_with_its_results_block(client, db):
    reader = await make_member(db)
    category = await make_category(db)
    await make_thread(db, reader, category, title="Asylum registration", body="Registration desks.")
    await db.commit()
    await sign_in(client, reader.email)
    full = await client.get("/search", params={"q": "registration"})
    assert "<html" in full.text and "Asylum registration" in full.text and 'id="results"' in full.text
    part = await client.get("/search", params={"q": "registration"}, headers={"HX-Request": "true"})
    assert "<html" not in part.text and part.text.lstrip().startswith('<section id="results"')
    assert "Asylum registration" in part.text
    refused = await client.get("/search", params={"q": "-registration"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "not only words to leave out" in refused.text
    bad = await client.get("/search", params={"q": "x", "kind": "everything", "after": "yesterday"})
    assert bad.status_code == 422 and "<html" in bad.text
    suggested = await client.get(
        "/search/suggest", params={"q": "asylum reg"}, headers={"HX-Request": "true"}
    )
    assert "Asylum registration" in suggested.text and "<html" not in suggested.text
    plain = await client.get("/search/suggest", params={"q": "asylum"})
    assert plain.status_code == 303 and plain.headers["location"].startswith("/search?")


async def test_the_api_searches_and_refuses_with_a_message(client, db):
    reader = await make_member(db)
    category = await make_category(db)
    await make_thread(db, reader, category, title="Fingerprint quality", body="Enrolment <b>stations</b>.")
    await db.commit()
    headers = await api_token(client, reader.email)
    response = await client.get("/api/v1/search", params={"q": "stations"}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["found"] == 1 and body["exhaustive"] and body["summary"] == "1 result"
    result = body["results"][0]
    assert result["title"] == "Fingerprint quality" and result["tlp_label"] == "TLP:GREEN"
    assert "<mark>stations</mark>" in result["snippet_html"] and "<b>" not in result["snippet_html"]
    refused = await client.get("/api/v1/search", params={"q": "the"}, headers=headers)
    assert refused.status_code == 422 and "common words" in refused.text
    wrong = await client.get("/api/v1/search", params={"q": "x", "tlp": "purple"}, headers=headers)
    assert wrong.status_code == 422
    suggestions = await client.get("/api/v1/search/suggest", params={"q": "fingerp"}, headers=headers)
    assert [s["title"] for s in suggestions.json()] == ["Fingerprint quality"]
    assert (await client.get("/api/v1/search", params={"q": "stations"})).status_code == 401


async def test_rebuild_recreates_every_document(db):
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    editor = await make_member(db, role="moderator")
    category = await make_category(db)
    await make_thread(db, author, category, title="Rebuilt thread", body="Lighthouse keepers.", replies=2)
    article = await make_article(db, author, category, title="Rebuilt article", publish_as=editor)
    await make_comment(db, editor, article, "Lighthouse comment.")
    before = await db.scalar(select(func.count(SearchDocument.id)))
    await db.execute(delete(SearchDocument))
    assert await _titles(db, author, "lighthouse") == []
    assert await indexing.rebuild(db) == before
    assert set(await _titles(db, author, "lighthouse")) == {"Rebuilt thread", "Rebuilt article"}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=300), kind=st.sampled_from(["", "thread", "comment", "x"]))
async def test_generated_queries_never_fail(client, db, text, kind):
    if client.cookies.get("liaison_session") is None:
        member = await make_member(db)
        await make_thread(db, member, await make_category(db), title="Hypothesis", body="Some words here.")
        await db.commit()
        await sign_in(client, member.email)
    for path in ("/search", "/search/suggest", "/api/v1/search"):
        response = await client.get(path, params={"q": text, "kind": kind}, headers={"HX-Request": "true"})
        assert response.status_code in (200, 401, 422), (path, text, response.status_code)
