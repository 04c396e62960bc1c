"""Where each dialect keeps an index, how it is written and how it is searched.

SQLite: an FTS5 table `<name>` (one column of words, unicode61, a prefix index for one-character
terms). It is contentless: a table that stored its text would hold every bigram word again (about a
kilobyte a row), and SQLite 3.40 has no `contentless_delete`, so a row's words are removed with FTS5's
'delete' command, which is given the words that were indexed. The FTS rowid is a document number from
`<name>_doc` (docid AUTOINCREMENT, id → the source row ON DELETE CASCADE): a source row deleted outside
the ORM takes its document number with it, and a new row that reuses its id gets a new number, so its
stale words are never found (`rebuild` drops them).

PostgreSQL: a table `<name>` (id → the source row ON DELETE CASCADE, tsv tsvector of the words with the
'simple' configuration) with a GIN index; a phrase is `a <-> b <-> c`, a prefix `a:*`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Text, bindparam, column, func, literal, literal_column, select, table, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from app.search.text import terms

SQLITE_SHADOWS = ("data", "idx", "content", "docsize", "config")  # FTS5's own tables for an index


@dataclass(frozen=True)
class Index:
    """A full-text index over `fields` of the table `source` (integer primary key `id`)."""

    name: str
    source: str
    fields: tuple[str, ...]

    def table_names(self) -> set[str]:
        """Every table the index consists of, on either database."""
        return {self.name, f"{self.name}_doc"} | {f"{self.name}_{s}" for s in SQLITE_SHADOWS}


def create(conn: Connection, index: Index) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            f"CREATE TABLE IF NOT EXISTS {index.name} ("
            f"id INTEGER PRIMARY KEY REFERENCES {index.source} (id) ON DELETE CASCADE, tsv TSVECTOR NOT NULL)"
        ))
        return
    conn.execute(text(
        f"CREATE TABLE IF NOT EXISTS {index.name}_doc (docid INTEGER PRIMARY KEY AUTOINCREMENT, "
        f"id INTEGER NOT NULL UNIQUE REFERENCES {index.source} (id) ON DELETE CASCADE)"
    ))
    conn.execute(text(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index.name} USING fts5("
        "words, content='', prefix='6', tokenize='unicode61')"
    ))


def create_search_index(conn: Connection, index: Index) -> None:
    """PostgreSQL's GIN index (built after a bulk load, which is faster than keeping it up to date)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{index.name}_tsv ON {index.name} USING gin (tsv)"))


def drop(conn: Connection, index: Index) -> None:
    conn.execute(text(f"DROP TABLE IF EXISTS {index.name}"))
    if conn.dialect.name != "postgresql":
        conn.execute(text(f"DROP TABLE IF EXISTS {index.name}_doc"))


def clear(conn: Connection, index: Index) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"TRUNCATE {index.name}"))
        return
    conn.execute(text(f"INSERT INTO {index.name} ({index.name}) VALUES ('delete-all')"))
    conn.execute(text(f"DELETE FROM {index.name}_doc"))


def write(conn: Connection, index: Index, rows: Sequence[tuple[int, str]], old: dict[int, str] | None = None,
          *, fresh: bool = False) -> None:
    """Index `rows` (id, words) in place of what they had. `old`: the words each id was indexed with
    (SQLite needs them to remove them); `fresh`: no row is indexed yet (a rebuild)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        stmt = (
            f"INSERT INTO {index.name} (id, tsv) VALUES (:id, to_tsvector('simple', :words))"
            if fresh else
            f"INSERT INTO {index.name} (id, tsv) VALUES (:id, to_tsvector('simple', :words)) "
            "ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv"
        )
        conn.execute(text(stmt), [{"id": i, "words": w} for i, w in rows])
        return
    if fresh:  # document number = id after a rebuild (AUTOINCREMENT continues after the largest)
        conn.execute(text(f"INSERT INTO {index.name}_doc (docid, id) VALUES (:id, :id)"), [{"id": i} for i, _ in rows])
        conn.execute(text(f"INSERT INTO {index.name} (rowid, words) VALUES (:id, :words)"),
                     [{"id": i, "words": w} for i, w in rows])
        return
    docids = _docids(conn, index, [i for i, _ in rows])
    stale = [{"docid": docids[i], "words": old[i]} for i, _ in rows if i in docids and old and i in old]
    if stale:
        conn.execute(text(f"INSERT INTO {index.name} ({index.name}, rowid, words) VALUES ('delete', :docid, :words)"),
                     stale)
    for i, _words in rows:
        if i in docids and not (old and i in old):  # indexed, but with words nobody knows: a new number
            conn.execute(text(f"DELETE FROM {index.name}_doc WHERE id = :id"), {"id": i})
            del docids[i]
        if i not in docids:
            docids[i] = conn.execute(
                text(f"INSERT INTO {index.name}_doc (id) VALUES (:id) RETURNING docid"), {"id": i}
            ).scalar_one()
    conn.execute(text(f"INSERT INTO {index.name} (rowid, words) VALUES (:docid, :words)"),
                 [{"docid": docids[i], "words": w} for i, w in rows])


def remove(conn: Connection, index: Index, old: dict[int, str]) -> None:
    """Unindex the ids of `old` (id -> the words they were indexed with)."""
    if not old:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DELETE FROM {index.name} WHERE id = ANY(:ids)"), {"ids": list(old)})
        return
    docids = _docids(conn, index, list(old))
    if docids:
        conn.execute(text(f"INSERT INTO {index.name} ({index.name}, rowid, words) VALUES ('delete', :docid, :words)"),
                     [{"docid": d, "words": old[i]} for i, d in docids.items()])
        conn.execute(text(f"DELETE FROM {index.name}_doc WHERE id IN ({', '.join(map(str, docids))})"))


def _docids(conn: Connection, index: Index, ids: Iterable[int]) -> dict[int, int]:
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    rows = conn.execute(text(f"SELECT id, docid FROM {index.name}_doc WHERE id IN ({', '.join(map(str, ids))})"))
    return {i: d for i, d in rows}


def matching_ids(index: Index, dialect: str, query: str) -> Select | None:
    """SELECT of the source ids whose fields contain `query` (normalised); None: an empty query."""
    words, prefix = terms(query)
    if not words:
        return None
    if dialect == "postgresql":
        tsquery = f"{words[0]}:*" if prefix else " <-> ".join(words)
        pg = table(index.name, column("id"), column("tsv"))
        match: ColumnElement[bool] = pg.c.tsv.op("@@")(
            func.to_tsquery(literal_column("'simple'::regconfig"), literal(tsquery, Text))
        )
        return select(pg.c.id).where(match)
    expression = f"{words[0]}*" if prefix else '"' + " ".join(words) + '"'
    fts = table(index.name, column("rowid"))
    doc = table(f"{index.name}_doc", column("docid"), column("id"))
    hits = select(fts.c.rowid).where(literal_column(index.name).op("MATCH")(bindparam(None, expression)))
    return select(doc.c.id).where(doc.c.docid.in_(hits))


__all__ = ["Index", "clear", "create", "create_search_index", "drop", "matching_ids", "remove", "write"]
