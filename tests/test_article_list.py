"""The articles list: newest first, in pages, the same through the page and the API."""

from __future__ import annotations

from app.accounts.models import MemberKind, Role
from app.articles.queries import ARTICLES_PER_PAGE
from tests.support.articles import make_article
from tests.support.factories import make_member
from tests.support.forum import make_category
from tests.support.web import api_token, sign_in


async def test_the_list_is_newest_first_in_pages_of_twenty(client, db):
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    author = await make_member(db, kind=MemberKind.ACADEMIC)
    for n in range(ARTICLES_PER_PAGE + 3):
        await make_article(db, author, category, publish_as=moderator, title=f"Field report number {n:02d}")
    await db.commit()
    await sign_in(client, author.email)
    first = (await client.get("/articles", params={"keyword": "land borders"})).text
    assert "Field report number 22" in first and "Field report number 03" in first
    assert "Field report number 02" not in first and "Page 1 of 2" in first
    assert "/articles?keyword=land%20borders&amp;author=&amp;page=2" in first
    second = (await client.get("/articles", params={"keyword": "land borders", "page": 2})).text
    titles = [t for t in ("00", "01", "02", "03") if f"Field report number {t}" in second]
    assert titles == ["00", "01", "02"] and "Page 2 of 2" in second
    assert "Page 2 of 2" in (await client.get("/articles", params={"page": 99})).text, (
        "past the end: the last page"
    )
    token = await api_token(client, author.email)
    api = (await client.get("/api/v1/articles", params={"page": 2}, headers=token)).json()
    assert [a["title"] for a in api] == [f"Field report number {n:02d}" for n in (2, 1, 0)]
    assert (await client.get("/api/v1/articles", params={"page": 0}, headers=token)).status_code == 422
