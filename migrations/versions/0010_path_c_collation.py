"""Region paths (the data scope) use the C collation on PostgreSQL, so `region_path LIKE '/…/%'` uses a
plain btree index under any database default collation (a normal install's language collation cannot
serve LIKE from an index). SQLite compares bytes already: nothing to do there. Indexes on the columns are
rebuilt by ALTER TYPE.

Revision ID: 0010_path_c_collation
Revises: 0009_auth_sessions
"""

from alembic import op

revision = "0010_path_c_collation"
down_revision = "0009_auth_sessions"
branch_labels = None
depends_on = None

COLUMNS = [
    ("regions", "path", 200, False),
    ("enterprises", "region_path", 200, False),
    ("workflow_instances", "region_path", 255, True),
    ("human_tasks", "region_path", 255, True),
    ("rectification_orders", "region_path", 200, False),
    ("hazards", "region_path", 200, False),
    ("penalty_referrals", "region_path", 200, False),
]


def _alter(collate: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length, _nullable in COLUMNS:
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE varchar({length}){collate}')


def upgrade():
    _alter(' COLLATE "C"')


def downgrade():
    _alter(' COLLATE "default"')
