"""The hazard list's order as an index (issue #15): `ix_hazards_list` holds (is_overdue, found_on, id) — the
list's sort key — followed by the columns every list filter tests (scope path, status, level, source,
enterprise, 销号日期), so a page is a seek along the index that stops after the page's rows, whatever
the depth (keyset paging), and filters are checked without touching the table.

Revision ID: 0012_hazard_list_index
Revises: 0011_jobs
"""

import time

from alembic import op

revision = "0012_hazard_list_index"
down_revision = "0011_jobs"
branch_labels = None
depends_on = None

COLUMNS = ["is_overdue", "found_on", "id", "region_path", "status", "level", "source", "enterprise_id", "closed_on"]


def upgrade():
    started = time.perf_counter()
    op.create_index("ix_hazards_list", "hazards", COLUMNS, unique=False)
    # the planners' statistics: without them SQLite guesses that a scope prefix is rare and PostgreSQL
    # misjudges the new index until autovacuum gets to it
    op.execute("ANALYZE hazards")
    print(f"  ix_hazards_list：{time.perf_counter() - started:.1f} 秒")


def downgrade():
    op.drop_index("ix_hazards_list", table_name="hazards")
