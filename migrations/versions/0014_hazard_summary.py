"""隐患统计汇总 (issue #15): `hazard_summary` counts issued hazards per 排查月份, 乡镇/街道, 行业, 等级 and 销号月份
(app/hazards/summary.py keeps it in the same transaction as every change; the dashboard reads it). Filled
here from the hazards already present by one INSERT … SELECT … GROUP BY: hazards grouped by their own
region path first, then each distinct path mapped to the town region above it (a few hundred paths, not a
join of every hazard against the regions). `flask hazards summary-rebuild` recomputes it.

Revision ID: 0014_hazard_summary
Revises: 0013_hazard_search
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0014_hazard_summary"
down_revision = "0013_hazard_search"
branch_labels = None
depends_on = None


def _month(dialect: str, col: str) -> str:
    if dialect == "postgresql":
        return f"COALESCE(CAST(to_char({col}, 'YYYYMM') AS INTEGER), 0)"
    return f"COALESCE(CAST(strftime('%Y%m', {col}) AS INTEGER), 0)"


def fill_sql(dialect: str) -> str:
    """The summary's rows from the hazards (the same counts as app.hazards.summary.live())."""
    return f"""
WITH g AS (
  SELECT h.region_path, e.industry, h.level,
         {_month(dialect, "h.found_on")} AS found_month, {_month(dialect, "h.closed_on")} AS closed_month,
         COUNT(*) AS n,
         SUM(CASE WHEN h.status = '已销号' THEN 1 ELSE 0 END) AS closed,
         SUM(CASE WHEN h.is_overdue THEN 1 ELSE 0 END) AS overdue,
         SUM(CASE WHEN h.status = '已销号' AND h.overdue_at IS NULL THEN 1 ELSE 0 END) AS on_time,
         SUM(CASE WHEN h.status = '已移送立案' THEN 1 ELSE 0 END) AS referred
  FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id
  WHERE h.status <> '待签发'
  GROUP BY h.region_path, e.industry, h.level, 4, 5
),
paths AS (SELECT DISTINCT region_path FROM g),
towns AS (
  SELECT paths.region_path, MAX(r.path) AS town_path
  FROM paths JOIN regions r ON r.level = 'town' AND substr(paths.region_path, 1, length(r.path)) = r.path
  GROUP BY paths.region_path
)
SELECT g.found_month, COALESCE(towns.town_path, g.region_path) AS town_path, g.industry, g.level, g.closed_month,
       SUM(g.n), SUM(g.closed), SUM(g.overdue), SUM(g.on_time), SUM(g.referred)
FROM g LEFT JOIN towns ON towns.region_path = g.region_path
GROUP BY 1, 2, 3, 4, 5
"""


def upgrade():
    path = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
    op.create_table(
        "hazard_summary",
        sa.Column("found_month", sa.Integer(), nullable=False, comment="排查月份（yyyymm）"),
        sa.Column("town_path", path, nullable=False, comment="乡镇/街道区划路径"),
        sa.Column("industry", sa.String(length=30), nullable=False, comment="行业/监管类别"),
        sa.Column("level", sa.String(length=10), nullable=False, comment="隐患等级"),
        sa.Column("closed_month", sa.Integer(), nullable=False, comment="销号月份（yyyymm，0 = 无）"),
        sa.Column("n", sa.Integer(), nullable=False, comment="发现隐患数"),
        sa.Column("closed", sa.Integer(), nullable=False, comment="已销号"),
        sa.Column("overdue", sa.Integer(), nullable=False, comment="当前逾期"),
        sa.Column("on_time", sa.Integer(), nullable=False, comment="按期销号（未曾逾期）"),
        sa.Column("referred", sa.Integer(), nullable=False, comment="已移送立案"),
        sa.PrimaryKeyConstraint(
            "found_month", "town_path", "industry", "level", "closed_month", name=op.f("pk_hazard_summary")
        ),
        sqlite_with_rowid=False,
    )
    started = time.perf_counter()
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO hazard_summary (found_month, town_path, industry, level, closed_month, "
        "n, closed, overdue, on_time, referred) " + fill_sql(conn.dialect.name)
    ))
    op.execute("ANALYZE hazard_summary")
    rows = conn.execute(sa.text("SELECT COUNT(*) FROM hazard_summary")).scalar()
    print(f"  hazard_summary：{rows} 行，{time.perf_counter() - started:.1f} 秒")


def downgrade():
    op.drop_table("hazard_summary")
