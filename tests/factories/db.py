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


def commit():
    """Commit the session and expire every loaded object (the next read sees the database)."""
    _db.session.commit()
    _db.session.expire_all()
