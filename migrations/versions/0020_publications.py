"""行政执法公示 (app.publication): one row per published entry, kept after a withdrawal, and the full-text
index on its title for the public list's search.

- `ix_publications_public` (status, published_on, id, kind, expires_on): the public list, newest first,
  seeks within status = 已公示; kind and expiry are tested from the index;
- `ix_publications_kind` (kind, status, published_on, id, expires_on): the public list of one kind;
- `ix_publications_region` (region_path, published_on, id): the staff list of a jurisdiction;
- `ix_publications_subject` (subject_type, subject_id, kind, status): one subject's entries (current_for);
- `uq_publications_current`: at most one published entry per subject and kind (partial unique index).

Revision ID: 0020_publications
Revises: 0019_hazard_home_indexes
"""

import sqlalchemy as sa
from alembic import op

from app.search import store

revision = "0020_publications"
down_revision = "0019_hazard_home_indexes"
branch_labels = None
depends_on = None

# the index definition as of this revision (app/publication/models.py registers the same)
SEARCH = store.Index(name="publication_search", source="publications", fields=("title",))
PUBLISHED = "status = '已公示'"


def _path():
    return sa.String(length=200).with_variant(sa.String(length=200, collation="C"), "postgresql")


def upgrade():
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "subject_type", sa.String(length=60), nullable=False, comment="公示对象类型（业务记录的表名）"
        ),
        sa.Column("subject_id", sa.BigInteger(), nullable=False, comment="公示对象ID"),
        sa.Column("kind", sa.String(length=40), nullable=False, comment="公示种类（已登记的种类代码）"),
        sa.Column("title", sa.String(length=200), nullable=False, comment="公示标题"),
        sa.Column(
            "fields",
            sa.JSON(),
            nullable=False,
            comment="公示内容：按公示顺序的[名称, 值]列表（证件号、电话已脱敏）",
        ),
        sa.Column("region_path", _path(), nullable=False, comment="属地区划路径（数据范围）"),
        sa.Column("agency_id", sa.Integer(), nullable=False, comment="公示机关"),
        sa.Column("decided_on", sa.Date(), nullable=False, comment="决定日期（被公示行为作出之日）"),
        sa.Column("due_on", sa.Date(), nullable=True, comment="法定公示期限（由业务按法定期间算出）"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, comment="公示时间"),
        sa.Column(
            "published_on", sa.Date(), nullable=False, comment="公示日期（本地日期，公示列表的排序键）"
        ),
        sa.Column("published_by_id", sa.Integer(), nullable=True, comment="公示人"),
        sa.Column("status", sa.String(length=10), nullable=False, comment="状态：已公示/已撤回"),
        sa.Column("expires_on", sa.Date(), nullable=True, comment="公示截止期：此日之后不再在公示页显示"),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True, comment="撤回时间"),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True, comment="撤回人"),
        sa.Column(
            "withdraw_reason", sa.Text(), nullable=True, comment="撤回原因（决定变更、撤销或确认无效等）"
        ),
        sa.Column(
            "withdraw_due_on", sa.Date(), nullable=True, comment="法定撤回期限（决定变更等之日起3个工作日）"
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["departments.id"], name=op.f("fk_publications_agency_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_publications_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_publications_withdrawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
    )
    op.create_index(
        "ix_publications_public", "publications", ["status", "published_on", "id", "kind", "expires_on"]
    )
    op.create_index(
        "ix_publications_kind", "publications", ["kind", "status", "published_on", "id", "expires_on"]
    )
    op.create_index("ix_publications_region", "publications", ["region_path", "published_on", "id"])
    op.create_index(
        "ix_publications_subject", "publications", ["subject_type", "subject_id", "kind", "status"]
    )
    op.create_index(
        "uq_publications_current",
        "publications",
        ["subject_type", "subject_id", "kind"],
        unique=True,
        sqlite_where=sa.text(PUBLISHED),
        postgresql_where=sa.text(PUBLISHED),
    )
    conn = op.get_bind()
    store.create(conn, SEARCH)  # a new table: nothing to fill
    store.create_search_index(conn, SEARCH)


def downgrade():
    store.drop(op.get_bind(), SEARCH)
    for name in (
        "uq_publications_current",
        "ix_publications_subject",
        "ix_publications_region",
        "ix_publications_kind",
        "ix_publications_public",
    ):
        op.drop_index(name, table_name="publications")
    op.drop_table("publications")
