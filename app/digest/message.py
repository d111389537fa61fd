"""The digest as an e-mail: multipart/alternative (plain text and HTML with its CSS inlined, no
remote images or fonts), with the list headers mail clients use to offer one-click unsubscribe."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

import css_inline

from app.config import Settings
from app.db import utcnow
from app.digest import unsubscribe
from app.digest.service import Digest
from app.templating import mail_env


def build(settings: Settings, digest: Digest) -> EmailMessage:
    """Inlining drops <style> blocks, so the dark-mode rules (which cannot be inlined) are added
    back afterwards; clients that ignore them still get a readable light page."""
    member = digest.member
    host = urlsplit(settings.base_url).hostname or "liaison.localhost"
    unsubscribe_url = unsubscribe.url_for(settings, member)
    context = {
        "digest": digest,
        "member": member,
        "site_name": settings.site_name,
        "base_url": settings.base_url.rstrip("/"),
        "unsubscribe_url": unsubscribe_url,
        "view_url": unsubscribe.view_url(settings, member, digest.since, digest.until),
        "settings_url": settings.url("/account/digest"),
    }
    env = mail_env()
    message = EmailMessage()
    message["Subject"] = f"Your {settings.site_name} digest: what happened since {digest.since:%-d %B}"
    message["From"] = settings.mail_from
    message["To"] = member.email
    if settings.mail_reply_to:
        message["Reply-To"] = settings.mail_reply_to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=host)
    message["List-Id"] = f"{settings.site_name} digest <digest.{host}>"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(env.get_template("mail/digest.txt").render(**context))
    html = css_inline.inline(env.get_template("mail/digest.html").render(**context))
    dark = env.get_template("mail/digest_dark.css").render()
    message.add_alternative(html.replace("</head>", f"<style>{dark}</style></head>", 1), subtype="html")
    return message
