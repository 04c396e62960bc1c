"""Every path through major_hazard_supervision.bpmn: 挂牌督办 → 治理方案 → 进展 → 验收 pass / fail / referral."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.hazards import criteria
from app.hazards import operations as ops
from app.hazards.models import HazardStatus
from app.notifications import Notification
from tests.factories.clock import at
from tests.factories.db import commit
from tests.factories.hazards import ready, review_data
from tests.factories.workflow import tick_at

MAJOR = {
    "level": "重大",
    "criterion_code": "GM2023-11-3",
    "location": "抛光车间除尘系统",
    "description": "铝粉干式除尘系统未设置泄爆、惰化、抑爆装置",
    "deadline": date(2026, 11, 30),
}


def supervise(h, world, **kw):
    data = {
        "listed": "yes",
        "level": "县级",
        "supervising_unit": "萧县安全生产委员会办公室",
        "responsible_unit": "执法大队",
        "contact": "王执法 0557-5000001",
        "deadline": date(2026, 12, 31),
        "plan_days": 7,
        "opinion": "立即停止使用",
    }
    data.update(kw)
    return ops.decide_supervision(h, data, actor=world.leader)


def plan(h, world, upload):
    return ops.submit_governance_plan(
        h,
        {
            "objective": "消除粉尘爆炸隐患",
            "methods": "加装泄爆片和隔爆阀",
            "funds": Decimal("35.5"),
            "materials": "已落实",
            "organization": "设备部",
            "responsible_person": "李总",
            "time_limit": date(2026, 12, 20),
            "time_requirements": "分两阶段",
            "safety_measures": "停用该系统，制定专项应急预案",
            "suspension_scope": "部分停产",
            "suspension_detail": "抛光车间停产",
            "reported_to_staff_on": clock.today(),
            "plan_files": [upload(world.manager_a, name="方案.jpg")],
        },
        actor=world.manager_a,
    )


def apply(h, world, upload):
    return ops.submit_acceptance(
        h,
        {
            "completed_on": clock.today(),
            "responsible_person": "李总",
            "funds": Decimal("36"),
            "measures": "已加装泄爆装置",
            "emergency_measures": "预案已演练",
            "evaluation_org": "安徽某安全评价有限公司",
            "evaluation_date": clock.today(),
            "evaluation_conclusion": "隐患已消除",
            "resumption_requested": True,
            "evaluation_report": [upload(world.manager_a, name="评估报告.jpg")],
            "after_photos": [upload(world.manager_a)],
        },
        actor=world.manager_a,
    )


def test_major_requires_criterion(make_order, world):
    with pytest.raises(ValidationFailed):
        make_order({**MAJOR, "criterion_code": None})


def test_major_full_path_pass(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    assert h.status == HazardStatus.SUPERVISION_PENDING and ready(h) == ["decide_supervision"]
    assert h.criterion_citation == criteria.get("GM2023-11-3").citation
    with pytest.raises(PermissionDenied):
        ops.decide_supervision(h, {"listed": "yes", "deadline": date(2026, 12, 31)}, actor=world.officer)
    sup = supervise(h, world)
    commit()
    assert sup.doc_number and "督办" in sup.doc_number and sup.listed_on == clock.today()
    assert h.deadline == date(2026, 12, 31) and h.status == HazardStatus.PLAN_PENDING
    assert ready(h) == ["submit_governance_plan"]
    plan(h, world, upload)
    commit()
    assert h.status == HazardStatus.GOVERNING and h.suspension_scope == "部分停产"
    assert ready(h) == ["submit_acceptance"]
    apply(h, world, upload)
    commit()
    assert h.status == HazardStatus.ACCEPTING and ready(h) == ["acceptance_review"]
    r = ops.acceptance_review(h, review_data(world, opinion="专家组现场审查合格"), actor=world.officer)
    commit()
    assert r.kind == "验收" and r.doc_number
    assert h.status == HazardStatus.CLOSED and h.closed_on == clock.today()
    assert h.supervision.delisted_on == clock.today()  # 摘牌
    assert ready(h) == []


def test_major_not_listed_still_governed(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    sup = supervise(h, world, listed="no", level=None, supervising_unit=None)
    commit()
    assert not sup.listed and sup.doc_number is None
    assert ready(h) == ["submit_governance_plan"]


def test_major_progress_cycle_reminds_only_when_report_missing(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    supervise(h, world)
    plan(h, world, upload)  # 2026-11-02 → reminders due 11-17, 12-02, ...
    commit()

    def progress_notes():
        return list(
            db.session.scalars(
                select(Notification).where(
                    Notification.kind == "progress", Notification.user_id == world.manager_a.id
                )
            )
        )

    tick_at(at(date(2026, 11, 17), 8))
    assert progress_notes() == []
    tick_at(at(date(2026, 11, 17), 9))
    assert len(progress_notes()) == 1
    tick_at(at(date(2026, 11, 17), 10))
    assert len(progress_notes()) == 1
    clock.freeze(at(date(2026, 11, 25)))
    ops.report_progress(
        db.session.get(type(h), h.id),
        {"reported_on": clock.today(), "percent": 50, "content": "泄爆片已采购", "problems": ""},
        actor=world.manager_a,
    )
    commit()
    tick_at(at(date(2026, 12, 2), 9))  # report within the window: no reminder
    assert len(progress_notes()) == 1
    tick_at(at(date(2026, 12, 17), 9))  # none since 11-25: reminded again
    assert len(progress_notes()) == 2
    assert ready(db.session.get(type(h), h.id)) == ["submit_acceptance"]


def test_major_acceptance_fail_then_pass(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    supervise(h, world)
    plan(h, world, upload)
    apply(h, world, upload)
    ops.acceptance_review(
        h,
        review_data(
            world,
            result="整改不合格",
            decision="return",
            opinion="泄爆面积不足",
            new_deadline=date(2026, 12, 25),
        ),
        actor=world.officer,
    )
    commit()
    assert h.status == HazardStatus.GOVERNING and h.failed_rounds == 1 and h.deadline == date(2026, 12, 25)
    assert ready(h) == ["submit_acceptance"]
    apply(h, world, upload)
    ops.acceptance_review(h, review_data(world), actor=world.officer)
    commit()
    assert h.status == HazardStatus.CLOSED and h.supervision.delisted_on is not None


def test_major_acceptance_fail_referral(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    supervise(h, world)
    plan(h, world, upload)
    apply(h, world, upload)
    ops.acceptance_review(
        h, review_data(world, result="未整改", decision="refer", facts="未按方案治理"), actor=world.officer
    )
    commit()
    assert h.status == HazardStatus.REFERRED and h.referral.facts == "未按方案治理" and ready(h) == []
    assert h.supervision.delisted_on is None


def test_major_overdue_goes_to_site_review(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    supervise(h, world, deadline=date(2026, 11, 20))
    plan(h, world, upload)
    commit()
    tick_at(at(date(2026, 11, 21), 0, 0))
    h = db.session.get(type(h), h.id)
    assert h.is_overdue and h.status == HazardStatus.ACCEPTING and ready(h) == ["acceptance_review"]


def test_major_plan_overdue_goes_to_site_review(make_hazard, world):
    h = make_hazard(**MAJOR)
    supervise(h, world, deadline=date(2026, 11, 20))
    commit()
    tick_at(at(date(2026, 11, 21), 0, 0))
    h = db.session.get(type(h), h.id)
    assert h.is_overdue and ready(h) == ["acceptance_review"]


def test_major_two_rounds_then_exception(make_hazard, world, upload):
    h = make_hazard(**MAJOR)
    supervise(h, world)
    plan(h, world, upload)
    apply(h, world, upload)
    ops.acceptance_review(
        h,
        review_data(world, result="未整改", decision="return", new_deadline=date(2026, 12, 25)),
        actor=world.officer,
    )
    apply(h, world, upload)
    ops.acceptance_review(
        h,
        review_data(world, result="部分整改", decision="exception", new_deadline=date(2027, 1, 15)),
        actor=world.officer,
    )
    commit()
    assert ready(h) == ["approve_exception"]
    ops.decide_exception(
        h, {"approved": "yes", "new_deadline": date(2027, 1, 15), "opinion": "同意"}, actor=world.leader
    )
    commit()
    assert h.status == HazardStatus.GOVERNING and ready(h) == ["submit_acceptance"]
    assert h.deadline == date(2027, 1, 15) and h.deadline - clock.today() > timedelta(days=30)
