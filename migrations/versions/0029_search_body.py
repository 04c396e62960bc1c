"""PostgreSQL's search tables keep each row's text (`body`) to check a longer term in (issue #15).

A term of three or more characters is found by its bigrams in the GIN index, then checked for the term itself.
That check read each candidate's source row: 消防通道 city-wide, 24,749 random reads of the hazards table, 117 ms
for the list's capped count alone; for a code prefix such as YH2024 (a fifth of all hazards) PostgreSQL chose a
merge join of both tables and took 2.4 s. Each search table gets `body`: the row's fields normalised as a term is
(NFKC, A–Z as a–z), joined by U+001F, kept in the row (STORAGE MAIN) while the tsvector stays out of line; the
check is then `body LIKE '%term%'` on the index table's own row (app.search.store). The bodies are filled here in
SQL (the normalisation app.search.store.normalized_sql spells); the application writes them from Python from now
on (`flask hazards search-rebuild` writes every one again). The tables are then compacted (VACUUM FULL, outside
the migration's transaction), which also rebuilds their GIN indexes: 37.2 s at 1,000,000 hazards (bodies 20.8 s,
compaction 15.9 s; hazard_search 169 MB, was 89). SQLite (FTS5 phrase queries) is unchanged.

Downgrade drops the column.

Revision ID: 0029_search_body
Revises: 0028_case_handlers
"""

import time

from alembic import op

revision = "0029_search_body"
down_revision = "0028_case_handlers"
branch_labels = None
depends_on = None

SEPARATOR = "E'\\x1f'"  # app.search.store.BODY_SEPARATOR
# each search table at this revision: its source table and indexed fields, in order
TABLES = {
    "hazard_search": ("hazards", ("code", "location", "description")),
    "enterprise_search": ("enterprises", ("name",)),
    "publication_search": ("publications", ("title",)),
}


def _normalized(column: str) -> str:
    """app.search.store.normalized_sql at this revision, of a column that may be NULL ('' then, as in Python)."""
    return (f"translate(normalize(coalesce(src.{column}, ''), NFKC), "
            "'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for name, (source, fields) in TABLES.items():
        started = time.perf_counter()
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS body TEXT NOT NULL DEFAULT ''")
        # both in the row (app.search.store.create): the pad, compressed, is not moved out after the tsvector
        conn.exec_driver_sql(f"ALTER TABLE {name} ALTER COLUMN body SET STORAGE MAIN, "
                             "ALTER COLUMN toast_pad SET STORAGE MAIN")
        body = f"concat_ws({SEPARATOR}, {', '.join(_normalized(f) for f in fields)})"
        n = conn.exec_driver_sql(
            f"UPDATE {name} s SET body = {body} FROM {source} src WHERE src.id = s.id"  # noqa: S608
        ).rowcount
        print(f"  检索表 {name}：{n} 行写入正文，{time.perf_counter() - started:.1f} 秒")
    # each row was written again: the tables hold twice their rows until compacted
    with op.get_context().autocommit_block():
        for name in TABLES:
            started = time.perf_counter()
            conn.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {name}")
            print(f"  检索表 {name}：整理，{time.perf_counter() - started:.1f} 秒")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for name in TABLES:
        conn.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN IF EXISTS body")
        conn.exec_driver_sql(f"ALTER TABLE {name} ALTER COLUMN toast_pad SET STORAGE EXTENDED")
