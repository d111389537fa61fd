"""Engine, declarative base and the column types every domain shares."""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def string_enum(cls: type[enum.StrEnum], length: int = 16) -> Enum:
    """Enums stored as their values in a plain string column: no native type to migrate."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite returns naive datetimes; every value in Liaison is UTC and aware on both engines."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def upsert(dialect_name: str, table: Any) -> Any:
    """INSERT … ON CONFLICT, which both engines have but spell through their own dialects."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


SQLITE_BEGIN = "sqlite_begin"
WRITE_TRANSACTION = {SQLITE_BEGIN: "IMMEDIATE"}
AFTER_COMMIT_KEY = "liaison.after_commit"
UNDO_KEY = "liaison.undo_on_rollback"
log = logging.getLogger(__name__)


async def begin_for_writing(db: AsyncSession) -> None:
    """On SQLite a transaction that reads and then writes fails at once ('database is locked') when
    another writer committed in between; taking the write lock at BEGIN makes it wait its turn
    instead. PostgreSQL ignores the option."""
    await db.connection(execution_options=WRITE_TRANSACTION)


def after_commit(db: AsyncSession, work: Callable[[AsyncSession], Awaitable[None]]) -> None:
    """Best-effort bookkeeping a page view does (last seen, read position), kept out of the read
    transaction so that reads never wait on the write lock."""
    db.info.setdefault(AFTER_COMMIT_KEY, []).append(work)


def undo_on_rollback(db: AsyncSession, undo: Callable[[], Awaitable[None]]) -> None:
    """Work done outside the database (a file written) that must not outlive a transaction that
    does not commit: the request's transaction runs `undo` if it rolls back."""
    db.info.setdefault(UNDO_KEY, []).append(undo)


async def settle(db: AsyncSession, committed: bool) -> None:
    """After commit the undo list is dropped; after a rollback each undo runs, and one failing
    does not stop the others."""
    undos = db.info.pop(UNDO_KEY, [])
    if committed:
        return
    for undo in undos:
        try:
            await undo()
        except Exception:
            log.warning("undoing work of a rolled-back transaction failed", exc_info=True)


async def run_after_commit(db: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    for work in db.info.pop(AFTER_COMMIT_KEY, []):
        try:
            async with sessionmaker() as session:
                await begin_for_writing(session)
                await work(session)
                await session.commit()
        except Exception:
            log.warning("after-commit bookkeeping failed", exc_info=True)


def create_engine(url: str, **kwargs: object) -> AsyncEngine:
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on; WAL (with synchronous=NORMAL, safe under WAL) for concurrent readers; a
    larger page cache and memory-mapped reads; and SQLAlchemy-managed BEGIN so savepoints work."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32000")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get(SQLITE_BEGIN) == "IMMEDIATE"
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
