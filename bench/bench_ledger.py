"""隐患排查治理台账 export of N hazards, as the jobs worker runs it, against xlsxwriter writing the same query's
rows, on SQLite and PostgreSQL; time and peak RSS of each in a process of its own.

    .venv/bin/python bench/bench_ledger.py               (make bench) 100,000 generated hazards, then one
                                                          pair on bench/scale_data.py's 1,000,000 (a copy)
    .venv/bin/python bench/bench_ledger.py N             N generated hazards in bench/out/ledger_<N>.db or
                                                          BENCH_DATABASE_URL
    BENCH_SOURCE=<url or .db path> .venv/bin/python bench/bench_ledger.py
                                                          an existing database (bench/scale_data.py's 1M):
                                                          copied first (the job table is written), never
                                                          changed; SQLite: the backup API, PostgreSQL:
                                                          CREATE DATABASE … TEMPLATE
    BENCH_USER=<username> (default: the exporting user with the widest scope), BENCH_REPEAT=3 (runs of each,
    alternated; the median is printed), BENCH_KEEP=1 keeps the copy.

Each run is a fresh process (`python bench/bench_ledger.py --run job|baseline <url> <user>`) so that its
peak RSS (getrusage ru_maxrss) is that of the export alone:
  job       the export as a user gets it: the job queued as `enqueue_export` queues it, then
            `run_pending` (the jobs worker's code path: claim, heartbeat, the scoped query streamed, rows
            built, the styled workbook with title rows, links and red overdue rows, the file saved in the
            job's directory, the audit event, the job marked done);
  baseline  xlsxwriter constant_memory writing the same SQL's rows in a plain loop: the export's own
            statements (app.hazards.ledger.statements: the scoped hazards joined with their enterprise and
            指令书, and the related tables read alongside, all streamed the same way), each hazard row's
            columns written with write_string / write_number / write_datetime (dates in yyyy-mm-dd), one
            header row. No title rows, styles, links or job: what the job adds is what the ratio measures.
Target (issue #15): job ≤ 1.2 × baseline in time, peak RSS ≤ 200 MB at 1,000,000 rows."""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OUT = Path(__file__).resolve().parent / "out"
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def _url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    return url


def _app(url: str, jobs_dir: str | None = None):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": _url(url), "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "JOBS_DIR": jobs_dir or tempfile.mkdtemp(prefix="ledger_jobs_")})


# --- data ------------------------------------------------------------------------------------------------

