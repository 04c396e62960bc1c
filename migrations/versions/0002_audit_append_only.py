"""audit_events is append-only on PostgreSQL: a trigger refuses UPDATE, DELETE and TRUNCATE.

On SQLite the ORM listeners in app.audit.models refuse changes; the hash chain (flask audit verify)
detects raw edits on both.

Revision ID: 0002_audit_append_only
Revises: 0001_initial
"""

from alembic import op

from app.audit.models import PG_APPEND_ONLY_DROP_SQL, PG_APPEND_ONLY_SQL

revision = "0002_audit_append_only"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY_SQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY_DROP_SQL)
