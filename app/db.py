"""The database layer every package shares: the declarative base, column types and mixins of every
SafeLoop model, the SQLite connection settings, statements compiled once (Precompiled), and the commit that
ends a request (commit_request)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import Boolean, DateTime, MetaData, String, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware 'now' in UTC. All stored times are UTC; pages show Asia/Shanghai."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware DateTime on every backend.

    SQLite drops the offset; values are normalised to UTC on the way in and tagged UTC on the way out,
    so comparisons between stored and computed times never mix naive and aware datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use app.db.utcnow() or an aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


str50 = Annotated[str, mapped_column(String(50))]
str100 = Annotated[str, mapped_column(String(100))]
str200 = Annotated[str, mapped_column(String(200))]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, server_default=func.now(), nullable=False
    )


def path_type(length: int = 200):
    """The column type of a region path (data scope, `/34/3413/…/`).

    On PostgreSQL the column uses the C collation, so the scope prefix (`region_path LIKE '/…/%'`) can use
    a plain btree index whatever the database's default collation is (a normal install uses a
    language collation, under which LIKE cannot use the index). Paths are digits and slashes: C order is
    their natural order. SQLite compares bytes already.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def configure_sqlite(engine) -> None:
    """Embedded SQLite: WAL (readers never block the writer), NORMAL sync (durable at checkpoints,
    no fsync per commit), foreign keys enforced, a busy timeout instead of 'database is locked',
    case-sensitive LIKE so data-scope prefixes use indexes (codes and names: case does not matter), and a
    page cache sized for a database of millions of rows."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA case_sensitive_like=ON")  # LIKE 'prefix%' can use an index
        # a county's years of work is a file of a gigabyte or more: a 64 MiB page cache per connection (the
        # default is 2 MiB) and memory-mapped reads keep the list's and search's index pages in memory
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cur.close()


SQLITE_CACHE_KIB = 65536  # each connection's page cache (configure_sqlite)
SQLITE_MMAP_BYTES = 268435456  # and its memory map
BULK_CACHE_KIB = 2048  # a bulk read's (bulk_read): SQLite's default


@contextmanager
def bulk_read(session) -> Iterator[None]:
    """SQLite: read a whole table once (an export) through a small page cache and no memory map, then give the
    connection its own back. The 64 MiB cache and 256 MiB map keep pages a list will read again; a bulk read
    passes each page once, and they held every page it passed: a 1,000,000-row 台账 export's peak RSS was 465 MB
    where its rows need about 120. Nested, the outermost one sets and restores. PostgreSQL: nothing to change
    (its buffers are the server's)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite" or session.info.get(_BULK):  # not SQLite, or inside a bulk read already
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    conn.exec_driver_sql("PRAGMA mmap_size=0")
    session.info[_BULK] = True
    try:
        yield
    finally:
        session.info.pop(_BULK, None)
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        conn.exec_driver_sql(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")


_BULK = "app.db.bulk_read"


class Precompiled:
    """A statement SQLAlchemy would compile again on every execution, compiled once.

    SQLAlchemy 2.0 gives INSERT … ON CONFLICT (the dialects' `insert().on_conflict_do_nothing/_update`) no
    cache key, so its SQL is built anew each time it runs, even when the statement object is built once:
    0.1–0.3 ms of Python per execution, in every step that tells someone (notifications), links a file
    (attachment_links) or moves a summary count. Here the statement `build` returns is compiled once
    per database dialect and set of parameter names, keyed as SQLAlchemy's own cache keys an INSERT (the
    sorted names of the first row; one row or many), and that compiled form is executed: the same SQL, the
    same bind processing, RETURNING and many-row batching as `connection.execute(statement, params)`.
    `build` gets the dialect's `insert` (PostgreSQL's or SQLite's, which have `on_conflict_*`)."""

    def __init__(self, build: Callable[[Callable[..., Any]], Any]):
        self._build = build
        self._compiled: dict[tuple[Any, tuple[str, ...], bool], Any] = {}

    def execute(self, connection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]):
        rows = [params] if isinstance(params, Mapping) else list(params)
        if not rows:
            raise ValueError("Precompiled.execute needs at least one row of parameters")
        many, keys = len(rows) > 1, tuple(sorted(rows[0]))
        key = (connection.dialect, keys, many)
        compiled = self._compiled.get(key)
        if compiled is None:
            statement = self._build(postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)
            compiled = statement.compile(dialect=connection.dialect, column_keys=list(keys), for_executemany=many)
            self._compiled[key] = compiled
        return connection.execute(compiled, rows if many else rows[0])


class likely(ColumnElement):  # noqa: N801 - reads as the SQL function it renders
    """`likely(condition)`: the same condition, plus a hint to SQLite's planner that it is usually true.

    SQLite estimates a `region_path LIKE 'prefix%'` range as very selective and then picks the region
    index and sorts everything in range; for a county officer that is every task. Marked likely, it
    walks the deadline index instead and stops after the first page. Other databases get the bare
    condition."""

    # The condition is part of the statement cache key: without this, likely(true) compiled for an admin
    # would be reused for an officer's likely(region_path LIKE ...) (tests/test_db.py).
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement)]
    inherit_cache = True
    type = Boolean()

    def __init__(self, condition):
        self.condition = condition

    @property
    def _from_objects(self):  # the condition's tables: a statement whose only criterion is likely(...) keeps its FROM
        return self.condition._from_objects


@compiles(likely)
def _likely_default(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(likely, "sqlite")
def _likely_sqlite(element, compiler, **kw):
    return f"likely({compiler.process(element.condition, **kw)})"


class unindexed(ColumnElement):  # noqa: N801 - reads as the SQL it renders
    """`unindexed(col)`: the same value, but SQLite may not use an index to yield it in order (`+col`, its
    documented way to disqualify a term). For a sort over a few rows that the filters' index finds: left
    alone, SQLite walks the order's index instead and passes every row in scope. Others get `col`."""

    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]
    inherit_cache = True

    def __init__(self, column):
        self.column = column
        self.type = column.type

    @property
    def _from_objects(self):
        return self.column._from_objects


@compiles(unindexed)
def _unindexed_default(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw):
    return f"+{compiler.process(element.column, **kw)}"


def _sqlite_from_hint(self, table, text):
    """`select.with_hint(table, "INDEXED BY ix_…", "sqlite")` renders as SQLite's own `FROM t INDEXED BY
    ix_…` (SQLAlchemy renders FROM hints only for the dialects that had them when it was written). Used
    where a list knows the index its order needs better than SQLite's planner can guess (app.paging)."""
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint  # type: ignore[method-assign]


def commit_request() -> None:
    """The commit that ends a request: the objects the request loaded stay as they are, so its response
    (flash text, redirect, JSON) is built from what it holds. A plain commit expires them, and every
    attribute read afterwards reloads its row: one more query and connection per object, per request.
    Routes end with this; code that goes on working after a commit (worker, seed) uses plain commits."""
    from app.extensions import db

    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


_HELD = "app.db.held"


def hold(*objects) -> None:
    """Keep loaded objects in the session until it ends (the request's), so that a later `session.get` or
    relationship load of them finds them in the identity map, which holds objects only weakly: a check that
    reads a row the operation after it needs anyway (a form's choice, then the step) reads it once."""
    from app.extensions import db

    db.session().info.setdefault(_HELD, []).extend(objects)
