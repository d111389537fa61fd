"""Test harness: real databases (SQLite always, PostgreSQL when LIAISON_TEST_DATABASE_URL is set),
migrations run once per database, every test inside a transaction that is rolled back, and a real
SMTP server (aiosmtpd) receiving the mail."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("LIAISON_SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("LIAISON_BASE_URL", "http://testserver")
os.environ.setdefault("LIAISON_MAIL_FROM", "Liaison <no-reply@liaison.test>")
os.environ["LIAISON_DEMO"] = "false"
os.environ["LIAISON_FILES_DIR"] = tempfile.mkdtemp(prefix="liaison-files-")
os.environ.pop("LIAISON_REDIS_URL", None)

import asyncio  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker  # noqa: E402

from app.cli import _alembic_config  # noqa: E402
from app.db import create_engine  # noqa: E402
from app.mail.service import Postman, SmtpMailer  # noqa: E402
from app.main import create_app  # noqa: E402
from app.sitewide import service as sitewide_service  # noqa: E402
from tests.support.smtp import SmtpSink  # noqa: E402

CLIENT_IP = "203.0.113.7"
OTHER_IP = "198.51.100.9"


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("LIAISON_TEST_DATABASE_URL"):
        backends.append("postgresql")
    return backends


async def _migrate(url: str) -> None:
    from alembic import command

    config = _alembic_config(url)
    config.attributes["configure_logging"] = False
    await asyncio.to_thread(command.upgrade, config, "head")


@pytest.fixture(scope="session", params=_backends())
async def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = os.environ["LIAISON_TEST_DATABASE_URL"]
        reset = create_engine(url)
        async with reset.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await reset.dispose()
    await _migrate(url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Requests commit to a savepoint; the outer transaction is rolled back after the test."""
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def db(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture(scope="session")
def smtp() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def app_instance():  # type: ignore[no-untyped-def]
    return create_app()


@pytest.fixture
async def app(app_instance, sessionmaker, smtp):  # type: ignore[no-untyped-def]
    smtp.clear()
    app_instance.state.sessionmaker = sessionmaker
    app_instance.state.postman = Postman(SmtpMailer(f"smtp://127.0.0.1:{smtp.port}"))
    await app_instance.state.limiter.reset()
    sitewide_service.forget()
    yield app_instance
    await app_instance.state.postman.drain()


def make_client(app, ip: str = CLIENT_IP) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=(ip, 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", follow_redirects=False)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with make_client(app) as c:
        yield c


@pytest.fixture
async def other_client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with make_client(app, OTHER_IP) as c:
        yield c


ROLES = ("anonymous", "pending", "rejected", "suspended", "member", "moderator", "admin")


@pytest.fixture
async def signed_in(request: pytest.FixtureRequest, client: httpx.AsyncClient, db: AsyncSession):  # type: ignore[no-untyped-def]
    """Parametrize indirectly with a role name; yields (role, member or None) with `client` signed in."""
    from app.accounts.models import Role, Status
    from tests.support.factories import make_member
    from tests.support.web import sign_in

    role: str = request.param
    if role == "anonymous":
        return role, None
    member = await make_member(
        db,
        role={"moderator": Role.MODERATOR, "admin": Role.ADMIN}.get(role, Role.MEMBER),
        status={"pending": Status.PENDING, "rejected": Status.REJECTED}.get(role, Status.APPROVED),
    )
    await db.commit()
    await sign_in(client, member.email)
    if role == "suspended":
        member.suspended_at = member.created_at
        await db.commit()
    return role, member
