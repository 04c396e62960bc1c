"""A city's years of penalty cases for the case benchmarks of issue #13: 宿州市 (the organisation of
bench/scale_data.py: its regions, six 应急管理局, ~15,000 enterprises and their officers) with 100,000
行政处罚案件 filed 2022-01-01 .. 2026-11-30, on SQLite (bench/out/cases_100k.db) or PostgreSQL.

    from bench.case_data import ensure, copy_of, meta, PASSWORD, ACCOUNTS
    url = ensure()                      # SQLite; ensure("postgresql://…/bench_cases") for PostgreSQL
    m = meta(url)                       # {"big_case_id": …, "n_cases": …, …}
    python -m bench.case_data           # builds when missing, prints the mix

What is in it, bulk-loaded with Core inserts (executemany; no ORM object per row), every NOT NULL / FK /
UNIQUE respected: case_proposals (one per case, 已立案), penalty_cases with a realistic status mix (most
已结案; the recent ones spread over every stage; open cases past their 办案期限 flagged is_overdue; a few
still in 立案审批 without a number), case_officers (two certified officers of the agency, unique per case),
penalty_lines (the unit, and a responsible person in ~30 %), case_payments (closed fines paid, some with
加处罚款), and document_counters continuing each agency's 立 serials, so a case filed later through the app
takes the next number. Bulk cases have no workflow instance, documents or audit records (the list reads none).

ONE case is built through the real operations (app.cases.operations, each step with its real actor, as
tests/cases/test_paths.py walks them): 30 completed workflow steps (filing returned twice, the report sent
back twice, 法制审核 建议修改 then 补充调查, a second 告知, then 决定, 送达, 执行) and 40 documents (the
procedure's own, 询问通知书 evidence and 送达回执). It stands at 结案 (close_case ready). Its id is kept in
the table bench_cases_meta ("big_case_id").

Accounts with PASSWORD (萧县应急管理局): ACCOUNTS["officer"] / ["officer2"] (承办人员, 执法证 valid to 2031),
["section_head"], ["legal"] (法律职业资格), ["leader"], ["manager"] (the party of the big case); ["city"] (统计 of 宿州市应急管理局: the whole city).

The cached data set is read-only for benchmarks (logging in is the one write allowed); one that writes takes
copy_of(name). ensure() rebuilds when DATA_VERSION changed or the schema head moved.
"""

from __future__ import annotations

import bisect
import fcntl
import os
import random
import shutil
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT
from bench.scale_data import Loader, World, _cumulative, _person, _utc

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
DATA_VERSION = "3"
SEED = 20261313
N_CASES = int(os.environ.get("BENCH_CASES", "100000"))
_SUFFIX = "100k" if N_CASES == 100_000 else str(N_CASES)
SQLITE_PATH = OUT / f"cases_{_SUFFIX}.db"
FIRST_DAY, LAST_DAY = date(2022, 1, 1), date(2026, 11, 30)
BIG_STEPS, BIG_DOCUMENTS = 30, 40

PASSWORD = "Bench@2026cases"
ACCOUNTS = {
    "officer": "case_officer1",
    "officer2": "case_officer2",
    "section_head": "case_section_head",
    "legal": "case_legal",
    "leader": "case_leader",
    "manager": "case_manager",
    "city": "case_city",
}

