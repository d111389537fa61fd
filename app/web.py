"""Small helpers the page routes share: redirects that HTMX follows and the session cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.config import Settings
from app.templating import is_htmx, render


def redirect(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The error page; HTMX requests get only its content block to swap in."""
    return render(
        request,
        "error.html",
        {"status_code": status_code, "message": message},
        status_code=status_code,
        headers=headers,
        block="content",
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect after sign-in is a phishing tool."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


PENDING_COOKIE = "liaison_pending"


def set_pending_cookie(response: Response, settings: Settings, token: str) -> None:
    """Between a right password and the second factor: sent only to the /sign-in pages, and
    good there only for the second step."""
    response.set_cookie(
        PENDING_COOKIE,
        token,
        max_age=300,
        path="/sign-in",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_pending_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        PENDING_COOKIE, path="/sign-in", httponly=True, samesite="lax", secure=settings.secure_cookies
    )
