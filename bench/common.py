"""Shared helpers for benchmarks: a throw-away app on its own database, timing, printing."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def bench_app(name: str, fresh: bool = True, csrf: bool = False):
    """An app on bench/out/<name>.db (or BENCH_DATABASE_URL), schema built by the migrations.
    `csrf`: keep CSRF protection on, as in production (the step benchmark posts real tokens)."""
    from flask_migrate import upgrade

    from app import create_app

    OUT.mkdir(exist_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = OUT / f"{name}.db"
        if fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": csrf,
                      "UPLOAD_DIR": str(OUT / "uploads"), "WORKFLOW_INCLUDE_TEST_FILES": True})
    with app.app_context():
        if fresh and url.startswith("postgresql"):
            from app.extensions import db

            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    return app


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed(fn, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(label: str, ms: list[float]) -> str:
    return (f"{label:<58} n={len(ms):<4} p50={statistics.median(ms):7.2f} ms  "
            f"p95={percentile(ms, 0.95):7.2f} ms  mean={statistics.fmean(ms):7.2f} ms")