VIOLATIONS = [  # code, provisions, name part, typical unit fine (yuan)
    (
        "AQSCF-97-5",
        "《中华人民共和国安全生产法》第九十七条第五项",
        "未如实记录安全生产教育和培训情况",
        [10000, 20000, 30000],
    ),
    (
        "AQSCF-99-3",
        "《中华人民共和国安全生产法》第九十九条第三项",
        "未对安全设备进行经常性维护、保养和定期检测",
        [20000, 30000, 50000],
    ),
    (
        "AQSCF-102",
        "《中华人民共和国安全生产法》第一百零二条",
        "未采取措施消除事故隐患",
        [30000, 50000, 80000],
    ),
    (
        "AQSCF-94",
        "《中华人民共和国安全生产法》第九十四条",
        "主要负责人未履行安全生产管理职责",
        [20000, 30000],
    ),
    ("AQSCF-108", "《中华人民共和国安全生产法》第一百零八条", "违反规定组织危险作业", [50000, 100000]),
]
SOURCES = [
    ("检查发现", 55),
    ("隐患移送", 20),
    ("举报", 10),
    ("上级交办", 8),
    ("其他机关移送", 4),
    ("事故调查", 3),
]
OPEN_STAGES = [  # status, outcome known, decided, share among open cases
    ("调查取证", False, False, 30),
    ("调查终结审查", True, False, 6),
    ("告知", True, False, 5),
    ("陈述申辩期", True, False, 8),
    ("听证", True, False, 2),
    ("复核", True, False, 2),
    ("制作呈批表", True, False, 4),
    ("法制审核", True, False, 6),
    ("集体讨论", True, False, 2),
    ("待决定", True, False, 3),
    ("送达", True, True, 3),
    ("执行", True, True, 25),
    ("结案审批", True, True, 4),
]
CASE_TABLES = ("case_proposals", "penalty_cases", "case_officers", "penalty_lines", "case_payments")


