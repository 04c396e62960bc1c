"""Scope words in the hazard search index (issue #15): each hazard's document in `hazard_search` also holds
one word per "/"-ended prefix of its region_path (app.search.text.scope_words), so a county officer's or a
乡镇 filter's search intersects its region inside the full-text query (FTS5 `… AND r…`, tsquery `… & r…`)
instead of reading the hazard row of every hit in the city. The documents are built again here, in
batches; PostgreSQL's GIN index is dropped first and built after the load. Downgrade builds them again
without the scope words.

Revision ID: 0018_search_scope_tokens
Revises: 0017_hazard_summary_years
"""

import time

from alembic import op

from app.search import rebuild_timed, store

revision = "0018_search_scope_tokens"
down_revision = "0017_hazard_summary_years"
branch_labels = None
depends_on = None

FIELDS = ("code", "location", "description")
WITH_SCOPE = store.Index(name="hazard_search", source="hazards", fields=FIELDS, scope="region_path")
WITHOUT_SCOPE = store.Index(name="hazard_search", source="hazards", fields=FIELDS)


def build(conn, index: store.Index) -> None:
    """Fill `hazard_search` again from the hazards with `index`'s words (bench/bench_search.py times it)."""
    started = time.perf_counter()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS ix_{index.name}_tsv")
    rebuild_timed(conn, index)
    store.create_search_index(conn, index)
    if postgres:
        conn.exec_driver_sql(f"ANALYZE {index.name}")
    print(f"  检索索引（{'含' if index.scope else '不含'}区划词）：{time.perf_counter() - started:.1f} 秒")


def upgrade():
    build(op.get_bind(), WITH_SCOPE)


def downgrade():
    build(op.get_bind(), WITHOUT_SCOPE)