def generate(n: int) -> str:
    """N hazards of 200 enterprises in 10 towns, their 指令书, and for the closed ones (about 60 %) a round of
    整改 with an after photo, a 复查 with its 文号 and a before photo; about 5 % 重大 with a 督办. Schema by
    the migrations; reused when it already holds N hazards."""
    from sqlalchemy import func, insert, select

    from app.attachments.models import Attachment, AttachmentLink
    from app.auth.models import User
    from app.auth.roles import Role
    from app.extensions import db
    from app.hazards.models import Hazard, HazardReview, Rectification, RectificationOrder, Supervision
    from app.org.credit_code import make_credit_code
    from app.org.models import Department, Enterprise, Region
    from bench.common import bench_app

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = OUT / f"ledger_{n}.db"
        if path.exists():
            app = _app(str(path))
            with app.app_context():
                if db.session.scalar(select(func.count()).select_from(Hazard)) == n:
                    return str(path)
    app = bench_app(f"ledger_{n}")
    url = url or str(OUT / f"ledger_{n}.db")
    with app.app_context():
        county = Region(code="341322", name="萧县", level="county", path="/341322/")
        db.session.add(county)
        towns = [Region(code=f"341322{100 + i}", name=f"第{i + 1}镇", level="town", parent=county,
                        path=f"/341322/341322{100 + i}/") for i in range(10)]
        db.session.add_all(towns)
        db.session.flush()
        bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
        db.session.add(bureau)
        users = []
        for i in range(10):
            u = User(username=f"off{i}", name=f"执法员{i}", department=bureau, cert_no=str(i), password_hash="x")
            u.set_roles([Role.OFFICER])
            users.append(u)
        sup = User(username="sup", name="统计员", department=bureau, password_hash="x")
        sup.set_roles([Role.SUPERVISOR, Role.OFFICER])
        db.session.add_all([*users, sup])
        ents = []
        for i in range(200):
            e = Enterprise(name=f"萧县第{i}机械制造有限公司", credit_code=make_credit_code("341322", i + 1),
                           industry="工贸", address=f"龙城镇工业园{i}号", main_person=f"负责人{i}")
            e.set_region(towns[i % 10])
            ents.append(e)
        db.session.add_all(ents)
        db.session.flush()
        attachment = Attachment(sha256="0" * 64, size=1, mime="image/jpeg", original_name="p.jpg",
                                uploaded_by_id=sup.id)
        db.session.add(attachment)
        db.session.flush()
        start_day, now = date(2022, 1, 1), datetime(2026, 3, 1, tzinfo=UTC)
        hid = rid = 0
        for first in range(0, n, 5000):
            last = min(n, first + 5000)
            orders, hazards, rects, reviews, links, sups = [], [], [], [], [], []
            for i in range(first, last):
                if i % 4 == 0:
                    ent = ents[(i // 4) % 200]
                    found = start_day + timedelta(days=(i * 1826) // n)
                    orders.append(dict(id=i // 4 + 1, enterprise_id=ent.id, region_path=ent.region_path,
                                       agency_id=bureau.id, created_by_id=users[i % 10].id,
                                       co_officer_id=users[(i + 1) % 10].id, source="执法检查",
                                       inspected_on=found, status="issued",
                                       doc_number=f"（萧）应急责改〔{found.year}〕{i // 4 + 1}号"))
                hid += 1
                closed, major = i % 5 < 3, i % 20 == 7
                hazards.append(dict(
                    id=hid, code=f"YH{found.year}{i:07d}", order_id=i // 4 + 1, seq=i % 4 + 1,
                    enterprise_id=ent.id, region_path=ent.region_path, source="执法检查", found_on=found,
                    found_by_id=users[i % 10].id, location=f"{i % 7 + 1}号车间配电室",
                    description="配电箱前堆放杂物，未保持通道畅通，" * (1 + i % 3), category="物",
                    level="重大" if major else "一般", provision="《中华人民共和国安全生产法》第三十六条第一款",
                    criterion_citation="《工贸企业重大事故隐患判定标准》第四条第（一）项" if major else None,
                    original_deadline=found + timedelta(days=15), deadline=found + timedelta(days=15),
                    status="已销号" if closed else "整改中", is_overdue=i % 10 == 9,
                    overdue_at=now if i % 10 == 9 else None, failed_rounds=0, exception_granted=False,
                    extension_count=0, discovered_year=found.year, completed_on=found + timedelta(days=10)
                    if closed else None, closed_on=found + timedelta(days=12) if closed else None,
                    remarks="已约谈企业负责人" if i % 50 == 0 else None))
                links.append(dict(attachment_id=attachment.id, subject_type="hazards", subject_id=hid,
                                  field="photos"))
                if closed:
                    rid += 1
                    rects.append(dict(id=rid, hazard_id=hid, submitted_by_id=sup.id, submitted_at=now, round=1,
                                      responsible_dept="设备部", responsible_person="张工", measures="清理杂物，划定通道",
                                      funds=Decimal("0.50"), emergency_measures="设置警示标志",
                                      completed_on=found + timedelta(days=10)))
                    reviews.append(dict(hazard_id=hid, kind="复查", round=1, reviewed_on=found + timedelta(days=12),
                                        reviewer_id=users[i % 10].id, co_reviewer_id=users[(i + 3) % 10].id,
                                        result="已整改", passed=True, opinion="同意销号", decision="close",
                                        doc_number=f"（萧）应急复查〔{found.year}〕{hid}号"))
                    links.append(dict(attachment_id=attachment.id, subject_type="hazard_rectifications",
                                      subject_id=rid, field="after_photos"))
                if major:
                    sups.append(dict(hazard_id=hid, code=f"DB{hid}", listed=True, level="县级",
                                     doc_number=f"（萧）应急督办〔{found.year}〕{hid}号", listed_on=found,
                                     deadline=found + timedelta(days=60), decided_by_id=sup.id))
            for model, values in ((RectificationOrder, orders), (Hazard, hazards), (Rectification, rects),
                                  (HazardReview, reviews), (AttachmentLink, links), (Supervision, sups)):
                if values:
                    db.session.execute(insert(model), values)
            db.session.commit()
        if url.startswith("postgres"):
            for table in ("rectification_orders", "hazards", "hazard_rectifications", "hazard_reviews",
                          "attachment_links", "hazard_supervisions"):
                db.session.execute(db.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            db.session.commit()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return url


def copy_of(source: str) -> tuple[str, object]:
    """A copy of an existing database (the job table is written): (url, remove())."""
    if source.startswith("postgres"):
        import psycopg

        base, name = source.rsplit("/", 1)
        copy = f"{name}_ledger_export"
        admin = f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
            for _attempt in range(60):  # TEMPLATE needs the source without other sessions for a moment
                try:
                    conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
                    break
                except psycopg.errors.ObjectInUse:
                    time.sleep(5)
            else:
                raise SystemExit(f"{name} is in use: cannot copy it")

        def drop():
            # FORCE: the last run's server may not have closed its session yet (it did, once, after a
            # full run: ObjectInUse lost the printed figures' exit status)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')

        return f"{base}/{copy}", drop
    import sqlite3

    target = OUT / f"ledger_export_copy_{Path(source).stem}.db"
    target.unlink(missing_ok=True)
    # the backup API: a consistent snapshot even while another process writes the source
    path = Path(source.removeprefix("sqlite:///")).resolve()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return str(target), lambda: [Path(f"{target}{s}").unlink(missing_ok=True) for s in ("", "-wal", "-shm")]


def exporting_user(url: str) -> str:
    """The user who may export with the widest scope (fewest path segments), officers of a county first."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.hazards.permissions import can_export

    with _app(url).app_context():
        users = [u for u in db.session.scalars(select(User)) if u.is_active and can_export(u)]
        scoped = [u for u in users if u.scope_path]
        return min(scoped, key=lambda u: (u.scope_path.count("/"), u.id)).username


# --- the two runs (each in a process of its own) ------------------------------------------------------------

def run_job(url: str, username: str) -> dict:
    from flask import url_for
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.jobs import run_pending
    from app.jobs.models import Job
    from app.jobs.worker import new_worker_id
    from app.ledgers.jobs import enqueue_export

    jobs_dir = tempfile.mkdtemp(prefix="ledger_jobs_")
    app = _app(url, jobs_dir)
    with app.test_request_context(base_url="http://127.0.0.1:8000"):
        user = db.session.scalar(select(User).where(User.username == username))
        base = url_for("attachments.download", attachment_id=0, _external=True)[:-1]
        job_id = enqueue_export("hazard_ledger", {}, actor=user, attachment_base=base).id
        db.session.commit()
    with app.app_context():
        t0, c0 = time.perf_counter(), time.process_time()
        assert run_pending(new_worker_id()) == 1
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        job = db.session.get(Job, job_id)
        assert job is not None and job.status == "done", (job and job.status, job and job.error)
        path = Path(jobs_dir) / job.file_path
        result = {"time": elapsed, "cpu": cpu, "rows": job.progress_done, "bytes": path.stat().st_size}
        db.session.delete(job)
        db.session.commit()
    shutil.rmtree(jobs_dir, ignore_errors=True)
    return result


def run_baseline(url: str, username: str) -> dict:
    import xlsxwriter
    from sqlalchemy import select

    from app.auth.models import User
    from app.db import bulk_read
    from app.extensions import db
    from app.hazards import ledger, queries
    from app.ledgers.export import few_collections

    app = _app(url)
    out = Path(tempfile.mkdtemp(prefix="ledger_base_")) / "baseline.xlsx"
    # the collector tuned as the app's writer tunes it: the app's objects loaded here to build the statement
    # would cost this plain loop a quarter of its time that a script without them would not pay; the connection
    # reads as the export's does (app.db.bulk_read: SQLite's small cache, no memory map)
    with app.app_context(), few_collections(), bulk_read(db.session):
        user = db.session.scalar(select(User).where(User.username == username))
        t0, c0 = time.perf_counter(), time.process_time()
        main, related = ledger.statements(user, queries.HazardFilters(), major_only=False)
        wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "remove_timezone": True})
        ws = wb.add_worksheet("台账")
        datefmt, numfmt = wb.add_format({"num_format": "yyyy-mm-dd"}), wb.add_format({"num_format": "0.00"})
        write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
        result = db.session.execute(main.execution_options(yield_per=ledger.CHUNK))
        ws.write_row(0, 0, list(result.keys()))
        following = []
        for stmt in related.values():
            rows = db.session.execute(stmt.execution_options(yield_per=ledger.CHUNK))
            following.append([iter(rows), None])
        r = 0
        for row in result:
            r += 1
            hid = row[0]
            for pair in following:  # the related rows of this hazard, read (not written)
                nxt = pair[1]
                while True:
                    if nxt is None:
                        nxt = next(pair[0], None)
                        if nxt is None:
                            break
                    if nxt[0] > hid:
                        break
                    nxt = None
                pair[1] = nxt
            for c, v in enumerate(row):
                if v is None:
                    continue
                kind = type(v)
                if kind is str:
                    if v:
                        write_string(r, c, v)
                elif kind is date or kind is datetime:
                    write_datetime(r, c, v, datefmt)
                elif kind is Decimal:
                    write_number(r, c, float(v), numfmt)
                else:
                    write_number(r, c, v)
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, r, len(result.keys()) - 1)
        wb.close()
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    size = out.stat().st_size
    shutil.rmtree(out.parent, ignore_errors=True)
    return {"time": elapsed, "cpu": cpu, "rows": r, "bytes": size}


def _child(kind: str, url: str, username: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--run", kind, url, username], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(url: str, user: str | None, repeat: int) -> None:
    """`repeat` pairs of runs (job, then baseline) on `url`; the medians and the ratio."""
    user = user or exporting_user(url)
    runs: dict[str, list[dict]] = {"job": [], "baseline": []}
    for _ in range(repeat):
        for kind in runs:
            runs[kind].append(_child(kind, url, user))
            print(f"  {kind:<8} " + "  ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}"
                                              for k, v in runs[kind][-1].items()), flush=True)
    db = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    med = {k: {f: statistics.median(r[f] for r in v) for f in ("time", "cpu", "rss_mb")} for k, v in runs.items()}
    print(f"{db}, {runs['job'][0]['rows']} rows, user {user}, median of {repeat}:")
    for kind, label in (("job", "(1) export as a job  "), ("baseline", "(2) xlsxwriter, same SQL")):
        m = med[kind]
        print(f"  {label} time={m['time']:6.1f}s cpu={m['cpu']:6.1f}s peak_rss={m['rss_mb']:4.0f}MB "
              f"xlsx={runs[kind][0]['bytes'] / 1e6:.0f}MB")
    ratios = [j["time"] / b["time"] for j, b in zip(runs["job"], runs["baseline"], strict=True)]
    print(f"  (1)/(2): time {med['job']['time'] / med['baseline']['time']:.2f}x (per pair: "
          f"{', '.join(f'{x:.2f}' for x in ratios)}), cpu {med['job']['cpu'] / med['baseline']['cpu']:.2f}x; "
          f"targets: ≤ 1.2x time, ≤ 200 MB peak RSS", flush=True)


def on_copy(source: str, user: str | None, repeat: int) -> None:
    url, remove = copy_of(_url(source))
    try:
        compare(url, user, repeat)
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            remove()


def main() -> None:
    source, user = os.environ.get("BENCH_SOURCE"), os.environ.get("BENCH_USER")
    if source:
        on_copy(source, user, REPEAT)
    elif len(sys.argv) > 1:
        compare(_url(generate(int(sys.argv[1]))), user, REPEAT)
    else:  # make bench: 100,000 generated hazards, then the 1,000,000 of bench/scale_data.py (one pair)
        from bench.scale_data import USERS, ensure

        compare(_url(generate(100_000)), user, REPEAT)
        on_copy(ensure(os.environ.get("BENCH_DATABASE_URL")), user or USERS["city"], 1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        kind, url, username = sys.argv[2:5]
        figures = (run_job if kind == "job" else run_baseline)(url, username)
        figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
    else:
        main()
