"""Signed double-submit CSRF tokens: the cookie holds a random value, forms carry its HMAC."""

from __future__ import annotations

import hashlib
import hmac
import secrets

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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

    def __init__(self, app, *, cookie_name: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.cookie_name = cookie_name
        self.secure = secure

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http" or scope["path"].startswith(("/api/", "/static/")):
            await self.app(scope, receive, send)
            return
        from http.cookies import SimpleCookie

        cookies = SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                try:
                    cookies.load(value.decode("latin-1"))
                except Exception:  # noqa: BLE001, S110
                    pass
        existing = cookies.get(self.cookie_name)
        value = existing.value if existing and len(existing.value) >= 32 else None
        fresh = value is None
        if fresh:
            value = new_cookie_value()
        scope.setdefault("state", {})["csrf_cookie"] = value

        async def send_with_cookie(message):  # type: ignore[no-untyped-def]
            if fresh and message["type"] == "http.response.start":
                attrs = f"{self.cookie_name}={value}; Path=/; HttpOnly; SameSite=Lax"
                if self.secure:
                    attrs += "; Secure"
                message["headers"] = list(message.get("headers", [])) + [
                    (b"set-cookie", attrs.encode("latin-1"))
                ]
            await send(message)

        await self.app(scope, receive, send_with_cookie)
