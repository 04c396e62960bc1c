"""The hazard list's indexes, measured at 1,000,000 hazards (issue #15):

- `ix_hazards_list` also holds `overdue_at`, so the 曾经逾期 filter is answered from the index like the
  others (it read the table row of every entry it passed);
- `ix_hazards_region_path_status` holds every column the list's filters test after the scope and status, so
  a small scope (a 乡镇 officer, a 乡镇 filter) is one range read of the index, never the table;
- `ix_hazards_is_overdue` goes: `ix_hazards_list` starts with the same column, and the single-column index
  tempted SQLite into counting the overdue hazards of a city by reading each one's table row;
- `ix_rectification_orders_drafts` (created_by_id, status) answers "my draft 指令书", shown on every list
  page, without reading every order (200 ms at 400,000 orders).

Revision ID: 0015_hazard_list_covering
Revises: 0014_hazard_summary
"""

import time

from alembic import op

revision = "0015_hazard_list_covering"
down_revision = "0014_hazard_summary"
branch_labels = None
depends_on = None

LIST = ["is_overdue", "found_on", "id", "region_path", "status", "level", "source", "enterprise_id", "closed_on"]
REGION = ["region_path", "status", "level", "is_overdue", "found_on", "source", "enterprise_id", "closed_on",
          "overdue_at"]


def _timed(label, fn):
    started = time.perf_counter()
    fn()
    print(f"  {label}：{time.perf_counter() - started:.1f} 秒")


def upgrade():
    def hazards():
        op.drop_index("ix_hazards_list", table_name="hazards")
        op.create_index("ix_hazards_list", "hazards", [*LIST, "overdue_at"])
        op.drop_index("ix_hazards_region_path_status", table_name="hazards")
        op.create_index("ix_hazards_region_path_status", "hazards", REGION)
        op.drop_index("ix_hazards_is_overdue", table_name="hazards")

    _timed("隐患列表索引", hazards)
    _timed("待签发指令书索引", lambda: op.create_index(
        "ix_rectification_orders_drafts", "rectification_orders", ["created_by_id", "status"]))
    op.execute("ANALYZE hazards")
    op.execute("ANALYZE rectification_orders")


def downgrade():
    op.drop_index("ix_rectification_orders_drafts", table_name="rectification_orders")
    op.create_index("ix_hazards_is_overdue", "hazards", ["is_overdue"])
    op.drop_index("ix_hazards_region_path_status", table_name="hazards")
    op.create_index("ix_hazards_region_path_status", "hazards", ["region_path", "status"])
    op.drop_index("ix_hazards_list", table_name="hazards")
    op.create_index("ix_hazards_list", "hazards", LIST)
