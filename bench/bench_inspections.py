"""The inspection domain at scale (issue #12, "Performance"), each figure next to its target or baseline:

1. 双随机 draw (app.inspections.draw, algorithm v1) over 100,000 enterprises and 500 inspectors with
   exclusions (5 % of the pool at their cap or inspected lately, 2,000 declared 回避 pairs), strata per
   industry × ratio: the hashes of the frozen pool and exclusions, then the draw; the replay of the same
   inputs must be identical (same targets, same teams, same hashes). Target ≤ 1 s.
2. The annual plan for a county of 5,000 enterprises: 分类分级 of all of them (classify_all), then
   draft_plan (the proposal: 重点 named enterprises, 一般 quotas per month, capacity) — once with the
   classes stored, once cold (the year's classes computed inside). Target ≤ 2 s.
3. The inspection list at BENCH_INSPECTIONS_LIST inspections (default 200,000, five years) for the county's
   officer, in-process (app.inspections.queries.inspection_page): first page, a deep keyset page (the cursor
   of the middle row), year, month, town, industry, source; next to raw: a hand-written indexed SELECT of the
   same 50 rows on a plain sqlite3 connection. Target p95 ≤ 50 ms.
4. The inspection user steps through the full app over real HTTP (gunicorn, production mode, CSRF on,
   bench/server.py), each posted as the browser posts it by the lead officer: 创建检查 (POST /inspections/new,
   starts the workflow), 制定检查方案 (POST /tasks/<id>, issues the 检方), 开始现场检查, each checklist item's
   result, 登记问题 with a photo, the 负责人's canvas signature (PNG), 制发现场检查记录 (completes onsite_record),
   依问题下达指令书 (the findings become hazards of one order, its workflow starts); in the SAME run, on the same
   two servers, three hazard steps of bench/hazard_journey.py (登记 with a photo, 签发指令书, 企业整改 with a
   photo); the county's 分类分级 of the year is computed in bulk before the run (classify_all), as production
   has it from the start of the year. Every app request is followed by its raw floor on bench_hazard_steps' raw WSGI app (no Flask, no
   SQLAlchemy) under the same gunicorn setup: a workflow start, a task completed on the state the app read,
   one row, or a photo stored and one row (see FLOORS). Printed: p50/p95 server time (Server-Timing), statements
   per step, app/raw, and each inspection step's ratio against the hazard steps' highest ratio.

Parts 1-3 run on a private SQLite file (bench/out/inspections_bench.db, schema by create_all); part 4 on
bench/out/inspection_steps.db built by the migrations (hazard_journey.build_world; BENCH_DATABASE_URL for
PostgreSQL).

    python bench/bench_inspections.py [--steps] [--quick]    # --steps: part 4 only; --quick: fewer rounds, 20k list
    BENCH_DRAW_POOL=100000 BENCH_DRAW_INSPECTORS=500 BENCH_PLAN_ENTERPRISES=5000 BENCH_INSPECTIONS_LIST=200000
    BENCH_INSPECTIONS_N=40 (requests per list measurement) BENCH_INSPECTIONS_STEPS=20 (inspections walked)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_hazard_steps import AppDatabase, RawServer, RawStep, _pad  # noqa: E402
from bench.common import OUT, percentile  # noqa: E402
from bench.server import AUDIT_KEY, Server  # noqa: E402

POOL = int(os.environ.get("BENCH_DRAW_POOL", 100_000))
INSPECTORS = int(os.environ.get("BENCH_DRAW_INSPECTORS", 500))
PLAN_N = int(os.environ.get("BENCH_PLAN_ENTERPRISES", 5_000))
LIST_N = int(os.environ.get("BENCH_INSPECTIONS_LIST", 200_000))
N = int(os.environ.get("BENCH_INSPECTIONS_N", 40))
STEPS_N = int(os.environ.get("BENCH_INSPECTIONS_STEPS", 20))
WARM = 3
DRAW_TARGET, PLAN_TARGET, LIST_TARGET = 1000.0, 2000.0, 50.0
PASSWORD = "Bench@2026pass"
PROCESS = "inspection"
INDUSTRIES = ["危险化学品", "工贸", "非煤矿山", "烟花爆竹", "冶金", "有色", "建材", "机械", "轻工", "纺织"]
TOWNS = 20
COUNTY = "/340000/341300/341322/"


def ms_since(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def p50_95(ms: list[float]) -> str:
    if not ms:
        return f"{'—':>15}"
    return f"{statistics.median(ms):6.1f}/{percentile(ms, 0.95):7.1f}"


# --- 1. the draw -------------------------------------------------------------------------------------------


DRAW_BATCHES = (  # label, strata spec: a city-wide 5 % batch, and a county-sized batch of 50 per industry
    ("5 % of each industry", {"count": None, "ratio": "0.05"}),
    ("50 per industry", {"count": 50, "ratio": None}),
)


def bench_draw() -> list[str]:
    from app.inspections import draw

    rng = random.Random(12)
    pool = [
        {"id": i, "industry": INDUSTRIES[i % len(INDUSTRIES)], "town": f"town{i % TOWNS:02d}"}
        for i in range(1, POOL + 1)
    ]
    inspectors = list(range(1, INSPECTORS + 1))
    excluded = rng.sample(range(1, POOL + 1), POOL // 20)
    pairs = sorted({(rng.randint(1, INSPECTORS), rng.randint(1, POOL)) for _ in range(2_000)})
    exclusions = {
        "enterprises": [
            {"id": e, "reason": "已达年度检查上限" if e % 2 else "近90日内已检查"} for e in sorted(excluded)
        ],
        "conflicts": [list(p) for p in pairs],
    }
    seed = f"{rng.getrandbits(256):064x}"
    out = [
        f"  pool {POOL:,} enterprises, {INSPECTORS} inspectors, {len(excluded):,} excluded, "
        f"{len(pairs):,} 回避 pairs, 10 strata (one per industry), 2 inspectors per target"
    ]
    for label, spec in DRAW_BATCHES:
        strata = [{"industry": ind, "town": None, **spec} for ind in INDUSTRIES]
        data = {
            "pool": pool,
            "inspectors": inspectors,
            "exclusions": exclusions,
            "strata": strata,
            "inspectors_per_target": 2,
            "seed": seed,
        }

        def once(data=data) -> tuple[dict, str, str, float, float]:
            t0 = time.perf_counter()
            inputs = draw.DrawInputs.from_json(data)
            ph = draw.pool_hash(inputs.pool, inputs.inspectors, inputs.strata, inputs.inspectors_per_target)
            eh = draw.exclusions_hash(inputs.exclusions)
            t_hash = ms_since(t0)
            t1 = time.perf_counter()
            result = draw.run(draw.ALGORITHM, inputs)
            return result, ph, eh, t_hash, ms_since(t1)

        runs = [once() for _ in range(3)]
        first = runs[0]
        identical = all(r[0] == first[0] and r[1] == first[1] and r[2] == first[2] for r in runs[1:])
        # the replay: the published JSON round-tripped through text, as the public page receives it
        t0 = time.perf_counter()
        replayed = draw.run(
            draw.ALGORITHM, draw.DrawInputs.from_json(json.loads(json.dumps(data, ensure_ascii=False)))
        )
        replay_ms = ms_since(t0)
        same = replayed == first[0]
        hash_ms = [r[3] for r in runs]
        draw_ms = [r[4] for r in runs]
        total = [h + d for h, d in zip(hash_ms, draw_ms, strict=True)]
        ok = statistics.median(total) <= DRAW_TARGET and identical and same
        out.append(
            f"  {_pad(label, 22)} {len(first[0]['targets']):>5,} targets: hashes p50 {statistics.median(hash_ms):6.1f} ms"
            f"  draw p50 {statistics.median(draw_ms):7.1f} ms  total p50 {statistics.median(total):7.1f} ms"
            f"  target ≤ {DRAW_TARGET:.0f}: {'ok' if ok else 'MISSED'};  replay {replay_ms:7.1f} ms "
            f"{'identical' if same else 'DIFFERENT'}; 3 runs {'identical' if identical else 'DIFFER'}"
        )
    return out


# --- the data set --------------------------------------------------------------------------------------------


def make_app():
    from app import create_app
    from app.extensions import db

    OUT.mkdir(exist_ok=True)
    path = OUT / "inspections_bench.db"
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()
    url = f"sqlite:///{path}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "UPLOAD_DIR": str(OUT / "uploads")}
    )
    app.config["AUDIT_HMAC_KEY"] = AUDIT_KEY  # the server's key: one audit chain for setup and requests
    with app.app_context():
        db.create_all()
    return app, url


def build_world(app) -> dict:
    """宿州市 / 萧县 with 20 towns, the 萧县应急管理局 with 40 certified officers, a section head and a leader,
    and PLAN_N enterprises spread over the towns and industries (core inserts)."""
    from sqlalchemy import insert, select

    from app.auth.models import User
    from app.auth.roles import Role
    from app.extensions import db
    from app.org.credit_code import make_credit_code
    from app.org.models import Department, Enterprise, Region

    with app.app_context():
        prov = Region(code="340000", name="安徽省", level="province", path="/340000/")
        city = Region(code="341300", name="宿州市", level="city", parent=prov, path="/340000/341300/")
        county = Region(code="341322", name="萧县", level="county", parent=city, path=COUNTY)
        db.session.add_all([prov, city, county])
        db.session.flush()
        towns = []
        for t in range(TOWNS):
            code = f"341322{100 + t}"
            r = Region(code=code, name=f"第{t + 1}镇", level="town", parent=county, path=f"{COUNTY}{code}/")
            db.session.add(r)
            towns.append(r)
        bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
        db.session.add(bureau)
        db.session.flush()
        users = {}
        cert = {"cert_issued_on": date(2024, 1, 1), "cert_expires_on": date(2031, 12, 31)}
        for i in range(40):
            u = User(
                username=f"officer{i}", name=f"执法{i:02d}", department=bureau, cert_no=f"3413{i:04d}", **cert
            )
            u.password_hash = "x"
            u.set_roles([Role.OFFICER])
            db.session.add(u)
            users[u.username] = u
        for name, roles in (("section_head", [Role.SECTION_HEAD, Role.OFFICER]), ("leader", [Role.LEADER])):
            u = User(username=name, name=name, department=bureau, cert_no=f"3413{len(users):04d}", **cert)
            u.set_password(PASSWORD)
            u.set_roles(roles)
            db.session.add(u)
            users[name] = u
        users["officer0"].set_password(PASSWORD)
        db.session.flush()
        rows = []
        for i in range(PLAN_N):
            town = towns[i % TOWNS]
            grade = ("一般", "较大", "重大")[i % 7 % 3]
            rows.append(
                {
                    "name": f"萧县第{i + 1}号企业有限公司",
                    "credit_code": make_credit_code("341322", i + 1),
                    "industry": INDUSTRIES[i % len(INDUSTRIES)],
                    "risk_grade": grade,
                    "category": "ABCD"[i % 4],
                    "region_id": town.id,
                    "region_path": town.path,
                    "status": "在业",
                }
            )
        db.session.execute(insert(Enterprise), rows)
        db.session.commit()
        ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        return {
            "ids": ids,
            "towns": [(t.id, t.path) for t in towns],
            "bureau": bureau.id,
            "users": {k: u.id for k, u in users.items()},
        }


# --- 2. the plan ----------------------------------------------------------------------------------------------


def bench_plan(app, world) -> list[str]:
    from app.auth.models import User
    from app.extensions import db

    out = []
    year = date.today().year + 1
    with app.app_context():
        head = db.session.get(User, world["users"]["section_head"])
        try:
            from app.inspections.operations.classification import classify_all
        except ImportError:
            return [
                "  分类分级 (app.inspections.operations.classification.classify_all) not available: skipped"
            ]
        t0 = time.perf_counter()
        counted = classify_all(COUNTY, year, actor=head)
        db.session.commit()
        classify_ms = ms_since(t0)
        out.append(f"  classify_all: {PLAN_N:,} enterprises in {classify_ms:7.1f} ms ({counted})")
        try:
            from app.inspections.operations.plan import draft_plan
        except ImportError:
            out.append("  draft_plan (app.inspections.operations.plan) not available: skipped")
            return out
        for label, y in (("classes stored", year), ("cold (classes computed inside)", year + 1)):
            t0 = time.perf_counter()
            plan = draft_plan(COUNTY, y, actor=head)
            db.session.flush()
            ms = ms_since(t0)
            items = len(getattr(plan, "items", []) or [])
            db.session.commit()
            ok = ms <= PLAN_TARGET
            out.append(
                f"  draft_plan {y} ({label}): {ms:7.1f} ms, {items} plan items   target ≤ {PLAN_TARGET:.0f}: "
                f"{'ok' if ok else 'MISSED'}"
            )
    return out


# --- 3. the list ------------------------------------------------------------------------------------------------


def fill_inspections(app, world) -> None:
    """LIST_N inspections over five years, any source and status, teams of two (core inserts)."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.inspections.models import Inspection, InspectionMember, InspectionSource, InspectionStatus

    rng = random.Random(7)
    sources = [str(s) for s in InspectionSource]
    statuses = [str(s) for s in InspectionStatus]
    officers = [v for k, v in world["users"].items() if k.startswith("officer")]
    ids = world["ids"]
    paths = dict(world["town_of"])
    start = date.today() - timedelta(days=5 * 365)
    with app.app_context():
        batch, members = [], []
        for n in range(1, LIST_N + 1):
            eid = ids[n % len(ids)]
            day = start + timedelta(days=rng.randrange(5 * 365))
            lead = officers[n % len(officers)]
            batch.append(
                {
                    "id": n,
                    "code": f"JC{day.year}{n:07d}",
                    "source": sources[n % len(sources)],
                    "mode": "常规检查",
                    "enterprise_id": eid,
                    "region_path": paths[eid],
                    "agency_id": world["bureau"],
                    "created_by_id": lead,
                    "lead_officer_id": lead,
                    "planned_on": day,
                    "status": statuses[n % len(statuses)],
                    "cap_year": day.year,
                    "counts_against_cap": True,
                    "over_cap": False,
                }
            )
            members.append({"inspection_id": n, "user_id": lead, "role": "主办"})
            members.append({"inspection_id": n, "user_id": officers[(n + 1) % len(officers)], "role": "组员"})
            if len(batch) == 10_000:
                db.session.execute(insert(Inspection), batch)
                db.session.execute(insert(InspectionMember), members)
                batch, members = [], []
        if batch:
            db.session.execute(insert(Inspection), batch)
            db.session.execute(insert(InspectionMember), members)
        db.session.commit()
        db.session.execute(__import__("sqlalchemy").text("ANALYZE"))
        db.session.commit()


