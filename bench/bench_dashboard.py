"""统计分析 at 1,000,000 hazards (issue #15): the dashboard for the 萧县 county officer and the city 统计 user
answered from hazard_summary, next to the live aggregates over the scoped hazards (the way it was computed
before, and still the fallback) measured in the same run; a drill-down list page; and what keeping the
summary adds to a step.

    python -m bench.bench_dashboard                   # SQLite: a copy of bench/out/scale_1m.db
    python -m bench.bench_dashboard --db pg           # PostgreSQL: CREATE DATABASE bench_dashboard TEMPLATE bench_scale
    python -m bench.bench_dashboard -n 30 --live 3    # requests per case, live runs per case

Per case and user: `page` = GET /dashboard through the Flask test client (the whole request: session,
scope, the summary's two grouped reads, the town list, the template), `summary` = stats.build() alone,
`live` = stats.build_live() (the five-way aggregate over the scoped hazards). p50/p95 in ms. The target is
page p95 ≤ 100 ms. Every case also checks that the summary and the live aggregates give the same numbers.

Before the cases: the migration's fill (its INSERT … SELECT … GROUP BY over all hazards) timed on the copy,
and `flask hazards summary-rebuild`'s comparison. After: the maintenance: N open hazards closed one per
transaction through the ORM (status, closed_on) with and without the summary listener, statements and
median ms of the flush + commit.

Data: bench.scale_data (copy_of: the shared data set is never written).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import scale_data
from bench.common import p50_p95, percentile, timed

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0
TODAY = date(2026, 12, 1)  # the data set's "as of" day: "this year" is 2026

CASES: list[tuple[str, str]] = [
    ("default (this year)", ""),
    ("town", "town={town}"),
    ("industry=危险化学品", "industry=危险化学品"),
    ("level=重大", "level=重大"),
    ("several years 2022–", "date_from=2022-01-01"),
    ("2024 whole year", "date_from=2024-01-01&date_to=2024-12-31"),
    ("town+industry+2023–", "town={town}&industry=工贸&date_from=2023-01-01"),
]
LIST_CASE = "date_from=2026-01-01&status=closed&closed_from=2026-11-01&closed_to=2026-11-30"


def _url(url: str) -> str:
    return "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url


def _migration(name: str):
    path = ROOT / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def fill_and_check(app) -> None:
    from sqlalchemy import text

    from app.extensions import db
    from app.hazards import summary

    with app.app_context():
        dialect = db.engine.dialect.name
        t0 = time.perf_counter()
        years = _migration("0017_hazard_summary_years")
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM hazard_summary"))
            conn.execute(text(f"INSERT INTO hazard_summary ({years.COLUMNS}) "
                              + _migration("0016_hazard_summary_within").fill_sql(dialect)))
            conn.execute(text(years.YEAR_ROWS))
        fill = time.perf_counter() - t0
        rows = db.session.scalar(text("SELECT COUNT(*) FROM hazard_summary"))
        hazards = db.session.scalar(text("SELECT COUNT(*) FROM hazards"))
        t0 = time.perf_counter()
        diff = summary.compare()
        cmp = time.perf_counter() - t0
        db.session.rollback()
        print(f"  {hazards:,} hazards → hazard_summary {rows:,} rows ({rows / hazards:.1%} of the hazards)")
        print(f"  migrations' fill (0016 month rows + 0017 year rows): {fill:.1f} s;  compare() with the live rows: "
              f"{cmp:.1f} s, {len(diff)} differences")


def dashboards(app, n: int, n_live: int) -> list[tuple]:
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.hazards import queries, stats
    from app.org.models import Region

    results = []
    with app.app_context():
        for who in ("county", "city"):
            username = scale_data.USERS[who]
            client = app.test_client()
            r = client.post("/login", data={"username": username, "password": scale_data.PASSWORD})
            assert r.status_code in (302, 303), r.status_code
            user = db.session.scalar(select(User).where(User.username == username))
            town = db.session.scalar(select(Region.path).where(Region.level == "town", Region.name == "龙城镇"))
            for label, query in [*CASES, ("drill-down list", LIST_CASE)]:
                qs = query.format(town=town)
                if label == "drill-down list":
                    page = timed(lambda qs=qs, c=client: c.get("/hazards?" + qs), n, warmup=1)
                    results.append((who, label, page, [], []))
                    print(f"  {who:<7} {label:<22} {p50_p95(page)}", flush=True)
                    continue
                resp = client.get("/dashboard?" + qs)
                assert resp.status_code == 200, resp.status_code
                page = timed(lambda qs=qs, c=client: c.get("/dashboard?" + qs), n, warmup=1)
                args = dict(p.split("=", 1) for p in qs.split("&") if p)
                if "date_from" not in args and "date_to" not in args:
                    args["date_from"] = date(TODAY.year, 1, 1).isoformat()
                f = queries.HazardFilters.from_args(args)
                board = stats.build(user, f)
                assert board.source == "summary", (who, label)
                built = timed(lambda f=f, u=user: stats.build(u, f), n, warmup=1)
                live_board = stats.build_live(user, f)
                live = timed(lambda f=f, u=user: stats.build_live(u, f), n_live, warmup=0)
                same = (board.total == live_board.total and board.months == live_board.months
                        and board.by_industry == live_board.by_industry)
                results.append((who, label, page, built, live))
                print(f"  {who:<7} {label:<22} {p50_p95(page)} {p50_p95(built)} {p50_p95(live)}  "
                      f"found={board.total.found:<8,} {'same' if same else 'DIFFERENT'}", flush=True)
                db.session.rollback()
    return results


def maintenance(app, n: int) -> None:
    """Close `n` open hazards one per transaction, alternately with and without the summary listener."""
    from sqlalchemy import event, select
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.hazards import summary
    from app.hazards.models import OPEN_STATUSES, Hazard, HazardStatus

    with app.app_context():
        ids = list(db.session.scalars(
            select(Hazard.id).where(Hazard.status.in_([str(s) for s in OPEN_STATUSES])).order_by(Hazard.id).limit(2 * n)
        ))
        counted = {"on": [], "off": []}  # (ms, statements)
        statements = 0

        def count(*_a):
            nonlocal statements
            statements += 1

        event.listen(db.engine, "before_cursor_execute", count)
        summary.forget_towns()
        try:
            for i, hid in enumerate(ids):
                mode = "on" if i % 2 == 0 else "off"
                if mode == "off":
                    event.remove(Session, "after_flush", summary._after_flush)
                h = db.session.get(Hazard, hid)
                _ = h.enterprise  # a step has the hazard's enterprise loaded (its name is on every page)
                statements = 0
                t0 = time.perf_counter()
                h.status = HazardStatus.CLOSED
                h.closed_on = TODAY
                h.is_overdue = False
                db.session.commit()
                counted[mode].append(((time.perf_counter() - t0) * 1000, statements))
                if mode == "off":
                    event.listen(Session, "after_flush", summary._after_flush)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        for mode in ("off", "on"):
            ms = [m for m, _ in counted[mode][1:]]  # the first of each warms the caches
            st = [s for _, s in counted[mode][1:]]
            print(f"  close one hazard, summary {'kept' if mode == 'on' else 'not kept'}: "
                  f"p50 {statistics.median(ms):.2f} ms, statements {statistics.median(st):.0f} "
                  f"(first: {counted[mode][0][1]})")
        db.session.rollback()
        diff = summary.compare()
        print(f"  after the closes (half of them without the listener): {len(diff)} keys differ — "
              f"the repair command's job; rebuild fixes {len(summary.rebuild())}")
        db.session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="sqlite")
    parser.add_argument("-n", type=int, default=30, help="requests per dashboard case")
    parser.add_argument("--live", type=int, default=3, help="runs of the live aggregates per case")
    parser.add_argument("--steps", type=int, default=40, help="hazards closed per mode for the maintenance")
    parser.add_argument("--url", help="an existing private copy of the data set (migrated here), instead of copy_of")
    opts = parser.parse_args()
    for db_kind in (("sqlite", "pg") if opts.db == "both" else (opts.db,)):
        url = opts.url or scale_data.copy_of("bench_dashboard", scale_data.PG_URL if db_kind == "pg" else None)
        print(f"\n=== {db_kind}: {url} ===", flush=True)
        scale_data.upgrade_timed(url)  # migrations not yet in the shared data set (prints their time)
        app = scale_data._app(url)
        fill_and_check(app)
        print(f"\n  {'user':<7} {'case':<22} {'page p50 / p95':>17} {'summary p50/p95':>17} {'live p50/p95':>17}"
              f"   (ms; target page p95 ≤ {TARGET_MS:.0f})")
        results = dashboards(app, opts.n, opts.live)
        worst = max(percentile(page, 0.95) for _w, _l, page, _b, _lv in results)
        print(f"  worst page p95: {worst:.1f} ms")
        print()
        maintenance(app, opts.steps)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()


if __name__ == "__main__":
    main()
