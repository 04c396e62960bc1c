"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app, search
from app.extensions import db as _db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
# full-text index tables (app.search) are created by migrations and metadata events, not models
COMPARE = {"compare_type": True, "include_name": search.include_name}


@pytest.fixture
def fresh_url(app, tmp_path):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_models(fresh_url):
    migrated = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x", "TESTING": True})
    with migrated.app_context():
        upgrade(directory=MIGRATIONS)
        with _db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts=COMPARE), _db.metadata)
        assert diff == [], diff
        if _db.engine.dialect.name == "postgresql":
            with pytest.raises(Exception, match="append path"), _db.engine.begin() as conn:
                conn.execute(
                    text(  # only the app's append path inserts (0008)
                        "INSERT INTO audit_events (seq, at, actor_name, actor_roles, action, summary, prev_hash, hash) "
                        "VALUES (1, now(), '系统', '', 'x', 'x', repeat('0', 64), repeat('1', 64))"
                    )
                )
            from app import audit

            audit.record(None, "x", None, summary="x")
            _db.session.commit()
            assert audit.verify(anchors_path=None).ok
            with pytest.raises(Exception, match="append-only"), _db.engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_events"))
        _db.engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(fresh_url):
    from flask_migrate import downgrade

    migrated = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x", "TESTING": True})
    with migrated.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="base")
        with _db.engine.connect() as conn:
            left = set(_db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set(), left
        upgrade(directory=MIGRATIONS)
        with _db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts=COMPARE), _db.metadata)
        assert diff == [], diff
        _db.engine.dispose()


_NOW = datetime(2026, 11, 10, 1, 2, 3, tzinfo=UTC)
_STAMPS = {"created_at": _NOW, "updated_at": _NOW}


def _adder(conn):
    """add(table, **values) -> the new row's id: a plain INSERT in the schema of an older revision (the models
    have moved on)."""
    kinds = {datetime: sa.DateTime(timezone=True), date: sa.Date(), list: sa.JSON(), dict: sa.JSON()}

    def add(table, **values):
        t = sa.table(table, *(sa.column(k, kinds.get(type(v))) for k, v in values.items()), sa.column("id"))
        return conn.execute(t.insert().values(**values).returning(t.c.id)).scalar_one()

    return add


def _county(add) -> tuple[int, int, int]:
    """萧县, its 应急管理局 and one enterprise, as every older revision holds them: (region, department, enterprise)."""
    region = add("regions", code="341322", name="萧县", level="county", path="/341322/")
    dept = add("departments", name="萧县应急管理局", kind="局", region_id=region, is_active=True, **_STAMPS)
    ent = add(
        "enterprises",
        name="某公司",
        credit_code="91341322000000001X",
        industry="工贸",
        risk_grade="一般",
        category="B",
        region_id=region,
        region_path="/341322/",
        status="在业",
        **_STAMPS,
    )
    return region, dept, ent


def _rows_before_0006(conn):
    """A hazard and two users in the schema of revision 0005 (plain SQL: the models have moved on), and
    two notices in hazard_notifications: one about the hazard and read, one about nothing and unread."""
    add = _adder(conn)
    now, stamps = _NOW, _STAMPS
    region, dept, ent = _county(add)
    user = {"password_hash": "x", "is_active": True, "failed_logins": 0, **stamps}
    officer = add("users", username="officer", name="王执法", department_id=dept, **user)
    manager = add("users", username="manager", name="李安全", enterprise_id=ent, **user)
    order = add(
        "rectification_orders",
        enterprise_id=ent,
        region_path="/341322/",
        agency_id=dept,
        created_by_id=officer,
        source="执法检查",
        inspected_on=date(2026, 11, 2),
        status="issued",
        **stamps,
    )
    hazard = add(
        "hazards",
        code="YH-1",
        order_id=order,
        seq=1,
        enterprise_id=ent,
        region_path="/341322/",
        source="执法检查",
        found_on=date(2026, 11, 2),
        found_by_id=officer,
        location="喷漆房",
        description="防爆电气损坏",
        category="物",
        level="一般",
        provision="第三十六条",
        original_deadline=date(2026, 11, 9),
        deadline=date(2026, 11, 9),
        status="整改中",
        is_overdue=True,
        failed_rounds=0,
        exception_granted=False,
        extension_count=0,
        discovered_year=2026,
        **stamps,
    )
    notices = [
        dict(
            user_id=officer,
            hazard_id=hazard,
            kind="overdue",
            key=f"overdue:{hazard}:2026-11-09",
            title="隐患逾期未整改",
            body="请复查",
            level="danger",
            created_at=now,
            read_at=now,
        ),
        dict(
            user_id=manager,
            hazard_id=None,
            kind="notice",
            key="notice:1",
            title="系统通知",
            body=None,
            level="info",
            created_at=now,
            read_at=None,
        ),
    ]
    for n in notices:
        add("hazard_notifications", **n)
    return notices


