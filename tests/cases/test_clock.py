"""The 办案期限 (Art.60): 90 days from 立案 with a 鉴定 pause, 延长办案期限 with its approvals and cap, the
daily clock job (overdue marked once, notified once, near-deadline warning), and working-day windows
across National Day 2026 (10-01..10-07, 调休 10-10)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.cases import legal_time
from app.cases import operations as ops
from app.cases.clock_job import DecisionClockJob
from app.cases.operations.deadline import extend_deadline, refresh_decision_clocks
from app.cases.rules import pack_for
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.notifications import Notification
from app.workflow.models import HumanTask
from tests.factories.clock import START, at
from tests.factories.db import commit

FILED_DUE = START + timedelta(days=90)  # 2027-01-31


def filed(make_case):
    w = make_case().file()
    assert w.case.filed_on == START and w.case.decision_due == FILED_DUE
    return w


def on(d: date) -> None:
    clock.freeze(at(d))


def notices(case_id: int, what: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.key.like(f"%{what}:{case_id}:%"))))


def test_appraisal_pause_moves_the_decision_deadline(world, make_case):
    w = filed(make_case)
    case = w.case
    on(date(2026, 11, 5))
    ops.add_evidence(
        case,
        {"kind": "鉴定委托书", "title": "压力容器检验鉴定委托书", "appraiser": "宿州市特检所"},
        actor=world.officer,
    )
    assert case.pauses[-1].kind == "鉴定" and case.decision_due is None  # the clock stands still
    on(date(2026, 11, 15))
    ops.end_pause(case, {"ended_on": date(2026, 11, 15)}, actor=world.officer)
    # 11-05 .. 11-14 do not count (the resume day counts again): 10 days later, 2027-02-10, falls in 春节
    # 2027 (02-05..02-14), so the period ends on the next working day
    pauses = [(date(2026, 11, 5), date(2026, 11, 15))]
    assert (
        legal_time.decision_clock(START, pauses, 0, pack_for(case.region_path, START)).elapsed(
            date(2027, 2, 10)
        )
        == 90
    )
    assert case.decision_due == date(2027, 2, 15)
    task = db.session.scalar(select(HumanTask).where(HumanTask.bpmn_id == "investigate"))
    refresh_decision_clocks()
    db.session.refresh(task)
    assert task.due_at == clock.local_midnight_after(date(2027, 2, 15))  # the task's 办理期限 follows


def test_clock_job_marks_overdue_once_and_notifies_once(app, world, make_case):
    case = filed(make_case).case
    case_id = case.id
    commit()
    on(FILED_DUE - timedelta(days=5))
    job = DecisionClockJob(app)
    job.work()
    near = notices(case_id, "decision_near")
    assert {n.user_id for n in near} == {world.officer.id, world.officer2.id, world.section_head.id}
    job.work()
    assert len(notices(case_id, "decision_near")) == 3
    on(FILED_DUE)
    job.work()
    assert notices(case_id, "decision_overdue") == []  # the last day is still in time
    on(FILED_DUE + timedelta(days=1))
    assert job.work() >= 1
    job.work()  # twice: nothing new
    from app.cases.models import PenaltyCase

    case = db.session.get(PenaltyCase, case_id)
    assert case.is_overdue
    overdue = notices(case_id, "decision_overdue")
    assert len(overdue) == 3 and {n.user_id for n in overdue} == {
        world.officer.id,
        world.officer2.id,
        world.section_head.id,
    }
    assert world.other_officer.id not in {n.user_id for n in overdue}
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "case.decision_overdue", AuditEvent.object_id == case_id
        )
    ).all()
    assert len(events) == 1


def test_extension_needs_the_upper_level_approval_and_is_capped(world, make_case):
    case = filed(make_case).case
    on(date(2027, 1, 20))
    data = {"days": 30, "reason": "案情复杂，需补充鉴定"}
    with pytest.raises(DomainError):
        extend_deadline(
            case,
            dict(data, approver="宿州市应急管理局", approval_ref="宿应急函〔2027〕3号"),
            actor=world.officer,
        )
    with pytest.raises(ValidationFailed, match="上一级应急管理部门批准"):
        extend_deadline(case, data, actor=world.leader)
    with pytest.raises(ValidationFailed, match="批准文号"):
        extend_deadline(case, dict(data, approver="宿州市应急管理局"), actor=world.leader)
    approval = extend_deadline(
        case, dict(data, approver="宿州市应急管理局", approval_ref="宿应急函〔2027〕3号"), actor=world.leader
    )
    assert case.extra_days == 30 and case.decision_due == FILED_DUE + timedelta(days=30)
    assert approval["approver"] == "宿州市应急管理局" and approval["total_days"] == 120
    with pytest.raises(ValidationFailed, match="延长后办案期限为181日，超过最长180日"):
        extend_deadline(
            case, dict(data, days=61, approver="宿州市应急管理局", approval_ref="x"), actor=world.leader
        )
    with pytest.raises(ValueError, match="不得超过 180 日"):
        legal_time.decision_clock(case.filed_on, [], 91, pack_for(case.region_path, case.filed_on))
    on(case.decision_due + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="届满前批准"):
        extend_deadline(
            case, dict(data, days=10, approver="宿州市应急管理局", approval_ref="y"), actor=world.leader
        )


def test_deadlines_across_national_day_2026(world):
    pack = pack_for("/340000/341300/", date(2026, 9, 30))
    # 3 working days after Wed 09-30: 10-08, 10-09, 10-10 (调休上班 Saturday)
    assert legal_time.withdrawal_due(date(2026, 9, 30), pack) == date(2026, 10, 10)
    # 7 working days to publish after Tue 09-29: 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14
    assert legal_time.publication_due(date(2026, 9, 29), pack) == date(2026, 10, 14)
    # a 90-calendar-day decision clock ending on 10-03 (holiday) ends on the next working day
    assert legal_time.decision_due(date(2026, 7, 5), [], 0, pack) == date(2026, 10, 8)
    # the 15-day payment period from 09-20 ends on 10-05 → next working day 10-08
    assert legal_time.payment_due(date(2026, 9, 20), pack) == date(2026, 10, 8)
