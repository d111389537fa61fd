"""Rate limits per address and per account, answered 429 with Retry-After; shared through Redis."""

from __future__ import annotations

import socket
import uuid

import pytest

from app.security.ratelimit import RateLimited, RateLimiter
from tests.conftest import make_client
from tests.support.factories import make_member
from tests.support.web import csrf_token, post_form


async def _attempts(client, email: str, count: int) -> list[int]:
    token = await csrf_token(client)
    codes = []
    for _ in range(count):
        response = await client.post(
            "/sign-in", data={"email": email, "password": "wrong-password-000", "csrf_token": token}
        )
        codes.append(response.status_code)
    return codes


async def test_sign_in_is_limited_per_account_across_addresses(app, db):
    member = await make_member(db)
    await db.commit()
    codes = []
    for i in range(11):
        async with make_client(app, f"192.0.2.{i + 1}") as c:
            codes += await _attempts(c, member.email, 1)
    assert codes[:10] == [401] * 10 and codes[10] == 429


async def test_sign_in_is_limited_per_address(client):
    codes = await _attempts(client, "nobody@example.org", 0)
    for i in range(31):
        codes += await _attempts(client, f"user{i}@example.org", 1)
    assert 429 in codes and codes.index(429) == 30


async def test_429_carries_retry_after(client, db):
    member = await make_member(db)
    await db.commit()
    token = await csrf_token(client)
    for _ in range(10):
        await client.post("/sign-in", data={"email": member.email, "password": "x", "csrf_token": token})
    response = await client.post(
        "/sign-in", data={"email": member.email, "password": "x", "csrf_token": token}
    )
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert "Too many attempts" in response.text


async def test_registration_reset_and_token_endpoints_are_limited(client):
    codes = [
        (
            await post_form(
                client, "/password/forgot", {"email": "someone@example.org"}, page="/password/forgot"
            )
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]

    codes = [
        (
            await client.post("/api/v1/auth/token", data={"username": "a@example.org", "password": "x"})
        ).status_code
        for _ in range(11)
    ]
    assert codes[-1] == 429 and codes[:10] == [401] * 10

    codes = [
        (await client.post("/api/v1/accounts", json={"display_name": "x"})).status_code for _ in range(3)
    ]
    assert codes == [422, 422, 422], "invalid bodies are refused before counting"
    body = {
        "display_name": "Valid Name",
        "email": "e{}@example.org",
        "password": "lantern-quarry-harbour-3",
        "kind": "academic",
        "organisation": "University",
    }
    codes = []
    for i in range(11):
        codes.append(
            (await client.post("/api/v1/accounts", json={**body, "email": f"e{i}@example.org"})).status_code
        )
    assert codes[:10] == [202] * 10 and codes[10] == 429


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
async def test_limits_are_shared_between_workers_through_redis():
    worker_a = RateLimiter("redis://127.0.0.1:6379/15")
    worker_b = RateLimiter("redis://127.0.0.1:6379/15")
    key = uuid.uuid4().hex
    await worker_a.hit("2/minute", "test", key)
    await worker_b.hit("2/minute", "test", key)
    with pytest.raises(RateLimited) as refused:
        await worker_a.hit("2/minute", "test", key)
    assert refused.value.retry_after >= 1


async def test_posting_is_limited_per_member_across_threads_replies_articles_and_comments(
    client, db, monkeypatch
):
    from app.accounts.models import MemberKind, Role
    from app.config import get_settings
    from tests.support.articles import make_article
    from tests.support.forum import make_category, make_thread
    from tests.support.web import api_token, sign_in

    monkeypatch.setattr(get_settings(), "rate_posting_per_account", "3/minute")
    category = await make_category(db)
    moderator = await make_member(db, role=Role.MODERATOR)
    writer = await make_member(db, kind=MemberKind.ACADEMIC)
    article = await make_article(db, writer, category, publish_as=moderator)
    thread = await make_thread(db, writer, category)
    await db.commit()
    await sign_in(client, writer.email)
    page = f"/a/{article.id}"
    comment = await post_form(client, page + "/comments", {"body": "First remark."}, page=page, htmx=True)
    reply = await post_form(client, f"/t/{thread.id}/reply", {"body": "A reply."}, page=f"/t/{thread.id}")
    draft = await post_form(
        client,
        "/articles/new",
        {"category_id": str(category.id), "title": "Third post"},
        page="/articles/new",
    )
    assert [comment.status_code, reply.status_code, draft.status_code] == [200, 303, 303]

    refused = await post_form(client, page + "/comments", {"body": "Fourth."}, page=page, htmx=True)
    assert refused.status_code == 429 and "posting faster than Liaison allows" in refused.text
    assert "Fourth." in refused.text, "the text stays in the form"
    token = await api_token(client, writer.email)
    api = await client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Fifth."}, headers=token)
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    other = await make_member(db, kind=MemberKind.ACADEMIC)
    await db.commit()
    await sign_in(client, other.email)
    assert (await post_form(client, page + "/comments", {"body": "Mine."}, page=page)).status_code == 303
