"""Where each dialect keeps an index, how it is written and how it is searched.

SQLite: an FTS5 table `<name>` (rowid = the source row's id, one column of words, unicode61, a prefix
index for one-character terms). It is contentless: a table that stored its text would hold every bigram
word again (about a kilobyte a row), and SQLite 3.40 has no `contentless_delete`, so a row's words are
removed with FTS5's 'delete' command, which must be given exactly the words that were indexed — words it
never indexed would corrupt it. `<name>_doc` (id → the source row ON DELETE CASCADE, digest of the
indexed words) tells whether the row's stored fields still give those words; when they do not (the row
was changed by plain SQL), or a new row reuses the id of one deleted by plain SQL, the words are read
back from the index itself (an fts5vocab scan: slow, but only after writes that bypassed the ORM). A
search reads the FTS table alone: a mapping table in between cost a lookup per match.

PostgreSQL: a table `<name>` (id → the source row ON DELETE CASCADE, tsv: the row's distinct words as a
tsvector without positions, 'simple' configuration, with a GIN index; body: the row's fields normalised, joined
by BODY_SEPARATOR). A one-character term is the prefix query `a:*`, a two-character one the word `a`: the GIN
index answers both exactly. A longer term is `a & b & c` (every bigram somewhere in the row), made exact by
`body LIKE '%term%'` on the same row: a phrase query (`a <-> b`) would make PostgreSQL read and decompress every
candidate's tsvector to compare positions, and checking the source row's fields read one row of the (large)
source table per candidate — 消防通道 city-wide: 24,749 random reads, 117 ms for its capped count. Without
positions nothing ever reads the tsvector back, so it is kept out of line (in the TOAST table, see PG_PAD) while
the body stays in the row (STORAGE MAIN): the table's pages, which a search reads for each match to check its
visibility, then also answer the check, at about 45 rows a page, and a count of a longer term reads no source row.
Every term is tested on the body too (exact for a short one anyway), so a count that PostgreSQL answers by
reading the table in order under a LIMIT tests each row's body before reading back its tsvector, and a list that
walks its own index reads one index row per walked row (`body_has`) instead of collecting every hit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import (
    Connection,
    Text,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from app.search.text import ASCII_LOWER, ASCII_UPPER, document, normalize, scope_word, scope_words, terms

SQLITE_SHADOWS = ("data", "idx", "content", "docsize", "config")  # FTS5's own tables for an index
# between the fields of a PostgreSQL row's body: no term found within one field runs across it into the next.
# A control character no search box sends; a term that holds one is checked in the source row's fields instead.
BODY_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Index:
    """A full-text index over `fields` of the table `source` (integer primary key `id`)."""

    name: str
    source: str
    fields: tuple[str, ...]
    scope: str | None = None  # a path column ("/a/b/c/"): its prefixes are words too (app.search.text.scope_words)

    @property
    def columns(self) -> tuple[str, ...]:
        """The source columns a row's words come from: the fields, then the scope column."""
        return (*self.fields, self.scope) if self.scope else self.fields

    def words(self, values: Sequence) -> str:
        """The words of a row whose `columns` hold `values`."""
        words = document(values[: len(self.fields)])
        if not self.scope:
            return words
        scope = scope_words(values[len(self.fields)])
        return " ".join([words, *scope]) if words else " ".join(scope)

    def body(self, values: Sequence) -> str:
        """PostgreSQL: the text a longer term is checked in, of a row whose `columns` hold `values`: each field
        normalised as a search term is (app.search.text.normalize), joined by BODY_SEPARATOR."""
        return BODY_SEPARATOR.join(normalize(v) for v in values[: len(self.fields)])

    def table_names(self) -> set[str]:
        """Every table the index consists of, on either database."""
        return {self.name, f"{self.name}_doc"} | {f"{self.name}_{s}" for s in SQLITE_SHADOWS}


# PostgreSQL moves a value out of line only when the whole row is longer than TOAST_TUPLE_THRESHOLD (about a
# quarter of a block: 2 kB); toast_tuple_target is only the size a row is then shrunk to. A document's tsvector
# is ~600 bytes, so it stayed in the row: 1,000,000 documents took 666 MB of table, one page per match, and a
# two-character term matching 22,238 of them read 19,684 pages (62–115 ms, bench_search). Every write therefore
# also gives `toast_pad`, a blank longer than the threshold: the row is toasted, the blank compresses to a few
# bytes and the tsvector (STORAGE EXTERNAL) goes to the TOAST table, so the table keeps ~90 bytes a row (89 MB)
# and the same term reads 9,799 pages in 13–16 ms. A search never reads the tsvector back: the GIN index answers
# exactly, and the longer terms' check reads the source row (migration 0026 moved the existing rows out).
PG_PAD = "repeat(' ', current_setting('block_size')::integer / 4 + 64)"


