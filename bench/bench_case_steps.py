"""Penalty-case steps over HTTP vs the raw SpiffWorkflow + database request, same gunicorn, same run (issue #13).

(app)  a user task of the ordinary procedure posted as the browser posts it to the generic task page
       (POST /tasks/<id>, its form's fields, the page's CSRF token), by the role the task belongs to, to the app
       served by gunicorn in production mode (bench/server.py); the app's own time and statement count from its
       Server-Timing header. The task page is opened first (untimed), as the user opens it before acting.
(raw)  the same step as bench_hazard_steps' raw WSGI app (no Flask, no SQLAlchemy) under the same gunicorn
       setup: read the instance's state as the app read it just before its step → restore it with SpiffWorkflow
       → complete the same user task with the data the app completed it with → run the engine → serialize →
       UPDATE → commit.

Cases (a private copy of bench/case_data.py's 100,000-case data set, so every query meets a city's tables):
  fresh  a case just submitted for 立案: 承办机构负责人审核 (approve_filing), then 负责人审批 (decide_filing)
  short  a case walked through the operations to 结案 in 12 steps (no returns): 结案审批表 (close_case), then
         负责人 returns it (approve_closing → 退回), the same two steps as on the big case
  big    the case of 30 completed steps and 40 documents: close_case, approve_closing (退回), round after round
         (each round adds two completed steps: it ends with 30 + 2 × rounds)

The hazard steps' ratios are measured in the same run (bench_hazard_steps.py, run first, its output parsed), so
"a case step stays within the hazard step's ratio to the raw engine floor" compares figures of one machine state.

    python bench/bench_case_steps.py                       # SQLite (copy of bench/out/cases_100k.db)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55439/bench_cases python bench/bench_case_steps.py
    BENCH_CASE_STEPS=20 (rounds), BENCH_SKIP_HAZARD=1 (do not run the hazard steps)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_hazard_steps import AppDatabase, RawServer, RawStep, _pad  # noqa: E402
from bench.server import AUDIT_KEY, Server  # noqa: E402

N = int(os.environ.get("BENCH_CASE_STEPS", 20))
WARM = 3
PROCESS = "penalty_case"
STEPS = [  # key, case kind, bpmn id, who, form, label
    (
        "fresh_approve",
        "fresh",
        "approve_filing",
        "section_head",
        {"filing_decision": "agree", "opinion": "同意立案"},
        "新案 承办机构负责人审核立案",
    ),
    (
        "fresh_decide",
        "fresh",
        "decide_filing",
        "leader",
        {"filing_decision": "agree", "opinion": "批准立案"},
        "新案 负责人审批立案",
    ),
    (
        "short_close",
        "short",
        "close_case",
        "officer",
        {"summary": "罚款已缴清，执行完毕，申请结案"},
        "12步案件 结案审批表",
    ),
    (
        "short_return",
        "short",
        "approve_closing",
        "leader",
        {"closing_decision": "return", "opinion": "补充说明"},
        "12步案件 结案审批退回",
    ),
    (
        "big_close",
        "big",
        "close_case",
        "officer",
        {"summary": "罚款已缴清，执行完毕，申请结案"},
        "30步/40文书案件 结案审批表",
    ),
    (
        "big_return",
        "big",
        "approve_closing",
        "leader",
        {"closing_decision": "return", "opinion": "补充说明"},
        "30步/40文书案件 结案审批退回",
    ),
]


def raw_app():
    """gunicorn's factory for the raw server: the penalty procedure's parsed BPMN, then no Flask per request."""
    from app import create_app
    from app.workflow import definitions

    flask_app = create_app()
    with flask_app.app_context():
        parsed = {PROCESS: definitions.get_definition(PROCESS)}
    upload_dir = Path(os.environ["SAFELOOP_INSTANCE"]) / "raw_uploads"
    upload_dir.mkdir(exist_ok=True)
    return RawStep(os.environ["DATABASE_URL"], parsed, upload_dir)


class CaseRawServer(RawServer):
    target = "bench.bench_case_steps:raw_app()"


class CaseDatabase(AppDatabase):
    def case_instance(self, case_id: int) -> int:
        return self.subject_instance("penalty_cases", case_id)

    def completed(self, instance_id: int) -> int:
        return self.execute(
            "SELECT count(*) FROM human_tasks WHERE instance_id = ? AND status = 'completed'", (instance_id,)
        ).fetchone()[0]


def prepare(url: str, rounds: int) -> tuple[dict[str, int], list[int], list[int], int]:
    """In the copy: the fresh cases (approve_filing ready) and the short cases (close_case ready), through the
    operations. Returns (account user ids, fresh case ids, short case ids, big case id or None, why a kind of
    case is missing)."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from bench.case_data import ACCOUNTS, People, _app, clean_enterprises, meta, new_case

    app = _app(url)
    app.config["AUDIT_HMAC_KEY"] = AUDIT_KEY  # the server's key: one audit chain for setup and requests
    with app.app_context():
        ids = {k: db.session.scalar(select(User.id).where(User.username == u)) for k, u in ACCOUNTS.items()}
        p = People(ids)
        fresh = [new_case(p).id for _ in range(rounds)]
        db.session.commit()
        short: list[int] = []
        problem = ""
        for ent_id in clean_enterprises(rounds, skip=1):  # one enterprise each: no 一事不二罚 between them
            try:
                short.append(_walk_to_closing(p, ent_id))
            except Exception as exc:  # an app defect on this database: measure what can be measured, say why
                db.session.rollback()
                short, problem = [], f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:200]
                break
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    info = meta(url)
    big = int(info["big_case_id"]) if info.get("big_case_id") else None
    return ids, fresh, short, big, problem or info.get("big_case_error", "")


