"""Full-text search on the databases' own engines (SQLite FTS5, PostgreSQL tsvector + GIN) that finds what
`LIKE '%term%'` finds, including one- and two-character Chinese terms (app.search.text says how).

A domain registers a model's text fields (`register`) and searches with `contains(index, query)`, a
condition on the model's id for its scoped query. The index is kept in the caller's transaction by
session events: a flush that inserts a registered row, changes one of its indexed fields or deletes it
updates the index in the same transaction, so a rollback undoes both. Writes that bypass the ORM
(plain SQL) are repaired with `rebuild` (each domain offers it as a command). Migrations create an
index with `store.create` + `rebuild` + `store.create_search_index`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, bindparam, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sql  # `text` is this package's tokenizer module
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.search import store
from app.search.store import Index
from app.search.text import document, normalize

REBUILD_BATCH = 5000

_registry: dict[type, Index] = {}


def register(model: type, name: str, fields: tuple[str, ...]) -> Index:
    """Index `fields` of `model` (a mapped class with an integer `id`) in the tables named `name`."""
    index = Index(name=name, source=model.__table__.name, fields=fields)  # type: ignore[attr-defined]
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


def contains(model: type, query: str) -> ColumnElement[bool]:
    """`model.id` is one whose indexed fields contain `query` (after normalisation: NFKC, case-folded).
    An empty query matches every row."""
    from app.extensions import db

    index = _registry[model]
    ids = store.matching_ids(index, db.session.get_bind().dialect.name, query)
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
    cols = ", ".join(index.fields)
    stmt = sql(f"SELECT id, {cols} FROM {index.source} WHERE id > :after ORDER BY id LIMIT :n")
    after, done = 0, 0
    while True:
        rows = conn.execute(stmt, {"after": after, "n": batch}).all()
        if not rows:
            break
        store.write(conn, index, [(r[0], document(r[1:])) for r in rows], fresh=True)
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


# --- maintenance in the flush -------------------------------------------------------------------

_PENDING = "app.search.pending"


def _changed(obj, index: Index) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in index.fields)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    """Note what the flush will change, and the words those rows are indexed with now (read before the
    flush writes them: SQLite removes words by naming them)."""
    session.info.pop(_PENDING, None)
    if not _registry:
        return
    pending: dict[Index, dict[str, object]] = {}
    for obj in session.new:
        index = _registry.get(type(obj))
        if index:
            pending.setdefault(index, {"write": [], "old": {}, "gone": {}})["write"].append(obj)  # type: ignore[union-attr]
    changed: dict[Index, list] = {}
    for obj in session.dirty:
        index = _registry.get(type(obj))
        if index and _changed(obj, index):
            changed.setdefault(index, []).append(obj)
    deleted: dict[Index, list] = {}
    for obj in session.deleted:
        index = _registry.get(type(obj))
        if index:
            deleted.setdefault(index, []).append(obj)
    if not changed and not deleted:
        if pending:
            session.info[_PENDING] = pending
        return
    conn = session.connection()
    for index, objs in changed.items():
        entry = pending.setdefault(index, {"write": [], "old": {}, "gone": {}})
        entry["write"].extend(objs)  # type: ignore[attr-defined]
        entry["old"] = _current_words(conn, index, [o.id for o in objs])
    for index, objs in deleted.items():
        entry = pending.setdefault(index, {"write": [], "old": {}, "gone": {}})
        entry["gone"] = _current_words(conn, index, [o.id for o in objs])
    session.info[_PENDING] = pending


def _current_words(conn: Connection, index: Index, ids: list[int]) -> dict[int, str]:
    if conn.dialect.name == "postgresql":  # rows are replaced or removed by id: the words are not needed
        return {i: "" for i in ids}
    stmt = sql(f"SELECT id, {', '.join(index.fields)} FROM {index.source} WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    return {r[0]: document(r[1:]) for r in conn.execute(stmt, {"ids": ids})}


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    conn = session.connection()
    for index, entry in pending.items():
        store.remove(conn, index, entry["gone"])
        rows = [(o.id, document(getattr(o, f) for f in index.fields)) for o in entry["write"]]
        store.write(conn, index, rows, entry["old"])


__all__ = ["Index", "contains", "include_name", "indexes", "normalize", "rebuild", "rebuild_timed", "register"]
