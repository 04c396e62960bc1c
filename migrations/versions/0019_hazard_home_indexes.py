"""Indexes for the 首页 sections, the 重大事故隐患 list and the dashboard's 销号 drill-down, measured at
1,000,000 hazards (issue #15): each count of the 首页 read the whole scope's range of the region index
(0.8–1 s for a county user, ~5 s for the city on SQLite).

- `ix_hazards_open` (status, region_path, is_overdue, level, deadline): the open hazards of a scope —
  a few per cent of all — are a range per open status; overdue, 重大 and 期限将至 are counted in the index,
  the oldest overdue sorted from it;
- `ix_hazards_major` (level, region_path, status, is_overdue, deadline): the 重大 hazards of a scope;
- `ix_hazards_closed_on` (closed_on, region_path, status, level): the hazards closed in a month (the
  dashboard's 销号 bars link to that list).

Revision ID: 0019_hazard_home_indexes
Revises: 0018_search_scope_tokens
"""

import time

from alembic import op

revision = "0019_hazard_home_indexes"
down_revision = "0018_search_scope_tokens"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_hazards_open": ["status", "region_path", "is_overdue", "level", "deadline"],
    "ix_hazards_major": ["level", "region_path", "status", "is_overdue", "deadline"],
    "ix_hazards_closed_on": ["closed_on", "region_path", "status", "level"],
}


def upgrade():
    for name, columns in INDEXES.items():
        started = time.perf_counter()
        op.create_index(name, "hazards", columns)
        print(f"  {name}：{time.perf_counter() - started:.1f} 秒")
    op.execute("ANALYZE hazards")


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="hazards")
