"""Issue #10 item 16: the demo data leaves due timers to the worker, so the first tick of the demo server
(`make demo` → `flask demo-serve`) sends a reminder and marks a hazard overdue."""

from __future__ import annotations

from sqlalchemy import select

from app import clock, workflow
from app.extensions import db
from app.notifications import Notification
from app.seed import seed_demo
from app.workflow.models import Timer, TimerStatus
from app.workflow.ticks import due_instance_ids


def _notices(hazard, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.subject_type == "hazards",
                Notification.subject_id == hazard.id,
                Notification.kind == kind,
            )
        )
    )


def test_first_tick_after_the_demo_seed_reminds_and_marks_overdue(app):
    ctx = seed_demo()
    db.session.commit()
    soon, late = ctx["hazards"]["w1"], ctx["hazards"]["w2"]
    due = set(due_instance_ids(clock.now()))
    assert {workflow.instance_for(soon).id, workflow.instance_for(late).id} <= due
    assert not late.is_overdue and not _notices(soon, "remind_before")
    assert (soon.deadline - clock.today()).days == 2 and (clock.today() - late.deadline).days == 1

    fired = workflow.tick()
    db.session.expire_all()
    assert fired >= 2
    assert late.is_overdue and late.overdue_at is not None
    assert _notices(late, "overdue")
    [reminder] = _notices(soon, "remind_before")
    assert reminder.user_id == ctx["users"]["qiye"].id and "还有2天" in reminder.body
    # a worker catching up after the deadline day says nothing stale ("今日为整改期限", "还有-1天")
    assert not _notices(late, "remind_due") and not _notices(late, "remind_before")
    assert not soon.is_overdue
    assert workflow.tick() == 0  # nothing fires twice
    assert not db.session.scalars(
        select(Timer).where(Timer.status == TimerStatus.WAITING, Timer.due_at <= clock.now())
    ).first()
