"""The visibility SQL itself: one viewer, correlated everywhere; default deny without one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.dialects import postgresql, sqlite

from app.accounts.models import Member, Role, Status
from app.forum.models import Thread
from app.policy import (
    members_who_can_see_thread,
    viewer_params,
    visible_categories,
    visible_posts,
    visible_thread_totals,
    visible_threads,
    visible_threads_template,
)
from tests.support.factories import make_member
from tests.support.forum import make_category, make_thread


def _member(status: Status = Status.APPROVED) -> Member:
    member = Member(id=7, role=Role.MEMBER, status=status)
    member.suspended_at = None
    return member


def test_every_subquery_is_correlated_to_the_one_viewer_row():
    """A subquery that names the viewer table again in its own FROM would match any member."""
    totals = visible_thread_totals(_member())
    for query in (
        visible_threads(_member()),
        visible_posts(_member()),
        visible_categories(_member()),
        *(query for query, _ in totals),
    ):
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            sql = str(query.compile(dialect=dialect))
            assert sql.count("members AS viewer") == 1, sql
    sql = str(members_who_can_see_thread(1).compile(dialect=sqlite.dialect()))
    assert sql.count("FROM members") == 1


def test_no_member_or_inactive_member_sees_nothing():
    suspended = _member()
    suspended.suspended_at = datetime.now(UTC)
    for member in (None, _member(status=Status.PENDING), _member(status=Status.REJECTED), suspended):
        for query in (visible_threads(member), visible_posts(member), visible_categories(member)):
            sql = str(query.compile(dialect=sqlite.dialect())).lower()
            assert "viewer" not in sql and ("0 = 1" in sql or "false" in sql), sql


async def test_prebuilt_statements_bind_no_viewer_for_those_who_see_nothing(db):
    """The statements built once and executed with `viewer_params` deny by the same rules as the
    per-request ones: an inactive member binds no viewer, and an unknown viewer id finds no row."""
    author = await make_member(db)
    category = await make_category(db)
    thread = await make_thread(db, author, category)
    pending = await make_member(db, status=Status.PENDING)
    suspended = await make_member(db, suspended=True)
    query = visible_threads_template().where(Thread.id == thread.id)
    assert (await db.scalars(query, viewer_params(author))).all() == [thread]
    for member in (None, pending, suspended):
        assert viewer_params(member) == {"viewer_id": None}
        assert (await db.scalars(query, viewer_params(member))).all() == []
    for viewer_id in (pending.id, suspended.id, 10**9):
        assert (await db.scalars(query, {"viewer_id": viewer_id})).all() == []