LISTS = [
    ("first page", {}, False),
    ("deep keyset page", {}, True),
    ("year", {"year": str(date.today().year - 1)}, False),
    ("year + month", {"year": str(date.today().year - 1), "month": "6"}, False),
    ("town", {"town": f"{COUNTY}341322103/"}, False),
    ("industry=危险化学品", {"industry": "危险化学品"}, False),
    ("source=双随机", {"source": "双随机"}, False),
]


def raw_sql(params: dict, cursor: tuple | None) -> tuple[str, list]:
    where, args = ["i.region_path LIKE ?"], [COUNTY + "%"]
    if params.get("year"):
        y = int(params["year"])
        m = int(params.get("month") or 0)
        lo = date(y, m or 1, 1)
        hi = (date(y + (m == 12), m % 12 + 1, 1) if m else date(y + 1, 1, 1)) - timedelta(days=1)
        where.append("i.planned_on BETWEEN ? AND ?")
        args += [lo.isoformat(), hi.isoformat()]
    if params.get("town"):
        where.append("i.region_path LIKE ?")
        args.append(params["town"] + "%")
    if params.get("source"):
        where.append("i.source = ?")
        args.append(params["source"])
    if params.get("industry"):
        where.append("e.industry = ?")
        args.append(params["industry"])
    if cursor:
        where.append("(i.planned_on < ? OR (i.planned_on = ? AND i.id < ?))")
        args += [cursor[0].isoformat(), cursor[0].isoformat(), cursor[1]]
    return (
        "SELECT i.id, i.code, i.source, i.status, i.planned_on, e.name, u.name "
        "FROM inspections i INDEXED BY ix_inspections_list "
        "JOIN enterprises e ON e.id = i.enterprise_id JOIN users u ON u.id = i.lead_officer_id "
        f"WHERE {' AND '.join(where)} ORDER BY i.planned_on DESC, i.id DESC LIMIT 50",
        args,
    )


