"""The text match, the one part of search each engine does its own way.

Both answer the same question: which documents contain these words, best first. Access is not
their business: the service filters their candidates through the visibility SQL afterwards, which
keeps the full-text index free to use its fastest plan (a MATCH and a permission filter in one
statement can take seconds on FTS5 where the two steps take milliseconds).

Ranking happens within windows of the newest matches (`WINDOW` documents at a time, walking back
by id): both indexes list matches in id order cheaply, while ranking every match of a common word
over a million posts costs hundreds of milliseconds. For all but the commonest words the first
window holds every match, and the order is plain relevance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Text,
    bindparam,
    case,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.search.models import DocumentKind, SearchDocument
from app.search.query import ParsedQuery


@dataclass(frozen=True)
class DocumentFilter:
    """What can be decided from the document alone, before access is checked."""

    kinds: tuple[DocumentKind, ...] = ()
    author_ids: tuple[int, ...] | None = None
    after: datetime | None = None
    before: datetime | None = None


WINDOW = 1000


@dataclass(frozen=True)
class Window:
    """Matches best first, and where the next, older window starts (None: nothing older).
    `sparse` tells the engine that the phrase asked for is rare among documents holding its words,
    so that it looks for the next window another way."""

    ids: list[int]
    older: int | None
    sparse: bool = False

    @classmethod
    def of(cls, ids: list[int], *, sparse: bool = False) -> Window:
        """A full window may have older matches behind it; a short one was the last."""
        return cls(ids, min(ids) if len(ids) == WINDOW else None, sparse)


class Engine(Protocol):
    async def match(
        self, db: AsyncSession, query: ParsedQuery, where: DocumentFilter, previous: Window | None
    ) -> Window: ...

    async def prefix(
        self, db: AsyncSession, words: list[str], typing: str, where: DocumentFilter
    ) -> list[int]: ...


def _conditions(where: DocumentFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.kinds:
        conditions.append(SearchDocument.kind.in_(where.kinds))
    if where.author_ids is not None:
        conditions.append(SearchDocument.author_id.in_(where.author_ids))
    if where.after is not None:
        conditions.append(SearchDocument.created_at >= where.after)
    if where.before is not None:
        conditions.append(SearchDocument.created_at < where.before)
    return conditions


FTS = table("search_fts", column("rowid"))
FTS_TABLE = literal_column("search_fts")


class SqliteEngine:
    """FTS5 with bm25, the title column weighing ten times the body. The expression handed to
    MATCH is bound as a value and every word in it is a quoted string, so nothing typed can be
    read as an FTS5 operator."""

    @staticmethod
    def _quoted(text_: str) -> str:
        return '"' + text_.replace('"', '""') + '"'

    def expression(self, query: ParsedQuery) -> str:
        expression = " AND ".join(self._quoted(piece) for piece in [*query.terms, *query.phrases])
        for piece in query.excluded:
            expression = f"({expression}) NOT {self._quoted(piece)}"
        return expression

    async def _run(
        self, db: AsyncSession, expression: str, where: DocumentFilter, before_id: int | None
    ) -> list[int]:
        newest = (
            select(SearchDocument.id.label("id"), func.bm25(FTS_TABLE, 10.0, 1.0).label("score"))
            .select_from(FTS.join(SearchDocument, SearchDocument.id == FTS.c.rowid))
            .where(FTS_TABLE.op("MATCH")(expression), *_conditions(where))
            .order_by(FTS.c.rowid.desc())
            .limit(WINDOW)
        )
        if before_id is not None:
            newest = newest.where(FTS.c.rowid < before_id)
        window = newest.subquery("newest")
        return list(await db.scalars(select(window.c.id).order_by(window.c.score, window.c.id.desc())))

    async def match(
        self, db: AsyncSession, query: ParsedQuery, where: DocumentFilter, previous: Window | None
    ) -> Window:
        before_id = previous.older if previous is not None else None
        return Window.of(await self._run(db, self.expression(query), where, before_id))

    async def prefix(
        self, db: AsyncSession, words: list[str], typing: str, where: DocumentFilter
    ) -> list[int]:
        pieces = [self._quoted(w) for w in words] + [self._quoted(typing) + "*"]
        return await self._run(db, " AND ".join(pieces), where, None)


DOCUMENT = literal_column("search_documents.document")
# As in the index's definition (migration 0009), so that the planner recognises it.
PAIRS = literal_column("liaison_pairs(search_documents.document)")
# Below this share of phrase matches among the documents holding its words, a phrase is looked for
# through the index of word pairs.
SPARSE = 0.02


def _all_pairs(phrases: list[str]) -> ColumnElement[Any]:
    pairs = [func.liaison_pairs(func.to_tsvector("english", phrase)) for phrase in phrases]
    combined = pairs[0]
    for more in pairs[1:]:
        combined = combined.op("||")(more)
    return combined


# asyncpg prepares statements, and after five runs PostgreSQL may switch to a generic plan that
# cannot see how rare the words are: for a rare phrase that plan walks the whole table (seconds).
CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")
# The index and table of a live forum sit in memory or on SSD; with the default cost of a random
# read (4, for spinning disks) the planner walks the table in id order for words in about 1 % of
# the documents instead of reading the index (200 ms against 30 ms on a million posts).
MEMORY_COSTS = text("SET LOCAL random_page_cost = 1.1")


def _all(parts: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    combined = parts[0]
    for part in parts[1:]:
        combined = func.tsquery_and(combined, part)
    return combined


class PostgresEngine:
    """tsvector (title weighted A, body B) with a GIN index, ranked by ts_rank. Each word or phrase
    becomes its own bound plainto_tsquery/phraseto_tsquery, combined with tsquery_and/_not.

    Phrases: GIN finds the documents holding the words, but each must then be read back to check
    positions, which for two middle-frequency words means tens of thousands of rows (p95 0.65 s on
    a million posts). So positions are first checked among the newest `WINDOW` documents holding
    the words; a common phrase fills its window from those. When few of them hold the phrase, the
    next windows come through the index of adjacent word pairs (migration 0009), where a rare
    phrase is a handful of rows; for a common one that index would list far too many. The phrase
    is never asked for alone: the planner misjudges phrase selectivity and may walk the whole
    table in id order (2 s)."""

    @staticmethod
    def expression(query: ParsedQuery) -> ColumnElement[Any]:
        parts = [func.plainto_tsquery("english", term) for term in query.terms]
        parts += [func.phraseto_tsquery("english", phrase) for phrase in query.phrases]
        parts += [func.tsquery_not(func.phraseto_tsquery("english", word)) for word in query.excluded]
        return _all(parts)

    @staticmethod
    def words_of(query: ParsedQuery) -> ColumnElement[bool]:
        words = _all([func.plainto_tsquery("english", piece) for piece in [*query.terms, *query.phrases]])
        return DOCUMENT.op("@@")(words)

    @staticmethod
    def _newest(match: ColumnElement[bool], where: DocumentFilter, before_id: int | None) -> Any:
        """The newest `WINDOW` documents matching, older than `before_id`, with their tsvector."""
        newest = (
            select(SearchDocument.id.label("id"), DOCUMENT.label("document"))
            .where(match, *_conditions(where))
            .order_by(SearchDocument.id.desc())
            .limit(WINDOW)
        )
        if before_id is not None:
            newest = newest.where(SearchDocument.id < before_id)
        return newest.subquery("newest")

    async def _run(
        self, db: AsyncSession, tsquery: ColumnElement[Any], where: DocumentFilter, before_id: int | None
    ) -> list[int]:
        window = self._newest(DOCUMENT.op("@@")(tsquery), where, before_id)
        ranked = select(window.c.id).order_by(
            func.ts_rank(window.c.document, tsquery).desc(), window.c.id.desc()
        )
        return list(await db.scalars(ranked))

    async def match(
        self, db: AsyncSession, query: ParsedQuery, where: DocumentFilter, previous: Window | None
    ) -> Window:
        await db.execute(CUSTOM_PLANS)
        await db.execute(MEMORY_COSTS)
        before_id = previous.older if previous is not None else None
        tsquery = self.expression(query)
        if not query.phrases:
            return Window.of(await self._run(db, tsquery, where, before_id))
        if previous is not None and previous.sparse:
            return await self._through_pairs(db, query, tsquery, where, before_id)
        return await self._among_newest(db, query, tsquery, where, before_id)

    async def _among_newest(
        self,
        db: AsyncSession,
        query: ParsedQuery,
        tsquery: ColumnElement[Any],
        where: DocumentFilter,
        before_id: int | None,
    ) -> Window:
        window = self._newest(self.words_of(query), where, before_id)
        hit = window.c.document.op("@@")(tsquery)
        rows = (
            await db.execute(
                select(window.c.id, case((hit, func.ts_rank(window.c.document, tsquery)), else_=None))
            )
        ).all()
        found = sorted((row for row in rows if row[1] is not None), key=lambda row: (-row[1], -row[0]))
        older = min(row[0] for row in rows) if len(rows) == WINDOW else None
        return Window([row[0] for row in found], older, sparse=len(found) < SPARSE * WINDOW)

    async def _through_pairs(
        self,
        db: AsyncSession,
        query: ParsedQuery,
        tsquery: ColumnElement[Any],
        where: DocumentFilter,
        before_id: int | None,
    ) -> Window:
        """Every older document holding the phrase's word pairs, positions checked outside the
        index scan (OFFSET 0 keeps them out of it: there, a recheck would work the pairs out again
        for every row)."""
        pairs = await db.scalar(select(_all_pairs(query.phrases)))
        if not pairs:
            return await self._among_newest(db, query, tsquery, where, before_id)
        holding = select(SearchDocument.id.label("id"), DOCUMENT.label("document")).where(
            PAIRS.op("@>")(bindparam("pairs", pairs, type_=ARRAY(Text))), *_conditions(where)
        )
        if before_id is not None:
            holding = holding.where(SearchDocument.id < before_id)
        candidates = holding.offset(0).subquery("holding")
        newest = (
            select(candidates.c.id, candidates.c.document)
            .where(candidates.c.document.op("@@")(tsquery))
            .order_by(candidates.c.id.desc())
            .limit(WINDOW)
            .subquery("newest")
        )
        ranked = select(newest.c.id).order_by(
            func.ts_rank(newest.c.document, tsquery).desc(), newest.c.id.desc()
        )
        return Window.of(list(await db.scalars(ranked)), sparse=True)

    async def prefix(
        self, db: AsyncSession, words: list[str], typing: str, where: DocumentFilter
    ) -> list[int]:
        parts = [func.plainto_tsquery("english", word) for word in words]
        parts.append(func.to_tsquery("english", func.quote_literal(typing).concat(":*")))
        return await self._run(db, _all(parts), where, None)


def engine_for(db: AsyncSession) -> Engine:
    return PostgresEngine() if db.get_bind().dialect.name == "postgresql" else SqliteEngine()