def _read(conn, table, columns):
    from datetime import UTC

    import sqlalchemy as sa

    def plain(v):  # SQLite hands back naive UTC, PostgreSQL aware values
        return v.astimezone(UTC).replace(tzinfo=None) if getattr(v, "tzinfo", None) else v

    t = sa.table(
        table,
        sa.column("id"),
        *(sa.column(c, sa.DateTime(timezone=True) if c.endswith("_at") else None) for c in columns),
    )
    return [
        {c: plain(v) for c, v in row._mapping.items()}
        for row in conn.execute(sa.select(*t.c[1:]).order_by(t.c.id))
    ]


def test_0006_moves_the_notices_and_back(fresh_url):
    """Every hazard notice lands in `notifications` (subject 'hazards', same user, key, texts, read state and
    times); downgrading puts them back (a notice about another kind of object has nowhere to go)."""
    from flask_migrate import downgrade

    old_columns = ["user_id", "hazard_id", "kind", "key", "title", "body", "level", "created_at", "read_at"]
    new_columns = ["user_id", "subject_type", "subject_id", *old_columns[2:]]
    migrated = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x", "TESTING": True})
    with migrated.app_context():
        upgrade(directory=MIGRATIONS, revision="0005_subject_type_table_name")
        with _db.engine.begin() as conn:
            _rows_before_0006(conn)
            before = _read(conn, "hazard_notifications", old_columns)
        upgrade(directory=MIGRATIONS, revision="0006_notifications")
        with _db.engine.connect() as conn:
            assert "hazard_notifications" not in _db.inspect(conn).get_table_names()
            moved = _read(conn, "notifications", new_columns)
        expected = [  # a notice about a hazard keeps its key behind the subject type
            {
                "subject_type": "hazards" if n["hazard_id"] else None,
                "subject_id": n["hazard_id"],
                **{k: v for k, v in n.items() if k != "hazard_id"},
                "key": ("hazards:" if n["hazard_id"] else "") + n["key"],
            }
            for n in (dict(row) for row in before)
        ]
        assert moved == expected and len(moved) == 2
        with _db.engine.begin() as conn:  # a notice about another kind of object: no place for it in 0005
            conn.execute(
                text(
                    "INSERT INTO notifications (user_id, subject_type, subject_id, kind, key, title, level, created_at)"
                    " SELECT user_id, 'cases', 1, 'x', 'x', 'x', 'info', created_at FROM notifications"
                    " WHERE subject_type = 'hazards'"
                )
            )
        downgrade(directory=MIGRATIONS, revision="0005_subject_type_table_name")
        with _db.engine.connect() as conn:
            assert "notifications" not in _db.inspect(conn).get_table_names()
            assert _read(conn, "hazard_notifications", old_columns) == before
        _db.engine.dispose()


