"""JWTs: pinned algorithm, required claims, purposes that cannot stand in for each other."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from jose import jwt

from app.accounts.models import TokenPurpose
from app.config import get_settings
from app.db import utcnow
from app.security import tokens
from tests.support.factories import PASSWORD, make_member
from tests.support.web import api_token, post_form


def _claims(**overrides):
    settings = get_settings()
    now = int(utcnow().timestamp())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": tokens.AUDIENCE,
        "sub": "1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "abc",
        "purpose": "api",
        "epoch": 0,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _decode(token: str) -> None:
    settings = get_settings()
    tokens.decode(token, secret=settings.secret_key, issuer=settings.jwt_issuer, purpose="api")


def test_a_well_formed_token_decodes():
    _decode(jwt.encode(_claims(), get_settings().secret_key, algorithm="HS256"))


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub", "jti"])
def test_every_registered_claim_is_required(missing):
    token = jwt.encode(_claims(**{missing: None}), get_settings().secret_key, algorithm="HS256")
    with pytest.raises(tokens.TokenInvalid):
        _decode(token)


@pytest.mark.parametrize(
    "claim,value",
    [
        ("iss", "https://evil.example"),
        ("aud", "other"),
        ("exp", 1),
        ("purpose", "reset-password"),
        ("purpose", None),
    ],
)
def test_wrong_claims_are_refused(claim, value):
    token = jwt.encode(_claims(**{claim: value}), get_settings().secret_key, algorithm="HS256")
    with pytest.raises(tokens.TokenInvalid):
        _decode(token)


def test_algorithm_is_pinned():
    secret = get_settings().secret_key
    with pytest.raises(tokens.TokenInvalid):
        _decode(jwt.encode(_claims(), secret, algorithm="HS512"))
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(_claims()).encode()).rstrip(b"=")
    with pytest.raises(tokens.TokenInvalid):
        _decode(f"{header.decode()}.{body.decode()}.")
    with pytest.raises(tokens.TokenInvalid):
        _decode(jwt.encode(_claims(), "another-secret-" + "y" * 30, algorithm="HS256"))


def test_lifetimes_are_short():
    settings = get_settings()
    assert settings.api_token_minutes <= 60 and settings.reset_token_minutes <= 60


async def test_an_email_token_is_not_an_api_token(client, db, smtp):
    member = await make_member(db, email="purpose@example.org")
    await db.commit()
    await post_form(client, "/password/forgot", {"email": member.email}, page="/password/forgot")
    reset = smtp.link(await smtp.wait_for(member.email, "reset")).split("token=")[1]
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {reset}"})
    assert response.status_code == 401

    bearer = (await api_token(client, member.email))["Authorization"].split()[1]
    response = await client.get(f"/password/reset?token={bearer}")
    assert response.status_code == 400
    response = await client.post("/api/v1/accounts/verify-email", json={"token": reset})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "token"]


async def test_password_change_voids_api_tokens(client, db):
    member = await make_member(db)
    await db.commit()
    headers = await api_token(client, member.email)
    response = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "new-orchard-window-88"},
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


def test_expired_token_is_refused():
    settings = get_settings()
    token, _ = tokens.issue(
        secret=settings.secret_key,
        issuer=settings.jwt_issuer,
        subject=1,
        purpose=TokenPurpose.API.value,
        lifetime=timedelta(seconds=-5),
    )
    with pytest.raises(tokens.TokenInvalid):
        _decode(token)
