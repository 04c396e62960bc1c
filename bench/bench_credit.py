"""The credit domain over real HTTP at a city's volume (issue #14): bench/credit_data.py's ~3,000 listings (5
years, most ended, ~900 in force, some at each stage), ~23,000 measures, 2,000 accidents, on top of
the 100,000 penalty cases, served by gunicorn in production mode (bench/server.py: 1 sync worker, CSRF on,
Server-Timing on). Everything runs on a private copy (bench/out/credit_bench.db).

Pages (server = the app's own time from Server-Timing, client = HTTP round trip; ms p50/p95):
- GET /credit/ for the city (统计 of 宿州市应急管理局: every listing) and a 萧县 officer (the county's share):
  first page, a deep keyset page (the cursor of the middle row of the user's rows), status=已列入, criterion=9.
  Next to, in the same run on a plain DB-API connection: raw — a hand-written indexed SELECT of the same 50 rows
  with the subject's name (same scope, filter, order and cursor); bare — the app's own statements for the page
  (captured in-process from app.credit.queries.listing_page) replayed. Target p95 ≤ 50 ms.
- GET /credit/<id> of the listing with all 15 measures (twelve 联合惩戒通知), as its officer; raw — the
  SELECTs of what the page shows (listing, enterprise, measures, statements, pushes, documents, publication);
  bare — the statements the page's request runs, captured in-process and replayed. Target p95 ≤ 100 ms.
- GET /gongshi/?kind=credit_listing, anonymous (the public 公示 page of the listings in force); raw — the
  page's rows by ix_publications_kind.
- 严重失信主体名单台账: POST /ledgers/credit_listings.xlsx (as the browser: it queues the job, 303 to the job
  page) for the city and the officer, then the job run as the jobs worker runs it (app.jobs.run_pending, in
  this process) — next to raw: the listing rows and their measures/statements/pushes/publications read by
  plain SELECTs and written with xlsxwriter constant_memory (one row per listing).

Steps (as bench_case_steps): 负责人决定 (decide: 列入, the library's default measures as the form preselects
them) and 送达列入决定书 (serve_decision: term, publication, push file, measures with one numbered 联合惩戒通知
per external department, the expiry timer) posted to POST /tasks/<id> with the page's CSRF token by the
leader / the officer, next to the raw SpiffWorkflow + database floor of the same task with the same data
(bench_hazard_steps.RawStep under the same gunicorn setup); statements per step and app/raw. The hazard steps'
highest ratio of the same run is printed for comparison (bench_hazard_steps.py run first; BENCH_SKIP_HAZARD=1
skips it).

    python bench/bench_credit.py                       # SQLite only (the credit data set has no PostgreSQL build)
    BENCH_CREDIT_N=40 (requests per page measurement), BENCH_CREDIT_STEPS=20 (listings decided and served),
    BENCH_CREDIT_LEDGER=3 (exports per user), BENCH_CREDIT_LISTINGS / BENCH_CREDIT_ACCIDENTS (data size)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_hazard_steps import AppDatabase, RawServer, RawStep, _pad  # noqa: E402
from bench.bench_lists import Capture, Raw  # noqa: E402
from bench.common import percentile  # noqa: E402
from bench.server import AUDIT_KEY, Server  # noqa: E402

N = int(os.environ.get("BENCH_CREDIT_N", 40))
STEPS_N = int(os.environ.get("BENCH_CREDIT_STEPS", 20))
LEDGER_N = int(os.environ.get("BENCH_CREDIT_LEDGER", 3))
WARM = 3
LIST_TARGET, PAGE_TARGET = 50.0, 100.0
PROCESS = "credit_listing"
CITY, XIAO = "/340000/341300/", "/340000/341300/341322/"
SCOPES = {"city": CITY, "officer": XIAO}
LISTS: list[tuple[str, dict[str, str], bool]] = [  # label, query, deep
    ("first page", {}, False),
    ("deep keyset page", {}, True),
    ("status=已列入", {"status": "已列入"}, False),
    ("criterion=9", {"criterion": "9"}, False),
]
SERVE = {"method": "直接送达", "recipient": "李安全", "witnesses": ""}


@dataclass
class Measure:
    user: str
    label: str
    params: dict
    rows: int = 0
    depth: int = 0
    raw_sql: list = field(default_factory=list)
    captured: list = field(default_factory=list)
    expect_ids: list[int] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    client: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    sql: int | None = None
    sorts: str = ""  # Y: a statement of the page sorts the rows in scope (USE TEMP B-TREE FOR ORDER BY)
    size: int = 0
    note: str = ""


def summary(ms: list[float]) -> str:
    if not ms:
        return f"{'—':>13}"
    return f"{statistics.median(ms):5.1f}/{percentile(ms, 0.95):6.1f}"


def _where(scope: str, params: dict) -> tuple[str, list]:
    sql, args = ["l.region_path LIKE ?"], [scope + "%"]
    if params.get("status"):
        sql.append("l.status = ?")
        args.append(params["status"])
    if params.get("criterion"):
        sql.append("l.criterion = ?")
        args.append(params["criterion"])
    return " AND ".join(sql), args


def raw_list_sql(scope: str, params: dict, cursor: tuple | None) -> tuple[str, list]:
    where, args = _where(scope, params)
    if cursor:
        where += " AND (l.proposed_on, l.id) < (?, ?)"
        args += [cursor[0].isoformat(), cursor[1]]
    return (
        "SELECT l.id, l.status, l.criterion, l.proposed_on, l.term_start, l.term_end, l.person_name, e.name "
        f"FROM credit_listings l JOIN enterprises e ON e.id = l.enterprise_id WHERE {where} "
        "ORDER BY l.proposed_on DESC, l.id DESC LIMIT 50",
        args,
    )


def detail_sql(listing_id: int) -> list[tuple[str, list]]:
    """What the listing page shows, by primary/foreign key."""
    return [
        (
            "SELECT l.*, e.name, e.credit_code, e.legal_rep, d.name FROM credit_listings l JOIN enterprises e "
            "ON e.id = l.enterprise_id JOIN departments d ON d.id = l.agency_id WHERE l.id = ?",
            [listing_id],
        ),
        ("SELECT * FROM listing_measures WHERE listing_id = ? ORDER BY id", [listing_id]),
        ("SELECT * FROM listing_statements WHERE listing_id = ? ORDER BY id", [listing_id]),
        ("SELECT * FROM credit_pushes WHERE listing_id = ? ORDER BY id", [listing_id]),
        ("SELECT * FROM listing_remedies WHERE listing_id = ? ORDER BY id", [listing_id]),
        ("SELECT * FROM credit_repairs WHERE listing_id = ? ORDER BY id", [listing_id]),
        (
            "SELECT o.*, n.text FROM official_documents o JOIN document_numbers n ON n.id = o.number_id "
            "WHERE o.subject_type = 'credit_listings' AND o.subject_id = ? ORDER BY o.id",
            [listing_id],
        ),
        (
            "SELECT * FROM publications WHERE subject_type = 'credit_listings' AND subject_id = ? "
            "AND kind = 'credit_listing'",
            [listing_id],
        ),
    ]


def public_sql(today) -> list[tuple[str, list]]:
    return [
        (
            "SELECT id, title, kind, published_on, agency_id, expires_on FROM publications "
            "WHERE kind = 'credit_listing' AND status = '已公示' AND (expires_on IS NULL OR expires_on >= ?) "
            "ORDER BY published_on DESC, id DESC LIMIT 21",
            [today.isoformat()],
        )
    ]


def run_raw(raw: Raw, statements: list) -> float:
    return raw.run([(sql, params) for sql, params in statements])


# --- preparing ---------------------------------------------------------------------------------------------
def prepare(url: str, n_steps: int):
    """In the copy: the listings walked to 负责人决定; the lists' cursors, raw SELECTs and captured statements;
    the listing page's and the public page's captured statements."""
    from datetime import date

    from sqlalchemy import select, text

    from app import clock
    from app.auth.models import User
    from app.credit import queries
    from app.extensions import db
    from app.paging import Key
    from bench.case_data import ACCOUNTS, PASSWORD, _app
    from bench.credit_data import Walk, meta

    info = meta(url)
    big = int(info["big_listing_id"])
    app = _app(url)
    app.config["AUDIT_HMAC_KEY"] = AUDIT_KEY  # the server's key: one audit chain for setup and requests
    out: list[Measure] = []
    with app.app_context():
        ids = {k: db.session.scalar(select(User.id).where(User.username == u)) for k, u in ACCOUNTS.items()}
        w = Walk(ids)
        t0 = time.perf_counter()
        to_decide = [w.to(w.new(e), "decide").id for e in w.enterprises(n_steps)]
        db.session.commit()
        print(
            f"  {len(to_decide)} listings walked to 负责人决定 in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        capture = Capture(db.engine)
        for key, scope in SCOPES.items():
            user = db.session.scalar(select(User).where(User.username == ACCOUNTS[key]))
            for label, params, deep in LISTS:
                m = Measure(key, label, dict(params))
                where, args = _where(scope, params)
                named = "".join(
                    p + (f":p{i}" if i < where.count("?") else "") for i, p in enumerate(where.split("?"))
                )
                binds = {f"p{i}": a for i, a in enumerate(args)}
                m.rows = db.session.execute(
                    text(f"SELECT count(*) FROM credit_listings l WHERE {named}"), binds
                ).scalar_one()
                cursor = None
                if deep:
                    m.depth = m.rows // 2
                    day, ident = db.session.execute(
                        text(
                            f"SELECT l.proposed_on, l.id FROM credit_listings l WHERE {named} "
                            f"ORDER BY l.proposed_on DESC, l.id DESC LIMIT 1 OFFSET {m.depth - 1}"
                        ),
                        binds,
                    ).one()
                    day = date.fromisoformat(day) if isinstance(day, str) else day
                    cursor = (day, ident)
                    m.params["after"] = Key(True, day, ident).encode()
                m.raw_sql = [raw_list_sql(scope, params, cursor)]
                f = queries.ListingFilters.from_args(m.params)
                page = None

                def run(f=f, user=user):
                    nonlocal page
                    page = queries.listing_page(user, f)

                m.captured = capture.run(run)
                m.expect_ids = [x.id for x in page.items]
                db.session.rollback()
                out.append(m)
        # the listing page and the public page: every statement of the request, in-process
        client = app.test_client()
        r = client.post("/login", data={"username": ACCOUNTS["officer"], "password": PASSWORD})
        assert r.status_code == 302, f"login {r.status_code}"
        detail_captured = capture.run(lambda: client.get(f"/credit/{big}"))
        public_captured = capture.run(lambda: app.test_client().get("/gongshi/?kind=credit_listing"))
        today = clock.today()
        db.session.remove()
        db.engine.dispose()
    return ids, big, to_decide, out, detail_captured, public_captured, today


# --- the ledger ----------------------------------------------------------------------------------------------
def ledger_raw(raw: Raw, scope: str, path: Path) -> tuple[float, int]:
    """The listing rows and their related rows by plain SELECTs, one xlsx row per listing (constant_memory)."""
    import xlsxwriter

    t0 = time.perf_counter()
    cur = raw.conn.cursor()
    inner = "SELECT id FROM credit_listings WHERE region_path LIKE ?"
    rel: dict[str, dict[int, list]] = {}
    for name, sql in (
        (
            "measures",
            f"SELECT listing_id, name, status, feedback_on FROM listing_measures WHERE listing_id IN ({inner})",
        ),
        (
            "statements",
            f"SELECT listing_id, kind, channel FROM listing_statements WHERE listing_id IN ({inner})",
        ),
        ("pushes", f"SELECT listing_id, action, pushed_at FROM credit_pushes WHERE listing_id IN ({inner})"),
        (
            "publications",
            "SELECT subject_id, published_on, status FROM publications WHERE subject_type = "
            f"'credit_listings' AND subject_id IN ({inner})",
        ),
    ):
        got: dict[int, list] = {}
        for row in cur.execute(sql, [scope + "%"]):
            got.setdefault(row[0], []).append(row[1:])
        rel[name] = got
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("严重失信主体名单台账")
    n = 0
    rows = cur.execute(
        "SELECT l.id, l.subject_kind, e.name, e.credit_code, l.person_name, e.industry, l.criterion, "
        "l.criterion_text, l.status, l.decided_on, d.name, l.term_start, l.term_end, l.ended_on, l.end_kind "
        "FROM credit_listings l JOIN enterprises e ON e.id = l.enterprise_id JOIN departments d "
        "ON d.id = l.agency_id WHERE l.region_path LIKE ? ORDER BY l.id",
        [scope + "%"],
    )
    for r in rows:
        n += 1
        cells = [
            n,
            *[("" if v is None else str(v)) for v in r[1:]],
            "；".join(f"{m[0]}（{m[1]}）" for m in rel["measures"].get(r[0], [])),
            "；".join(f"{s[0]}/{s[1]}" for s in rel["statements"].get(r[0], [])),
            "；".join(f"{p[0]} {p[1]}" for p in rel["pushes"].get(r[0], [])),
            "；".join(f"{p[0]} {p[1]}" for p in rel["publications"].get(r[0], [])),
        ]
        for c, v in enumerate(cells):
            if isinstance(v, int):
                sheet.write_number(n, c, v)
            else:
                sheet.write_string(n, c, v)
    book.close()
    return (time.perf_counter() - t0) * 1000, n


class JobRunner:
    """Runs the queued export job as the jobs worker runs it (app.jobs.run_pending), in this process."""

    def __init__(self, url: str, jobs_dir: str):
        from bench.case_data import _app

        self.app = _app(url)
        self.app.config.update(JOBS_DIR=jobs_dir, AUDIT_HMAC_KEY=AUDIT_KEY)

    def run_one(self) -> tuple[float, int, str]:
        """(ms, rows, error) of the one queued job."""
        from sqlalchemy import select

        from app.extensions import db
        from app.jobs import run_pending
        from app.jobs.models import Job
        from app.jobs.worker import new_worker_id

        with self.app.app_context():
            job_id = db.session.scalar(select(Job.id).where(Job.status == "queued").order_by(Job.id.desc()))
            t0 = time.perf_counter()
            ran = run_pending(new_worker_id(), limit=1)
            ms = (time.perf_counter() - t0) * 1000
            db.session.expire_all()
            job = db.session.get(Job, job_id) if job_id else None
            error = (
                ""
                if ran == 1 and job is not None and job.status == "done"
                else (f"job {job_id}: ran {ran}, {job and job.status} {job and job.error or ''}"[:300])
            )
            rows = (job.progress_done or 0) if job is not None else 0
            db.session.remove()
        return ms, rows, error


# --- the raw step server -------------------------------------------------------------------------------------
def raw_app():
    """gunicorn's factory for the raw server: the listing procedure's parsed BPMN, then no Flask per request."""
    from app import create_app
    from app.workflow import definitions

    flask_app = create_app()
    with flask_app.app_context():
        parsed = {PROCESS: definitions.get_definition(PROCESS)}
    upload_dir = Path(os.environ["SAFELOOP_INSTANCE"]) / "raw_uploads"
    upload_dir.mkdir(exist_ok=True)
    return RawStep(os.environ["DATABASE_URL"], parsed, upload_dir)


class CreditRawServer(RawServer):
    target = "bench.bench_credit:raw_app()"


class CreditDatabase(AppDatabase):
    def listing_instance(self, listing_id: int) -> int:
        return self.subject_instance("credit_listings", listing_id, PROCESS)


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1]))[:1200]


# --- main ----------------------------------------------------------------------------------------------------
def main() -> None:
    from bench.bench_case_steps import hazard_ratios
    from bench.case_data import ACCOUNTS, PASSWORD
    from bench.credit_data import _measure_library, copy_of, describe

    hazard, hazard_out = hazard_ratios(None)  # first: the same machine state (BENCH_SKIP_HAZARD=1 skips)
    if hazard_out:
        print(hazard_out.rstrip())
    url = copy_of("credit_bench")
    print(f"\ncredit data set (copy {url}):\n  {describe(url)}", flush=True)
    ids, big, to_decide, lists, detail_captured, public_captured, today = prepare(url, STEPS_N + WARM)
    raw = Raw(url)
    for m in lists:
        m.sorts = raw.sorts(m.captured)
    detail_raw, public_raw = detail_sql(big), public_sql(today)
    appdb = CreditDatabase(url)
    defaults = [m["code"] for m in _measure_library() if m.get("default")]
    steps = {k: {"app": [], "sql": [], "raw": []} for k in ("decide", "serve_decision")}
    page = Measure("officer", f"GET /credit/{big}", {})
    public = Measure("anonymous", "GET /gongshi/?kind=credit_listing", {})
    enqueue: dict[str, list[float]] = {"city": [], "officer": []}
    enqueue_sql: dict[str, int | None] = {}
    jobs_dir = tempfile.mkdtemp(prefix="credit_ledger_jobs_")
    problems: list[str] = []
    runner = JobRunner(url, jobs_dir)
    job_ms: dict[str, list[float]] = {"city": [], "officer": []}
    job_rows: dict[str, int] = {}
    with Server(url) as server, CreditRawServer(url) as raw_server:
        who = {}
        for key in ("city", "officer", "leader"):
            who[key] = server.client()
            who[key].login(ACCOUNTS[key], PASSWORD)
        anon = server.client()
        rawc = raw_server.client()
        # the listing page
        for i in range(WARM + N):
            r = who["officer"].get(f"/credit/{big}")
            if r.status != 200:
                raise RuntimeError(f"listing page {r.status}: {_text_of(r.text)}")
            t_raw, t_bare = run_raw(raw, detail_raw), raw.run(detail_captured)
            if i >= WARM:
                page.server.append(r.server_ms)
                page.client.append(r.ms)
                page.raw.append(t_raw)
                page.bare.append(t_bare)
                page.sql, page.size = r.sql, len(r.body)
        # the lists
        for m in lists:
            c = who[m.user]
            for i in range(WARM + N):
                r = c.get("/credit/", m.params)
                if r.status != 200:
                    m.note = f"HTTP {r.status}"
                    break
                t_raw, t_bare = run_raw(raw, m.raw_sql), raw.run(m.captured)
                if i >= WARM:
                    m.server.append(r.server_ms)
                    m.client.append(r.ms)
                    m.raw.append(t_raw)
                    m.bare.append(t_bare)
                    m.sql = r.sql
            shown = list(dict.fromkeys(int(x) for x in re.findall(r'href="/credit/(\d+)"', r.text)))
            if [x for x in shown if x in set(m.expect_ids)] != m.expect_ids and not m.note:
                m.note = "page rows differ from listing_page()"
        # the public page
        for i in range(WARM + N):
            r = anon.get("/gongshi/", {"kind": "credit_listing"})
            if r.status != 200:
                public.note = f"HTTP {r.status}"
                break
            t_raw, t_bare = run_raw(raw, public_raw), raw.run(public_captured)
            if i >= WARM:
                public.server.append(r.server_ms)
                public.client.append(r.ms)
                public.raw.append(t_raw)
                public.bare.append(t_bare)
                public.sql, public.size = r.sql, len(r.body)
        public.rows = len(set(re.findall(r'href="/gongshi/(\d+)"', r.text)))
        # the ledger export, queued as the browser queues it (the server runs no jobs worker), then run: a second
        # POST while the first job is still queued would return that job (the app's double-click guard)
        for _ in range(LEDGER_N):
            for key in ("city", "officer"):
                who[key].get("/ledgers")  # the page with the export button (its CSRF token)
                r = who[key].post("/ledgers/credit_listings.xlsx")
                if r.status != 303:
                    problems.append(f"ledger export as {key}: HTTP {r.status} {_text_of(r.text)[:300]}")
                    continue
                enqueue[key].append(r.server_ms)
                enqueue_sql[key] = r.sql
                ms, rows, error = runner.run_one()
                if error:
                    problems.append(error)
                else:
                    job_ms[key].append(ms)
                    job_rows[key] = rows
        # the steps
        for listing_id in to_decide:
            inst = appdb.listing_instance(listing_id)
            for bpmn_id, role, form in (
                (
                    "decide",
                    "leader",
                    {"decision": "list", "reasons": "", "measure_codes": defaults, "removal_conditions": ""},
                ),
                ("serve_decision", "officer", {**SERVE, "served_on": today.isoformat()}),
            ):
                task_id = appdb.ready_task(inst, bpmn_id)
                c = who[role]
                got = c.get(f"/tasks/{task_id}")  # the task page, as the user opens it (untimed)
                if got.status != 200:
                    raise RuntimeError(f"{bpmn_id}: GET /tasks/{task_id} {got.status}")
                appdb.copy_state(inst)
                r = c.post(f"/tasks/{task_id}", form)
                if r.status != 302:
                    raise RuntimeError(f"{bpmn_id}: POST /tasks/{task_id} → {r.status}: {_text_of(r.text)}")
                data = appdb.completed_with(inst, bpmn_id)
                rr = rawc.request(
                    "POST",
                    "/task",
                    json.dumps({"key": inst, "process": PROCESS, "bpmn_id": bpmn_id, "data": data}).encode(),
                    {"Content-Type": "application/json"},
                )
                assert rr.status == 200, rr.text
                steps[bpmn_id]["app"].append(r.server_ms)
                steps[bpmn_id]["sql"].append(r.sql)
                steps[bpmn_id]["raw"].append(rr.server_ms)
        listed = appdb.execute(
            f"SELECT count(*) FROM credit_listings WHERE status = '已列入' AND id IN ({','.join('?' * len(to_decide))})",
            tuple(to_decide),
        ).fetchone()[0]
    ledger_base = {}
    for key, scope in SCOPES.items():
        ledger_base[key] = [
            ledger_raw(raw, scope, Path(jobs_dir) / f"raw_{key}_{k}.xlsx") for k in range(LEDGER_N)
        ]
    raw.close()

    # --- report ---
    print(
        f"\n== credit pages, SQLite: gunicorn (1 sync worker, production), {N} requests each after {WARM} "
        "warm-up; ms p50/p95 (server = Server-Timing app, client = HTTP round trip)"
    )
    ok = percentile(page.server, 0.95) <= PAGE_TARGET
    print(
        f"  listing page /credit/{big} (15 measures, 12 联合惩戒通知; {page.size / 1024:.0f} KiB, {page.sql} SQL): "
        f"server {summary(page.server)}  client {summary(page.client)}  raw {summary(page.raw)}  "
        f"bare {summary(page.bare)}  target p95 ≤ {PAGE_TARGET:.0f}: {'ok' if ok else 'MISSED'}"
    )
    print(
        f"  public /gongshi/?kind=credit_listing ({public.rows} entries shown, {public.sql} SQL): server "
        f"{summary(public.server)}  client {summary(public.client)}  raw {summary(public.raw)}  "
        f"bare {summary(public.bare)}  (list target p95 ≤ {LIST_TARGET:.0f}: "
        f"{'ok' if percentile(public.server, 0.95) <= LIST_TARGET else 'MISSED'}) {public.note}"
    )
    print(
        f"\n  {'user':<8} {'list':<18} {'rows':>5} {'depth':>6} {'server':>13} {'client':>13} {'SQL':>4} "
        f"{'raw SELECT':>13} {'bare':>13} sort  p95 ≤ {LIST_TARGET:.0f}"
    )
    missed = []
    for m in lists:
        ok = bool(m.server) and percentile(m.server, 0.95) <= LIST_TARGET
        if not ok:
            missed.append(m)
        print(
            f"  {m.user:<8} {_pad(m.label, 18)} {m.rows:>5} {m.depth or '':>6} {summary(m.server)} "
            f"{summary(m.client)} {m.sql if m.sql is not None else '—':>4} {summary(m.raw)} {summary(m.bare)} {m.sorts:>4}  "
            f"{'ok' if ok else 'MISSED'} {m.note}"
        )
    print(
        "  (raw: the 50 rows with the subject's name, one indexed SELECT; bare: the app's own statements for the "
        "page replayed on DB-API; sort Y: a statement of the page sorts every row in scope)"
    )
    for m in missed:
        print(f"\n  {m.user} {m.label}: slowest statements of the page")
        for ms, sql, plan in Raw(url).slowest(m.captured, top=2):
            print(f"    {ms:7.1f} ms  {sql[:300]}\n              plan: {plan[:300]}")

    print(
        f"\n== 严重失信主体名单台账 export ({LEDGER_N} per user): POST /ledgers/credit_listings.xlsx over HTTP "
        "(queues the job), then the job as the jobs worker runs it (in this process)"
    )
    for key in ("city", "officer"):
        jm, jr = job_ms[key], job_rows.get(key, 0)
        base = ledger_base[key]
        if not jm:
            print(f"  {key:<8} not measured")
            continue
        b = statistics.median(t for t, _ in base)
        print(
            f"  {key:<8} POST p50 {statistics.median(enqueue[key]) if enqueue[key] else 0:6.1f} ms "
            f"({enqueue_sql.get(key)} SQL); job {statistics.median(jm):7.1f} ms for {jr:,} rows; raw SELECT + "
            f"xlsxwriter {b:7.1f} ms ({base[0][1]:,} rows); job/raw {statistics.median(jm) / b:5.2f}x"
        )

    if not STEPS_N:  # BENCH_CREDIT_STEPS=0: no steps measured
        for p in problems:
            print(f"  PROBLEM: {p}")
        return
    print(
        f"\n== steps over HTTP (POST /tasks/<id>), SQLite: {STEPS_N} listings after {WARM} warm-up, each decided "
        f"(列入, {len(defaults)} default measures) and served; {listed} of {len(to_decide)} now 已列入"
    )
    print(f"  {'step':<30} {'app p50':>8} {'app p95':>8} {'SQL':>4} {'raw p50':>8} {'app/raw':>8}")
    worst = max((r for _, r in hazard), default=None)
    ratios = {}
    for key, label in (("decide", "负责人决定（列入）"), ("serve_decision", "送达列入决定书（生效）")):
        g = {k: v[WARM:] for k, v in steps[key].items()}
        a, r = statistics.median(g["app"]), statistics.median(g["raw"])
        ratios[key] = a / r
        print(
            f"  {_pad(label, 30)} {a:8.2f} {percentile(g['app'], 0.95):8.2f} {statistics.median(g['sql']):4.0f} "
            f"{r:8.2f} {a / r:7.2f}x"
        )
    if hazard:
        print(
            "  hazard steps' app/raw in this run: "
            + ", ".join(f"{s} {r:.2f}x" for s, r in hazard)
            + f" (highest {worst:.2f}x)"
        )
        for key, label in (("decide", "负责人决定（列入）"), ("serve_decision", "送达列入决定书（生效）")):
            print(
                f"  {_pad(label, 30)} {ratios[key]:5.2f}x  "
                f"{'within' if ratios[key] <= worst else 'OVER'} the hazard steps' highest ratio"
            )
    print(
        "  (ms, server time from Server-Timing; raw = restore + complete + engine + serialize + UPDATE + commit of "
        "the same task with the same data, same database)"
    )
    for p in problems:
        print(f"  PROBLEM: {p}")


if __name__ == "__main__":
    main()