def _url_of(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://") :] if url.startswith("postgresql://") else url


def _app(url: str):
    from bench.scale_data import _app as scale_app
    from bench.server import AUDIT_KEY

    app = scale_app(url)
    # the bench server's key: the walked case's audit trail verifies there, so its page shows the whole trail
    app.config["AUDIT_HMAC_KEY"] = AUDIT_KEY
    return app


# --- rows ----------------------------------------------------------------------------------------------------
class CaseRows:
    """The bulk cases as dicts per table (ids assigned here), in filing order."""

    def __init__(self, world: World, n: int, as_of: date, seed: int = SEED):
        self.world, self.n, self.as_of = world, n, as_of
        self.rng = random.Random(seed)
        self.rows: dict[str, list[dict]] = {t: [] for t in CASE_TABLES}
        self.counters: dict[tuple[int, int], int] = {}
        self.ent_by_agency_weight = world.cum_ent
        users = {u["id"]: u for u in world.users}
        self.certs = {uid: users[uid]["cert_no"] for ids in world.officers.values() for uid in ids}
        self.shorts = {d[0]: d[2] for d in world.departments}

    def build(self) -> None:
        rng, w = self.rng, self.world
        n_days = (LAST_DAY - FIRST_DAY).days + 1
        day_w = [
            (1 + 0.15 * ((FIRST_DAY + timedelta(days=k)).year - 2022))
            * (1.0 if (FIRST_DAY + timedelta(days=k)).weekday() < 5 else 0.1)
            for k in range(n_days)
        ]
        cum_days = _cumulative(day_w)
        cum_src = _cumulative([s[1] for s in SOURCES])
        cum_open = _cumulative([s[3] for s in OPEN_STAGES])
        days = sorted(
            FIRST_DAY + timedelta(days=bisect.bisect(cum_days, rng.random() * cum_days[-1]))
            for _ in range(self.n)
        )
        for cid, filed in enumerate(days, start=1):
            e = bisect.bisect(w.cum_ent, rng.random() * w.cum_ent[-1])
            self._case(
                cid, filed, e, SOURCES[bisect.bisect(cum_src, rng.random() * cum_src[-1])][0], cum_open
            )

    def _case(self, cid: int, filed: date, e: int, source: str, cum_open: list[float]) -> None:
        rng, w = self.rng, self.world
        ent = w.enterprises[e]
        ent_id, ent_name, path = ent[0], ent[1], w.ent_path[e]
        agency = w.ent_agency[e]
        code, provisions, what, fines = rng.choice(VIOLATIONS)
        act = filed - timedelta(days=rng.randint(5, 60))
        submitted = filed - timedelta(days=rng.randint(0, 4))
        age = (self.as_of - filed).days
        # fate: in 立案审批 (no number yet), still open at some stage, or closed
        if age < 10 and rng.random() < 0.3:
            status, stage = "立案审批中", None
        elif age < 120 or rng.random() < 0.012:
            stage = OPEN_STAGES[bisect.bisect(cum_open, rng.random() * cum_open[-1])]
            status = stage[0]
        else:
            status, stage = "已结案", ("已结案", True, True, 0)
        filed_on = None if status == "立案审批中" else filed
        case_no = serial = year = None
        if filed_on:
            key = (agency, filed.year)
            self.counters[key] = serial = self.counters.get(key, 0) + 1
            year = filed.year
            case_no = f"（{self.shorts[agency]}）应急立〔{year}〕{serial}号"  # app.documents.numbering.format_number
        r = rng.random()
        outcome = (
            (
                "penalty"
                if r < 0.88
                else "no_penalty"
                if r < 0.95
                else "not_established"
                if r < 0.98
                else "transfer"
            )
            if stage and stage[1]
            else None
        )
        decided = bool(stage and stage[2])
        fine = Decimal(rng.choice(fines)) if outcome == "penalty" else None
        person_fine = Decimal(rng.choice([2000, 5000, 8000, 10000])) if fine and rng.random() < 0.3 else None
        decided_on = served_on = payment_due = paid_on = closed_on = closing_reason = archive_no = None
        if decided:
            decided_on = min(filed + timedelta(days=rng.randint(25, 85)), self.as_of - timedelta(days=1))
            served_on = decided_on + timedelta(days=rng.randint(0, 3))
            if outcome == "penalty":
                payment_due = served_on + timedelta(days=15)
        decision_due = (
            filed + timedelta(days=90) if filed_on else None
        )  # bench data: the clock without pauses
        is_overdue = bool(filed_on and not decided and decision_due < self.as_of)
        surcharge = None
        if status == "已结案":
            closing_reason = {
                "penalty": "执行完毕",
                "no_penalty": "不予处罚",
                "not_established": "不予处罚",
                "transfer": "移送",
            }[outcome or "penalty"]
            if outcome == "penalty":
                late = rng.random() < 0.06
                paid_on = (
                    payment_due + timedelta(days=rng.randint(1, 40))
                    if late
                    else served_on + timedelta(days=rng.randint(0, 14))
                )
                if late:
                    total = fine + (person_fine or 0)
                    surcharge = min(
                        total,
                        (total * Decimal("0.03") * (paid_on - payment_due).days).quantize(Decimal("0.01")),
                    )
                closed_on = paid_on + timedelta(days=rng.randint(2, 20))
            else:
                closed_on = (served_on or filed + timedelta(days=60)) + timedelta(days=rng.randint(2, 20))
            archive_no = f"{year}-{serial}"
        officers = rng.sample(w.officers[agency], 2)
        name = f"{ent_name}涉嫌{what}案"
        facts = f"经查，{ent_name}{what}，违反了{provisions}的规定。"
        created = _utc(submitted, 1, rng.randint(0, 59))
        last = closed_on or paid_on or served_on or decided_on or filed
        self.rows["case_proposals"].append(
            {
                "id": cid,
                "source": source,
                "referral_id": None,
                "source_ref": None,
                "enterprise_id": ent_id,
                "region_path": path,
                "facts": facts,
                "evidence": "现场检查记录；现场照片",
                "provisions": provisions,
                "act_date": act,
                "received_on": submitted,
                "status": "已立案" if filed_on else "待处理",
                "reason": None,
                "handled_by_id": officers[0] if filed_on else None,
                "handled_at": _utc(filed, 2) if filed_on else None,
                "created_by_id": officers[0],
                "parent_case_id": None,
                "created_at": created,
                "updated_at": created,
            }
        )
        self.rows["penalty_cases"].append(
            {
                "id": cid,
                "procedure": "普通程序",
                "proposal_id": cid,
                "parent_case_id": None,
                "agency_id": agency,
                "region_path": path,
                "enterprise_id": ent_id,
                "name": name,
                "source": source,
                "facts": facts,
                "provisions": provisions,
                "act_date": act,
                "five_year_limitation": False,
                "limitation_flag_by_id": None,
                "urgent_handled_on": None,
                "case_no": case_no,
                "serial": serial,
                "year": year,
                "submitted_on": submitted,
                "filed_on": filed_on,
                "filing_approvals": [],
                "status": status,
                "is_overdue": is_overdue,
                "decision_due": decision_due,
                "extra_days": 0,
                "outcome": outcome,
                "no_penalty_reason": "首违" if outcome == "no_penalty" else None,
                "violation_code": code if outcome in ("penalty", "no_penalty") else None,
                "violation_version": "2024-11-01" if outcome in ("penalty", "no_penalty") else None,
                "factors": [],
                "report_text": f"{facts}建议{outcome}。" if outcome else None,
                "hearing_right": bool(fine and fine >= 50000),
                "review_required": True,
                "review_passed": decided or status in ("集体讨论", "待决定"),
                "discussion_required": bool(fine and fine >= 50000),
                "notice_waived": False,
                "decided_on": decided_on,
                "decided_by_id": None,
                "decision_served_on": served_on,
                "payment_due": payment_due,
                "paid_on": paid_on,
                "closed_on": closed_on,
                "closing_reason": closing_reason,
                "archive_no": archive_no,
                "created_by_id": officers[0],
                "on_the_spot": {},
                "continuing_fine": None,
                "created_at": created,
                "updated_at": _utc(last, 3),
            }
        )
        for k, uid in enumerate(officers):
            self.rows["case_officers"].append(
                {"case_id": cid, "user_id": uid, "lead": k == 0, "cert_no": self.certs[uid]}
            )
        if outcome == "penalty":
            parties = [("单位", ent_name, ent[2], None, fine)]
            if person_fine:
                parties.append(("个人", _person(rng), None, "主要负责人", person_fine))
            for target, party, id_no, position, amount in parties:
                notified = amount if status not in ("调查终结审查",) else None
                self.rows["penalty_lines"].append(
                    {
                        "case_id": cid,
                        "target": target,
                        "party_name": party,
                        "id_number": id_no,
                        "position": position,
                        "address": None,
                        "violation_code": code,
                        "tier": "一般",
                        "band_min": None,
                        "band_max": None,
                        "deviation_reason": None,
                        "proposed_kinds": ["罚款"],
                        "proposed_fine": amount,
                        "notified_kinds": ["罚款"] if notified else None,
                        "notified_fine": notified,
                        "decided_kinds": ["罚款"] if decided else None,
                        "decided_fine": amount if decided else None,
                        "confiscated": None,
                        "other_terms": None,
                    }
                )
            if paid_on:
                for kind, amount in (("罚款", fine + (person_fine or 0)), ("加处罚款", surcharge)):
                    if amount:
                        self.rows["case_payments"].append(
                            {
                                "case_id": cid,
                                "kind": kind,
                                "paid_on": paid_on,
                                "amount": amount,
                                "receipt_no": f"PJ{paid_on.year}{cid:07d}{'S' if kind == '加处罚款' else ''}",
                                "recorded_by_id": officers[0],
                                "recorded_at": _utc(paid_on, 6),
                            }
                        )


# --- building ------------------------------------------------------------------------------------------------
def _timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<44} {time.perf_counter() - t0:8.1f} s", flush=True)
    return out


