"""Closed loops through the app vs the raw engine, and per-step cost after failed rounds (issue #3).

(1) app: register → issue 指令书 → enterprise rectification → 复查 pass (销号), each step an operation
    with its own commit, as the pages do (permissions, numbering, documents, audit, projections).
(2) raw floor: the same workflow steps (same task data, recorded from the app run) replayed with
    SpiffWorkflow alone on the serialized state, in memory.
(3) per-step cost of '企业整改' (submit) after 0 and 1 failed rounds (app), and of the raw engine
    step after 0, 1, 2 rounds; the target is ≤ 25% growth from round 0 to round 2.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app, county_world  # noqa: E402

N = int(os.environ.get("BENCH_LOOPS", 200))  # 100 samples per round: a median of 30 swung ±10 points on a shared VM


def world(app):
    from app.auth.roles import Role

    return county_world({"officer": ([Role.OFFICER], "bureau"), "officer2": ([Role.OFFICER], "bureau"),
                         "manager": ([Role.ENTERPRISE], "enterprise"), "leader": ([Role.LEADER], "bureau")})

def main():
    from app import clock, workflow
    from app.extensions import db
    from app.hazards import operations as ops
    from app.workflow import codec
    from app.workflow.handlers import running
    from app.workflow.tree import advance, ready_user_tasks
    from app.workflow.versions import get_parsed

    def raw_step(state: str, parsed, bpmn_id: str, data: dict) -> str:
        """SpiffWorkflow alone: restore, complete the READY user task `bpmn_id`, advance, serialize."""
        with running(None, clock.now()):
            wf = codec.loads(state, parsed)
            task = next(t for t in ready_user_tasks(wf) if t.task_spec.name == bpmn_id)
            task.data.update(data)
            task.run()
            advance(wf)
            return codec.dumps(wf)

    app = bench_app("loop")
    recorded: list[tuple[str, dict]] = []
    real_complete = workflow.complete_task

    def recording(task, data, *, actor):
        recorded.append((task.bpmn_id, dict(data or {})))
        return real_complete(task, data, actor=actor)

    with app.app_context():
        clock.freeze(date(2026, 11, 2))
        ent, u = world(app)
        import io

        from werkzeug.datastructures import FileStorage

        from app import attachments

        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"jpeg-body" * 50
        photo = attachments.store(FileStorage(stream=io.BytesIO(jpeg), filename="整改后.jpg",
                                              content_type="image/jpeg"), actor=u["manager"]).id
        db.session.commit()

        def register_and_issue():
            h = ops.register_hazard({
                "enterprise_id": ent.id, "source": "执法检查", "found_on": clock.today(), "location": "配电室",
                "description": "配电箱前堆放杂物", "category": "物", "level": "一般", "criterion_code": None,
                "provision": "《安全生产法》第三十六条", "requirement": "清理", "photos": [],
                "deadline": clock.today() + timedelta(days=7)}, actor=u["officer"])
            db.session.commit()
            ops.issue_order(h.order, {"co_officer_id": u["officer2"].id, "inspection_record_no": "",
                                      "interim_measures": "专人看护"}, actor=u["officer"])
            db.session.commit()
            return h

        def rectify(h):
            ops.submit_rectification(h, {
                "action": "rectified", "responsible_dept": "设备科", "responsible_person": "李安全",
                "measures": "清理杂物", "funds": Decimal("0.5"), "planned_date": clock.today(),
                "completed_on": clock.today(), "emergency_measures": "专人巡查", "after_photos": [photo],
                "documents": [], "remarks": ""}, actor=u["manager"])
            db.session.commit()

        def review(h, passed=True, decision=None):
            decision = decision or ("close" if passed else "return")
            ops.review_hazards([(h, {
                "reviewed_on": clock.today(), "co_reviewer_id": u["officer2"].id,
                "result": "已整改" if passed else "整改不合格", "opinion": "复查意见", "evidence": [],
                "decision": decision,
                "new_deadline": None if passed else clock.today() + timedelta(days=5), "facts": None})],
                actor=u["officer"])
            db.session.commit()

        # (1) full loops through the app
        workflow.complete_task = recording  # the hazard operations call it through the package
        h = register_and_issue()
        initial_state = workflow.instance_for(h).state
        rectify(h)
        review(h)
        workflow.complete_task = real_complete
        steps = list(recorded)
        t0 = time.perf_counter()
        for _ in range(N):
            h = register_and_issue()
            rectify(h)
            review(h)
        app_loop = (time.perf_counter() - t0) / N

        # (2) raw engine floor: replay the recorded steps on the initial serialized state
        parsed = get_parsed(workflow.instance_for(h).definition)
        t0 = time.perf_counter()
        for _ in range(N):
            state = initial_state
            for bpmn_id, data in steps:
                state = raw_step(state, parsed, bpmn_id, data)
        raw_loop = (time.perf_counter() - t0) / N

        print(f"closed loops (register → 指令书 → 整改 → 复查 → 销号), {N} loops, SQLite")
        print(f"(1) app, operations + commits: {1 / app_loop:6.1f} loops/s  ({app_loop * 1000:6.1f} ms/loop)")
        print(f"(2) raw SpiffWorkflow floor:    {1 / raw_loop:6.1f} loops/s  ({raw_loop * 1000:6.1f} ms/loop, "
              f"{len(steps)} steps replayed in memory)")

        # (3) per-step cost after failed rounds
        app_round = {0: [], 1: [], 2: []}
        for _ in range(N // 2):
            h = register_and_issue()
            t = time.perf_counter()
            rectify(h)
            app_round[0].append((time.perf_counter() - t) * 1000)
            review(h, passed=False)
            t = time.perf_counter()
            rectify(h)
            app_round[1].append((time.perf_counter() - t) * 1000)
            # second failure: only referral or a leader-approved exception remain (the BPMN's cap)
            review(h, passed=False, decision="exception")
            ops.decide_exception(h, {"approved": "yes", "new_deadline": clock.today() + timedelta(days=20),
                                     "opinion": "同意再给一次期限"}, actor=u["leader"])
            db.session.commit()
            t = time.perf_counter()
            rectify(h)
            app_round[2].append((time.perf_counter() - t) * 1000)
        raw_round = {}
        state = workflow.instance_for(h).state  # after one failed round, rectified again
        fail = [(b, d) for b, d in recorded if b == "review_rectification"]
        fail_data = dict(fail[0][1]) if fail else {}
        for r in range(3):
            times = []
            for _ in range(30):
                t = time.perf_counter()
                raw_step(state, parsed, "review_rectification", {**fail_data, "decision": "close"})
                times.append((time.perf_counter() - t) * 1000)
            raw_round[r] = statistics.median(times)
            size = len(state)
            try:  # add one more failed round to the engine state (return → submit)
                state = raw_step(state, parsed, "review_rectification",
                                        {**fail_data, "decision": "return", "new_deadline": date(2026, 12, 1)})
                state = raw_step(state, parsed, "submit_rectification", steps[0][1] if steps else {})
            except StopIteration:
                print(f"    engine refused round {r + 1} (the BPMN caps failed rounds)")
                break
            print(f"    raw 复查 step at round {r + 1}: {raw_round[r]:.2f} ms, state {size / 1024:.1f} KiB")
        r0, r1, r2 = (statistics.median(app_round[i]) for i in range(3))
        print(f"(3) app 企业整改 step (median): round 0 {r0:.1f} ms, round 1 {r1:.1f} ms, round 2 {r2:.1f} ms "
              f"→ growth round 0 → 2: {(r2 / r0 - 1) * 100:+.0f}% (target ≤ 25%)")
        if 2 in raw_round:
            print(f"    raw engine step growth round 1 → 3: {(raw_round[2] / raw_round[0] - 1) * 100:+.0f}% (reference: the Spiff tree grows each round; the target applies to (3))")
    (Path(__file__).parent / "out" / "loop.db").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
