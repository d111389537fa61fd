"""Signed double-submit CSRF tokens: the cookie holds a random value, forms carry its HMAC."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# State-changing page routes that carry their own unguessable signed token instead, because the
# request comes from outside any page of ours: RFC 8058 one-click unsubscribe, posted by mail
# providers. A forged request would need the token, which only the mailbox holds.
TOKEN_AUTHENTICATED = frozenset({"/digest/unsubscribe"})


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def token_for(secret: str, cookie_value: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def is_valid(secret: str, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(token_for(secret, cookie_value), submitted)


class CsrfCookieMiddleware:
    """Gives every browser a random CSRF cookie value before the first form it sees."""

    def __init__(self, app: ASGIApp, *, cookie_name: str, secure: bool) -> None:
        self.app = app
        self.cookie_name = cookie_name
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/api/", "/static/")):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope.get("headers", []) if k == b"cookie"), b"")
        existing = cookie_parser(header.decode("latin-1")).get(self.cookie_name)
        value = existing if existing and len(existing) >= 32 else None
        fresh = value is None
        if fresh:
            value = new_cookie_value()
        scope.setdefault("state", {})["csrf_cookie"] = value

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                attrs = f"{self.cookie_name}={value}; Path=/; HttpOnly; SameSite=Lax"
                if self.secure:
                    attrs += "; Secure"
                message["headers"] = list(message.get("headers", [])) + [
                    (b"set-cookie", attrs.encode("latin-1"))
                ]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
