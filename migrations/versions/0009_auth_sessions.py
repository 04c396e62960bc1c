"""Sessions that end, and login throttling that strangers cannot abuse (issue #11 items 2 and 3).

users.session_version is part of every session's user id: raising it ends every session of the user
(logout, password change or reset, role change, deactivation). login_throttles counts login attempts per
(user name, source address) and per source address for growing pauses; it replaces the per-account lock
(users.failed_logins and users.locked_until, which a stranger could set from anywhere).

Revision ID: 0009_auth_sessions
Revises: 0008_audit_hmac
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_auth_sessions"
down_revision = "0008_audit_hmac"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")

    op.create_table(
        "login_throttles",
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=45), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("checking", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", "source", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_last_attempt_at"), ["last_attempt_at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_last_attempt_at"))
    op.drop_table("login_throttles")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("session_version")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("failed_logins", server_default=None)
