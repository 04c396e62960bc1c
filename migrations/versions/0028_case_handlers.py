"""审批与办案分离 in the inbox: `case_handlers` (case, user) holds everyone who handles or handled a penalty case
— its officers, its creator, whoever submitted or revised its 立案审批表 and the team each version named
(app.cases.gates.handler_ids reads it, record_handlers writes it in the step's transaction). The inbox reads a
user's rows (ix_case_handlers_user) to keep the case's approvals from a former handler too; it read only
case_officers, so one dropped from the team at a revision still saw the task he could not do.

The rows of the existing cases are computed here as handler_ids did before: case_officers, created_by_id and the
entries with decision "submit" of the filing_approvals JSON (`user_id`, `officer_ids`), read in batches of cases.
Downgrade drops the table (the JSON and case_officers keep what it was computed from).

Revision ID: 0028_case_handlers
Revises: 0027_hazard_ever_overdue_index
"""

import time

import sqlalchemy as sa
from alembic import op

revision = "0028_case_handlers"
down_revision = "0027_hazard_ever_overdue_index"
branch_labels = None
depends_on = None

BATCH = 1000

CASES = sa.table(
    "penalty_cases", sa.column("id"), sa.column("created_by_id"), sa.column("filing_approvals", sa.JSON())
)
OFFICERS = sa.table("case_officers", sa.column("case_id"), sa.column("user_id"))
HANDLERS = sa.table("case_handlers", sa.column("case_id"), sa.column("user_id"))


def upgrade():
    op.create_table(
        "case_handlers",
        sa.Column("case_id", sa.Integer(), nullable=False, comment="案件"),
        sa.Column("user_id", sa.Integer(), nullable=False, comment="承办或曾承办本案的人员"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["penalty_cases.id"],
            name=op.f("fk_case_handlers_case_id_penalty_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_case_handlers_user_id_users")),
        sa.PrimaryKeyConstraint("case_id", "user_id", name=op.f("pk_case_handlers")),
    )
    op.create_index("ix_case_handlers_user", "case_handlers", ["user_id", "case_id"], unique=False)
    started = time.perf_counter()
    cases = backfill(op.get_bind())
    print(f"  case_handlers：{cases} 件案件，{time.perf_counter() - started:.1f} 秒")


def handlers_of(created_by_id, approvals, officers) -> set[int]:
    """handler_ids as it was computed before this revision."""
    ids = {created_by_id, *officers}
    for a in approvals or []:
        if a.get("decision") == "submit":
            ids.add(a.get("user_id"))
            ids.update(a.get("officer_ids") or ())
    return {i for i in ids if i is not None}


def backfill(conn) -> int:
    """The rows of every existing case, BATCH cases at a time (keyset on the id); returns how many cases."""
    after, done = 0, 0
    while True:
        rows = conn.execute(
            sa.select(CASES.c.id, CASES.c.created_by_id, CASES.c.filing_approvals)
            .where(CASES.c.id > after)
            .order_by(CASES.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return done
        first, after = rows[0].id, rows[-1].id
        officers: dict[int, list[int]] = {}
        for case_id, user_id in conn.execute(
            sa.select(OFFICERS.c.case_id, OFFICERS.c.user_id).where(OFFICERS.c.case_id.between(first, after))
        ):
            officers.setdefault(case_id, []).append(user_id)
        values = [
            {"case_id": r.id, "user_id": u}
            for r in rows
            for u in sorted(handlers_of(r.created_by_id, r.filing_approvals, officers.get(r.id, ())))
        ]
        if values:
            conn.execute(HANDLERS.insert(), values)
        done += len(rows)


def downgrade():
    op.drop_index("ix_case_handlers_user", table_name="case_handlers")
    op.drop_table("case_handlers")
