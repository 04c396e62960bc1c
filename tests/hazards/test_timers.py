"""Deadline reminders, overdue and 复查 escalation fire once, at the right legal instants (frozen clock)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import clock, workflow
from app.extensions import db
from app.hazards import operations as ops
from app.hazards.models import HazardStatus
from app.notifications import Notification
from app.workflow.models import HumanTask
from tests.factories.clock import START, at
from tests.factories.db import commit
from tests.factories.hazards import ready, rect_data
from tests.factories.workflow import tick_at


def notices(kind: str, user=None) -> list[Notification]:
    stmt = select(Notification).where(Notification.kind == kind)
    if user is not None:
        stmt = stmt.where(Notification.user_id == user.id)
    return list(db.session.scalars(stmt))


def test_reminders_and_overdue_fire_once_at_legal_dates(make_hazard, world):
    h = make_hazard()  # registered Mon 2026-11-02, deadline 2026-11-09
    assert h.deadline == date(2026, 11, 9)
    task = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "submit_rectification"))
    assert task.due_at == clock.local_midnight_after(date(2026, 11, 9))

    assert tick_at(at(date(2026, 11, 6), 8, 59)) == 0
    assert notices("remind_before") == []
    tick_at(at(date(2026, 11, 6), 9, 0))
    [n] = notices("remind_before")
    assert n.user_id == world.manager_a.id and "3天" in n.body
    assert tick_at(at(date(2026, 11, 6), 9, 30)) == 0  # twice: nothing fires twice
    assert len(notices("remind_before")) == 1

    tick_at(at(date(2026, 11, 9), 9, 0))
    assert len(notices("remind_due", world.manager_a)) == 1
    tick_at(at(date(2026, 11, 9), 23, 59))
    h = db.session.get(type(h), h.id)
    assert not h.is_overdue and h.status == HazardStatus.RECTIFYING  # the deadline day is still in time

    tick_at(at(date(2026, 11, 10), 0, 0))
    h = db.session.get(type(h), h.id)
    assert h.is_overdue and h.overdue_at is not None
    assert h.status == HazardStatus.REVIEWING and ready(h) == ["review_rectification"]
    told = {n.user_id for n in notices("overdue")}
    assert {world.officer.id, world.officer2.id, world.section_head.id, world.manager_a.id} <= told
    assert world.manager_b.id not in told and world.other_officer.id not in told
    review = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "review_rectification"))
    assert review.due_at == clock.local_midnight_after(date(2026, 11, 19))  # deadline + 10 days
    assert review.title.startswith("【逾期】")  # the inbox row says so

    tick_at(at(date(2026, 11, 10), 1, 0))
    assert len([n for n in notices("overdue") if n.user_id == world.officer.id]) == 1


def test_review_not_done_in_10_days_escalates_to_section_head(make_hazard, world, upload):
    h = make_hazard()
    clock.freeze(at(date(2026, 11, 5)))
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    # report Thu 11-05 + 10 days = Sun 11-15, a rest day: the period ends Mon 11-16 (legal calendar)
    tick_at(at(date(2026, 11, 16), 23, 59))
    assert notices("review_overdue") == []
    tick_at(at(date(2026, 11, 17), 0, 1))
    [n] = notices("review_overdue", world.section_head)
    assert "复查超期" in n.title
    assert ready(h) == ["review_rectification"]  # the officer still has to do it
    tick_at(at(date(2026, 11, 18)))
    assert len(notices("review_overdue", world.section_head)) == 1


def test_extension_rearms_reminders_on_new_deadline(make_hazard, world):
    h = make_hazard()  # deadline 11-09
    ops.request_extension(
        h,
        {"ext_reason": "设备到货", "ext_deadline": date(2026, 11, 20), "ext_interim_measures": "隔离"},
        actor=world.manager_a,
    )
    ops.decide_extension(
        h,
        {"approved": "yes", "approved_deadline": date(2026, 11, 20), "opinion": "同意"},
        actor=world.officer,
    )
    commit()
    tick_at(at(date(2026, 11, 10), 0, 5))  # old overdue instant: nothing happens
    h = db.session.get(type(h), h.id)
    assert not h.is_overdue and notices("remind_before") == []
    tick_at(at(date(2026, 11, 17), 9, 0))
    [n] = notices("remind_before")
    assert n.key.endswith("2026-11-20")
    tick_at(at(date(2026, 11, 21), 0, 0))
    h = db.session.get(type(h), h.id)
    assert h.is_overdue


def test_rejected_extension_after_deadline_goes_overdue_at_next_tick(make_hazard, world):
    h = make_hazard()
    ops.request_extension(
        h,
        {"ext_reason": "x", "ext_deadline": date(2026, 11, 20), "ext_interim_measures": "y"},
        actor=world.manager_a,
    )
    commit()
    clock.freeze(at(date(2026, 11, 11)))
    ops.decide_extension(h, {"approved": "no", "opinion": "不同意"}, actor=world.officer)
    commit()
    tick_at(at(date(2026, 11, 11), 10))
    h = db.session.get(type(h), h.id)
    assert h.is_overdue and ready(h) == ["review_rectification"]


def test_overdue_hazard_review_then_referral(make_hazard, world):
    h = make_hazard()
    tick_at(at(date(2026, 11, 10), 0, 0))
    h = db.session.get(type(h), h.id)
    from tests.factories.hazards import review_data

    clock.freeze(at(date(2026, 11, 12)))
    [r] = ops.review_hazards(
        [(h, review_data(world, result="未整改", decision="return", new_deadline=date(2026, 11, 19)))],
        actor=world.officer,
    )
    commit()
    assert r.was_overdue and not h.is_overdue and h.overdue_at is not None
    assert ready(h) == ["submit_rectification"]
    [task] = workflow.ready_tasks(workflow.instance_for(h))
    assert not task.title.startswith("【逾期】")
    assert START < h.deadline
