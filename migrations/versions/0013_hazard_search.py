"""Hazard search on the databases' own full-text engines (issue #15): `hazard_search` indexes each hazard's
code, location and description, `enterprise_search` each enterprise's name, as character bigrams
(app.search): SQLite FTS5 tables, PostgreSQL tsvector tables with a GIN index. Built here for the rows
already present, in batches; `flask hazards search-rebuild` builds them again.

Revision ID: 0013_hazard_search
Revises: 0012_hazard_list_index
"""

import time

from alembic import op

from app.search import rebuild_timed, store

revision = "0013_hazard_search"
down_revision = "0012_hazard_list_index"
branch_labels = None
depends_on = None

# the index definitions as of this revision (app/hazards/search.py registers the same)
INDEXES = [
    store.Index(name="hazard_search", source="hazards", fields=("code", "location", "description")),
    store.Index(name="enterprise_search", source="enterprises", fields=("name",)),
]


def upgrade():
    build(op.get_bind())


def build(conn) -> None:
    """Create the indexes and fill them from the rows present (bench/bench_search.py times this too)."""
    started = time.perf_counter()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for index in INDEXES:
        store.create(conn, index)
        rebuild_timed(conn, index)
        store.create_search_index(conn, index)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {index.name}")
    print(f"  检索索引：{time.perf_counter() - started:.1f} 秒")


def downgrade():
    conn = op.get_bind()
    for index in reversed(INDEXES):
        store.drop(conn, index)
