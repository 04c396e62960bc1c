"""隐患排查治理台账 export of N hazards (default 100,000), compared in one run with xlsxwriter.

    .venv/bin/python bench/bench_ledger.py [N]      (SQLite temp file, or TEST_DATABASE_URL)
    BENCH_REPEAT=2 (default): each figure is the best of that many runs; CPU time is printed next to the
    wall time, as a machine shared with other work slows the wall clock more than the CPU time.

Prints, (1) in this process and the baselines in a fresh one (whose peak RSS still counts this process's
at the fork: Linux carries the high-water mark over fork and exec, so only (1)'s peak RSS is a target):
  (1) the full export through the app as a job (POST, the jobs worker in this process, the download: scope
      query read in batches of 1000, row building with
      related documents/reviews/photos, the app's xlsxwriter constant_memory workbook with title rows,
      styles and links, audit event);
  (2) the baseline: xlsxwriter constant_memory mode writing the same rows (same cells, pre-built and loaded
      before timing; dates formatted, nothing else), cell by cell with xlsxwriter's generic write();
  (2') the same with the typed write_string/write_number/write_datetime the app uses, which skip write()'s
      per-string formula/URL checks: xlsxwriter's own floor for these cells.
Targets (issue #9): (1) ≤ 1.2 × (2) in time, peak RSS ≤ 200 MB, flat as N grows."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import User
from app.auth.roles import Role  # noqa: E402
from app.config import TestConfig
from app.extensions import db  # noqa: E402
from app.hazards.models import Hazard, RectificationOrder
from app.jobs import run_pending
from app.jobs.worker import new_worker_id
from app.org.credit_code import make_credit_code  # noqa: E402
from app.org.models import Department, Enterprise, Region

REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))


def main(n: int) -> tuple[float, float]:
    url = (
        os.environ.get("TEST_DATABASE_URL", "").replace("postgresql://", "postgresql+psycopg://")
        or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    )
    app = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "JOBS_DIR": tempfile.mkdtemp(),
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        county = Region(code="341322", name="萧县", level="county", path="/341322/")
        town = Region(code="341322100", name="龙城镇", level="town", path="/341322/341322100/", parent=county)
        db.session.add_all([county, town])
        db.session.flush()
        bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
        db.session.add(bureau)
        ent = Enterprise(
            name="萧县龙城机械制造有限公司", credit_code=make_credit_code("341322", 1), industry="工贸"
        )
        ent.set_region(town)
        user = User(username="sup", name="统计员", department=bureau)
        user.set_password("x")
        user.set_roles([Role.SUPERVISOR, Role.OFFICER])
        db.session.add_all([ent, user])
        db.session.flush()
        order = RectificationOrder(
            enterprise=ent,
            region_path=ent.region_path,
            agency_id=bureau.id,
            created_by_id=user.id,
            source="执法检查",
            inspected_on=date(2026, 3, 1),
            status="issued",
            doc_number="（萧）应急责改〔2026〕1号",
        )
        db.session.add(order)
        db.session.flush()
        row = dict(
            order_id=order.id,
            seq=1,
            enterprise_id=ent.id,
            region_path=ent.region_path,
            source="执法检查",
            found_on=date(2026, 3, 1),
            found_by_id=user.id,
            location="二车间配电室",
            description="配电箱前堆放杂物，未保持通道畅通" * 3,
            category="物",
            level="一般",
            provision="《中华人民共和国安全生产法》第三十六条第一款",
            original_deadline=date(2026, 3, 8),
            deadline=date(2026, 3, 8),
            status="整改中",
            is_overdue=False,
            failed_rounds=0,
            exception_granted=False,
            extension_count=0,
            discovered_year=2026,
        )
        for start in range(0, n, 5000):
            db.session.execute(
                insert(Hazard),
                [{**row, "code": f"YH2026{i:07d}"} for i in range(start, min(n, start + 5000))],
            )
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = user.get_id()  # "<id>:<session version>"
            s["_fresh"] = True
        if os.environ.get("BENCH_TRACE", "0") == "1":
            tracemalloc.start()
        runs = []
        for _ in range(REPEAT):
            # the export as a user gets it: queue the job, the jobs worker runs it (here, in this process),
            # download the file
            t0, c0 = time.perf_counter(), time.process_time()
            queued = client.post("/ledgers/hazard_ledger.xlsx")
            assert queued.status_code == 303, queued.status_code
            assert run_pending(new_worker_id()) == 1
            r = client.get(queued.headers["Location"] + "/download")
            runs.append((time.perf_counter() - t0, time.process_time() - c0))
            assert r.status_code == 200, r.status_code
        elapsed, cpu = min(runs)
        peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"(1)  app export (job)         rows={n} xlsx={len(r.data) / 1e6:.1f}MB time={elapsed:.1f}s "
            f"cpu={cpu:.1f}s peak_python_heap={peak / 1e6:.1f}MB peak_rss={rss:.0f}MB",
            flush=True,
        )
        if os.environ.get("BENCH_BASELINE", "1") == "1":
            _dump_rows(app, user, n)
    return elapsed, cpu


def _dump_rows(app, user, n):
    """Materialise the exported rows once (as the app builds them) for the xlsxwriter baseline."""
    import pickle

    from flask_login import login_user

    from app import clock
    from app.hazards import queries
    from app.hazards.ledger import hazard_rows
    from app.ledgers import definitions

    ledger = definitions.get("hazard_ledger")
    with app.test_request_context():
        login_user(user)
        rows = hazard_rows(user, queries.HazardFilters(), attachment_base="http://127.0.0.1/attachments/",
                           today=clock.today())
        table = [[(v.text() if hasattr(v, "text") else v) for v in (r.get(c.key) for c in ledger.columns)]
                 for r in rows]
    with open(os.path.join(tempfile.gettempdir(), "safeloop_ledger_rows.pkl"), "wb") as fh:
        pickle.dump(([c.header for c in ledger.columns], table), fh)


def xlsxwriter_baseline(app_time: float, app_cpu: float) -> None:
    """The baseline: xlsxwriter constant_memory writing the same header and rows, date cells formatted."""
    import pickle

    with open(os.path.join(tempfile.gettempdir(), "safeloop_ledger_rows.pkl"), "rb") as fh:
        header, table = pickle.load(fh)
    for label, typed in (("(2)  xlsxwriter write()      ", False), ("(2') xlsxwriter typed write_*", True)):
        runs = [_write_baseline(header, table, typed) for _ in range(REPEAT)]
        (elapsed, cpu, size) = min(runs)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label} rows={len(table)} xlsx={size / 1e6:.1f}MB time={elapsed:.1f}s cpu={cpu:.1f}s "
            f"peak_rss={rss:.0f}MB (constant_memory; rows pre-built and loaded before timing)   "
            f"(1)/this: {app_time / elapsed:.2f}x time, {app_cpu / cpu:.2f}x cpu",
            flush=True,
        )


def _write_baseline(header, table, typed: bool) -> tuple[float, float, int]:
    from datetime import date as _date

    import xlsxwriter

    path = os.path.join(tempfile.mkdtemp(), "baseline.xlsx")
    t0, c0 = time.perf_counter(), time.process_time()
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("台账")
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, header)
    for i, row in enumerate(table, start=1):
        for j, v in enumerate(row):
            if isinstance(v, _date):
                ws.write_datetime(i, j, v, datefmt)
            elif v is None:
                continue
            elif not typed:
                ws.write(i, j, v)
            elif isinstance(v, str):
                if v:
                    ws.write_string(i, j, v)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            else:
                ws.write_number(i, j, v)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, len(table), len(header) - 1)
    wb.close()
    return time.perf_counter() - t0, time.process_time() - c0, os.path.getsize(path)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--baseline"]:
        xlsxwriter_baseline(float(sys.argv[2]), float(sys.argv[3]))
    else:
        app_time, app_cpu = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
        if os.environ.get("BENCH_BASELINE", "1") == "1":
            subprocess.run([sys.executable, __file__, "--baseline", str(app_time), str(app_cpu)], check=True)
