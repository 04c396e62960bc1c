"""Full-text search on the databases' own engines (SQLite FTS5, PostgreSQL tsvector + GIN) that finds what
`LIKE '%term%'` finds, including one- and two-character Chinese terms (app.search.text says how).

A domain registers a model's text fields (`register`) and searches with `contains(index, query)`, a
condition on the model's id for its scoped query. The index is kept in the caller's transaction by
session events: the rows a transaction inserts, changes (an indexed field) or deletes are written to the
index in the same transaction (once, before it commits or before a search inside it), so a rollback undoes
both. Writes that bypass the ORM
(plain SQL) are repaired with `rebuild` (each domain offers it as a command). Migrations create an
index with `store.create` + `rebuild` + `store.create_search_index`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, Select, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sql  # `text` is this package's tokenizer module
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.search import store
from app.search.store import Index
from app.search.text import normalize, scope_word

REBUILD_BATCH = 5000

_registry: dict[type, Index] = {}


def register(model: type, name: str, fields: tuple[str, ...], *, scope: str | None = None) -> Index:
    """Index `fields` of `model` (a mapped class with an integer `id`) in the tables named `name`; `scope`:
    a path column whose "/"-ended prefixes are indexed too, so that `matching(…, within=…)` keeps to a
    subtree inside the full-text query (app.search.text.scope_words)."""
    index = Index(name=name, source=model.__table__.name, fields=fields, scope=scope)  # type: ignore[attr-defined]
    _registry[model] = index
    metadata = model.__table__.metadata  # type: ignore[attr-defined]
    # create_all / drop_all (tests, `flask db` fresh installs use the migrations) keep the index with its table
    event.listen(metadata, "after_create", lambda _t, conn, **_kw: _create(conn, index))
    event.listen(metadata, "before_drop", lambda _t, conn, **_kw: store.drop(conn, index))
    return index


def _create(conn: Connection, index: Index) -> None:
    store.create(conn, index)
    store.create_search_index(conn, index)


def indexes() -> list[Index]:
    return list(_registry.values())


def matching(model: type, query: str, within: Sequence[str] = ()) -> Select | None:
    """SELECT of the ids of `model` rows whose indexed fields contain `query` (after normalisation: NFKC,
    A–Z as a–z), each field on its own; None: an empty query. `within`: path prefixes ("/a/b/") the rows'
    scope column starts with, each one word of the full-text query (an index without a scope ignores
    them; so does a prefix not ending in "/": the caller's own conditions still hold it). A domain
    combines it with other id sets by UNION (one `IN`): PostgreSQL answers `a IN (…) OR b IN (…)` by
    scanning the whole table."""
    from app.extensions import db

    apply_pending(db.session())  # the transaction's own changes are found
    return store.match(_registry[model], db.session.get_bind().dialect.name, query, within)


def body_has(model: type, query: str, source_id: ColumnElement) -> ColumnElement[bool] | None:
    """PostgreSQL, for a caller that walks its own index over `model` and stops after a page: the row with id
    `source_id` contains `query` (app.search.store.body_has); None: use `matching`."""
    from app.extensions import db

    apply_pending(db.session())  # the transaction's own changes are found
    return store.body_has(_registry[model], query, source_id)


def contains(model: type, query: str, within: Sequence[str] = ()) -> ColumnElement[bool]:
    """`model` rows whose indexed fields contain `query` (and scope within `within`); an empty query
    matches every row."""
    ids = matching(model, query, within)
    if ids is None:
        return model.id.is_not(None)  # type: ignore[attr-defined]
    return model.id.in_(ids)  # type: ignore[attr-defined]


def include_name(name: str | None, type_: str, parent_names) -> bool:  # noqa: ARG001 - Alembic's hook signature
    """For Alembic (autogenerate, compare_metadata): an index's tables are not in the models' metadata."""
    return not (type_ == "table" and name and any(name in i.table_names() for i in _registry.values()))


def rebuild(conn: Connection, index: Index, *, batch: int = REBUILD_BATCH,
            progress: Callable[[int], None] | None = None) -> int:
    """Index every row of `index.source` again from scratch, in batches (id order); returns the count."""
    store.clear(conn, index)
    cols = ", ".join(index.columns)
    stmt = sql(f"SELECT id, {cols} FROM {index.source} WHERE id > :after ORDER BY id LIMIT :n")
    after, done = 0, 0
    while True:
        rows = conn.execute(stmt, {"after": after, "n": batch}).all()
        if not rows:
            break
        store.write(conn, index, [store.row(index, r[0], r[1:], conn.dialect.name) for r in rows], fresh=True)
        after, done = rows[-1][0], done + len(rows)
        if progress:
            progress(done)
    if conn.dialect.name == "sqlite":  # one b-tree instead of a segment per batch: faster queries
        conn.execute(sql(f"INSERT INTO {index.name} ({index.name}) VALUES ('optimize')"))
    return done


def rebuild_timed(conn: Connection, index: Index, echo: Callable[[str], None] = print) -> int:
    started = time.perf_counter()
    count = rebuild(conn, index)
    echo(f"  {index.name}：{count} 行，{time.perf_counter() - started:.1f} 秒")
    return count


# --- maintenance in the transaction ------------------------------------------------------------
#
# Flushes only note what changes; the index is written once per transaction, with each row's final values:
# before the transaction commits, and before a search runs inside it (`matching` applies what is pending, so
# a search always sees the transaction's own changes). A step that INSERTs a row and then sets a field
# the INSERT could not know (a code made from the new id) writes the row's words once, not twice.

_PENDING = "app.search.pending"
_COMMITTING = "app.search.committing"


class _Pending:
    """One index's rows touched by the current transaction, and what the index holds for them."""

    def __init__(self) -> None:
        self.touched: dict[int, object] = {}  # id(obj) -> obj: inserted, an indexed field changed, or deleted
        self.new: set[int] = set()  # row ids inserted in this transaction and not written to the index yet
        self.before: dict[int, store.Indexed] = {}  # SQLite: what the index holds for a row (snapshot or written)
        self.written: dict[int, str] = {}  # row id -> the words this transaction wrote for it


def _pending(session: Session) -> dict[Index, _Pending]:
    return session.info.setdefault(_PENDING, {})


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    """Note what the flush will insert, change or delete in registered models, and (SQLite) what the index
    holds for a row changed or deleted the first time in this transaction, read before the flush writes it."""
    if not _registry:
        return
    snapshot: dict[Index, list[int]] = {}

    def note(obj, index: Index, existing: bool) -> None:
        p = _pending(session).setdefault(index, _Pending())
        p.touched[id(obj)] = obj
        if existing and obj.id not in p.new and obj.id not in p.before:
            snapshot.setdefault(index, []).append(obj.id)

    for obj in session.new:
        if index := _registry.get(type(obj)):
            note(obj, index, False)
    for obj in session.dirty:
        if (index := _registry.get(type(obj))) and _changed(obj, index):
            note(obj, index, True)
    for obj in session.deleted:
        if index := _registry.get(type(obj)):
            note(obj, index, True)
    if snapshot:
        conn = session.connection()
        for index, ids in snapshot.items():
            _pending(session)[index].before.update(store.snapshot(conn, index, ids))


def _changed(obj, index: Index) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in index.columns)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    """The rows this flush inserted are new to the index."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    for obj in session.new:
        if (index := _registry.get(type(obj))) and index in pending:
            pending[index].new.add(obj.id)


@event.listens_for(Session, "after_flush_postexec")
def _after_flush_postexec(session: Session, _ctx) -> None:
    """A flush after the commit began (a later before_commit hook changed rows) is written at once."""
    if session.info.get(_COMMITTING):
        _write_pending(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the index is written when the transaction ends
        return
    session.info[_COMMITTING] = True
    apply_pending(session)


def apply_pending(session: Session) -> None:
    """Flush, then write to the index what this transaction changed so far (before a commit or a search)."""
    session.flush()
    _write_pending(session)


def _write_pending(session: Session) -> None:
    conn = None
    dialect = session.get_bind().dialect.name
    for index, p in session.info.get(_PENDING, {}).items():
        rows, removed = [], []
        for key, obj in list(p.touched.items()):
            state = sa_inspect(obj)
            if state.persistent:
                entry = store.row(index, obj.id, [getattr(obj, f) for f in index.columns], dialect)
                if p.written.get(obj.id) != entry.words:
                    rows.append(entry)
            elif state.deleted or state.was_deleted:
                del p.touched[key]
                if obj.id not in p.new:  # a row inserted and deleted before it was written: never indexed
                    removed.append(obj.id)
            # else: transient again — inserted inside a savepoint that was rolled back
        if not rows and not removed:
            continue
        conn = conn or session.connection()
        store.remove(conn, index, removed, p.before)
        store.write(conn, index, rows, p.before)
        for i in removed:
            p.before.pop(i, None)
            p.written.pop(i, None)
        for i, words, _ in rows:
            p.before[i] = store.Indexed(store.digest(words), words)
            p.written[i] = words
            p.new.discard(i)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction) -> None:
    """A savepoint rolled back may have undone index writes: what the index holds for a row is read from it
    again (store's slow path) instead of trusted, and every touched row is written again; a whole rollback
    forgets everything."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.nested:
        for p in pending.values():
            p.before.clear()
            p.written.clear()
    elif previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_COMMITTING, None)


__all__ = ["Index", "apply_pending", "contains", "include_name", "indexes", "matching", "normalize", "rebuild",
           "rebuild_timed", "register", "scope_word"]
