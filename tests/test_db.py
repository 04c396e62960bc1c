"""app.db helpers: the likely() planner hint keeps its condition in the statement cache key, and the tables of
what likely() and unindexed() wrap."""

from __future__ import annotations

from sqlalchemy import false, func, literal, select, true

from app.auth.models import User
from app.auth.roles import Role
from app.db import likely, unindexed
from app.inbox import queries
from app.workflow.models import HumanTask


def test_likely_condition_is_part_of_the_cache_key():
    def key(condition):
        return select(HumanTask.id).where(likely(condition))._generate_cache_key()

    assert key(true()) != key(false())
    assert key(true()) != key(HumanTask.region_path.like("/a/%"))
    # same structure, other bound value: one cached statement, as for any parameter
    assert key(HumanTask.region_path.like("/a/%")) == key(HumanTask.region_path.like("/b/%"))


def test_inbox_scopes_do_not_leak_through_the_statement_cache(started, world, db):
    started(world.ent_a)
    started(world.ent_b)
    # an officer without a department sees nothing (scope likely(false)), a town officer their town
    # (likely(region_path LIKE ...)): same roles, so only the scope tells the two statements apart
    nowhere = User(username="unassigned", name="未分配执法", department=None)
    nowhere.set_password("x")
    nowhere.set_roles([Role.OFFICER])
    db.session.add(nowhere)
    db.session.commit()
    assert nowhere.scope_path is None
    for user, expected in ((world.town_officer, 1), (nowhere, 0), (world.officer, 2), (nowhere, 0)):
        assert queries.inbox(user, queries.InboxFilters()).total == expected, user.username


def test_a_statement_whose_only_criterion_is_likely_keeps_its_table(db):
    """A count replaces the columns (SELECT 1 …): the FROM must still come from the wrapped condition, or the
    statement names a column of no table (it did for a list whose only filter was its likely() scope)."""
    stmt = select(HumanTask.id).where(likely(HumanTask.region_path.like("/340000/%")))
    count = select(func.count()).select_from(stmt.with_only_columns(literal(1)).subquery())
    assert "FROM human_tasks" in str(count.compile(db.engine))
    assert db.session.scalar(count) == 0
    where = select(literal(1)).where(unindexed(HumanTask.due_at).is_not(None))
    assert "FROM human_tasks" in str(where.compile(db.engine))
