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
from collections.abc import Callable, Sequence
from typing import NamedTuple

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

    return store.match(_registry[model], db.session.get_bind().dialect.name, query, within)


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
        store.write(conn, index, [(r[0], index.words(r[1:])) for r in rows], fresh=True)
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


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx, _instances) -> None:
    """Note what the flush will insert, change or delete in registered models, and (SQLite) what the index
    holds for the rows it changes or deletes, read before the flush writes them."""
    session.info.pop(_PENDING, None)
    if not _registry:
        return
    pending: dict[Index, _Pending] = {}

    def entry(index: Index) -> _Pending:
        return pending.setdefault(index, _Pending([], [], {}))

    for obj in session.new:
        if index := _registry.get(type(obj)):
            entry(index).write.append(obj)
    for obj in session.dirty:
        if (index := _registry.get(type(obj))) and _changed(obj, index):
            entry(index).write.append(obj)
    for obj in session.deleted:
        if index := _registry.get(type(obj)):
            entry(index).gone.append(obj.id)
    if not pending:
        return
    conn = session.connection()
    for index, p in pending.items():
        known = [o.id for o in p.write if o.id is not None] + p.gone
        p.before.update(store.snapshot(conn, index, known))
    session.info[_PENDING] = pending


class _Pending(NamedTuple):
    write: list  # objects inserted or with a changed indexed field
    gone: list[int]  # ids deleted
    before: dict[int, store.Indexed]


def _changed(obj, index: Index) -> bool:
    state = sa_inspect(obj)
    return any(state.attrs[f].history.has_changes() for f in index.columns)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    conn = session.connection()
    for index, p in pending.items():
        store.remove(conn, index, p.gone, p.before)
        rows = [(o.id, index.words([getattr(o, f) for f in index.columns])) for o in p.write]
        store.write(conn, index, rows, p.before)


__all__ = ["Index", "contains", "include_name", "indexes", "matching", "normalize", "rebuild", "rebuild_timed", "register",
           "scope_word"]
