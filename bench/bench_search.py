"""Hazard search at 1,000,000 hazards (issue #15): the list page's 关键词 (`/hazards?q=…`) answered from the
full-text indexes (app.search, app.hazards.search), next to the old `LIKE '%…%'` over enterprise name, code,
location and description measured in the same run on the same copy.

    python -m bench.bench_search                 # SQLite: a copy of bench/out/scale_1m.db
    python -m bench.bench_search --db pg         # PostgreSQL: CREATE DATABASE bench_search TEMPLATE bench_scale
    python -m bench.bench_search -n 20 --like 3  # requests per case with the index / with LIKE
    python -m bench.bench_search --no-build      # skip timing the index build (migration 0018) on the copy
    python -m bench.bench_search --reuse         # on the copy a previous run left

For the 萧县 county officer and the city 统计 user, terms of 1, 2, 3 and 4+ characters, an enterprise-name
word, a hazard code, a code prefix matching a fifth of the hazards and a term with no match: GET /hazards?q=
through the Flask test client (the whole request: session, scope, the capped count, the keyset page, the
template), p50/p95 in ms; the target is p95 ≤ 100 ms. Each term also checks that the index finds exactly
the hazards LIKE finds (over the whole city). Before the cases: migration 0018's build (both indexes, in
batches) timed on the copy.

Data: bench.scale_data (copy_of: the shared data set is never written).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import scale_data
from bench.common import p50_p95, percentile, timed

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 100.0
# label, term ({code}: a hazard code of the county, read from the data)
TERMS = [
    ("1 char", "配"),
    ("2 chars", "配电"),
    ("2 chars", "叉车"),
    ("3 chars", "配电箱"),
    ("4 chars", "消防通道"),
    ("6 chars", "压力表未定期"),
    ("enterprise name", "宏昌"),
    ("enterprise name", "化工"),
    ("hazard code", "{code}"),
    ("code prefix", "YH2024"),
    ("no match", "防火卷帘门"),
]


def _migration():
    path = ROOT / "migrations" / "versions" / "0018_search_scope_tokens.py"
    spec = importlib.util.spec_from_file_location("m0018", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def build(app) -> None:
    """Migration 0018's upgrade on the copy's 1,000,000 rows: hazard_search built again with the scope
    words (the copy went through it already: this times it once more)."""
    from app.extensions import db

    migration = _migration()
    with app.app_context():
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            migration.build(conn, migration.WITH_SCOPE)
        print(f"  migration 0018 build (hazard_search with scope words): {time.perf_counter() - t0:.1f} s", flush=True)
        db.engine.dispose()


def like_clause(q: str, within=(), walk: bool = False):  # noqa: ARG001 - the list's own scope conditions apply
    """The search before issue #15: LIKE '%q%' on enterprise name, code, location and description."""
    from sqlalchemy import or_, select

    from app.hazards.models import Hazard
    from app.org.models import Enterprise

    return or_(
        Hazard.enterprise_id.in_(select(Enterprise.id).where(Enterprise.name.contains(q, autoescape=True))),
        Hazard.code.contains(q, autoescape=True),
        Hazard.location.contains(q, autoescape=True),
        Hazard.description.contains(q, autoescape=True),
    )


def check(app, terms: list[tuple[str, str]]) -> None:
    """The index finds exactly the hazards LIKE finds, over the whole city."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.hazards import search as hazard_search
    from app.hazards.models import Hazard

    with app.app_context():
        for label, q in terms:
            t0 = time.perf_counter()
            fts = set(db.session.scalars(select(Hazard.id).where(hazard_search.clause(q))))
            t1 = time.perf_counter()
            like = set(db.session.scalars(select(Hazard.id).where(like_clause(q))))
            t2 = time.perf_counter()
            total = db.session.scalar(select(func.count()).select_from(Hazard))
            print(f"  {label:<16} {q:<14} index {len(fts):>8,} hazards ({100 * len(fts) / total:5.2f} %) in "
                  f"{(t1 - t0) * 1000:7.0f} ms, LIKE {len(like):>8,} in {(t2 - t1) * 1000:7.0f} ms  "
                  f"{'same' if fts == like else 'DIFFERENT'}", flush=True)
            db.session.rollback()


def pages(app, terms: list[tuple[str, str]], n: int, n_like: int) -> list[tuple]:
    from app.hazards import search as hazard_search

    results = []
    indexed = hazard_search.clause
    with app.app_context():
        for who in ("county", "city"):
            client = app.test_client()
            r = client.post("/login", data={"username": scale_data.USERS[who], "password": scale_data.PASSWORD})
            assert r.status_code in (302, 303), r.status_code
            for label, q in terms:
                resp = client.get("/hazards", query_string={"q": q})
                assert resp.status_code == 200, resp.status_code
                fts = timed(lambda q=q, c=client: c.get("/hazards", query_string={"q": q}), n, warmup=1)
                hazard_search.clause = like_clause  # type: ignore[assignment]
                try:
                    like = timed(lambda q=q, c=client: c.get("/hazards", query_string={"q": q}), n_like, warmup=0)
                finally:
                    hazard_search.clause = indexed  # type: ignore[assignment]
                results.append((who, label, q, fts, like))
                print(f"  {who:<7} {label:<16} {q:<14} {p50_p95(fts)} {p50_p95(like)}", flush=True)
    return results


def _copy(db: str) -> str:
    """A private copy of the data set. SQLite: through the backup API, which copies what the shared
    file's write-ahead log holds too (a plain file copy taken while the log still holds a migration's
    pages gives a malformed database)."""
    if db == "pg":
        return scale_data.copy_of("bench_search", scale_data.PG_URL)
    import sqlite3

    scale_data.ensure()
    path = scale_data.OUT / "bench_search.db"
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    source, target = sqlite3.connect(scale_data.SQLITE_PATH), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("-n", type=int, default=20, help="requests per case with the index")
    parser.add_argument("--like", type=int, default=3, help="requests per case with LIKE (the baseline)")
    parser.add_argument("--no-build", action="store_true", help="do not time migration 0018's build on the copy")
    parser.add_argument("--reuse", action="store_true", help="run on the copy a previous run left (no new copy)")
    args = parser.parse_args()

    if args.reuse:
        url = scale_data.PG_SERVER + "/bench_search" if args.db == "pg" else f"sqlite:///{scale_data.OUT / 'bench_search.db'}"
    else:
        url = _copy(args.db)
        scale_data.upgrade_timed(url)  # migrations not yet in the shared data set
    app = scale_data._app(url)
    print(f"bench_search on {url} ({scale_data.size(url)})", flush=True)
    if not args.no_build:
        build(app)

    from sqlalchemy import select

    from app.extensions import db
    from app.hazards.models import Hazard

    with app.app_context():
        code = db.session.scalar(select(Hazard.code).where(Hazard.region_path.startswith("/340000/341300/341322/"))
                                 .order_by(Hazard.id).offset(5000).limit(1))
    terms = [(label, q.format(code=code)) for label, q in TERMS]

    print("\nresults: index vs LIKE over the whole city", flush=True)
    check(app, terms)
    print(f"\nGET /hazards?q=…  p50 / p95 ms: index ({args.n} requests), LIKE ({args.like})   target p95 ≤ {TARGET_MS:.0f}")
    results = pages(app, terms, args.n, args.like)
    worst = max(percentile(r[3], 0.95) for r in results)
    print(f"\nworst index p95 {worst:.1f} ms ({'within' if worst <= TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target); "
          f"LIKE p50 {statistics.median([statistics.median(r[4]) for r in results]):.0f} ms (median over the cases)")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