def bench_list(app, world, url: str) -> list[str]:
    import sqlite3

    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.inspections import queries
    from app.inspections.models import Inspection

    raw = sqlite3.connect(url.split("///", 1)[1])
    raw.execute("PRAGMA case_sensitive_like=ON")
    out = [f"  {LIST_N:,} inspections; county officer; in-process page (50 rows) vs raw SELECT; ms p50/p95"]
    with app.test_request_context():
        officer = db.session.get(User, world["users"]["officer0"])
        for label, params, deep in LISTS:
            f = queries.InspectionFilters.from_args(params)
            cursor = None
            if deep:
                middle = db.session.scalar(
                    select(Inspection.id)
                    .order_by(Inspection.planned_on.desc(), Inspection.id.desc())
                    .offset(LIST_N // 2)
                    .limit(1)
                )
                row = db.session.get(Inspection, middle)
                cursor = (row.planned_on, row.id)
                f.after = f"1.{row.planned_on.isoformat()}.{row.id}"
            app_ms, raw_ms = [], []
            page = None
            for i in range(N + WARM):
                db.session.expire_all()
                t0 = time.perf_counter()
                page = queries.inspection_page(officer, f)
                a = ms_since(t0)
                sql, args = raw_sql(params, cursor)
                t0 = time.perf_counter()
                rows = raw.execute(sql, args).fetchall()
                r = ms_since(t0)
                if i >= WARM:
                    app_ms.append(a)
                    raw_ms.append(r)
            assert page is not None
            same = [x.id for x in page.items] == [r[0] for r in rows]
            ok = percentile(app_ms, 0.95) <= LIST_TARGET
            out.append(
                f"  {_pad(label, 22)} app {p50_95(app_ms)}  raw {p50_95(raw_ms)}  total {page.total_label:>5}  "
                f"same rows: {'yes' if same else 'NO'}  target p95 ≤ {LIST_TARGET:.0f}: {'ok' if ok else 'MISSED'}"
            )
    raw.close()
    return out


# --- 4. the inspection steps over HTTP, next to hazard steps and the raw floor, one run -----------------------

STEPS = [  # key, label, floor (the raw request it is compared with)
    ("create", "创建检查（启动流程）", "start"),
    ("scheme", "制定检查方案（检方）", "task"),
    ("start", "开始现场检查", "row"),
    ("item", "检查项结果（一项）", "row"),
    ("finding", "登记问题（1张照片）", "photo"),
    ("sign", "负责人签字（画布PNG）", "photo"),
    ("record", "制发现场检查记录", "task"),
    ("order", "依问题下达指令书", "row_start"),
]
HAZARD_STEPS = [
    ("h_register", "隐患 登记（1张照片）", "photo"),
    ("h_issue", "隐患 签发指令书", "start"),
    ("h_rectify", "隐患 企业整改（1张照片）", "task"),
    ("h_register_plain", "隐患 登记（照片已在库）", "row"),
]
# 依问题下达指令书 does the hazard loop's 登记 (the finding's photos are stored already: no upload) and 签发 in one
# request. The same work through the hazard loop is these two steps, each against the floor of what it does
# (one row; a process started): their summed times over their summed floors, next to the order step's ratio.
SAME_WORK = ("order", ("h_register_plain", "h_issue"))
FLOORS = {
    "start": "start the process: engine steps, serialize, INSERT, commit",
    "task": "restore the state, complete the task with the app's data, engine, serialize, UPDATE, commit",
    "row": "one row INSERTed, committed",
    "row_start": "the hazard's row INSERTed and its process started (engine steps, serialize, INSERT), one commit",
    "photo": "the upload stored (SHA-256, written, fsync'd) and one row INSERTed, committed",
}
CHECKLIST = "confined_space"
BAD_ITEM = 1  # the checklist's second item is answered 不符合, with its finding and photo


class StepRaw(RawStep):
    """bench_hazard_steps' raw request, plus
    POST /row         one row INSERTed and committed (the floor of a step that writes one record and moves no
                      workflow: 开始现场检查, an item's result);
    POST /row_start   one row INSERTed per started process, each process started, one commit (依问题下达指令书:
                      the hazard loop's 登记 without its upload — the finding's photos are stored already — and
                      签发, whose floors are "photo" and "start", in one request)."""

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path not in ("/row", "/row_start"):
            return super().__call__(environ, start_response)
        from app.serving.timing import header_value

        t0 = time.perf_counter()
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if path == "/row":
            self.con.cursor().execute(self.sql["row"], ("", body.decode()))
            statements = 1
        else:
            req = json.loads(body)
            self.con.cursor().execute(self.sql["row"], ("", json.dumps(req["row"], ensure_ascii=False)))
            statements = 1 + self.start(req, commit=False)
        self.con.commit()
        ms = (time.perf_counter() - t0) * 1000
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/plain"),
                ("Content-Length", "2"),
                ("Server-Timing", header_value(ms, statements)),
            ],
        )
        return [b"ok"]


