"""The demo seed leaves hazards in every state of the loop, with real documents, tasks and notices."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app import audit, workflow
from app.extensions import db
from app.hazards.models import Hazard, HazardStatus
from app.notifications import Notification
from app.seed import seed_demo


def test_demo_seed_covers_every_state(app):
    ctx = seed_demo()
    db.session.commit()
    h = ctx["hazards"]
    states = Counter(x.status for x in db.session.scalars(select(Hazard)))
    for status in (
        HazardStatus.CLOSED,
        HazardStatus.REFERRED,
        HazardStatus.GOVERNING,
        HazardStatus.REVIEWING,
        HazardStatus.RECTIFYING,
        HazardStatus.EXTENSION_PENDING,
        HazardStatus.SUPERVISION_PENDING,
    ):
        assert states[status] >= 1, status
    assert h["c1"].is_overdue and h["c1"].status == HazardStatus.REVIEWING
    assert h["s1"].is_overdue
    assert h["f1"].failed_rounds == 1 and h["f1"].status == HazardStatus.RECTIFYING
    assert h["m1"].supervision.listed and h["m1"].supervision.doc_number and h["m1"].progress_reports
    assert h["a2"].referral is not None
    assert h["hist2"].overdue_at is not None and h["hist2"].status == HazardStatus.CLOSED
    assert workflow.ready_task_names(workflow.instance_for(h["c3"])) == ["submit_rectification"]
    assert workflow.ready_task_names(workflow.instance_for(h["e1"])) == ["review_extension"]
    assert workflow.ready_task_names(workflow.instance_for(h["f2"])) == ["decide_supervision"]
    kinds = {n.kind for n in db.session.scalars(select(Notification))}
    assert {"overdue", "review_overdue", "remind_before"} <= kinds
    assert audit.verify().ok


def test_every_page_renders_on_demo_data(app, login):
    """Smoke: list, detail, order, generic task pages (every task form), dashboard, ledgers, documents."""
    from app.auth.models import User
    from app.workflow.models import HumanTask

    seed_demo()
    db.session.commit()
    from tests.factories.auth import PASSWORD

    users = {u.username: u for u in db.session.scalars(select(User))}
    for name in ("officer", "qiye", "qiye2", "leader", "supervisor"):
        users[name].set_password(PASSWORD)
    db.session.commit()
    officer, qiye, leader = login(users["officer"]), login(users["qiye"]), login(users["leader"])
    qiye2 = login(users["qiye2"])
    for client in (officer, qiye, leader):
        assert client.get("/hazards").status_code == 200
    for h in db.session.scalars(select(Hazard)):
        assert officer.get(f"/hazards/{h.id}").status_code == 200, h.code
        assert officer.get(f"/hazards/orders/{h.order_id}").status_code == 200
        if h.order.document_id:
            assert (
                officer.get(f"/hazards/orders/{h.order_id}/document", follow_redirects=True).status_code
                == 200
            )
    by_role = {"officer": officer, "enterprise_manager": qiye, "leader": leader}
    seen = set()
    # the hazard tasks (the demo's case tasks: tests/cases/test_seed.py)
    ready = select(HumanTask).where(HumanTask.status == "ready", HumanTask.subject_type == "hazards")
    for task in db.session.scalars(ready):
        client = by_role[task.candidate_role]
        if task.candidate_role == "enterprise_manager" and task.enterprise_id != users["qiye"].enterprise_id:
            assert client.get(f"/tasks/{task.id}").status_code == 404  # another enterprise's task
            client = qiye2
        page = client.get(f"/tasks/{task.id}")
        assert page.status_code == 200, task.bpmn_id
        assert f"form-{task.form_name}" in page.get_data(as_text=True), task.bpmn_id
        seen.add(task.bpmn_id)
    assert {
        "submit_rectification",
        "review_rectification",
        "review_extension",
        "submit_acceptance",
        "decide_supervision",
    } <= seen
    assert login(users["supervisor"]).get("/dashboard").status_code == 200
    assert login(users["supervisor"]).get("/ledgers").status_code == 200
    assert qiye.get("/notifications").status_code == 200
