"""The hazard list at 1,000,000 hazards over real HTTP (issue #15): first page and page 1,000 of /hazards and
/api/v1/hazards, for the 萧县 county officer and the city supervisor, each filter alone and a few
combinations; p50/p95 over real requests to gunicorn (one worker, production mode), next to two baselines
measured in the same run:

- bare SQL: the statements the app runs for that page (captured in-process from app.hazards.queries.
  hazard_page), executed directly on sqlite3 / psycopg: the floor for the page's queries;
- old: the approach before keyset paging, OFFSET of that depth plus a full COUNT (the same filters and
  scope, run the same way), for comparison.

"Page 1,000" is the request with `after` = the key of row 49,950 in list order (computed by SQL); filters
matching fewer rows have no page 1,000 (shown as —). `sort` says whether a statement of the page plans a
sort of the rows in scope (SQLite: USE TEMP B-TREE FOR ORDER BY; PostgreSQL: a Sort node; "i" = PostgreSQL's
Incremental Sort, a top-N within one found_on, not the scope), new / old.

    python -m bench.bench_lists                       # SQLite (bench/out/scale_1m.db)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/x python -m bench.bench_lists --db both
    python -m bench.bench_lists -n 20 --only town,level --users county

Data: bench.scale_data.ensure() (built on first use; read only here, apart from the logins).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # `python bench/bench_lists.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import scale_data
from bench.common import percentile

DEPTH = 49_950  # row whose key is the cursor of "page 1,000" (50 rows a page)
TARGET_MS = 50.0
TOWN_COUNTY = "龙城镇"  # the county officer's town filter (萧县)
ORDER_SQL = "is_overdue DESC, found_on DESC, id DESC"

# label -> query parameters; "{town}" and "{enterprise}" are filled per user
CASES: list[tuple[str, dict[str, str]]] = [
    ("none", {}),
    ("town", {"town": "{town}"}),
    ("industry", {"industry": "危险化学品"}),
    ("level=重大", {"level": "重大"}),
    ("status=open", {"status": "open"}),
    ("status=closed", {"status": "closed"}),
    ("status=referred", {"status": "referred"}),
    ("overdue=1", {"overdue": "1"}),
    ("overdue=ever", {"overdue": "ever"}),
    ("source=举报", {"source": "举报"}),
    ("month", {"date_from": "2025-03-01", "date_to": "2025-03-31"}),
    ("year", {"date_from": "2024-01-01", "date_to": "2024-12-31"}),
    ("enterprise_id", {"enterprise_id": "{enterprise}"}),
    ("town+重大+open", {"town": "{town}", "level": "重大", "status": "open"}),
    ("industry+year", {"industry": "危险化学品", "date_from": "2024-01-01", "date_to": "2024-12-31"}),
    ("重大+overdue=1", {"level": "重大", "overdue": "1"}),
]
USER_KEYS = ("county", "city")


@dataclass
class Case:
    user: str
    label: str
    params: dict[str, str]
    depth: str  # "first" / "p1000"
    rows: int = 0  # rows in the filter (exact, from the old approach's COUNT)
    cursor: str | None = None
    expect_first_id: int | None = None  # id of the page's first row by SQL (checked against the API)
    html: list[float] = field(default_factory=list)
    html_server: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    sql_html: int | None = None
    sql_api: int | None = None
    bare: list[float] = field(default_factory=list)
    old: list[float] = field(default_factory=list)
    new_sorts: str = ""
    old_sorts: str = ""
    slowest: dict[str, list[tuple[float, str, str]]] = field(default_factory=dict)  # endpoint -> statements
    note: str = ""


# --- SQL capture and replay ---------------------------------------------------------------------------
class Capture:
    """Records (statement, parameters) of every statement the app's engine executes while active."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.active = False
        self.statements: list[tuple[str, object]] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _record(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            if self.active:
                self.statements.append((statement, parameters))

    def run(self, fn) -> list[tuple[str, object]]:
        self.statements, self.active = [], True
        try:
            fn()
        finally:
            self.active = False
        return self.statements


class Raw:
    """A plain DBAPI connection to the data set (sqlite3 with the app's LIKE setting, or psycopg)."""

    def __init__(self, url: str):
        self.pg = url.startswith("postgresql")
        if self.pg:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)
        else:
            import sqlite3

            self.conn = sqlite3.connect(url.split("///", 1)[1])
            self.conn.execute("PRAGMA case_sensitive_like=ON")  # as app.db.configure_sqlite: prefixes use indexes

    def run(self, statements: list[tuple[str, object]]) -> float:
        t0 = time.perf_counter()
        cur = self.conn.cursor()
        for sql, params in statements:
            cur.execute(sql, params)
            cur.fetchall()
        return (time.perf_counter() - t0) * 1000

    def plan(self, sql: str, params) -> tuple[str, str]:
        """(how the plan sorts: "Y" all rows in range, "i" incremental (top-N within equal leading keys), ""
        not at all; the plan on one line)."""
        if self.pg:
            import psycopg

            cur = psycopg.ClientCursor(self.conn)  # values inlined: EXPLAIN takes no bound parameters
            cur.execute("EXPLAIN " + sql, params)
            lines = [r[0] for r in cur.fetchall()]
            hit = ("Y" if any(re.search(r"(^|->)\s*Sort\b", line) for line in lines)
                   else "i" if any(re.search(r"(^|->)\s*Incremental Sort\b", line) for line in lines) else "")
        else:
            lines = [r[3] for r in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            hit = "Y" if any("USE TEMP B-TREE FOR ORDER BY" in line for line in lines) else ""
        return hit, " | ".join(line.strip() for line in lines)

    def sorts(self, statements: list[tuple[str, object]]) -> str:
        """The strongest sort any statement with an ORDER BY plans ("Y", "i" or "n")."""
        marks = {self.plan(sql, params)[0] for sql, params in statements if "ORDER BY" in sql.upper()}
        return "Y" if "Y" in marks else "i" if "i" in marks else "n"

    def slowest(self, statements: list[tuple[str, object]], top: int = 3) -> list[tuple[float, str, str]]:
        """The `top` slowest statements (best of two runs each), with their plans: where a request's time goes."""
        timed = []
        for sql, params in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            ms = min(self.run([(sql, params)]) for _ in range(2))
            timed.append((ms, sql, params))
        timed.sort(key=lambda t: -t[0])
        out = []
        for ms, sql, params in timed[:top]:
            hit, plan = self.plan(sql, params)
            out.append((ms, " ".join(sql.split()), ("SORT " if hit else "") + plan))
        return out

    def close(self) -> None:
        self.conn.close()


def _summ(ms: list[float]) -> str:
    if not ms:
        return f"{'—':>15}"
    return f"{statistics.median(ms):6.1f}/{percentile(ms, 0.95):6.1f} "


# --- preparing the cases --------------------------------------------------------------------------------
def prepare(url: str, users: list[str], only: list[str], old_reps: int, reps: int) -> list[Case]:
    """For each user and case: the row count, the cursor of page 1,000, the captured SQL of the new page
    (timed raw), the old approach (timed raw) and the plans."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import joinedload
    from werkzeug.datastructures import MultiDict

    from app.auth.models import User
    from app.extensions import db
    from app.hazards import queries
    from app.hazards.models import Hazard
    from app.org.models import Region

    app = scale_data._app(url)
    raw = Raw(url)
    cases: list[Case] = []
    with app.app_context():
        capture = Capture(db.engine)
        places = _places(db, Hazard, Region, func, select)
        clients = {}
        counted: dict[tuple[str, str], int] = {}
        for key in users:
            clients[key] = app.test_client()
            login = clients[key].post("/login", data={"username": scale_data.USERS[key],
                                                     "password": scale_data.PASSWORD})
            assert login.status_code == 302, f"login of {key}: {login.status_code}"
        for key in users:
            username = scale_data.USERS[key]
            uid = db.session.scalar(select(User.id).where(User.username == username))
            fill = places[key]
            for label, template in CASES:
                if only and not any(o in label for o in only):
                    continue
                params = {k: v.format(**fill) for k, v in template.items()}
                for depth in ("first", "p1000"):
                    case = Case(key, label, params, depth)
                    with app.test_request_context("/hazards", query_string=params):
                        user = User.load_active(uid)
                        f = queries.HazardFilters.from_args(MultiDict(params))
                        base = queries.filtered(user, f)
                        count_stmt = select(func.count()).select_from(base.order_by(None).subquery())
                        ordered = base.order_by(Hazard.is_overdue.desc(), Hazard.found_on.desc(), Hazard.id.desc())
                        # the old approach, run once in-process: its COUNT is the filter's size, and at depth
                        # its first row (row 49,950) is the cursor of page 1,000
                        if depth == "p1000":
                            case.rows = counted[(key, label)]
                            if case.rows <= DEPTH:
                                case.note = f"only {case.rows:,} rows"
                                cases.append(case)
                                continue
                        offset, limit = (DEPTH - 1, queries.PER_PAGE + 1) if depth == "p1000" else (0, queries.PER_PAGE)
                        got: dict = {}

                        def old(count_stmt=count_stmt, ordered=ordered, offset=offset, limit=limit, got=got):
                            got["count"] = db.session.scalar(count_stmt) or 0
                            got["rows"] = list(db.session.scalars(
                                ordered.options(joinedload(Hazard.enterprise), joinedload(Hazard.order))
                                .limit(limit).offset(offset)).unique())

                        old_sql = capture.run(old)
                        case.rows = counted[(key, label)] = got["count"]
                        rows = got["rows"]
                        if depth == "p1000":
                            first = rows.pop(0)
                            case.cursor = f"{int(first.is_overdue)}.{first.found_on.isoformat()}.{first.id}"
                            f.after = case.cursor
                        case.expect_first_id = rows[0].id if rows else None
                        new_sql = capture.run(lambda f=f, user=user: queries.hazard_page(user, f))
                        db.session.rollback()
                    raw.run(new_sql)  # warm
                    case.bare = [raw.run(new_sql) for _ in range(reps)]
                    case.old = [raw.run(old_sql) for _ in range(old_reps)]
                    case.new_sorts = raw.sorts(new_sql)
                    case.old_sorts = raw.sorts(old_sql)
                    query = {**params, **({"after": case.cursor} if case.cursor else {})}
                    for path in ("/hazards", "/api/v1/hazards"):  # every statement of the request, in-process
                        sent = capture.run(lambda path=path, query=query, key=key: clients[key].get(
                            path, query_string=query))
                        case.slowest[path] = raw.slowest(sent)
                    cases.append(case)
                    print(f"  prepared {key:<6} {label:<16} {depth:<6} rows {case.rows:>9,}  "
                          f"bare {_summ(case.bare)} old p50 {statistics.median(case.old) if case.old else 0:7.1f}",
                          flush=True)
        db.session.remove()
        db.engine.dispose()
    raw.close()
    return cases


def _places(db, Hazard, Region, func, select) -> dict[str, dict[str, str]]:  # noqa: N803
    """The town and enterprise each user filters on: the county officer's 龙城镇 and the enterprise user's
    enterprise; for the city, its busiest town and enterprise."""
    from app.auth.models import User

    county_town = db.session.scalar(select(Region.path).where(Region.name == TOWN_COUNTY))
    qiye = db.session.scalar(select(User.enterprise_id).where(User.username == scale_data.USERS["enterprise"]))
    top_ent = db.session.execute(select(Hazard.enterprise_id, func.count()).group_by(Hazard.enterprise_id)
                                 .order_by(func.count().desc()).limit(1)).one()[0]
    towns = db.session.execute(select(Region.path).where(Region.level == "town")).scalars().all()
    busiest = max(towns, key=lambda p: db.session.scalar(
        select(func.count()).select_from(Hazard).where(Hazard.region_path.startswith(p))))
    return {"county": {"town": county_town, "enterprise": str(qiye)},
            "city": {"town": busiest, "enterprise": str(top_ent)}}


# --- HTTP ---------------------------------------------------------------------------------------------
def measure_http(url: str, cases: list[Case], reps: int, warmup: int = 2) -> None:
    from bench.server import Server

    with Server(url, workers=1) as server:
        clients = {}
        for key in {c.user for c in cases}:
            clients[key] = server.client()
            clients[key].login(scale_data.USERS[key], scale_data.PASSWORD)
        for case in cases:
            if case.note:
                continue
            c = clients[case.user]
            params = dict(case.params)
            if case.cursor:
                params["after"] = case.cursor
            for path, out in (("/hazards", case.html), ("/api/v1/hazards", case.api)):
                for i in range(warmup + reps):
                    r = c.get(path, params)
                    if r.status != 200:
                        case.note = f"{path} {r.status}"
                        break
                    if i >= warmup:
                        out.append(r.ms)
                        if path == "/hazards" and r.server_ms is not None:
                            case.html_server.append(r.server_ms)
                    if path == "/hazards":
                        case.sql_html = r.sql
                    else:
                        case.sql_api = r.sql
                        items = r.json().get("items") or []
                        got = items[0]["id"] if items else None
                        if i == 0 and got != case.expect_first_id:
                            case.note = f"API first id {got} ≠ SQL {case.expect_first_id}"
            print(f"  {case.user:<6} {case.label:<16} {case.depth:<6} html {_summ(case.html)} "
                  f"api {_summ(case.api)} {case.note}", flush=True)
        for client in clients.values():
            client.close()


# --- report ---------------------------------------------------------------------------------------------
def report(db_label: str, cases: list[Case]) -> None:
    print(f"\n== hazard list at {scale_data.N_HAZARDS:,} hazards, {db_label}: client ms p50/p95 over real HTTP "
          f"(gunicorn, 1 worker); target p95 ≤ {TARGET_MS:.0f} ms ==")
    print(f"{'user':<6} {'filter':<16} {'page':<6} {'rows':>9} | {'HTML p50/p95':>15} {'srv p95':>7} {'sql':>3} | "
          f"{'API p50/p95':>15} {'sql':>3} | {'bare SQL p50/p95':>16} | {'old p50':>8} | sort new/old  ok")
    for c in cases:
        if c.note and not c.html:
            print(f"{c.user:<6} {c.label:<16} {c.depth:<6} {c.rows:>9,} | {c.note}")
            continue
        worst = max(percentile(c.html, 0.95) if c.html else 0, percentile(c.api, 0.95) if c.api else 0)
        ok = "✓" if worst <= TARGET_MS else "✗"
        srv = f"{percentile(c.html_server, 0.95):7.1f}" if c.html_server else f"{'—':>7}"
        old = f"{statistics.median(c.old):8.1f}" if c.old else f"{'—':>8}"
        sorts = f"{c.new_sorts or '—'}/{c.old_sorts or '—'}"
        print(f"{c.user:<6} {c.label:<16} {c.depth:<6} {c.rows:>9,} | {_summ(c.html)} {srv} {c.sql_html or 0:>3} | "
              f"{_summ(c.api)} {c.sql_api or 0:>3} | {_summ(c.bare):>16} | {old} | {sorts:<12} {ok} {c.note}")
    measured = [c for c in cases if c.html and c.api]
    if measured:
        html95 = sorted(percentile(c.html, 0.95) for c in measured)
        api95 = sorted(percentile(c.api, 0.95) for c in measured)
        over = [c for c in measured if max(percentile(c.html, 0.95), percentile(c.api, 0.95)) > TARGET_MS]
        print(f"{len(measured)} pages measured: HTML p95 median {statistics.median(html95):.1f} ms, worst "
              f"{html95[-1]:.1f}; API p95 median {statistics.median(api95):.1f}, worst {api95[-1]:.1f}; "
              f"{len(over)} over {TARGET_MS:.0f} ms")
    slow = [c for c in cases if c.new_sorts == "Y" or max(percentile(c.html, 0.95) if c.html else 0,
                                                    percentile(c.api, 0.95) if c.api else 0) > TARGET_MS]
    if slow:
        print(f"\nslowest statements of the requests over {TARGET_MS:.0f} ms (or sorting), run alone on {db_label}:")
    for c in slow:
        for path, stmts in c.slowest.items():
            print(f"  {c.user} {c.label} {c.depth} {path}:")
            for ms, sql, plan in stmts:
                print(f"    {ms:7.1f} ms  {sql[:300]}")
                print(f"               plan: {plan[:400]}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "pg", "both"])
    ap.add_argument("-n", type=int, default=20, help="requests per page and endpoint (after 2 warm-ups)")
    ap.add_argument("--old-reps", type=int, default=1, help="runs of the old OFFSET+COUNT approach per page")
    ap.add_argument("--only", default="", help="comma-separated substrings of the filter labels to run")
    ap.add_argument("--users", default=",".join(USER_KEYS))
    args = ap.parse_args(argv)
    only = [o for o in args.only.split(",") if o]
    users = [u for u in args.users.split(",") if u]
    targets = []
    if args.db in ("sqlite", "both"):
        targets.append(("SQLite", scale_data.ensure()))
    if args.db in ("pg", "both"):
        targets.append(("PostgreSQL", scale_data.ensure(os.environ.get("BENCH_DATABASE_URL") or scale_data.PG_URL)))
    results = []
    for label, url in targets:
        print(f"\n-- {label}: {url} ({scale_data.size(url)}): preparing keys, SQL and baselines", flush=True)
        cases = prepare(url, users, only, args.old_reps, args.n)
        print(f"-- {label}: over HTTP", flush=True)
        measure_http(url, cases, args.n)
        results.append((label, cases))
    for label, cases in results:
        report(label, cases)


if __name__ == "__main__":
    main()
