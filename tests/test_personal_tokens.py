"""Personal API tokens: created in the settings, shown once, scoped, expiring, revocable, and
stopped at once by revocation or suspension."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from app.audit.models import AuditEvent
from app.db import utcnow
from app.mfa.models import ApiToken
from tests.support.factories import make_member
from tests.support.forum import make_category
from tests.support.web import post_form, sign_in

TOKEN_IN_PAGE = re.compile(r'<code class="token">(lsn_[A-Za-z0-9_-]+)</code>')


async def _token(client, name: str, scope: str = "read", days: str = "30") -> str:
    page = await post_form(
        client,
        "/account/security/tokens",
        {"name": name, "scope": scope, "days": days},
        page="/account/security",
    )
    assert page.status_code == 200, page.text
    return TOKEN_IN_PAGE.search(page.text).group(1)


async def test_create_use_scope_and_revoke(client, other_client, db):
    member = await make_member(db)
    category = await make_category(db)
    await db.commit()
    await sign_in(client, member.email)
    secret = await _token(client, "Reporting script")
    stored = await db.scalar(select(ApiToken).where(ApiToken.member_id == member.id))
    assert stored.token_hash != secret and secret not in stored.token_hash and stored.prefix == secret[:8]
    assert secret not in (await client.get("/account/security")).text, "shown once only"

    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await other_client.get("/api/v1/categories", headers=bearer)).status_code == 200
    thread = {"category_id": category.id, "title": "Posted by a script", "body": "Hello from the API."}
    refused = await other_client.post("/api/v1/threads", headers=bearer, json=thread)
    assert refused.status_code == 403 and "only read" in refused.json()["detail"]

    writer = {"Authorization": f"Bearer {await _token(client, 'Bot', scope='write')}"}
    assert (await other_client.post("/api/v1/threads", headers=writer, json=thread)).status_code == 201

    await db.refresh(stored)
    assert stored.last_used_at is not None
    await _token(client, "Unused")
    listing = await client.get("/account/security")
    assert "Reporting script" in listing.text and "Never" in listing.text

    await post_form(client, f"/account/security/tokens/{stored.id}/revoke", {}, page="/account/security")
    assert (await other_client.get("/api/v1/categories", headers=bearer)).status_code == 401
    actions = set(await db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == member.id)))
    assert {"auth.api_token_created", "auth.api_token_revoked"} <= actions


async def test_expired_forged_and_suspended_tokens_are_refused(client, other_client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    secret = await _token(client, "Short lived", days="1")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await other_client.get("/api/v1/categories", headers=bearer)).status_code == 200
    for forged in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "lsn_", "lsn_" + "x" * 200):
        response = await other_client.get("/api/v1/categories", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
    await db.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    await db.commit()
    assert (await other_client.get("/api/v1/categories", headers=bearer)).status_code == 401

    fresh = {"Authorization": f"Bearer {await _token(client, 'Another')}"}
    assert (await other_client.get("/api/v1/categories", headers=fresh)).status_code == 200
    member.suspended_at = utcnow()
    await db.commit()
    assert (await other_client.get("/api/v1/categories", headers=fresh)).status_code == 403


async def test_bad_token_forms_are_explained(client, db):
    member = await make_member(db)
    await db.commit()
    await sign_in(client, member.email)
    for data in (
        {"name": "", "scope": "read", "days": "30"},
        {"name": "x", "scope": "admin", "days": "30"},
        {"name": "x", "scope": "read", "days": "999"},
    ):
        response = await post_form(client, "/account/security/tokens", data, page="/account/security")
        assert response.status_code == 422
    others = await make_member(db)
    await db.commit()
    token = ApiToken(
        member_id=others.id,
        name="Theirs",
        scope="read",
        token_hash="0" * 64,
        prefix="lsn_0000",
        expires_at=utcnow(),
    )
    db.add(token)
    await db.commit()
    response = await post_form(
        client, f"/account/security/tokens/{token.id}/revoke", {}, page="/account/security"
    )
    assert response.status_code == 404