def _cases_before_0028(conn) -> dict[int, set[int]]:
    """Three cases in the schema of revision 0027 (plain SQL): one revised after 退回 — its drafter 吴队长 dropped
    himself, the section head 郑队长 revised it, 李队长 returned it — one with no team yet, one plain. Returns
    what handler_ids computed for each before 0028 (case_officers, created_by_id, the JSON's "submit" entries)."""
    add = _adder(conn)
    stamps = _STAMPS
    region, dept, ent = _county(add)
    names = ("wu", "wang", "zhao", "zheng", "li", "sun")
    wu, wang, zhao, zheng, li, sun = (
        add("users", username=n, name=n, password_hash="x", is_active=True, department_id=dept, **stamps)
        for n in names
    )

    def submit(user, team):
        return {"role": "承办人意见", "user_id": user, "decision": "submit", "officer_ids": team}

    def case(created_by, approvals, team):
        case_id = add(
            "penalty_cases",
            procedure="普通程序",
            agency_id=dept,
            region_path="/341322/",
            enterprise_id=ent,
            name="案",
            source="执法检查",
            facts="事实",
            provisions="条款",
            act_date=date(2026, 11, 1),
            five_year_limitation=False,
            submitted_on=date(2026, 11, 2),
            filing_approvals=approvals,
            status="立案审批中",
            is_overdue=False,
            extra_days=0,
            factors=[],
            hearing_right=False,
            review_required=False,
            review_passed=False,
            discussion_required=False,
            notice_waived=False,
            on_the_spot={},
            created_by_id=created_by,
            **stamps,
        )
        for u in team:
            add("case_officers", case_id=case_id, user_id=u, lead=u == team[0], cert_no="34130001")
        return case_id

    revised = case(
        wu,
        [
            submit(wu, [wu, wang]),
            {"role": "承办机构负责人意见", "user_id": li, "decision": "return"},
            submit(zheng, [wang, zhao]),
        ],
        [wang, zhao],
    )
    empty = case(None, [], [])
    plain = case(sun, [submit(sun, [sun, wang])], [sun, wang])
    expected = {revised: {wu, wang, zhao, zheng}, empty: set(), plain: {sun, wang}}
    cases = sa.table(
        "penalty_cases", sa.column("id"), sa.column("created_by_id"), sa.column("filing_approvals", sa.JSON())
    )
    officers = sa.table("case_officers", sa.column("case_id"), sa.column("user_id"))
    for row in conn.execute(sa.select(cases)):  # the computation of handler_ids before 0028
        ids = {
            row.created_by_id,
            *conn.execute(sa.select(officers.c.user_id).where(officers.c.case_id == row.id)).scalars(),
        }
        for a in row.filing_approvals or []:
            if a.get("decision") == "submit":
                ids.add(a.get("user_id"))
                ids.update(a.get("officer_ids") or ())
        assert {i for i in ids if i is not None} == expected[row.id]
    return expected


def _handlers(conn) -> dict[int, set[int]]:
    rows = conn.execute(text("SELECT case_id, user_id FROM case_handlers")).all()
    return {case_id: {u for c, u in rows if c == case_id} for case_id in {c for c, _u in rows}}


def test_0028_backfills_the_case_handlers_as_handler_ids_computed_them(fresh_url):
    """Every existing case gets the rows the JSON-based handler_ids gave it (a former drafter dropped at a revision
    included, the section head who returned it not), in batches of any size; downgrade drops the table."""
    import importlib.util

    from flask_migrate import downgrade

    migrated = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url, "SECRET_KEY": "x", "TESTING": True})
    with migrated.app_context():
        upgrade(directory=MIGRATIONS, revision="0027_hazard_ever_overdue_index")
        with _db.engine.begin() as conn:
            expected = _cases_before_0028(conn)
        upgrade(directory=MIGRATIONS, revision="0028_case_handlers")
        wanted = {case_id: ids for case_id, ids in expected.items() if ids}
        with _db.engine.begin() as conn:
            assert _handlers(conn) == wanted and len(wanted) == 2
            spec = importlib.util.spec_from_file_location(
                "m0028", Path(MIGRATIONS) / "versions" / "0028_case_handlers.py"
            )
            m0028 = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(m0028)
            conn.execute(text("DELETE FROM case_handlers"))
            m0028.BATCH = 1  # a batch per case: the keyset and each batch's officers
            assert m0028.backfill(conn) == 3
            assert _handlers(conn) == wanted
        downgrade(directory=MIGRATIONS, revision="0027_hazard_ever_overdue_index")
        with _db.engine.connect() as conn:
            assert "case_handlers" not in _db.inspect(conn).get_table_names()
        _db.engine.dispose()