def _build(url: str) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import clock
    from app.auth.models import User
    from app.extensions import db

    started = time.perf_counter()
    app = _app(url)
    with app.app_context():
        as_of = clock.today()
        dialect = db.engine.dialect.name
        print(f"生成 {N_CASES:,} 件行政处罚案件 → {url}", flush=True)
        _timed("schema (migrations to head)", lambda: upgrade(str(MIGRATIONS)))
        world = World(1_000_000)  # the organisation only: no hazards are generated
        raw = db.engine.raw_connection()
        try:
            load = Loader(raw.driver_connection, dialect)
            now = _utc(as_of)
            load.write("regions", world.regions)
            load.write("departments", [(*d, True, now, now) for d in world.departments])
            load.write("enterprises", [(*e, now, now) for e in world.enterprises])
            load.commit()
        finally:
            raw.close()
        for u in world.users:
            user = User(
                id=u["id"],
                username=u["username"],
                name=u["name"],
                department_id=u["department_id"],
                enterprise_id=u.get("enterprise_id"),
                cert_no=u["cert_no"],
                cert_expires_on=date(2031, 12, 31) if u["cert_no"] else None,
            )
            user.password_hash = "!unusable"
            user.set_roles(u["roles"])
            db.session.add(user)
        db.session.commit()
        if dialect == "postgresql":
            with db.engine.begin() as conn:
                for table in ("regions", "departments", "enterprises", "users"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))"
                        )
                    )
        rows = CaseRows(world, N_CASES, as_of)
        _timed("generate case rows", rows.build)
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql("SET session_replication_role = replica")
            for table in CASE_TABLES:
                tbl = db.metadata.tables[table]
                data = rows.rows[table]
                for i in range(0, len(data), 20_000):
                    conn.execute(tbl.insert(), data[i : i + 20_000])
            counters = db.metadata.tables["document_counters"]
            conn.execute(
                counters.insert(),
                [
                    {"agency_id": a, "year": y, "code_word": "立", "last_serial": s}
                    for (a, y), s in sorted(rows.counters.items())
                ],
            )
            if dialect == "postgresql":
                conn.exec_driver_sql("SET session_replication_role = origin")
                for table in (*CASE_TABLES, "document_counters"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))"
                        )
                    )
        print(
            f"  {'case rows (Core executemany)':<44} {time.perf_counter() - t0:8.1f} s   "
            + ", ".join(f"{t} {len(rows.rows[t]):,}" for t in CASE_TABLES),
            flush=True,
        )
        accounts = _timed("bench accounts", lambda: _accounts(world))
        try:
            big_id, big_error = (
                _timed("the 30-step / 40-document case (operations)", lambda: build_big_case(accounts)).id,
                "",
            )
        except Exception as exc:  # an app defect on this database: keep the bulk data for the lists, say why
            db.session.rollback()
            big_id, big_error = "", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:200]
            print(f"    the big case could not be built: {big_error}", flush=True)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql(
                "CREATE TABLE bench_cases_meta (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))"
            )
            for k, v in {
                "data_version": DATA_VERSION,
                "n_cases": str(N_CASES),
                "big_case_id": str(big_id),
                "big_case_error": big_error,
                "built_on": as_of.isoformat(),
                "head": _head(),
            }.items():
                conn.execute(text("INSERT INTO bench_cases_meta VALUES (:k, :v)"), {"k": k, "v": v})
        db.session.remove()
        db.engine.dispose()
    print(f"  {'total':<44} {time.perf_counter() - started:8.1f} s", flush=True)