def raw_app():
    """gunicorn's factory for the raw server: the hazard and inspection processes parsed, then no Flask per
    request (bench_hazard_steps.raw_app with the inspection process added)."""
    from app import create_app
    from app.workflow import definitions

    flask_app = create_app()
    with flask_app.app_context():
        parsed = {
            p: definitions.get_definition(p)
            for p in ("hazard_rectification", "major_hazard_supervision", PROCESS)
        }
    upload_dir = Path(os.environ["SAFELOOP_INSTANCE"]) / "raw_uploads"
    upload_dir.mkdir(exist_ok=True)
    return StepRaw(os.environ["DATABASE_URL"], parsed, upload_dir)


class InspectionRawServer(RawServer):
    target = "bench.bench_inspections:raw_app()"


class InspectionDatabase(AppDatabase):
    def instance_of_inspection(self, inspection_id: int) -> int:
        return self.subject_instance("inspections", inspection_id, PROCESS)

    def one(self, sql: str, args: tuple):
        row = self.execute(sql, args).fetchone()
        if row is None:
            raise RuntimeError(f"no row: {sql} {args}")
        return row[0]


def png() -> tuple[str, bytes, str]:
    """The signature canvas as the browser sends it: a real PNG (magic bytes are checked)."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * 2 for _ in range(2))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    body = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", f"Comment\x00{time.perf_counter_ns()}".encode())  # unique bytes: stored anew
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return ("signature.png", body, "image/png")


def steps_world(rounds: int):
    """bench/hazard_journey's world (a fresh migrated database: county, town, bureau, officers, leader,
    enterprise 1 with manager1) plus `rounds` 工贸 enterprises to inspect (one inspection each, within its
    cap) and 执法证 dates for the inspecting pair (officer1 leads, officer0 is the second member). The year's
    分类分级 is computed in bulk (classify_all) before the run, as production data has it from the start of
    the year: 创建检查 reads the stored class instead of computing and storing it on first need."""
    import contextlib
    import io

    from app.auth.models import User
    from app.extensions import db
    from app.org.credit_code import make_credit_code
    from app.org.models import Enterprise, Region
    from bench.hazard_journey import build_world as journey_world

    with contextlib.redirect_stdout(io.StringIO()):  # the migrations' progress lines
        app, world = journey_world("inspection_steps")
    with app.app_context():
        town = db.session.scalars(db.select(Region).where(Region.level == "town")).one()
        ents = []
        for k in range(rounds):
            e = Enterprise(
                name=f"萧县龙城第{k + 2}有限空间作业企业",
                credit_code=make_credit_code("341322", 1000 + k),
                industry="工贸",
            )
            e.set_region(town)
            ents.append(e)
        db.session.add_all(ents)
        for name in ("officer0", "officer1"):
            u = db.session.get(User, world.user_ids[name])
            u.cert_issued_on, u.cert_expires_on = date(2024, 1, 1), date(2031, 12, 31)
        db.session.commit()
        targets = [e.id for e in ents]
        # the year's 分类分级 computed in bulk beforehand, as production does at the start of the year
        # (classify_all): an inspection finds its enterprise's class stored instead of computing it
        from app import clock
        from app.inspections.operations.classification import classify_all

        head = db.session.get(User, world.user_ids["section_head"])
        classify_all(town.path.rsplit("/", 2)[0] + "/", clock.today().year, actor=head)
        db.session.commit()
    return app, world, targets


def bench_steps(rounds: int) -> tuple[list[str], dict]:
    """Each round walks one inspection through the app (create → 检查方案 → start → every checklist item, one
    不符合 with its finding and photo → signature → 现场检查记录 → 指令书 from the findings) and one hazard
    (登记 → 签发 → 整改); each app request is followed by its raw floor on the raw server. Both servers run
    side by side for the whole run, so both domains' figures meet the same machine state."""
    from app import clock
    from app.inspections import checklists
    from bench.hazard_journey import issue, photo, rectify, register, task_form
    from bench.server import _multipart

    app, world, targets = steps_world(rounds + WARM)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    appdb = InspectionDatabase(url.replace("postgresql+psycopg://", "postgresql://", 1))
    with app.app_context():
        checklist = checklists.find(CHECKLIST)
        assert checklist is not None, CHECKLIST
        items = checklist.items
        today = clock.today()
    bad = items[BAD_ITEM]
    keys = [k for k, _, _ in STEPS + HAZARD_STEPS]
    got: dict[str, dict[str, list]] = {k: {"app": [], "sql": [], "raw": []} for k in keys}
    lead, mate = world.user_ids["officer1"], world.user_ids["officer0"]

    with Server(url) as server, InspectionRawServer(url) as raw_server:
        officer, manager = (world.login(server, u) for u in ("officer1", "manager1"))
        rawc = raw_server.client()
        counting = False

        def raw(path: str, payload) -> object:
            if isinstance(payload, tuple):  # (fields, files): multipart, as the app received it
                body, ctype = _multipart(*payload)
            else:
                body, ctype = json.dumps(payload, ensure_ascii=False).encode(), "application/json"
            rr = rawc.request("POST", path, body, {"Content-Type": ctype})
            assert rr.status == 200, rr.text
            return rr

        def record(key: str, r, rr) -> None:
            if counting:
                got[key]["app"].append(r.server_ms)
                got[key]["sql"].append(r.sql)
                got[key]["raw"].append(rr.server_ms)

        def expect(r, what: str, status=(302, 303)):
            if r.status not in status:
                raise RuntimeError(f"{what}: HTTP {r.status} {r.location}\n{r.text[:1500]}")
            return r

        def task_step(key: str, inst: int, bpmn_id: str, path: str, form: dict, what: str) -> None:
            appdb.copy_state(inst)  # the state the app's step reads
            r = expect(officer.post(path, form), what)
            data = appdb.completed_with(inst, bpmn_id)
            record(key, r, raw("/task", {"key": inst, "process": PROCESS, "bpmn_id": bpmn_id, "data": data}))

        for n, enterprise_id in enumerate(targets):
            counting = n >= WARM
            # ---- the inspection ----
            officer.get("/inspections/new", {"enterprise_id": enterprise_id})  # the form (untimed)
            form = {
                "enterprise_id": enterprise_id,
                "source": "专项",
                "source_ref": "",
                "mode": "常规检查",
                "planned_on": today.isoformat(),
                "due_on": "",
                "lead_officer_id": lead,
                "member_ids": [lead, mate],
                "checklist_code": CHECKLIST,
            }
            r = expect(officer.post("/inspections/new", form), "创建检查")
            insp = int((r.location or "").rstrip("/").rsplit("/", 1)[1])
            inst = appdb.instance_of_inspection(insp)
            record("create", r, raw("/start", {"process": PROCESS, "data": appdb.start_data(inst)}))
            page_url = f"/inspections/{insp}"

            task_id = appdb.ready_task(inst, "prepare_scheme")
            officer.get(f"/tasks/{task_id}")  # the task page (untimed)
            scheme = {
                "basis": "《中华人民共和国安全生产法》第六十五条；专项检查",
                "checklist_code": CHECKLIST,
                "content": "有限空间作业安全管理",
                "method": "查阅资料、现场检查、询问",
                "division": "两名执法人员分别负责资料检查与现场检查",
                "scheduled_on": today.isoformat(),
            }
            task_step("scheme", inst, "prepare_scheme", f"/tasks/{task_id}", scheme, "制定检查方案")

            officer.get(page_url)  # the inspection page (untimed)
            start = {
                "place": "有限空间作业区、污水处理池",
                "present_person": "张三",
                "credentials_shown": "y",
                "recusal_explained": "y",
                "recusal_answer": "不申请回避",
            }
            r = expect(officer.post(f"{page_url}/start", start), "开始现场检查")
            record("start", r, raw("/row", start))

            for item in items:
                result = "不符合" if item is bad else "符合"
                fields = {"item_code": item.code, "result": result, "note": ""}
                r = expect(officer.post(f"{page_url}/items", fields), f"检查项{item.code}")
                record("item", r, raw("/row", fields))
                if item is bad:  # the finding form opens (untimed), then the finding with its photo
                    officer.get(f"{page_url}/findings/new", {"item": item.code})
                    finding = {
                        "location": "1号污水处理池",
                        "description": "作业前未检测即进入污水池",
                        "provision": item.basis or "",
                        "level": "一般",
                        "deadline": (today + timedelta(days=10)).isoformat(),
                    }
                    picture = photo("现场照片.jpg")
                    r = expect(
                        officer.post(
                            f"{page_url}/findings/new?item={item.code}",
                            finding,
                            files={"photo_ids": [picture]},
                        ),
                        "登记问题",
                    )
                    record("finding", r, raw("/register", (list(finding.items()), {"photo_ids": [picture]})))
                    officer.get(page_url)

            sig = png()
            r = expect(
                officer.post(f"{page_url}/signature", {"signer": "张三"}, files={"signature": sig}), "签字"
            )
            record("sign", r, raw("/register", ([("signer", "张三")], {"signature": sig})))

            officer.get(page_url)
            summary = {"summary": "对有限空间作业安全管理进行了检查，发现问题1项。"}
            task_step("record", inst, "onsite_record", f"{page_url}/record", summary, "制发现场检查记录")

            officer.get(f"{page_url}/results")  # the results form (untimed)
            fid = appdb.one("SELECT id FROM inspection_findings WHERE inspection_id = ?", (insp,))
            order = {
                f"category-{fid}": "管理",
                f"requirement-{fid}": "作业前检测、专人监护",
                "co_officer_id": mate,
                "interim_measures": "停止进入污水池作业",
            }
            r = expect(officer.post(f"{page_url}/results/order", order), "依问题下达指令书")
            order_id = appdb.one("SELECT order_id FROM inspections WHERE id = ?", (insp,))
            hazard = appdb.one("SELECT id FROM hazards WHERE order_id = ?", (order_id,))
            h_inst, h_process = appdb.instance_of(hazard)
            hazard_row = {"finding_id": fid, **order}
            start = {"process": h_process, "data": appdb.start_data(h_inst), "row": hazard_row}
            record("order", r, raw("/row_start", start))

            # ---- a hazard of the same run: 登记, 签发, 整改 (bench_hazard_steps' steps and floors) ----
            h = register(officer, world)
            fields = [("location", "一号车间配电箱"), ("description", "配电箱门缺失，带电部位外露")]
            record("h_register", h.response, raw("/register", (fields, {"photos": [photo()]})))
            r = issue(officer, world, h.order_id)
            h_inst, h_process = appdb.instance_of(h.hazard_id)
            record("h_issue", r, raw("/start", {"process": h_process, "data": appdb.start_data(h_inst)}))
            action = task_form(manager, h.hazard_id, "submit_rectification")
            appdb.copy_state(h_inst)
            r = rectify(manager, action)
            data = appdb.completed_with(h_inst, "submit_rectification")
            record(
                "h_rectify",
                r,
                raw(
                    "/task",
                    {"key": h_inst, "process": h_process, "bpmn_id": "submit_rectification", "data": data},
                ),
            )
            # ---- the order step's work through the hazard loop: 登记 with no upload (then 签发, untimed: its
            # kind is h_issue above) ----
            h = register(officer, world, photos=0, location="二号车间配电箱")
            fields = [("location", "二号车间配电箱"), ("description", "配电箱门缺失，带电部位外露")]
            record("h_register_plain", h.response, raw("/row", dict(fields)))
            issue(officer, world, h.order_id)

    ratios = {}
    lines = [
        f"  {rounds} inspections (after {WARM} warm-up), {len(items)} checklist items each, and {rounds} hazards; "
        "server times from Server-Timing (ms)",
        f"  {_pad('step', 26)} {'app p50':>8} {'app p95':>8} {'SQL':>4} {'raw p50':>8} {'app/raw':>8}  floor",
    ]
    for key, label, floor in STEPS + HAZARD_STEPS:
        g = got[key]
        a, rw = statistics.median(g["app"]), statistics.median(g["raw"])
        ratios[key] = a / rw
        if key == "h_register":
            lines.append("  -- hazard steps, same run, same servers --")
        lines.append(
            f"  {_pad(label, 26)} {a:8.2f} {percentile(g['app'], 0.95):8.2f} {statistics.median(g['sql']):4.0f} "
            f"{rw:8.2f} {a / rw:7.2f}x  {floor}"
        )
    loop = [k for k, _, _ in HAZARD_STEPS if k not in SAME_WORK[1][:1]]  # bench_hazard_steps' three steps
    worst = max(ratios[k] for k in loop)
    p50 = {k: statistics.median(got[k]["app"]) for k in keys}
    raw50 = {k: statistics.median(got[k]["raw"]) for k in keys}
    fastest = min(p50[k] for k in loop)
    lines.append("  floors: " + "; ".join(f"{k} = {v}" for k, v in FLOORS.items()))
    for key, label, floor in STEPS:
        if floor == "row":
            # no engine work: the issue's measure (the ratio to the raw engine floor) has no floor to divide by;
            # printed is the request's time against the fastest hazard step's, next to its one-row ratio
            verdict = "within" if p50[key] <= fastest else "ABOVE"
            lines.append(
                f"  {_pad(label, 26)} {p50[key]:6.2f} ms {verdict} the fastest hazard step's time "
                f"({fastest:.2f} ms; no engine work; {ratios[key]:.0f}x a one-row INSERT)"
            )
            continue
        verdict = "within" if ratios[key] <= worst else "ABOVE"
        lines.append(
            f"  {_pad(label, 26)} {ratios[key]:6.2f}x  {verdict} the hazard steps' highest ratio ({worst:.2f}x)"
        )
        if key == SAME_WORK[0]:
            parts = SAME_WORK[1]
            same = sum(p50[k] for k in parts) / sum(raw50[k] for k in parts)
            verdict = "within" if ratios[key] <= same else "ABOVE"
            lines.append(
                f"  {_pad('', 26)} {ratios[key]:6.2f}x  {verdict} the same work through the hazard loop ({same:.2f}x: "
                + " + ".join(f"{p50[k]:.2f}" for k in parts) + " ms over "
                + " + ".join(f"{raw50[k]:.2f}" for k in parts) + " ms of floor)"
            )
    return lines, {"ratios": ratios, "worst_hazard": worst}


