"""Mail leaves only after the transaction commits; both mail backends work."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from app.accounts.models import Member
from app.config import get_settings
from app.deps import get_db
from app.mail import service as mail_service
from app.mail.service import FolderMailer, Postman, SmtpMailer, mailer_from_url


class _App:
    def __init__(self, sessionmaker, mailer) -> None:
        self.state = type("State", (), {"sessionmaker": sessionmaker, "postman": Postman(mailer)})()


class _Request:
    method = "POST"

    def __init__(self, app) -> None:
        self.app = app


def _message(to: str):
    return mail_service.compose(
        sender=get_settings().mail_from,
        to=to,
        template="password_changed",
        context={
            "site_name": "Liaison",
            "member": type("M", (), {"display_name": "X"})(),
            "reset_url": "http://testserver/password/forgot",
        },
    )


async def test_a_failed_request_writes_nothing_and_sends_nothing(sessionmaker, smtp, db):
    request = _Request(_App(sessionmaker, SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")))
    smtp.clear()
    before = await db.scalar(select(func.count(Member.id)))
    dependency = get_db(request)
    session = await dependency.__anext__()
    session.add(
        Member(
            email="half@example.org", display_name="Half", username="half", password_hash="x", kind="academic"
        )
    )
    await session.flush()
    mail_service.queue(session, _message("half@example.org"))
    with pytest.raises(RuntimeError):
        await dependency.athrow(RuntimeError("the route failed"))
    await request.app.state.postman.drain()
    assert await db.scalar(select(func.count(Member.id))) == before
    assert smtp.messages == []


async def test_a_successful_request_commits_then_sends(sessionmaker, smtp, db):
    request = _Request(_App(sessionmaker, SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")))
    smtp.clear()
    dependency = get_db(request)
    session = await dependency.__anext__()
    session.add(
        Member(
            email="whole@example.org",
            display_name="Whole",
            username="whole",
            password_hash="x",
            kind="academic",
        )
    )
    mail_service.queue(session, _message("whole@example.org"))
    with pytest.raises(StopAsyncIteration):
        await dependency.__anext__()
    await request.app.state.postman.drain()
    assert await db.scalar(select(Member.id).where(Member.email == "whole@example.org"))
    assert [m["To"] for m in smtp.messages] == ["whole@example.org"]


async def test_folder_mailer_writes_eml_files(tmp_path):
    mailer = mailer_from_url(f"file://{tmp_path}/mail")
    assert isinstance(mailer, FolderMailer)
    await mailer.send(_message("someone@example.org"))
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "someone@example.org" and parsed["Message-ID"] and parsed["Date"]


def test_smtp_urls():
    plain = SmtpMailer("smtp://mail.example:2525")
    assert plain.options["hostname"] == "mail.example" and plain.options["port"] == 2525
    assert plain.options["use_tls"] is False and plain.options["username"] is None
    tls = SmtpMailer("smtp://user%40x:p%3Ass@mail.example:587?starttls=true")
    assert tls.options["start_tls"] is True and tls.options["username"] == "user@x"
    assert tls.options["password"] == "p:ss"
    implicit = SmtpMailer("smtps://mail.example")
    assert implicit.options["use_tls"] is True and implicit.options["port"] == 465
    with pytest.raises(ValueError):
        mailer_from_url("http://mail.example")


async def test_smtp_failure_after_commit_is_logged_not_raised(sessionmaker, caplog, db):
    request = _Request(_App(sessionmaker, SmtpMailer("smtp://127.0.0.1:9?timeout=1")))
    dependency = get_db(request)
    session = await dependency.__anext__()
    mail_service.queue(session, _message("nobody@example.org"))
    with pytest.raises(StopAsyncIteration):
        await dependency.__anext__()
    await request.app.state.postman.drain()
    assert "mail delivery failed" in caplog.text


class _SlowMailer:
    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.sent: list[str] = []

    async def send(self, message) -> None:
        await self.release.wait()
        self.sent.append(message["To"])


async def test_mail_is_delivered_after_the_response_not_before():
    """Equal response times whether or not a message goes out: no timing oracle for accounts."""
    slow = _SlowMailer()
    postman = Postman(slow)
    await asyncio.wait_for(postman.dispatch([_message("a@example.org")]), timeout=1)
    assert slow.sent == []
    slow.release.set()
    await postman.drain()
    assert slow.sent == ["a@example.org"]