def _accounts(world: World) -> dict[str, int]:
    """The bench's own 萧县 accounts (argon2 passwords: only these few log in)."""
    from app.auth.models import User
    from app.auth.roles import Role
    from app.extensions import db

    agency = world.xiao_agency
    specs = {
        "officer": ([Role.OFFICER], "34139001", None),
        "officer2": ([Role.OFFICER], "34139002", None),
        "section_head": ([Role.SECTION_HEAD, Role.OFFICER], "34139003", None),
        "legal": ([Role.LEGAL_REVIEWER], "34139004", "A20183401000999"),
        "leader": ([Role.LEADER], None, None),
    }
    made = {}
    for key, (roles, cert, qual) in specs.items():
        u = User(
            username=ACCOUNTS[key],
            name=_person(random.Random(key)),
            department_id=agency,
            cert_no=cert,
            cert_expires_on=date(2031, 12, 31) if cert else None,
            legal_qualification_no=qual,
        )
        u.set_password(PASSWORD)
        u.set_roles(roles)
        db.session.add(u)
        made[key] = u
    xiao = world.county_of_agency[agency][5]
    ent_id = next(e[0] for e, p in zip(world.enterprises, world.ent_path, strict=True) if p.startswith(xiao))
    m = User(username=ACCOUNTS["manager"], name="李安全", enterprise_id=ent_id)
    m.set_password(PASSWORD)
    m.set_roles([Role.ENTERPRISE])
    db.session.add(m)
    made["manager"] = m
    c = User(username=ACCOUNTS["city"], name="郑统计", department_id=world.city_bureau)
    c.set_password(PASSWORD)
    c.set_roles([Role.SUPERVISOR])
    db.session.add(c)
    made["city"] = c
    db.session.commit()
    return {k: u.id for k, u in made.items()}


