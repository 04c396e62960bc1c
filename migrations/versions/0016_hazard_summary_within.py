"""隐患统计汇总 with the 销号 month as counts (issue #15): in 0014 `closed_month` was a key of every row, which
split each (排查月份, 乡镇/街道, 行业, 等级) cell by the month its hazards were closed: ~100,000 rows at
1,000,000 hazards, read twice per dashboard. Nearly all hazards close within three months of being found,
so those are now counted in c0–c3 of their cell (closed in the 排查月份 itself, one, two, three months
later) and `closed_month` keys a row only for a hazard closed later: ~42,000 rows. The table is rebuilt
in the new shape by one INSERT … SELECT … GROUP BY (its time printed); the downgrade rebuilds 0014's.

Revision ID: 0016_hazard_summary_within
Revises: 0015_hazard_list_covering
"""

import importlib.util
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0016_hazard_summary_within"
down_revision = "0015_hazard_list_covering"
branch_labels = None
depends_on = None


def _month(dialect: str, col: str) -> str:
    if dialect == "postgresql":
        return f"COALESCE(CAST(to_char({col}, 'YYYYMM') AS INTEGER), 0)"
    return f"COALESCE(CAST(strftime('%Y%m', {col}) AS INTEGER), 0)"


def _month_number(dialect: str, col: str) -> str:
    """year * 12 + month, to count months between two dates."""
    if dialect == "postgresql":
        return f"(CAST(EXTRACT(YEAR FROM {col}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {col}) AS INTEGER))"
    return f"(CAST(strftime('%Y', {col}) AS INTEGER) * 12 + CAST(strftime('%m', {col}) AS INTEGER))"


def fill_sql(dialect: str) -> str:
    """The summary's rows from the hazards (the same counts as app.hazards.summary.live()): a hazard closed
    within four months of its 排查月份 is counted in c0–c3, one closed later keys closed_month."""
    delay = f"({_month_number(dialect, 'h.closed_on')} - {_month_number(dialect, 'h.found_on')})"
    closed = "h.status = '已销号'"
    soon = f"({closed} AND h.closed_on IS NOT NULL AND {delay} BETWEEN 0 AND 3)"
    late = f"{closed} AND h.closed_on IS NOT NULL AND NOT {soon}"
    return f"""
WITH g AS (
  SELECT h.region_path, e.industry, h.level, {_month(dialect, "h.found_on")} AS found_month,
         CASE WHEN {late} THEN {_month(dialect, "h.closed_on")} ELSE 0 END AS closed_month,
         COUNT(*) AS n,
         SUM(CASE WHEN {closed} THEN 1 ELSE 0 END) AS closed,
         SUM(CASE WHEN h.is_overdue THEN 1 ELSE 0 END) AS overdue,
         SUM(CASE WHEN {closed} AND h.overdue_at IS NULL THEN 1 ELSE 0 END) AS on_time,
         SUM(CASE WHEN h.status = '已移送立案' THEN 1 ELSE 0 END) AS referred,
         {", ".join(f"SUM(CASE WHEN {soon} AND {delay} = {k} THEN 1 ELSE 0 END) AS c{k}" for k in range(4))}
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
       SUM(g.n), SUM(g.closed), SUM(g.overdue), SUM(g.on_time), SUM(g.referred),
       SUM(g.c0), SUM(g.c1), SUM(g.c2), SUM(g.c3)
FROM g LEFT JOIN towns ON towns.region_path = g.region_path
GROUP BY 1, 2, 3, 4, 5
"""


def upgrade():
    op.drop_table("hazard_summary")
    path = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
    op.create_table(
        "hazard_summary",
        sa.Column("found_month", sa.Integer(), nullable=False, comment="排查月份（yyyymm）"),
        sa.Column("town_path", path, nullable=False, comment="乡镇/街道区划路径"),
        sa.Column("industry", sa.String(length=30), nullable=False, comment="行业/监管类别"),
        sa.Column("level", sa.String(length=10), nullable=False, comment="隐患等级"),
        sa.Column("closed_month", sa.Integer(), nullable=False,
                  comment="销号月份（yyyymm；0 = 未销号或排查后三个月内销号，计入 c0–c3）"),
        sa.Column("n", sa.Integer(), nullable=False, comment="发现隐患数"),
        sa.Column("closed", sa.Integer(), nullable=False, comment="已销号"),
        sa.Column("overdue", sa.Integer(), nullable=False, comment="当前逾期"),
        sa.Column("on_time", sa.Integer(), nullable=False, comment="按期销号（未曾逾期）"),
        sa.Column("referred", sa.Integer(), nullable=False, comment="已移送立案"),
        sa.Column("c0", sa.Integer(), nullable=False, comment="排查当月销号"),
        sa.Column("c1", sa.Integer(), nullable=False, comment="排查次月销号"),
        sa.Column("c2", sa.Integer(), nullable=False, comment="排查后第2个月销号"),
        sa.Column("c3", sa.Integer(), nullable=False, comment="排查后第3个月销号"),
        sa.PrimaryKeyConstraint(
            "found_month", "town_path", "industry", "level", "closed_month", name=op.f("pk_hazard_summary")
        ),
        sqlite_with_rowid=False,
    )
    started = time.perf_counter()
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO hazard_summary (found_month, town_path, industry, level, closed_month, "
        "n, closed, overdue, on_time, referred, c0, c1, c2, c3) " + fill_sql(conn.dialect.name)
    ))
    op.execute("ANALYZE hazard_summary")
    rows = conn.execute(sa.text("SELECT COUNT(*) FROM hazard_summary")).scalar()
    print(f"  hazard_summary：{rows} 行，{time.perf_counter() - started:.1f} 秒")


def downgrade():
    op.drop_table("hazard_summary")
    path = Path(__file__).with_name("0014_hazard_summary.py")
    spec = importlib.util.spec_from_file_location("m0014_hazard_summary", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.upgrade()  # 0014's table, filled by 0014's SQL
