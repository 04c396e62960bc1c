"""隐患统计汇总 per year (issue #15): each (乡镇/街道, 行业, 等级, 销号月份) cell of a year is also summed in a row
with found_month yyyy00, kept by the same upsert as its month row. A dashboard over whole years (several
years; this year, open-ended) reads ~900 year rows a year for a city instead of ~8,000 month rows, and its
GROUP BY sorts that many. Filled here from the month rows by one INSERT … SELECT … GROUP BY.

Revision ID: 0017_hazard_summary_years
Revises: 0016_hazard_summary_within
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0017_hazard_summary_years"
down_revision = "0016_hazard_summary_within"
branch_labels = None
depends_on = None

COLUMNS = "found_month, town_path, industry, level, closed_month, n, closed, overdue, on_time, referred, c0, c1, c2, c3"
YEAR_ROWS = f"""
INSERT INTO hazard_summary ({COLUMNS})
SELECT (found_month / 100) * 100, town_path, industry, level, closed_month, SUM(n), SUM(closed), SUM(overdue),
       SUM(on_time), SUM(referred), SUM(c0), SUM(c1), SUM(c2), SUM(c3)
FROM hazard_summary WHERE found_month % 100 <> 0
GROUP BY (found_month / 100) * 100, town_path, industry, level, closed_month
"""


def upgrade():
    started = time.perf_counter()
    conn = op.get_bind()
    conn.execute(sa.text(YEAR_ROWS))
    op.execute("ANALYZE hazard_summary")
    rows = conn.execute(sa.text("SELECT COUNT(*) FROM hazard_summary WHERE found_month % 100 = 0")).scalar()
    print(f"  hazard_summary 年度行：{rows} 行，{time.perf_counter() - started:.1f} 秒")


def downgrade():
    op.execute("DELETE FROM hazard_summary WHERE found_month % 100 = 0")
