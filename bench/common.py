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
    from app.config import TestConfig

    OUT.mkdir(exist_ok=True)
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = OUT / f"{name}.db"
        if fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # the test process (tests/fixtures/workflows/test_simple.bpmn) and its forms, as in the tests
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": csrf,
                      "UPLOAD_DIR": str(OUT / "uploads"), "WORKFLOW_INCLUDE_TEST_FILES": True,
                      "EXTRA_WORKFLOW_DIRS": TestConfig.EXTRA_WORKFLOW_DIRS,
                      "EXTRA_FORMS_DIRS": TestConfig.EXTRA_FORMS_DIRS})
    with app.app_context():
        if fresh and url.startswith("postgresql"):
            from app.extensions import db

            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    return app


def county_world(users: dict[str, tuple[list[str], str]], password: str | None = None):
    """One county with a town, its 应急管理局 and one enterprise, plus `users`: username -> (roles, "bureau"
    or "enterprise"). `password` is set for every user (argon2: only for those a benchmark logs in with),
    else an unusable hash. Call in an app context; returns (enterprise, {username: User})."""
    from app.auth.models import User
    from app.extensions import db
    from app.org.credit_code import make_credit_code
    from app.org.models import Department, Enterprise, Region

    county = Region(code="341322", name="萧县", level="county", path="/341322/")
    town = Region(code="341322100", name="龙城镇", level="town", parent=county, path="/341322/341322100/")
    db.session.add_all([county, town])
    db.session.flush()
    bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
    ent = Enterprise(name="萧县龙城机械制造有限公司", credit_code=make_credit_code("341322", 1), industry="工贸")
    ent.set_region(town)
    db.session.add_all([bureau, ent])
    made = {}
    for i, (username, (roles, unit)) in enumerate(users.items(), start=1):
        place = {"enterprise": ent} if unit == "enterprise" else {"department": bureau, "cert_no": str(i)}
        user = User(username=username, name=username, **place)
        if password:
            user.set_password(password)
        else:
            user.password_hash = "x"
        user.set_roles(roles)
        db.session.add(user)
        made[username] = user
    db.session.commit()
    return ent, made


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


def p50_p95(ms: list[float]) -> str:
    """"  p50 /    p95" for a table cell (— when nothing was measured)."""
    if not ms:
        return f"{'—':>17}"
    return f"{statistics.median(ms):7.1f} /{percentile(ms, 0.95):7.1f}"