class People:
    def __init__(self, ids: dict[str, int]):
        from app.auth.models import User
        from app.extensions import db

        for k, uid in ids.items():
            setattr(self, k, db.session.get(User, uid))


def new_case(
    p: People, *, name: str = "涉嫌未如实记录安全生产教育和培训情况案", enterprise_id: int | None = None
):
    """A proposal of the enterprise (the manager's by default) and its 立案审批表 submitted (approve_filing
    ready)."""
    from app import clock
    from app.cases import operations as ops
    from app.cases.models import ProposalSource
    from app.extensions import db

    proposal = ops.register_proposal(
        {
            "enterprise_id": enterprise_id or p.manager.enterprise_id,
            "source": ProposalSource.INSPECTION,
            "facts": "检查发现未如实记录安全生产教育和培训情况",
            "provisions": VIOLATIONS[0][1],
            "act_date": clock.today() - timedelta(days=10),
        },
        actor=p.officer,
    )
    db.session.flush()
    case = ops.submit_filing(
        proposal,
        {
            "name": f"{proposal.enterprise.name}{name}",
            "facts": proposal.facts,
            "provisions": proposal.provisions,
            "act_date": proposal.act_date,
            "officer_ids": [p.officer.id, p.officer2.id],
            "lead_officer_id": p.officer.id,
        },
        actor=p.officer,
    )
    db.session.flush()
    return case


REPORT = {
    "report_text": "经调查，当事人未如实记录安全生产教育和培训情况。",
    "outcome": "penalty",
    "violation_code": "AQSCF-97-5",
    "factors": [],
}


def _line(fine: int = 30000) -> dict:
    return {"target": "单位", "kinds": ["罚款"], "fine": Decimal(fine)}


def clean_enterprises(n: int, skip: int) -> list[int]:
    """n 萧县 enterprises (after the first `skip`) without a case of the bench's violation (AQSCF-97-5): cases
    walked to a fine on them meet no 一事不二罚."""
    from sqlalchemy import select

    from app.cases.models import PenaltyCase
    from app.extensions import db
    from app.org.models import Enterprise

    taken = select(PenaltyCase.enterprise_id).where(PenaltyCase.violation_code == VIOLATIONS[0][0])
    rows = db.session.scalars(
        select(Enterprise.id)
        .where(Enterprise.region_path.like("/340000/341300/341322/%"), Enterprise.id.not_in(taken))
        .order_by(Enterprise.id)
        .offset(skip)
        .limit(n)
    )
    return list(rows)


def completed_steps(case) -> int:
    from sqlalchemy import func, select

    from app.cases.operations.common import instance_of
    from app.extensions import db
    from app.workflow.models import HumanTask

    inst = instance_of(case)
    return db.session.scalar(
        select(func.count()).where(HumanTask.instance_id == inst.id, HumanTask.status == "completed")
    )


def documents_of(case) -> list:
    from sqlalchemy import select

    from app.documents.models import OfficialDocument
    from app.extensions import db

    return list(
        db.session.scalars(
            select(OfficialDocument)
            .where(OfficialDocument.subject_type == "penalty_cases", OfficialDocument.subject_id == case.id)
            .order_by(OfficialDocument.id)
        )
    )


