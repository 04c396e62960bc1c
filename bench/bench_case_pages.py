"""The case page and the case list at 100,000 penalty cases over real HTTP (issue #13).

- GET /cases/<id> of the case with 30 completed steps and 40 documents (bench/case_data.py), as its lead
  officer: p50/p95 of the app's own time (Server-Timing) and the client's. Target p95 ≤ 100 ms.
- GET /cases/ for the city (统计, all 100,000 cases) and for a 萧县 officer (the county's share): the first
  page, a deep keyset page (the cursor of row 49,950 for the city — page 1,000 —, of half the county's rows for
  the officer), status filters (执行: 2 %; 已结案: 91 %), a town filter (龙城镇) and 办案超期. Target p95 ≤ 50 ms.
  Next to two baselines measured in the same run on a plain DB-API connection:
    raw   hand-written indexed SELECTs of the same page (the 50 rows with the party's name, same scope, filter,
          order and cursor; one per 办案超期 partition along ix_penalty_cases_list, the scope/town condition on
          ix_penalty_cases_scope or kept off it, whichever is faster here): the floor of showing the page;
    bare  the statements the app runs for the page (captured in-process from app.cases.queries.case_page),
          replayed: what the page's queries cost without Flask, SQLAlchemy or the template.
  For each list request the slowest captured statement and its plan are printed when the page misses its target.

    python bench/bench_case_pages.py                 # SQLite (bench/out/cases_100k.db, read only: logins only)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55439/bench_cases python bench/bench_case_pages.py
    BENCH_PAGES_N=40 (requests per measurement)
"""

from __future__ import annotations

import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_lists import Capture, Raw  # noqa: E402
from bench.common import percentile  # noqa: E402

N = int(os.environ.get("BENCH_PAGES_N", 40))
WARM = 3
LIST_TARGET, PAGE_TARGET = 50.0, 100.0
CITY, XIAO, TOWN = "/340000/341300/", "/340000/341300/341322/", "/340000/341300/341322/341322100/"
ORDER = "c.is_overdue DESC, c.filed_on DESC, c.id DESC"

LISTS: list[tuple[str, dict[str, str], bool]] = [  # label, query, deep (cursor in the middle of the set)
    ("first page", {}, False),
    ("deep keyset page", {}, True),
    ("status=执行", {"status": "执行"}, False),
    ("status=已结案", {"status": "已结案"}, False),
    ("status=已结案 deep", {"status": "已结案"}, True),
    ("town=龙城镇", {"town": TOWN}, False),
    ("town=龙城镇 deep", {"town": TOWN}, True),
    ("overdue=1", {"overdue": "1"}, False),
]


@dataclass
class Measure:
    user: str
    label: str
    params: dict
    depth: int = 0
    raw_sql: list = field(default_factory=list)  # [(statement, parameters)] per overdue partition
    captured: list = field(default_factory=list)
    expect_ids: list[int] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    client: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    sql: int | None = None
    note: str = ""


def _where(scope: str, params: dict) -> tuple[str, list]:
    sql, args = ["c.filed_on IS NOT NULL", "c.region_path LIKE ?"], [scope + "%"]
    if params.get("status"):
        sql.append("c.status = ?")
        args.append(params["status"])
    if params.get("town"):
        sql.append("c.region_path LIKE ?")
        args.append(params["town"] + "%")
    if params.get("overdue") == "1":
        sql.append("c.is_overdue = ?")
        args.append(True)
    return " AND ".join(sql), args