def main() -> None:
    """--steps: only part 4 (the steps over HTTP); --quick: fewer rounds and a smaller data set."""
    global LIST_N, N, STEPS_N
    only_steps, quick = "--steps" in sys.argv, "--quick" in sys.argv
    if quick:
        LIST_N, N, STEPS_N = min(LIST_N, 20_000), min(N, 10), min(STEPS_N, 8)
    load = os.getloadavg()
    print(
        f"(load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) on {os.cpu_count()} "
        "CPUs: other work inflates every figure)",
        flush=True,
    )
    if not only_steps:
        print("== 双随机 draw (app.inspections.draw v1, pure)", flush=True)
        for line in bench_draw():
            print(line, flush=True)
        app, url = make_app()
        t0 = time.perf_counter()
        world = build_world(app)
        with app.app_context():
            from sqlalchemy import select

            from app.extensions import db
            from app.org.models import Enterprise

            world["town_of"] = list(db.session.execute(select(Enterprise.id, Enterprise.region_path)))
        print(
            f"\n(data: {PLAN_N:,} enterprises in {TOWNS} towns, 42 staff, {ms_since(t0) / 1000:.1f} s)",
            flush=True,
        )
        print("\n== annual plan for a county", flush=True)
        for line in bench_plan(app, world):
            print(line, flush=True)
        t0 = time.perf_counter()
        fill_inspections(app, world)
        print(f"\n== inspection list ({LIST_N:,} rows built in {ms_since(t0) / 1000:.1f} s)", flush=True)
        for line in bench_list(app, world, url):
            print(line, flush=True)
    print(
        "\n== inspection steps over HTTP (gunicorn, 1 sync worker, production, CSRF on) vs the raw engine + "
        "database floor, with hazard steps in the same run",
        flush=True,
    )
    lines, _ = bench_steps(STEPS_N)
    for line in lines:
        print(line, flush=True)
    load = os.getloadavg()
    print(f"(load average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})", flush=True)


if __name__ == "__main__":
    main()