def build_big_case(ids: dict[str, int]):
    """The case of 30 completed steps and 40 documents, through the operations (see the module docstring)."""
    from app import clock
    from app.cases import gates
    from app.cases import operations as ops
    from app.cases.models import EvidenceKind
    from app.cases.operations.common import ready_ids
    from app.extensions import db

    p = People(ids)
    today = clock.today()
    case = new_case(p, name="涉嫌未如实记录安全生产教育和培训情况案（多轮退回）")
    filing = {
        "name": case.name,
        "facts": case.facts,
        "provisions": case.provisions,
        "act_date": case.act_date,
        "officer_ids": [p.officer.id, p.officer2.id],
    }
    ops.approve_filing(
        case, {"filing_decision": "return", "opinion": "案由不准确"}, actor=p.section_head
    )  # 1
    ops.revise_filing(case, filing, actor=p.officer)  # 2
    ops.approve_filing(case, {"filing_decision": "agree", "opinion": "同意"}, actor=p.section_head)  # 3
    ops.decide_filing(case, {"filing_decision": "return", "opinion": "补充事实"}, actor=p.leader)  # 4
    ops.revise_filing(case, filing, actor=p.officer)  # 5
    ops.approve_filing(case, {"filing_decision": "agree", "opinion": "同意"}, actor=p.section_head)  # 6
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准立案"}, actor=p.leader)  # 7
    notices = []
    for k in range(8):  # evidence: 询问通知书 (a numbered document each) and 询问笔录
        notices.append(
            ops.add_evidence(
                case,
                {
                    "kind": EvidenceKind.INQUIRY_NOTICE,
                    "title": f"询问通知书（证人{k + 1}）",
                    "description": f"{today.isoformat()} 9时",
                    "place": "局询问室",
                },
                actor=p.officer,
            )
        )
        ops.add_evidence(
            case,
            {
                "kind": EvidenceKind.INQUIRY,
                "title": f"询问笔录（证人{k + 1}）",
                "qa": [{"question": "是否记录安全生产教育和培训情况？", "answer": "没有记录"}],
                "signed_every_page": True,
                "rights_explained": True,
                "interviewee": f"证人{k + 1}",
            },
            actor=p.officer,
        )
    db.session.flush()
    for k in range(2):  # the report sent back twice
        ops.submit_report(case, {**REPORT, "lines": [_line()]}, actor=p.officer)  # 8, 10
        ops.review_report(
            case, {"report_decision": "more", "opinion": f"补充调查（第{k + 1}次）"}, actor=p.section_head
        )  # 9, 11
    ops.submit_report(case, {**REPORT, "lines": [_line()]}, actor=p.officer)  # 12
    ops.review_report(case, {"report_decision": "agree", "opinion": "同意"}, actor=p.section_head)  # 13

    def notify():
        ops.issue_notice(case, {"contact": "王执法 0557-5000001"}, actor=p.officer)
        ops.serve_notice(
            case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=p.officer
        )
        ops.state_case(case, {"statement": "waived", "waiver_signed": True}, actor=p.manager)

    def review(opinion: str):
        keys = [i.key for i in gates.checklist(case, clock.today())]
        ops.legal_review(
            case, {"review_opinion": opinion, "reasons": "意见", "confirmed": keys}, actor=p.legal
        )

    notify()  # 14-16
    ops.prepare_decision(case, {"opinion": "处罚"}, actor=p.officer)  # 17
    review("modify")  # 18
    ops.prepare_decision(
        case,
        {"opinion": "已修改", "adjustments": [{"line_no": 1, "fine": Decimal("25000")}]},
        actor=p.officer,
    )  # 19
    review("more")  # 20 → 补充调查
    ops.submit_report(case, {**REPORT, "lines": [_line()]}, actor=p.officer)  # 21
    ops.review_report(case, {"report_decision": "agree", "opinion": "同意"}, actor=p.section_head)  # 22
    notify()  # 23-25
    ops.prepare_decision(case, {"opinion": "处罚"}, actor=p.officer)  # 26
    review("agree")  # 27
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=p.leader)  # 28
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=p.officer
    )  # 29
    ops.record_payment(
        case,
        {"paid_on": clock.today(), "amount": Decimal("30000"), "receipt_no": "PJ-BIG-1"},
        actor=p.officer,
    )
    ops.finish_execution(case, {"execution_result": "执行完毕"}, actor=p.officer)  # 30
    db.session.flush()
    k = 0
    while len(documents_of(case)) < BIG_DOCUMENTS:  # 送达回执 of the 询问通知书 up to 40 documents
        doc = db.session.get(type(documents_of(case)[0]), notices[k % len(notices)].document_id)
        ops.record_service(
            case,
            doc,
            {"method": "直接送达", "served_on": clock.today(), "recipient": f"证人{k + 1}"},
            actor=p.officer,
        )
        db.session.flush()
        k += 1
    steps, docs = completed_steps(case), len(documents_of(case))
    if steps != BIG_STEPS or docs != BIG_DOCUMENTS or ready_ids(case) != ["close_case"]:
        raise RuntimeError(f"the big case has {steps} steps, {docs} documents, ready {ready_ids(case)}")
    db.session.commit()
    print(
        f"    case {case.id} {case.case_no}: {steps} completed steps, {docs} documents, "
        f"{len(case.evidence_items)} evidence items, ready {ready_ids(case)}",
        flush=True,
    )
    return case


