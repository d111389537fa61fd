"""One template per page; an HTMX request gets only the block it targets."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup, escape

from app import policy
from app.config import ROOT, get_settings
from app.security import csrf

TEMPLATES_DIR = ROOT / "templates"

pages = Jinja2Blocks(directory=str(TEMPLATES_DIR))
pages.env.undefined = StrictUndefined


def _format_datetime(value: Any) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


pages.env.filters["when"] = _format_datetime


@pass_context
def _csrf_field(context: Any) -> Markup:
    """A global, not a macro, so that blocks rendered alone for HTMX still have it."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(context["csrf_token"])


def _tlp_badge(tlp: Any) -> Markup:
    return Markup('<span class="tlp tlp-%s" title="%s">%s</span>') % (tlp.value, tlp.description, tlp.label)


pages.env.globals.update(
    csrf=_csrf_field,
    tlp_badge=_tlp_badge,
    can_see_content=policy.can_see_content,
    can_vet=policy.can_vet,
    can_read_audit=policy.can_read_audit,
    can_administer=policy.can_administer,
)


@lru_cache(maxsize=1)
def mail_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _format_datetime
    env.globals["tlp_badge"] = _tlp_badge
    return env


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    settings = get_settings()
    cookie_value = getattr(request.state, "csrf_cookie", "")
    full_context = {
        "member": getattr(request.state, "member", None),
        "unread_notifications": getattr(request.state, "unread_notifications", 0),
        "csrf_token": csrf.token_for(settings.secret_key, cookie_value) if cookie_value else "",
        "site_name": settings.site_name,
        "demo": settings.demo,
        **(context or {}),
    }
    block_name = block if block and is_htmx(request) else None
    response = pages.TemplateResponse(
        request,
        template,
        full_context,
        status_code=status_code,
        headers=headers,
        block_name=block_name,
    )
    response.headers["Vary"] = "HX-Request"
    return response
