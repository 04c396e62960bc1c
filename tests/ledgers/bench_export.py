"""Benchmark (not collected by pytest): stream the 隐患排查治理台账 for N hazards and print time and peak
Python heap. Usage: .venv/bin/python -m tests.ledgers.bench_export [N]   (SQLite temp file, or
TEST_DATABASE_URL). Memory should stay flat as N grows (rows are read in keyset chunks, written by
openpyxl's write-only workbook)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from datetime import date

from sqlalchemy import insert

from app import create_app
from app.auth.models import User
from app.auth.roles import Role
from app.config import TestConfig
from app.extensions import db
from app.hazards.models import Hazard, RectificationOrder
from app.org.credit_code import make_credit_code
from app.org.models import Department, Enterprise, Region


def main(n: int) -> None:
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
            s["_user_id"] = str(user.id)
            s["_fresh"] = True
        if os.environ.get("BENCH_TRACE", "1") == "1":
            tracemalloc.start()
        t0 = time.perf_counter()
        r = client.get("/ledgers/hazard_ledger.xlsx")
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else 0
        tracemalloc.stop()
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"rows={n} status={r.status_code} xlsx={len(r.data) / 1e6:.1f}MB time={elapsed:.1f}s "
            f"peak_python_heap={peak / 1e6:.1f}MB (BENCH_TRACE=1) peak_rss={rss:.0f}MB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
