"""Outgoing mail: queued on the database session and delivered only after the commit succeeds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.templating import mail_env

log = logging.getLogger(__name__)
OUTBOX_KEY = "liaison.outbox"


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    async def send_bytes(self, sender: str, to: str, data: bytes) -> None:
        """A message already written out (the digest writes its own)."""
        ...

    def session(self) -> AbstractAsyncContextManager[Mailer]:
        """A mailer for many messages in a row (the digest run)."""
        ...


class FolderMailer:
    """Development default: every message becomes an .eml file to open with any mail client."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> None:
        await self.send_bytes("", "", bytes(message))

    async def send_bytes(self, sender: str, to: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(data)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Mailer]:
        yield self


class SmtpMailer:
    """smtp://user:pass@host:587?starttls=true or smtps://host:465; credentials only from settings."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        self.implicit_tls = parts.scheme == "smtps"
        self.options: dict[str, Any] = {
            "hostname": parts.hostname or "127.0.0.1",
            "port": parts.port or (465 if self.implicit_tls else 25),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": self.implicit_tls,
            "start_tls": True if query.get("starttls") in {"1", "true", "yes"} else None,
            "timeout": float(query.get("timeout", "30")),
        }
        if query.get("starttls") in {"0", "false", "no"}:
            self.options["start_tls"] = False

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(message, **self.options)

    async def send_bytes(self, sender: str, to: str, data: bytes) -> None:
        await aiosmtplib.send(data, sender=sender, recipients=[to], **self.options)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Mailer]:
        connection = SmtpConnection(self.options)
        try:
            yield connection
        finally:
            await connection.close()


class SmtpConnection:
    """One SMTP connection reused message after message, opened on first use. After any failure it
    is dropped and the next message opens a fresh one, so a refusal never poisons the ones after."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.client: aiosmtplib.SMTP | None = None

    async def send(self, message: EmailMessage) -> None:
        client = await self._connected()
        try:
            await client.send_message(message)
        except Exception:
            await self.close()
            raise

    async def send_bytes(self, sender: str, to: str, data: bytes) -> None:
        client = await self._connected()
        try:
            await client.sendmail(sender, [to], data)
        except Exception:
            await self.close()
            raise

    async def _connected(self) -> aiosmtplib.SMTP:
        if self.client is None:
            client = aiosmtplib.SMTP(**self.options)
            await client.connect()
            self.client = client
        return self.client

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Mailer]:
        yield self

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()


def mailer_from_url(url: str) -> Mailer:
    scheme = urlsplit(url).scheme
    if scheme in {"smtp", "smtps"}:
        return SmtpMailer(url)
    if scheme == "file":
        return FolderMailer(Path(unquote(urlsplit(url).path)))
    raise ValueError(f"LIAISON_MAIL_URL must start with smtp://, smtps:// or file://, not {scheme!r}")


def compose(*, sender: str, to: str, template: str, context: dict[str, Any]) -> EmailMessage:
    """Renders templates/mail/<template>.txt; its first line is 'Subject: ...'."""
    rendered = mail_env().get_template(f"mail/{template}.txt").render(**context)
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"mail template {template} must start with a Subject line")
    message = EmailMessage()
    message["Subject"] = first.removeprefix("Subject: ").strip()
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body.lstrip("\n"))
    return message


def queue(db: AsyncSession, message: EmailMessage) -> None:
    db.info.setdefault(OUTBOX_KEY, []).append(message)


def discard_outbox(db: AsyncSession) -> None:
    db.info.pop(OUTBOX_KEY, None)


def take_outbox(db: AsyncSession) -> list[EmailMessage]:
    return list(db.info.pop(OUTBOX_KEY, []))


class Postman:
    """Delivers committed mail off the request path.

    Sending in the background keeps response times equal whether or not a message went out, so
    timing cannot tell an attacker which addresses have accounts. `drain` waits for what is in flight
    (at shutdown, and in tests).
    """

    def __init__(self, mailer: Mailer, *, background: bool = True) -> None:
        self.mailer = mailer
        self.background = background
        self._in_flight: set[asyncio.Task[None]] = set()

    async def dispatch(self, messages: list[EmailMessage]) -> None:
        if not messages:
            return
        if not self.background:
            await self._deliver(messages)
            return
        task = asyncio.create_task(self._deliver(messages))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def drain(self) -> None:
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def _deliver(self, messages: list[EmailMessage]) -> None:
        for message in messages:
            try:
                await self.mailer.send(message)
            except Exception:
                log.exception("mail delivery failed: subject=%r", message["Subject"])


def send_template(db: AsyncSession, settings: Any, to: str, template: str, **context: Any) -> None:
    """Queues a templated message; it leaves only if the request's transaction commits."""
    queue(
        db,
        compose(
            sender=settings.mail_from,
            to=to,
            template=template,
            context={"site_name": settings.site_name, "base_url": settings.base_url, **context},
        ),
    )
