"""The digest as an e-mail: multipart/alternative (plain text and HTML with its CSS inlined, no
remote images or fonts), with the list headers mail clients use to offer one-click unsubscribe.

The MIME bytes are written here rather than by the `email` package: a digest run sends thousands of
messages of one fixed shape, and building and flattening an EmailMessage cost about 5 ms of the
15 ms each member took (2.2 ms to build, the rest when the SMTP client flattened it again), where
these few lines take 0.1 ms. Headers that are not plain ASCII are encoded as RFC 2047 words by the
`email` package; an address that is not ASCII (SMTPUTF8) is left to the `email` package whole.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

import css_inline

from app.config import Settings
from app.db import utcnow
from app.digest import unsubscribe
from app.digest.service import Digest
from app.templating import mail_env

LONGEST_LINE = 998
ADDRESSES = {"From", "To", "Reply-To"}


@dataclass(frozen=True)
class DigestMail:
    """Ready to hand to an SMTP server: envelope sender and recipient, and the message's bytes."""

    sender: str
    to: str
    data: bytes

    def parsed(self) -> EmailMessage:
        message = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


def build(settings: Settings, digest: Digest) -> DigestMail:
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
    headers = [
        ("Subject", f"Your {settings.site_name} digest: what happened since {digest.since:%-d %B}"),
        ("From", settings.mail_from),
        ("To", member.email),
        *([("Reply-To", settings.mail_reply_to)] if settings.mail_reply_to else []),
        ("Date", format_datetime(utcnow())),
        ("Message-ID", make_msgid(domain=host)),
        ("List-Id", f"{settings.site_name} digest <digest.{host}>"),
        ("List-Unsubscribe", f"<{unsubscribe_url}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
    ]
    text = env.get_template("mail/digest.txt").render(**context)
    html = css_inline.inline(env.get_template("mail/digest.html").render(**context))
    dark = env.get_template("mail/digest_dark.css").render()
    html = html.replace("</head>", f"<style>{dark}</style></head>", 1)
    sender = parseaddr(settings.mail_from)[1]
    if not all(parseaddr(value)[1].isascii() for name, value in headers if name in ADDRESSES):
        return DigestMail(sender, member.email, _by_the_email_package(headers, text, html))
    return DigestMail(sender, member.email, _written(headers, text, html))


def _header(name: str, value: str) -> str:
    value = value.replace("\r", " ").replace("\n", " ")
    if name in ADDRESSES:
        display, address = parseaddr(value)
        value = formataddr((display, address), charset="utf-8") if display else address
    elif not value.isascii() or len(name) + 2 + len(value) > LONGEST_LINE:
        value = Header(value, "utf-8", header_name=name).encode()
    return f"{name}: {value}"


def _part(kind: str, body: str) -> bytes:
    """Base64 keeps every line short and the text exactly as written, in any language."""
    encoded = base64.encodebytes(body.replace("\r\n", "\n").replace("\n", "\r\n").encode())
    return (
        f'Content-Type: text/{kind}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'.encode()
        + encoded.replace(b"\n", b"\r\n")
    )


def _written(headers: list[tuple[str, str]], text: str, html: str) -> bytes:
    boundary = "=_liaison_" + secrets.token_hex(12)
    head = [_header(name, value) for name, value in headers]
    head += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"']
    return b"".join(
        [
            ("\r\n".join(head) + "\r\n\r\n").encode(),
            f"--{boundary}\r\n".encode(),
            _part("plain", text),
            f"--{boundary}\r\n".encode(),
            _part("html", html),
            f"--{boundary}--\r\n".encode(),
        ]
    )


def _by_the_email_package(headers: list[tuple[str, str]], text: str, html: str) -> bytes:
    message = EmailMessage()
    for name, value in headers:
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=policy.SMTPUTF8)
