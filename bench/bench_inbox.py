"""Inbox at scale: 100,000 open tasks and 1,000,000 completed ones; p95 of an officer's first page.

    .venv/bin/python bench/bench_inbox.py            # SQLite file bench/out/inbox.db
    BENCH_DATABASE_URL=postgresql://… .venv/bin/python bench/bench_inbox.py

Target (issue #2): p95 ≤ 50 ms for the HTML inbox and for /api/v1/inbox.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bench.common import OUT, bench_app, summary, timed  # noqa: E402

OPEN = int(os.environ.get("BENCH_OPEN", 100_000))
DONE = int(os.environ.get("BENCH_DONE", 1_000_000))
CHUNK = 20_000


def seed(app):
    from app.auth.models import User
    from app.auth.roles import Role
    from app.db import utcnow
    from app.extensions import db
    from app.org.models import Department, Region
    from app.workflow.models import HumanTask, WorkflowDefinition, WorkflowInstance

    rnd = random.Random(7)
    with app.app_context():
        prov = Region(code="340000", name="安徽省", level="province", path="/340000/")
        city = Region(code="341300", name="宿州市", level="city", parent=prov, path="/340000/341300/")
        county = Region(code="341322", name="萧县", level="county", parent=city, path="/340000/341300/341322/")
        towns = [Region(code=f"341322{100 + i}", name=f"镇{i}", level="town", parent=county,
                        path=f"/340000/341300/341322/341322{100 + i}/") for i in range(12)]
        db.session.add_all([prov, city, county, *towns])
        db.session.flush()
        bureau = Department(name="萧县应急管理局", short_name="萧", kind="局", region=county)
        db.session.add(bureau)
        db.session.flush()
        officer = User(username="officer", name="王执法", department=bureau, cert_no="1")
        officer.set_password("Bench@2026pass")
        officer.set_roles([Role.OFFICER])
        db.session.add(officer)
        definition = WorkflowDefinition(process_id="hazard_rectification", name="一般隐患整改", spec_hash="0" * 64,
                                        file_name="x.bpmn", bpmn="<x/>", deployed_at=utcnow())
        db.session.add(definition)
        db.session.commit()
        officer_id, def_id = officer.id, definition.id

        now = utcnow()
        roles = ["officer", "officer", "enterprise_manager", "section_head", "legal_reviewer"]
        n_instances = OPEN + DONE // 10
        t0 = time.perf_counter()
        for start in range(0, n_instances, CHUNK):
            rows = [{"id": i + 1, "process_id": "hazard_rectification", "definition_id": def_id, "spec_hash": "0" * 64,
                     "serializer_version": "1", "state": "{}", "version": 1, "status": "running",
                     "subject_type": "hazard", "subject_id": i + 1, "title": f"隐患{i + 1}",
                     "region_path": towns[i % 12].path, "created_at": now, "updated_at": now}
                    for i in range(start, min(start + CHUNK, n_instances))]
            db.session.execute(insert(WorkflowInstance), rows)
        db.session.commit()
        tid = 0
        for start in range(0, OPEN, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, OPEN)):
                tid += 1
                rows.append({"id": tid, "instance_id": i + 1, "task_guid": f"o{tid}", "bpmn_id": "review_rectification",
                             "name": "整改复查", "lane": "执法人员", "candidate_role": roles[i % 5],
                             "region_path": towns[i % 12].path, "subject_type": "hazard", "subject_id": i + 1,
                             "title": f"隐患{i + 1}", "form_name": "review_rectification", "status": "ready",
                             "due_at": now + timedelta(hours=rnd.randint(-24 * 30, 24 * 60)),
                             "created_at": now - timedelta(minutes=i)})
            db.session.execute(insert(HumanTask), rows)
        for start in range(0, DONE, CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, DONE)):
                tid += 1
                rows.append({"id": tid, "instance_id": OPEN + i // 10 + 1, "task_guid": f"d{tid}",
                             "bpmn_id": "review_rectification", "name": "整改复查", "lane": "执法人员",
                             "candidate_role": roles[i % 5], "region_path": towns[i % 12].path,
                             "subject_type": "hazard", "subject_id": OPEN + i // 10 + 1, "title": f"隐患{i}",
                             "form_name": "review_rectification", "status": "completed",
                             "due_at": now - timedelta(days=rnd.randint(1, 700)), "created_at": now - timedelta(days=30),
                             "completed_at": now - timedelta(minutes=i),
                             "completed_by_id": officer_id if i % 7 == 0 else None})
            db.session.execute(insert(HumanTask), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"seeded {OPEN:,} open + {DONE:,} completed tasks in {time.perf_counter() - t0:.1f} s")


def db_size(app) -> str:
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            size = db.session.execute(text("SELECT pg_database_size(current_database())")).scalar()
        else:
            size = (OUT / "inbox.db").stat().st_size
    return f"{size / 1024 / 1024:.0f} MiB"


def main():
    app = bench_app("inbox")
    seed(app)
    client = app.test_client()
    r = client.post("/login", data={"username": "officer", "password": "Bench@2026pass"})
    assert r.status_code == 302, r.status_code

    def html():
        resp = client.get("/inbox")
        assert resp.status_code == 200 and b"task-row" in resp.data

    def api():
        resp = client.get("/api/v1/inbox")
        assert resp.status_code == 200 and resp.json["total"] > 0

    def done():
        resp = client.get("/done")
        assert resp.status_code == 200

    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}  size {db_size(app)}")
    print(summary("inbox page (HTML), officer, first page", timed(html, 60)))
    print(summary("/api/v1/inbox, officer, first page", timed(api, 60)))
    print(summary("已办 page (HTML), officer, first page", timed(done, 30)))
    print("target: p95 <= 50 ms")


if __name__ == "__main__":
    main()