# --- cache ---------------------------------------------------------------------------------------------------
def _head() -> str:
    from alembic.script import ScriptDirectory

    return ",".join(sorted(ScriptDirectory(str(MIGRATIONS)).get_heads()))


def meta(url: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(_url_of(url))
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT key, value FROM bench_cases_meta")).all())
    except Exception:  # missing or half-built
        return {}
    finally:
        engine.dispose()


def _ready(url: str) -> bool:
    if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).exists():
        return False
    if url.startswith("postgresql") and not _pg_exists(url):
        return False
    m = meta(url)
    return (
        m.get("data_version") == DATA_VERSION
        and m.get("head") == _head()
        and m.get("n_cases") == str(N_CASES)
    )


def _pg_admin(url: str):
    import psycopg

    return psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True)


def _pg_exists(url: str) -> bool:
    with _pg_admin(url) as admin:
        return (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.rsplit("/", 1)[1],)).fetchone()
            is not None
        )


def ensure(url: str | None = None) -> str:
    """The URL of the ready data set: SQLite by default, else the PostgreSQL database `url` names."""
    target = url if url and url.startswith("postgresql") else f"sqlite:///{SQLITE_PATH}"
    OUT.mkdir(exist_ok=True)
    with open(OUT / f"cases_{_SUFFIX}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ready(target):
            return target
        if target.startswith("postgresql"):
            name = target.rsplit("/", 1)[1]
            build = f"{target}_build"
            with _pg_admin(target) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}_build WITH (FORCE)")
                admin.execute(f"CREATE DATABASE {name}_build")
            _build(build)
            with _pg_admin(target) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.execute(f"ALTER DATABASE {name}_build RENAME TO {name}")
        else:
            tmp = SQLITE_PATH.with_suffix(".building.db")
            for q in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                q.unlink(missing_ok=True)
            _build(f"sqlite:///{tmp}")
            for q in (Path(f"{SQLITE_PATH}-wal"), Path(f"{SQLITE_PATH}-shm")):
                q.unlink(missing_ok=True)
            os.replace(tmp, SQLITE_PATH)
        return target


def copy_of(name: str, url: str | None = None) -> str:
    """A private, writable copy (bench/out/<name>.db, or PostgreSQL database <name> on the same server)."""
    source = ensure(url)
    if source.startswith("sqlite"):
        path = OUT / f"{name}.db"
        for q in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            q.unlink(missing_ok=True)
        shutil.copyfile(SQLITE_PATH, path)
        return f"sqlite:///{path}"
    with _pg_admin(source) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {source.rsplit('/', 1)[1]}")
    return f"{source.rsplit('/', 1)[0]}/{name}"


def describe(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(_url_of(url))
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("enterprises", "users", *CASE_TABLES, "official_documents")
        }
        mix = conn.execute(
            text("SELECT status, count(*) FROM penalty_cases GROUP BY status ORDER BY 2 DESC")
        ).all()
        overdue = conn.execute(text("SELECT count(*) FROM penalty_cases WHERE is_overdue")).scalar_one()
    engine.dispose()
    return (
        ", ".join(f"{t} {n:,}" for t, n in counts.items())
        + f"\n  overdue {overdue:,}; "
        + ", ".join(f"{s} {n:,}" for s, n in mix)
    )


if __name__ == "__main__":
    u = ensure(os.environ.get("BENCH_DATABASE_URL"))
    print(f"ready: {u}\n  {describe(u)}\n  meta {meta(u)}")