def _walk_to_closing(p, ent_id: int) -> int:
    """A case of `ent_id` taken to 结案 (close_case ready) through the operations: 12 steps, no returns."""
    from decimal import Decimal

    from app import clock
    from app.cases import gates
    from app.cases import operations as ops
    from bench.case_data import REPORT, _line, new_case

    case = new_case(p, enterprise_id=ent_id)
    ops.approve_filing(case, {"filing_decision": "agree", "opinion": "同意"}, actor=p.section_head)
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=p.leader)
    ops.add_evidence(case, INQUIRY, actor=p.officer)
    ops.submit_report(case, {**REPORT, "lines": [_line()]}, actor=p.officer)
    ops.review_report(case, {"report_decision": "agree", "opinion": "同意"}, actor=p.section_head)
    ops.issue_notice(case, {"contact": "王执法"}, actor=p.officer)
    ops.serve_notice(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=p.officer
    )
    ops.state_case(case, {"statement": "waived", "waiver_signed": True}, actor=p.officer)
    ops.prepare_decision(case, {"opinion": "处罚"}, actor=p.officer)
    keys = [i.key for i in gates.checklist(case, clock.today())]
    ops.legal_review(case, {"review_opinion": "agree", "reasons": "同意", "confirmed": keys}, actor=p.legal)
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=p.leader)
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=p.officer
    )
    ops.record_payment(
        case,
        {"paid_on": clock.today(), "amount": Decimal("30000"), "receipt_no": "PJ1"},
        actor=p.officer,
    )
    ops.finish_execution(case, {"execution_result": "执行完毕"}, actor=p.officer)
    return case.id


INQUIRY = {
    "kind": "询问笔录",
    "title": "询问笔录（李四）",
    "qa": [{"question": "是否记录安全生产教育和培训情况？", "answer": "没有记录"}],
    "signed_every_page": True,
    "rights_explained": True,
    "interviewee": "李四",
}
HAZARD_ROW = re.compile(r"^\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)x\s+(.*)$")


