"""PostgreSQL's search tables keep their tsvectors out of line (issue #15).

A document's tsvector (~600 bytes) stayed in its row: PostgreSQL toasts only rows longer than about 2 kB,
whatever toast_tuple_target says, so `hazard_search` held 666 MB at 1,000,000 hazards and a search read one
table page per match to check it (a two-character term city-wide: 19,684 pages, 62–115 ms). Each search
table gets `toast_pad` (PG_PAD, as app.search.store writes it: a blank longer than that threshold, given on every write,
compressed to a few bytes), and its rows are written again so that each one is toasted: the tsvector moves to
the TOAST table and the table keeps ~90 bytes a row. The words are not computed again: the rows are copied out
and back in id order, the GIN index dropped first and built after. SQLite (FTS5) is unchanged.

Downgrade drops the column; the tsvectors already out of line stay there (the table reads the same).

Revision ID: 0026_search_out_of_line
Revises: 0025_inspections
"""

import time

from alembic import op

revision = "0026_search_out_of_line"
down_revision = "0025_inspections"
branch_labels = None
depends_on = None

TABLES = ("hazard_search", "enterprise_search", "publication_search")
PG_PAD = "repeat(' ', current_setting('block_size')::integer / 4 + 64)"  # app.search.store.PG_PAD at this revision


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for name in TABLES:
        started = time.perf_counter()
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS toast_pad TEXT NOT NULL DEFAULT {PG_PAD}")
        conn.exec_driver_sql(f"ALTER TABLE {name} ALTER COLUMN tsv SET STORAGE EXTERNAL")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name}_copy ON COMMIT DROP AS SELECT id, tsv FROM {name}")
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS ix_{name}_tsv")
        conn.exec_driver_sql(f"TRUNCATE {name}")
        n = conn.exec_driver_sql(f"INSERT INTO {name} (id, tsv) SELECT id, tsv FROM {name}_copy ORDER BY id").rowcount
        conn.exec_driver_sql(f"DROP TABLE {name}_copy")
        conn.exec_driver_sql(f"CREATE INDEX ix_{name}_tsv ON {name} USING gin (tsv)")
        conn.exec_driver_sql(f"ANALYZE {name}")
        print(f"  检索表 {name}：{n} 行移出行外，{time.perf_counter() - started:.1f} 秒")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for name in TABLES:
        conn.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN IF EXISTS toast_pad")
