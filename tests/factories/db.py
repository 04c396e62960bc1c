"""Database helpers: which backend the suite runs on, statement logs, commit-and-forget."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db as _db


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@contextmanager
def sql_log():
    """The SQL statements sent while inside, in order, with "COMMIT" where a transaction committed."""
    seen: list[str] = []

    def on_sql(conn, cursor, statement, *args):
        seen.append(statement)

    def on_commit(conn):
        seen.append("COMMIT")

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", on_sql)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_sql)
        event.remove(engine, "commit", on_commit)


@contextmanager
def query_plans():
    """The plan of every SELECT sent while inside: [(statement, plan text)], on either database (SQLite's
    EXPLAIN QUERY PLAN details, PostgreSQL's EXPLAIN lines), taken with the statement's own parameters
    just before it runs — so a test checks the plan of the real code path, not a copy of its SQL."""
    plans: list[tuple[str, str]] = []

    def on_sql(conn, cursor, statement, parameters, context, executemany):
        if executemany or not statement.lstrip().upper().startswith("SELECT"):
            return
        sqlite = conn.dialect.name == "sqlite"
        probe = cursor.connection.cursor()
        probe.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters)
        rows = probe.fetchall()
        probe.close()
        plans.append((statement, "\n".join(str(r[-1] if sqlite else r[0]) for r in rows)))

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", on_sql)
    try:
        yield plans
    finally:
        event.remove(engine, "before_cursor_execute", on_sql)


def commit():
    """Commit the session and expire every loaded object (the next read sees the database)."""
    _db.session.commit()
    _db.session.expire_all()