def hazard_ratios(db_url: str | None) -> tuple[list[tuple[str, float]], str]:
    """Run bench_hazard_steps.py now (same machine state) and read each target step's app/raw ratio."""
    if os.environ.get("BENCH_SKIP_HAZARD"):
        return [], ""
    env = dict(os.environ, BENCH_HAZARD_STEPS=str(N))
    if db_url:
        env["BENCH_DATABASE_URL"] = db_url.rsplit("/", 1)[0] + "/bench_hazard_steps_h13"
        import psycopg

        with psycopg.connect(db_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS bench_hazard_steps_h13 WITH (FORCE)")
            admin.execute("CREATE DATABASE bench_hazard_steps_h13")
    else:
        env.pop("BENCH_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("bench_hazard_steps.py"))],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ratios = []
    for line in out.splitlines():
        m = HAZARD_ROW.match(line)
        if m and "not a target" not in m.group(8):
            ratios.append((m.group(1), float(m.group(7))))
    return ratios, out


def main() -> None:
    from bench.case_data import ACCOUNTS, PASSWORD, copy_of
    from bench.common import percentile

    pg = os.environ.get("BENCH_DATABASE_URL", "")
    pg = pg if pg.startswith("postgresql") else ""
    hazard, hazard_out = hazard_ratios(pg or None)
    if hazard_out:
        print(hazard_out.rstrip())
    url = copy_of("case_steps", pg or None)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    ids, fresh, short, big, problem = prepare(url, N + WARM)
    have = {"fresh": True, "short": bool(short), "big": big is not None}
    steps = [s for s in STEPS if have[s[1]]]
    db_url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    appdb = CaseDatabase(db_url)
    got: dict[str, dict[str, list]] = {k[0]: {"app": [], "sql": [], "raw": []} for k in STEPS}
    big_inst = appdb.case_instance(big) if big else None
    big_before = appdb.completed(big_inst) if big_inst else 0
    with Server(db_url) as server, CaseRawServer(db_url) as raw_server:
        who = {}
        for role in ("officer", "section_head", "leader"):
            c = server.client()
            c.login(ACCOUNTS[role], PASSWORD)
            who[role] = c
        raw = raw_server.client()

        def step(key: str, case_id: int, bpmn_id: str, role: str, form: dict) -> None:
            inst = appdb.case_instance(case_id)
            task_id = appdb.ready_task(inst, bpmn_id)
            c = who[role]
            page = c.get(f"/tasks/{task_id}")  # the task page, as the user opens it (untimed)
            if page.status != 200:
                raise RuntimeError(f"{key}: GET /tasks/{task_id} {page.status}")
            appdb.copy_state(inst)  # the state the app's step reads
            r = c.post(f"/tasks/{task_id}", form)
            if r.status != 302:
                text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text.split("<main", 1)[-1]))[:1200]
                raise RuntimeError(f"{key}: POST /tasks/{task_id} → {r.status}: {text}")
            data = appdb.completed_with(inst, bpmn_id)
            rr = raw.request(
                "POST",
                "/task",
                json.dumps({"key": inst, "process": PROCESS, "bpmn_id": bpmn_id, "data": data}).encode(),
                {"Content-Type": "application/json"},
            )
            assert rr.status == 200, rr.text
            got[key]["app"].append(r.server_ms)
            got[key]["sql"].append(r.sql)
            got[key]["raw"].append(rr.server_ms)

        for i in range(N + WARM):
            for key, case_kind, bpmn_id, role, form, _ in steps:
                case_id = {"fresh": fresh[i], "short": short[i] if short else 0, "big": big}[case_kind]
                step(key, case_id, bpmn_id, role, form)
    big_after = appdb.completed(big_inst) if big_inst else 0
    docs = appdb.execute(
        "SELECT count(*) FROM official_documents WHERE subject_type = 'penalty_cases' AND subject_id = ?",
        (big or 0,),
    ).fetchone()[0]

    print(
        f"\ncase steps over HTTP (POST /tasks/<id>), {kind}: gunicorn (1 sync worker, production) for the app and "
        f"for the raw request; {N} of each after {WARM} warm-up rounds; 100,000 cases in the database; the big "
        f"case went from {big_before} to {big_after} completed steps ({docs} documents)"
    )
    print(f"  {'step':<30} {'app p50':>8} {'app p95':>8} {'SQL':>4} {'raw p50':>8} {'app/raw':>8}")
    worst_hazard = max((r for _, r in hazard), default=None)
    ratios = {}
    if problem:
        print(f"  NOT MEASURED: the 12-step and/or the 30-step case could not be walked here: {problem}")
    for key, _, _, _, _, label in steps:
        g = {k: v[WARM:] for k, v in got[key].items()}
        a, r = statistics.median(g["app"]), statistics.median(g["raw"])
        ratios[key] = a / r
        print(
            f"  {_pad(label, 30)} {a:8.2f} {percentile(g['app'], 0.95):8.2f} {statistics.median(g['sql']):4.0f} "
            f"{r:8.2f} {a / r:7.2f}x"
        )
    if hazard:
        print(
            "  hazard steps' app/raw in this run: "
            + ", ".join(f"{s} {r:.2f}x" for s, r in hazard)
            + f" (highest {worst_hazard:.2f}x, median {statistics.median(r for _, r in hazard):.2f}x)"
        )
        for key, _, _, _, _, label in steps:
            verdict = "within" if ratios[key] <= worst_hazard else "OVER"
            print(f"  {_pad(label, 30)} {ratios[key]:5.2f}x  {verdict} the hazard steps' highest ratio")
    print(
        "  (ms, server time from Server-Timing; raw = restore + complete + engine + serialize + UPDATE + commit "
        "of the same task with the same data, same database)"
    )


if __name__ == "__main__":
    main()