def create(conn: Connection, index: Index) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            f"CREATE TABLE IF NOT EXISTS {index.name} ("
            f"id INTEGER PRIMARY KEY REFERENCES {index.source} (id) ON DELETE CASCADE, tsv TSVECTOR NOT NULL, "
            f"body TEXT NOT NULL DEFAULT '', toast_pad TEXT NOT NULL DEFAULT {PG_PAD}) WITH (toast_tuple_target = 128)"
        ))
        conn.execute(text(f"ALTER TABLE {index.name} ALTER COLUMN tsv SET STORAGE EXTERNAL"))
        # in the row (see above): MAIN is moved out of line only when a row cannot fit a page. The pad too: once
        # compressed, an EXTENDED pad would be moved out after the tsvector (to bring the row with its body
        # under toast_tuple_target), an extra TOAST write per row that no search needs
        conn.execute(text(f"ALTER TABLE {index.name} ALTER COLUMN body SET STORAGE MAIN, "
                          "ALTER COLUMN toast_pad SET STORAGE MAIN"))
        return
    conn.execute(text(
        f"CREATE TABLE IF NOT EXISTS {index.name}_doc ("
        f"id INTEGER PRIMARY KEY REFERENCES {index.source} (id) ON DELETE CASCADE, digest INTEGER NOT NULL)"
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


class Indexed(NamedTuple):
    """A row before a change (SQLite): the digest of the words it was indexed with (None: no record) and
    the words its fields give as stored now."""

    digest: int | None
    words: str


def digest(words: str) -> int:
    """A stable 64-bit digest of a row's words."""
    return int.from_bytes(hashlib.blake2b(words.encode(), digest_size=8).digest(), "big", signed=True)


def snapshot(conn: Connection, index: Index, ids: Sequence[int]) -> dict[int, Indexed]:
    """Before a flush changes or deletes rows `ids`: what SQLite needs to take their words out again."""
    if conn.dialect.name == "postgresql" or not ids:
        return {}
    cols = ", ".join(f"s.{f}" for f in index.columns)
    stmt = text(
        f"SELECT s.id, d.digest, {cols} FROM {index.source} s "
        f"LEFT JOIN {index.name}_doc d ON d.id = s.id WHERE s.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    return {r[0]: Indexed(r[1], index.words(r[2:])) for r in conn.execute(stmt, {"ids": list(ids)})}


class Row(NamedTuple):
    """What a source row is indexed with: its words and (PostgreSQL) its body."""

    id: int
    words: str
    body: str


def row(index: Index, row_id: int, values: Sequence, dialect: str) -> Row:
    """The index entry of source row `row_id` whose `index.columns` hold `values` (a body on PostgreSQL only:
    SQLite's FTS5 checks a term in its own phrase query)."""
    return Row(row_id, index.words(values), index.body(values) if dialect == "postgresql" else "")


def write(conn: Connection, index: Index, rows: Sequence[Row],
          before: dict[int, Indexed] | None = None, *, fresh: bool = False) -> None:
    """Index `rows` in place of what they had (`before`, from `snapshot`); `fresh`: no row is indexed yet (a
    rebuild)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        stmt = f"INSERT INTO {index.name} (id, tsv, body) VALUES (:id, strip(to_tsvector('simple', :words)), :body)"
        if not fresh:  # toast_pad: PG_PAD
            stmt += (" ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv, body = excluded.body,"
                     " toast_pad = excluded.toast_pad")
        conn.execute(text(stmt), [r._asdict() for r in rows])
        return
    rows = [(i, w) for i, w, _ in rows]
    if not fresh:
        _take_out(conn, index, [i for i, _ in rows], before or {})
    conn.execute(text(f"INSERT OR REPLACE INTO {index.name}_doc (id, digest) VALUES (:id, :digest)"),
                 [{"id": i, "digest": digest(w)} for i, w in rows])
    conn.execute(text(f"INSERT INTO {index.name} (rowid, words) VALUES (:id, :words)"),
                 [{"id": i, "words": w} for i, w in rows])


def remove(conn: Connection, index: Index, ids: Sequence[int], before: dict[int, Indexed] | None = None) -> None:
    """Unindex rows `ids` (deleted; `before` from `snapshot`)."""
    if not ids:
        return
    if conn.dialect.name == "postgresql":  # ON DELETE CASCADE has done it when the row went
        conn.execute(text(f"DELETE FROM {index.name} WHERE id = ANY(:ids)"), {"ids": list(ids)})
        return
    _take_out(conn, index, ids, before or {})
    conn.execute(text(f"DELETE FROM {index.name}_doc WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
                 {"ids": list(ids)})


def _take_out(conn: Connection, index: Index, ids: Iterable[int], before: dict[int, Indexed]) -> None:
    """FTS5's 'delete' for each of `ids` that is indexed, with the words it was indexed with."""
    params = []
    for i in ids:
        b = before.get(i)
        if b is not None and b.digest is not None and b.digest == digest(b.words):
            params.append({"id": i, "words": b.words})
            continue
        words = _words_in_index(conn, index, i)
        if words is not None:
            params.append({"id": i, "words": words})
    if params:
        conn.execute(text(f"INSERT INTO {index.name} ({index.name}, rowid, words) VALUES ('delete', :id, :words)"),
                     params)


def _words_in_index(conn: Connection, index: Index, i: int) -> str | None:
    """The words the index holds for rowid `i` (None: it holds none), read back from the index."""
    if conn.execute(text(f"SELECT 1 FROM {index.name}_docsize WHERE id = :id"), {"id": i}).first() is None:
        return None
    conn.execute(text(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{index.name}_instances USING fts5vocab(main, {index.name}, instance)"
    ))
    terms_ = conn.execute(text(f"SELECT term FROM temp.{index.name}_instances WHERE doc = :id ORDER BY offset"),
                          {"id": i}).scalars()
    return " ".join(terms_)


def match(index: Index, dialect: str, query: str, within: Sequence[str] = ()) -> Select | None:
    """SELECT of the source ids whose fields contain `query` (normalised); None: an empty query.

    `within`: path prefixes the rows' scope column must all start with (an index with a `scope`), tested
    in the full-text query itself; a prefix that does not end in "/" (or "", "/") is not tested here, the
    caller's own condition must hold it."""
    words, prefix = terms(query)
    if not words:
        return None
    if dialect == "postgresql":
        pg, found = _pg_found(index, words, prefix, within)
        if BODY_SEPARATOR in normalize(query):  # not answered by the body: the source row's fields
            if len(words) == 1:  # one word or one prefix (and the scope words): the GIN index answers exactly
                return select(pg.c.id).where(found)
            src = table(index.source, column("id"), *(column(f) for f in index.fields)).alias(f"{index.name}_src")
            return select(pg.c.id).join(src, src.c.id == pg.c.id).where(found, contains(index, query, src.c))
        # the GIN index finds every row with each bigram (exactly the rows that contain a term of one or two
        # characters), the body holds the term itself. The body test first: where PostgreSQL reads the table
        # in order instead (a common term under a LIMIT), it is the cheap one and spares reading back each
        # row's tsvector out of line for the rows that fail it.
        return select(pg.c.id).where(_in_body(pg.c.body, query), found)
    scope = sorted({w for p in within if (w := scope_word(p))}) if index.scope else []
    expression = " AND ".join([f"{words[0]}*" if prefix else '"' + " ".join(words) + '"', *scope])
    fts = table(index.name, column("rowid"))
    return select(fts.c.rowid).where(literal_column(index.name).op("MATCH")(bindparam(None, expression)))


def body_has(index: Index, query: str, source_id: ColumnElement) -> ColumnElement[bool] | None:
    """PostgreSQL, for a caller that walks its own index over the source and stops after a page: the source
    row with id `source_id` contains `query`, tested on its body — one primary-key read of the index table for
    each walked row, where `match` would collect every hit first (配 city-wide: 66,086 ids hashed to fill one
    page). A scalar subquery, which PostgreSQL runs for each row it reaches instead of turning it into a join
    over every body. None: an empty query, or one the body cannot answer (the caller then uses `match`)."""
    if not terms(query)[0] or BODY_SEPARATOR in normalize(query):
        return None
    pg = table(index.name, column("id"), column("body")).alias(f"{index.name}_row")
    return select(_in_body(pg.c.body, query)).where(pg.c.id == source_id).scalar_subquery().is_(True)


def _in_body(body: ColumnElement, query: str) -> ColumnElement[bool]:
    """`body` holds `query`: one LIKE on a constant pattern. Where PostgreSQL reads the table in order and
    tests each row (a common term under a LIMIT), it orders the tests by their estimated cost, equal ones as
    written: this one then comes before the tsvector's (which reads the row's document back from the TOAST
    table), where `strpos(…) > 0`, two function calls, came after it."""
    escaped = normalize(query).replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return body.like(literal(f"%{escaped}%", Text), escape="!")


def _pg_found(index: Index, words: list[str], prefix: bool, within: Sequence[str]):
    """The PostgreSQL index table and its condition: every word (or the one prefix) and scope word."""
    scope = sorted({w for p in within if (w := scope_word(p))}) if index.scope else []
    tsquery = " & ".join([f"{words[0]}:*" if prefix else " & ".join(sorted(set(words))), *scope])
    pg = table(index.name, column("id"), column("tsv"), column("body"))
    found: ColumnElement[bool] = pg.c.tsv.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"),
                                                                     literal(tsquery, Text)))
    return pg, found


def contains(index: Index, query: str, columns) -> ColumnElement[bool]:
    """PostgreSQL: the row whose `columns` (the source's, by field name) hold `query` in one of the index's
    fields, normalised as the index normalises them."""
    term = literal(normalize(query), Text)
    return or_(*(func.strpos(normalized_sql(columns[f]), term) > 0 for f in index.fields))


def normalized_sql(value: ColumnElement) -> ColumnElement:
    """app.search.text.normalize in PostgreSQL's SQL: NFKC, then A–Z as a–z."""
    return func.translate(func.normalize(value, literal_column("NFKC")), ASCII_UPPER, ASCII_LOWER)


__all__ = ["BODY_SEPARATOR", "PG_PAD", "Index", "Indexed", "Row", "body_has", "clear", "contains", "create",
           "create_search_index", "digest", "drop", "match", "normalized_sql", "remove", "row", "snapshot", "write"]
