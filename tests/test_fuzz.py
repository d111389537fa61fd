"""Generated input never produces a 500: forms, JSON bodies and query strings answer 2xx-4xx."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.schemas import RegistrationIn
from app.agencies.schemas import normalise_domains
from app.forms import validate
from tests.support.factories import make_member
from tests.support.web import csrf_token, sign_in

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
text = st.text(max_size=200)
fields = st.dictionaries(
    st.sampled_from(
        [
            "display_name",
            "email",
            "password",
            "kind",
            "agency_id",
            "new_agency_name",
            "new_agency_country",
            "organisation",
        ]
    ),
    text,
)


@given(fields)
def test_registration_validation_never_raises(values):
    validate(RegistrationIn, values)


@given(st.one_of(text, st.lists(text, max_size=5)))
def test_domain_parsing_accepts_or_refuses_cleanly(value):
    try:
        domains = normalise_domains(value)
    except ValueError:
        return
    assert all(d == d.lower() and "@" not in d for d in domains)


QUERY_KEYS = ["actor", "action", "since", "until", "page", "status", "q", "token", "next"]


@FUZZ
@given(values=fields, query=st.dictionaries(st.sampled_from(QUERY_KEYS), text))
async def test_pages_and_api_never_500_on_generated_input(client, db, values, query):
    if client.cookies.get("liaison_session") is None:
        admin = await make_member(db, role="admin")
        await db.commit()
        await sign_in(client, admin.email)
    token = await csrf_token(client, "/account")
    for path in ["/audit", "/admin/members", "/verify-email", "/password/reset", "/sign-in"]:
        response = await client.get(path, params=query)
        assert response.status_code < 500, (path, query)
    for path in ["/admin/agencies", "/vetting/1/reject", "/admin/members/1/suspend"]:
        response = await client.post(path, data={**values, "csrf_token": token})
        assert response.status_code < 500, (path, values)
    for path in [
        "/api/v1/accounts",
        "/api/v1/password/forgot",
        "/api/v1/password/reset",
        "/api/v1/accounts/verify-email",
    ]:
        response = await client.post(path, json=values)
        assert response.status_code < 500, (path, values)


ARTICLE_KEYS = ["category_id", "title", "abstract", "body", "tlp", "keywords", "coauthors", "participants"]


@given(st.dictionaries(st.sampled_from(ARTICLE_KEYS), text))
def test_article_form_validation_never_raises(values):
    from app.articles.schemas import DraftIn

    data, errors = validate(DraftIn, values)
    if data is not None:
        assert all(k == k.lower().strip() and 0 < len(k) <= 60 for k in data.keywords)
        assert len(data.keywords) <= 12


@given(st.text(max_size=2000))
def test_article_markdown_keeps_only_our_ids_and_no_script(source):
    from app.forum.markdown import ARTICLE_ID, headings_of, render_article

    rendered = render_article(source)
    lowered = rendered.html.lower()
    assert "<script" not in lowered and 'href="javascript:' not in lowered
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", lowered)
    for anchor in re.findall(r' id="([^"]*)"', rendered.html):
        assert ARTICLE_ID.fullmatch(anchor), anchor
    assert [h.anchor for h in headings_of(rendered.html)] == [h.anchor for h in rendered.headings]


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["keyword", "author", "page", "reply"]), text))
async def test_article_pages_never_500_on_generated_queries(client, db, query):
    if client.cookies.get("liaison_session") is None:
        member = await make_member(db)
        await db.commit()
        await sign_in(client, member.email)
    for path in ["/articles", "/a/1", "/api/v1/articles"]:
        response = await client.get(path, params=query)
        assert response.status_code < 500, (path, query)
