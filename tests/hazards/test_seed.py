"""The demo seed leaves hazards in every state of the loop, with real documents, tasks and notices."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from app import audit, workflow
from app.extensions import db
from app.hazards.models import Hazard, HazardNotification, HazardStatus
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
    kinds = {n.kind for n in db.session.scalars(select(HazardNotification))}
    assert {"overdue", "review_overdue", "remind_before"} <= kinds
    assert audit.verify().ok
