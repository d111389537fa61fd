"""Signed JWTs with a purpose claim, so that no token can stand in for another kind."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt

from app.db import utcnow

ALGORITHM = "HS256"
AUDIENCE = "liaison"


class TokenInvalid(ValueError):
    pass


@dataclass(frozen=True)
class TokenClaims:
    subject: int
    purpose: str
    jti: str
    epoch: int
    expires_at: datetime


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue(
    *, secret: str, issuer: str, subject: int, purpose: str, lifetime: timedelta, epoch: int = 0
) -> tuple[str, TokenClaims]:
    now = utcnow()
    claims = TokenClaims(
        subject=subject,
        purpose=purpose,
        jti=secrets.token_urlsafe(24),
        epoch=epoch,
        expires_at=now + lifetime,
    )
    payload = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": str(subject),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.jti,
        "purpose": purpose,
        "epoch": epoch,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM), claims


def decode(token: str, *, secret: str, issuer: str, purpose: str) -> TokenClaims:
    """Pins the algorithm and requires every registered claim; any failure is the same TokenInvalid."""
    if not token or len(token) > 4096:
        raise TokenInvalid("missing or oversized token")
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_iss": True,
                "require_aud": True,
                "require_sub": True,
                "require_jti": True,
            },
        )
    except JWTError as exc:
        raise TokenInvalid(str(exc)) from exc
    if payload.get("purpose") != purpose:
        raise TokenInvalid("wrong purpose")
    try:
        return TokenClaims(
            subject=int(payload["sub"]),
            purpose=purpose,
            jti=str(payload["jti"]),
            epoch=int(payload.get("epoch", 0)),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenInvalid("malformed claims") from exc
