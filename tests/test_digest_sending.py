"""`liaison digest send`: through a real SMTP server, at most one digest per member and period,
failures retried without doubling, permanent refusals recorded for admins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.config import get_settings
from app.db import utcnow
from app.digest import sending, service
from app.digest.models import DeliveryStatus, DigestDelivery, DigestFrequency
from app.mail.service import SmtpMailer
from tests.support.factories import make_member
from tests.support.forum import make_category, make_thread
from tests.support.smtp import free_port
from tests.support.web import sign_in


async def _world(db):
    category = await make_category(db)
    author = await make_member(db, name="Author Person")
    readers = [await make_member(db) for _ in range(3)]
    quiet = await make_member(db)
    await service.save_settings(db, quiet, DigestFrequency.NEVER, set())
    pending = await make_member(db, status="pending")
    suspended = await make_member(db, suspended=True)
    await db.commit()
    await make_thread(db, author, category, title="News from the green border")
    await db.commit()
    return author, readers, quiet, pending, suspended


async def test_each_member_gets_one_digest_per_period_even_when_run_twice(sessionmaker, db, smtp):
    smtp.clear()
    author, readers, quiet, pending, suspended = await _world(db)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    now = utcnow() + timedelta(minutes=1)
    first = await sending.send_due(sessionmaker, get_settings(), mailer, now)
    assert first.sent == 3 and first.empty == 1 and first.unsubscribed == 1 and first.inactive == 2
    assert {m["X-Envelope-To"] for m in smtp.messages} == {r.email for r in readers}
    for address in (author.email, quiet.email, pending.email, suspended.email):
        assert not smtp.to(address)
    second = await sending.send_due(sessionmaker, get_settings(), mailer, now + timedelta(hours=1))
    assert second.sent == 0 and second.not_due == 4 and len(smtp.messages) == 3
    assert "sent 0;" in second.line()


async def test_a_claimed_digest_cannot_be_claimed_again(db):
    member = await make_member(db)
    now = utcnow()
    assert await sending.claim(db, member.id, "2026-W49", now)
    assert not await sending.claim(db, member.id, "2026-W49", now)
    assert await sending.claim(db, member.id, "2026-W50", now)


async def test_passing_failures_are_retried_with_backoff_and_never_doubled(sessionmaker, db, smtp):
    smtp.clear()
    _, readers, *_ = await _world(db)
    smtp.refuse[readers[0].email] = "451 4.3.0 Mailbox busy, try again later"
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    now = utcnow() + timedelta(minutes=1)
    first = await sending.send_due(sessionmaker, get_settings(), mailer, now)
    assert first.sent == 2 and first.failed == 1
    row = await db.scalar(select(DigestDelivery).where(DigestDelivery.member_id == readers[0].id))
    assert row.status is DeliveryStatus.FAILED and row.next_attempt_at == now + sending.FIRST_RETRY

    too_soon = await sending.send_due(sessionmaker, get_settings(), mailer, now + timedelta(minutes=5))
    assert too_soon.sent == 0 and too_soon.failed == 0
    smtp.refuse.clear()
    later = await sending.send_due(sessionmaker, get_settings(), mailer, now + timedelta(minutes=20))
    assert later.sent == 1
    assert len(smtp.to(readers[0].email)) == 1 and all(len(smtp.to(r.email)) == 1 for r in readers)
    await db.refresh(row)
    assert row.status is DeliveryStatus.SENT and row.attempts == 2


async def test_an_unreachable_server_is_a_passing_failure(sessionmaker, db):
    await _world(db)
    mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}?timeout=2")
    summary = await sending.send_due(sessionmaker, get_settings(), mailer, utcnow() + timedelta(minutes=1))
    assert summary.failed == 3 and summary.permanent == 0 and summary.sent == 0


async def test_permanent_refusals_are_recorded_and_shown_to_admins(sessionmaker, db, smtp, client):
    smtp.clear()
    _, readers, *_ = await _world(db)
    smtp.refuse[readers[1].email] = "550 5.1.1 No such user"
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
    now = utcnow() + timedelta(minutes=1)
    summary = await sending.send_due(sessionmaker, get_settings(), mailer, now)
    assert summary.permanent == 1 and summary.sent == 2
    again = await sending.send_due(sessionmaker, get_settings(), mailer, now + timedelta(days=1))
    assert again.permanent == 0 and again.sent == 0
    admin = await make_member(db, role="admin")
    await db.commit()
    await sign_in(client, admin.email)
    page = await client.get("/admin/digest")
    assert page.status_code == 200 and readers[1].email in page.text and "550" in page.text
    await sign_in(client, readers[0].email)
    assert (await client.get("/admin/digest")).status_code == 403


async def test_the_optional_in_process_schedule_sends_due_digests(sessionmaker, db, smtp):
    from app.main import create_app

    smtp.clear()
    _, readers, *_ = await _world(db)
    settings = get_settings().model_copy(
        update={
            "digest_every_minutes": 60,
            "digest_concurrency": 1,
            "mail_url": f"smtp://127.0.0.1:{smtp.port}",
        }
    )
    app = create_app(settings)
    app.state.sessionmaker = sessionmaker
    async with app.router.lifespan_context(app):
        for reader in readers:
            await smtp.wait_for(reader.email, "digest")
    assert len(smtp.messages) == 3


async def _own_database(engine, tmp_path) -> str:
    """A migrated database of the test's own, whose data is committed as in production."""
    import os

    from sqlalchemy import text

    from app.db import create_engine
    from tests.conftest import _migrate

    if engine.dialect.name == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
    else:
        admin = create_engine(os.environ["LIAISON_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text("DROP DATABASE IF EXISTS liaison_race"))
            await conn.execute(text("CREATE DATABASE liaison_race"))
        await admin.dispose()
        url = os.environ["LIAISON_TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/liaison_race"
    await _migrate(url)
    return url


async def _readers_of_one_thread(url: str, count: int) -> list:
    from app.db import create_engine, create_sessionmaker

    seed_engine = create_engine(url)
    try:
        async with create_sessionmaker(seed_engine)() as db:
            author = await make_member(db)
            readers = [await make_member(db) for _ in range(count)]
            await make_thread(db, author, await make_category(db), title="Racing news")
            await db.commit()
            return readers
    finally:
        await seed_engine.dispose()


async def test_two_runs_racing_send_each_digest_once(engine, smtp, tmp_path):
    """Two senders with their own connection pools and three workers each, at the same time, on
    a database of their own: every member still gets exactly one digest."""
    import asyncio

    from app.db import create_engine, create_sessionmaker

    url = await _own_database(engine, tmp_path)
    readers = await _readers_of_one_thread(url, 12)
    engines = [create_engine(url), create_engine(url)]
    try:
        smtp.clear()
        mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp.port}")
        now = utcnow() + timedelta(minutes=1)
        first, second = await asyncio.gather(
            *(
                sending.send_due(create_sessionmaker(e), get_settings(), mailer, now, concurrency=3)
                for e in engines
            )
        )
        assert first.sent + second.sent == len(readers)
        assert first.not_due + second.not_due == len(readers) + 1
        assert sorted(m["X-Envelope-To"] for m in smtp.messages) == sorted(r.email for r in readers)
    finally:
        for e in engines:
            await e.dispose()


async def test_the_command_sends_over_several_processes_once_each(engine, smtp, tmp_path):
    """`liaison digest send --processes 2`, run as an operator would, twice."""
    import asyncio
    import os
    import sys

    url = await _own_database(engine, tmp_path)
    readers = await _readers_of_one_thread(url, 5)
    smtp.clear()
    env = {
        **os.environ,
        "LIAISON_DATABASE_URL": url,
        "LIAISON_MAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "LIAISON_SECRET_KEY": "test-" + "s" * 40,
        "LIAISON_DEMO": "false",
    }

    async def send() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "digest", "send", "--processes", "2",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode()
        return output.decode()

    assert "sent 5; skipped 1 empty" in await send()
    assert sorted(m["X-Envelope-To"] for m in smtp.messages) == sorted(r.email for r in readers)
    assert (
        "sent 0; skipped 0 empty, 0 unsubscribed, 0 suspended or not approved, 6 already done" in await send()
    )
    assert len(smtp.messages) == len(readers)