def prepare(url: str, big_id: int) -> list[Measure]:
    """The cursor of each deep page (SQL on the app's engine), the raw SELECT of each page, the statements the
    app runs for it (captured), and the ids it shows."""
    from datetime import date

    from sqlalchemy import select, text

    from app.auth.models import User
    from app.cases import queries
    from app.extensions import db
    from app.paging import Key
    from bench.case_data import ACCOUNTS, _app

    app = _app(url)
    out = []
    probe = Raw(url.replace("postgresql+psycopg://", "postgresql://", 1))
    with app.app_context():
        capture = Capture(db.engine)
        pg = db.engine.dialect.name == "postgresql"
        for user_key, scope in (("city", CITY), ("officer", XIAO)):
            user = db.session.scalar(select(User).where(User.username == ACCOUNTS[user_key]))
            for label, params, deep in LISTS:
                m = Measure(user_key, label, dict(params))
                where, args = _where(scope, params)
                flags = [True] if params.get("overdue") == "1" else [True, False]
                cursor = None
                if deep:
                    n = db.session.execute(
                        text(f"SELECT count(*) FROM penalty_cases c WHERE {_named(where)}"), _bind(args)
                    ).scalar_one()
                    m.depth = min(49_950, (n // 2) // 50 * 50 - 50)
                    row = db.session.execute(
                        text(
                            f"SELECT c.is_overdue, c.filed_on, c.id FROM penalty_cases c WHERE {_named(where)} "
                            f"ORDER BY {ORDER} LIMIT 1 OFFSET {m.depth - 1}"
                        ),
                        _bind(args),
                    ).one()
                    flag, day, ident = row
                    day = date.fromisoformat(day) if isinstance(day, str) else day
                    m.params["after"] = Key(bool(flag), day, ident).encode()
                    cursor = (bool(flag), day, ident)
                    flags = [True, False] if flag else [False]
                # the raw page: each overdue partition walked along ix_penalty_cases_list (is_overdue, filed_on,
                # id, …) from the cursor, newest first, until 50 rows are found — with the scope and town
                # conditions on ix_penalty_cases_scope or kept off it (path || ''): the faster of the two is the floor
                variants = []
                for off_index in (False, True):
                    cond = (
                        where.replace("c.region_path LIKE", "(c.region_path || '') LIKE")
                        if off_index
                        else where
                    )
                    statements = []
                    for flag in flags:
                        part, part_args = f"c.is_overdue = ? AND {cond}", [flag, *args]
                        if cursor and cursor[0] == flag:
                            part += " AND (c.filed_on, c.id) < (?, ?)"  # a row value: an index range
                            part_args += [cursor[1], cursor[2]]
                        statements.append(
                            (
                                "SELECT c.id, c.case_no, c.name, c.status, c.filed_on, c.decision_due, e.name "
                                f"FROM penalty_cases c JOIN enterprises e ON e.id = c.enterprise_id WHERE {part} "
                                "ORDER BY c.filed_on DESC, c.id DESC LIMIT 50",
                                [_plain(a, pg) for a in part_args],
                            )
                        )
                    variants.append(statements)
                m.raw_sql = min(
                    variants, key=lambda v: min(raw_page(probe, v, "%s" if pg else "?") for _ in range(3))
                )
                f = queries.CaseFilters.from_args(m.params)
                page = None

                def run(f=f, user=user):
                    nonlocal page
                    page = queries.case_page(user, f)

                m.captured = capture.run(run)
                m.expect_ids = [c.id for c in page.items]
                db.session.rollback()
                out.append(m)
        db.session.remove()
        db.engine.dispose()
    probe.close()
    return out


def _plain(value, pg: bool):
    """A parameter as the DB-API driver takes it (SQLite: booleans 0/1, dates ISO text, as SQLAlchemy stores)."""
    if pg:
        return value
    if isinstance(value, bool):
        return int(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def raw_page(raw: Raw, statements: list, placeholder: str) -> float:
    """Time the raw page: the partitions in order, stopping once 50 rows are found."""
    import time

    t0 = time.perf_counter()
    cur, got = raw.conn.cursor(), 0
    for sql, params in statements:
        cur.execute(sql.replace("?", placeholder), params)
        got += len(cur.fetchall())
        if got >= 50:
            break
    return (time.perf_counter() - t0) * 1000


def _named(sql: str) -> str:
    """`?` placeholders as SQLAlchemy text() binds (:p0, :p1 …)."""
    parts = sql.split("?")
    return "".join(p + (f":p{i}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))


def _bind(args: list) -> dict:
    return {f"p{i}": a for i, a in enumerate(args)}


def summary(ms: list[float]) -> str:
    if not ms:
        return f"{'—':>13}"
    return f"{statistics.median(ms):5.1f}/{percentile(ms, 0.95):6.1f}"


def main() -> None:
    import re

    from bench.case_data import ACCOUNTS, N_CASES, PASSWORD, ensure, meta
    from bench.server import Server

    pg = os.environ.get("BENCH_DATABASE_URL", "")
    url = ensure(pg if pg.startswith("postgresql") else None)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    info = meta(url)
    big = int(info["big_case_id"]) if info.get("big_case_id") else None
    measures = prepare(url, big)
    raw = Raw(url)
    placeholder = "%s" if raw.pg else "?"
    with Server(url) as server:
        clients = {}
        for key in ("city", "officer"):
            clients[key] = server.client()
            clients[key].login(ACCOUNTS[key], PASSWORD)
        # the case page
        page = Measure("officer", f"GET /cases/{big}", {})
        size = docs = trail = 0
        for i in range(WARM + N if big else 0):
            r = clients["officer"].get(f"/cases/{big}")
            if r.status != 200:
                raise RuntimeError(f"case page {r.status}: {r.text[:500]}")
            if i >= WARM:
                page.server.append(r.server_ms)
                page.client.append(r.ms)
                page.sql = r.sql
            size = len(r.body)
            docs = len(re.findall(r"/cases/\d+/documents/\d+", r.text))
            trail = r.text.count("<li data-action=")  # the 执法全过程记录 on the page (hidden if unsealed)
        # the lists, each next to its raw SELECT and the replay of its captured statements, interleaved
        for m in measures:
            c = clients[m.user]
            for i in range(WARM + N):
                r = c.get("/cases/", m.params)
                if r.status != 200:
                    m.note = f"HTTP {r.status}"
                    break
                t_raw = raw_page(raw, m.raw_sql, placeholder)
                t_bare = raw.run(m.captured)
                if i >= WARM:
                    m.server.append(r.server_ms)
                    m.client.append(r.ms)
                    m.raw.append(t_raw)
                    m.bare.append(t_bare)
                    m.sql = r.sql
            expect = set(m.expect_ids)
            shown = list(dict.fromkeys(int(x) for x in re.findall(r'href="/cases/(\d+)"', r.text)))
            if [x for x in shown if x in expect] != m.expect_ids and not m.note:
                m.note = "page rows differ from case_page()"
        for cl in clients.values():
            cl.close()

    print(
        f"\n== case pages, {kind}, {N_CASES:,} cases: gunicorn (1 sync worker, production), {N} requests each "
        f"after {WARM} warm-up; ms p50/p95 (server = Server-Timing app, client = HTTP round trip)"
    )
    ok = bool(page.server) and percentile(page.server, 0.95) <= PAGE_TARGET
    if not big:
        print(
            f"  case page: not measured — the 30-step case could not be built: {info.get('big_case_error')}"
        )
    else:
        print(
            f"  case page /cases/{big} (30 steps, 40 documents; {docs} document links, {trail} audit events shown, "
            f"{size / 1024:.0f} KiB, {page.sql} SQL): server {summary(page.server)}  client {summary(page.client)}  "
            f"target p95 ≤ {PAGE_TARGET:.0f}: {'ok' if ok else 'MISSED'}"
        )
    print(
        f"\n  {'user':<8} {'list':<20} {'depth':>6} {'server':>13} {'client':>13} {'SQL':>4} {'raw SELECT':>13} "
        f"{'bare':>13}  p95 ≤ {LIST_TARGET:.0f}"
    )
    missed = []
    for m in measures:
        ok = bool(m.server) and percentile(m.server, 0.95) <= LIST_TARGET
        if not ok:
            missed.append(m)
        print(
            f"  {m.user:<8} {m.label:<20} {m.depth or '':>6} {summary(m.server)} {summary(m.client)} "
            f"{m.sql if m.sql is not None else '—':>4} {summary(m.raw)} {summary(m.bare)}  "
            f"{'ok' if ok else 'MISSED'} {m.note}"
        )
    print(
        "  (raw SELECT: the page's 50 rows and party names, one indexed SELECT per overdue partition, the faster of two "
        "plans; bare: the app's own statements "
        "for the page — rows, enterprises, capped count, filings box, proposals count — replayed on DB-API)"
    )
    for m in missed:
        print(f"\n  {m.user} {m.label}: slowest statements of the page")
        for ms, sql, plan in raw.slowest(m.captured, top=2):
            print(f"    {ms:7.1f} ms  {sql[:300]}\n              plan: {plan[:300]}")
    raw.close()


if __name__ == "__main__":
    main()
