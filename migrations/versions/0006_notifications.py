"""站内消息 become a platform table: `notifications` (recipient, the one subject reference of app/subjects.py,
kind, idempotency key, texts, level, sent and read times) replaces `hazard_notifications`. Every stored
notice is copied over (its hazard becomes subject 'hazards'), then the old table goes.

Downgrade copies back the notices about hazards that still exist and those without a subject; notices
about any other kind of object have no place in the old table and are dropped with `notifications`.

Revision ID: 0006_notifications
Revises: 0005_subject_type_table_name
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_notifications"
down_revision = "0005_subject_type_table_name"
branch_labels = None
depends_on = None

SUBJECT_TYPE = "hazards"  # the hazards' table name: their subject type (app/subjects.py)
PREFIX = SUBJECT_TYPE + ":"
COPIED = ("user_id", "kind", "key", "title", "body", "level", "created_at", "read_at")


def _columns(table: str):
    return sa.table(table, *(sa.column(c) for c in ("id", "subject_type", "subject_id", "hazard_id", *COPIED)))


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False, comment="收件人"),
        sa.Column("subject_type", sa.String(length=60), nullable=True, comment="业务对象类型（表名）"),
        sa.Column("subject_id", sa.Integer(), nullable=True, comment="业务对象ID"),
        sa.Column("kind", sa.String(length=30), nullable=False, comment="消息类别（如 overdue、remind_before）"),
        sa.Column("key", sa.String(length=120), nullable=False, comment="幂等键：同一键对同一收件人只发一次"),
        sa.Column("title", sa.String(length=200), nullable=False, comment="标题"),
        sa.Column("body", sa.Text(), nullable=True, comment="正文"),
        sa.Column("level", sa.String(length=10), nullable=False, comment="info/warning/danger"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, comment="发送时间"),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True, comment="阅读时间"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", "user_id", name="uq_notifications_key_user"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_unread", ["user_id", "read_at"], unique=False)
        batch_op.create_index("ix_notifications_user_newest", ["user_id", "created_at", "id"], unique=False)

    old, new = _columns("hazard_notifications"), _columns("notifications")
    subject_type = sa.case((old.c.hazard_id.is_(None), sa.null()), else_=sa.literal(SUBJECT_TYPE))
    # a notice about an object keeps its key behind the object's type (app.notifications.notify)
    key = sa.case((old.c.hazard_id.is_(None), old.c.key), else_=sa.literal_column(f"'{PREFIX}' || key"))
    copied = [key if c == "key" else old.c[c] for c in COPIED]
    op.execute(
        new.insert().from_select(
            ["subject_type", "subject_id", *COPIED],
            sa.select(subject_type, old.c.hazard_id, *copied).order_by(old.c.id),
        )
    )

    with op.batch_alter_table("hazard_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_hazard_notifications_user_read")
        batch_op.drop_index(batch_op.f("ix_hazard_notifications_hazard_id"))
    op.drop_table("hazard_notifications")


def downgrade():
    op.create_table(
        "hazard_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind", sa.String(length=30), nullable=False, comment="remind_before/remind_due/overdue/review_overdue/progress"
        ),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=False, comment="info/warning/danger"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazards.id"], name=op.f("fk_hazard_notifications_hazard_id_hazards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hazard_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_notifications")),
        sa.UniqueConstraint("key", "user_id", name="uq_hazard_notifications_key_user"),
    )
    with op.batch_alter_table("hazard_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_notifications_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index("ix_hazard_notifications_user_read", ["user_id", "read_at"], unique=False)

    old, new = _columns("hazard_notifications"), _columns("notifications")
    hazards = sa.table("hazards", sa.column("id"))
    about_a_hazard = sa.and_(
        new.c.subject_type == SUBJECT_TYPE, new.c.subject_id.in_(sa.select(hazards.c.id))
    )
    key = sa.case(
        (new.c.subject_type == SUBJECT_TYPE, sa.func.substr(new.c.key, len(PREFIX) + 1)), else_=new.c.key
    )
    copied = [key if c == "key" else new.c[c] for c in COPIED]
    op.execute(
        old.insert().from_select(
            ["hazard_id", *COPIED],
            sa.select(new.c.subject_id, *copied)
            .where(sa.or_(new.c.subject_type.is_(None), about_a_hazard))
            .order_by(new.c.id),
        )
    )

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_newest")
        batch_op.drop_index("ix_notifications_user_unread")
    op.drop_table("notifications")
