"""app.db helpers: the likely() planner hint keeps its condition in the statement cache key, the tables of
what likely() and unindexed() wrap, and Precompiled statements compiled once."""

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


def test_precompiled_compiles_an_on_conflict_insert_once_per_shape(world, db, monkeypatch):
    """SQLAlchemy 2.0 compiles INSERT … ON CONFLICT on every execution (no cache key); Precompiled compiles it
    once per dialect and shape (parameter names; one row or many) and runs it as before: RETURNING of the rows
    inserted, one row or many, the conflicting ones skipped."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    from sqlalchemy.sql import compiler

    from app.db import Precompiled, utcnow
    from app.notifications.models import Notification

    table = Notification.__table__
    built: list[str] = []

    def build(insert):
        built.append(insert.__module__)  # the dialect's own insert(), which has on_conflict_*
        return insert(table).on_conflict_do_nothing(index_elements=["key", "user_id"]).returning(table.c.id)

    compiles = []
    original = compiler.SQLCompiler.__init__

    def counting(self, *args, **kw):
        compiles.append(type(self).__name__)
        original(self, *args, **kw)

    monkeypatch.setattr(compiler.SQLCompiler, "__init__", counting)
    insert = Precompiled(build)
    users = [world.officer, world.town_officer, world.leader]

    def row(user, key):
        return {"user_id": user.id, "kind": "k", "key": key, "title": "标题", "level": "info", "created_at": utcnow()}

    conn = db.session.connection()
    one = insert.execute(conn, row(users[0], "a")).scalar()
    assert one is not None and insert.execute(conn, row(users[0], "a")).scalar() is None  # conflict: skipped
    assert len(compiles) == 1
    many = insert.execute(conn, [row(u, "b") for u in users]).scalars().all()
    assert len(many) == 3 and len(compiles) == 2  # a many-row shape of its own
    again = insert.execute(conn, [row(u, k) for u in users for k in ("b", "c")]).scalars().all()
    assert len(again) == 3 and len(compiles) == 2  # the "b" rows skipped, the "c" rows inserted; not compiled
    last = insert.execute(conn, row(users[1], "d")).scalar()
    assert last is not None and len(compiles) == 2
    assert len(built) == 2 and all(conn.dialect.name in module for module in built)
    # the plain statement, for comparison, is compiled again on each execution
    plain = build(sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert)
    conn.execute(plain, row(users[2], "e"))
    conn.execute(plain, row(users[2], "f"))
    assert len(compiles) == 4
    stored = db.session.scalars(select(Notification.id).where(Notification.kind == "k")).all()
    assert len(stored) == 10 and {one, *many, *again, last} <= set(stored)
