"""The approved plan turned into inspections: the current month's 重点 inspections created on approval and by
the monthly sweep (source 年度计划, due at the month's end, the item's team) — idempotent; an amendment drives
the months to come while the inspections already created stay; items without a valid team are reported, not
dropped; each month's 一般 quotas become that month's 双随机 batch draft; the progress view counts the plan's own
inspections for 重点 and the inspections drawn by the plan's batches for 一般."""

from __future__ import annotations

from datetime import date

import pytest

from app import clock
from app.errors import InvalidState, PermissionDenied
from app.extensions import db
from app.inspections.models import Inspection, InspectionSource, InspectionStatus, PlanItem, PlanStatus
from app.inspections.operations import plan as ops
from tests.factories.clock import at


def plan_inspections(*plans):
    ids = {
        i.inspection_id
        for p in plans
        for i in db.session.query(PlanItem).filter_by(plan_id=p.id)
        if i.inspection_id
    }
    return db.session.query(Inspection).filter(Inspection.id.in_(ids)).order_by(Inspection.id).all()


def sweep_on(d: date) -> str | None:
    clock.freeze(at(d))
    message = ops.sweep_plans()
    db.session.commit()
    return message


def test_current_year_plan_creates_this_months_inspections_on_approval(make_plan, world):
    w = make_plan(2026)  # today 2026-11-02: November and December left
    items = [i for i in w.plan.items if i.is_key]
    assert [(i.enterprise_id, i.month) for i in items] == [(world.ent_a2.id, 11)]  # 4 a year, prorated: 1
    w.submit().approve()
    [insp] = plan_inspections(w.plan)
    assert insp.source == InspectionSource.PLAN and insp.enterprise_id == world.ent_a2.id
    assert insp.planned_on == date(2026, 11, 2) and insp.due_on == date(2026, 11, 30)
    assert insp.source_ref == w.plan.title
    assert (
        sorted(insp.officer_ids) == sorted(items[0].member_ids)
        and insp.lead_officer_id == items[0].lead_officer_id
    )
    assert insp.status == InspectionStatus.PLANNED
    assert ops.sweep_plans() is None  # idempotent: nothing more to create this month
    db.session.commit()
    assert len(plan_inspections(w.plan)) == 1
    assert db.session.query(Inspection).count() == 1


def test_monthly_sweep_is_idempotent_and_follows_the_months(make_plan, world):
    w = make_plan(2027).submit().approve()
    assert plan_inspections(w.plan) == []  # a plan for next year: nothing before January
    assert sweep_on(date(2027, 1, 4)) == "按年度监督检查计划生成1月重点检查任务1项"
    assert sweep_on(date(2027, 1, 5)) is None
    assert sweep_on(date(2027, 1, 31)) is None
    [jan] = plan_inspections(w.plan)
    assert jan.planned_on == date(2027, 1, 4) and jan.due_on == date(2027, 1, 31) and jan.cap_year == 2027
    # no 重点 item in February: its 一般 quota (龙城镇 工贸) becomes the month's 双随机 batch draft, once
    assert sweep_on(date(2027, 2, 1)) == "按年度监督检查计划生成2月一般检查双随机批次草稿1个"
    assert sweep_on(date(2027, 2, 2)) is None
    assert sweep_on(date(2027, 4, 1)) is not None
    assert [i.planned_on.month for i in plan_inspections(w.plan)] == [1, 4]


def test_amendment_drives_future_months_created_inspections_stay(make_plan, world):
    w = make_plan(2027).submit().approve()
    sweep_on(date(2027, 1, 4))
    [jan] = plan_inspections(w.plan)
    v2 = w.amend("四月检查调整至五月")
    copied = {i.month: i for i in v2.plan.items if i.is_key}
    assert copied[1].inspection_id == jan.id  # the January inspection stays with the amendment
    with pytest.raises(InvalidState):
        ops.update_item(copied[1], {"month": 3}, actor=world.section_head)
    ops.update_item(copied[4], {"month": 5}, actor=world.section_head)
    db.session.commit()
    v2.submit().approve()
    db.session.refresh(w.plan)
    assert w.plan.status == PlanStatus.SUPERSEDED
    assert sweep_on(date(2027, 4, 1)) is None  # April left the amended plan; the old version drives nothing
    assert sweep_on(date(2027, 5, 6)) is not None
    created = plan_inspections(w.plan, v2.plan)
    assert [i.planned_on for i in created] == [date(2027, 1, 4), date(2027, 5, 6)]
    assert db.session.get(Inspection, jan.id).status != InspectionStatus.CANCELLED


def test_items_without_a_valid_team_are_reported_and_retried(make_plan, world):
    w = make_plan(2027)
    jan = next(i for i in w.plan.items if i.is_key and i.month == 1)
    jan.member_ids, jan.lead_officer_id = [], None
    db.session.commit()
    w.submit().approve()
    assert sweep_on(date(2027, 1, 4)) is None
    db.session.refresh(jan)
    assert jan.inspection_id is None and jan.task_error == "未指定检查组，请科室负责人指定后生成"
    progress = ops.progress(w.plan)
    assert [i.id for i in progress.not_created] == [jan.id]
    with pytest.raises(PermissionDenied):  # an officer does not assign plan teams
        ops.assign_team(
            jan, {"lead_officer_id": world.officer.id, "member_ids": [world.officer2.id]}, actor=world.officer
        )
    db.session.rollback()
    ops.assign_team(
        jan,
        {"lead_officer_id": world.officer.id, "member_ids": [world.officer2.id]},
        actor=world.section_head,
    )
    db.session.commit()
    assert jan.inspection_id is not None and jan.task_error is None  # its month has come: created at once


def test_an_expired_certificate_blocks_only_that_inspection(make_plan, world):
    w = make_plan(2027)
    jan = next(i for i in w.plan.items if i.is_key and i.month == 1)
    world.officer2.cert_expires_on = date(2026, 12, 31)
    jan.lead_officer_id, jan.member_ids = world.officer.id, [world.officer.id, world.officer2.id]
    db.session.commit()
    w.submit().approve()
    sweep_on(date(2027, 1, 4))
    db.session.refresh(jan)
    assert jan.inspection_id is None and jan.task_error
    world.officer2.cert_expires_on = date(2031, 12, 31)
    db.session.commit()
    assert sweep_on(date(2027, 1, 5)) is not None  # tried again on the next pass
    db.session.refresh(jan)
    assert jan.inspection_id is not None and jan.task_error is None


def test_progress_counts_plan_inspections_and_its_batches_draws(make_plan, world):
    from app.inspections.models import DrawTarget

    w = make_plan(2027).submit().approve()
    sweep_on(date(2027, 1, 4))
    sweep_on(date(2027, 2, 1))
    batch = ops.month_batch(w.plan, 2)
    [jan] = plan_inspections(w.plan)
    p = ops.progress(w.plan)
    assert (p.key[1].planned, p.key[1].done) == (1, 0)
    jan.status = InspectionStatus.DONE
    other = Inspection(
        code="JC2027999999", source=InspectionSource.RANDOM, enterprise_id=world.ent_a.id,
        region_path=world.ent_a.region_path, agency_id=world.bureau.id, created_by_id=world.officer.id,
        lead_officer_id=world.officer.id, planned_on=date(2027, 2, 3), status=InspectionStatus.HANDLING,
        cap_year=2027,
    )  # fmt: skip
    elsewhere = Inspection(
        code="JC2027999998", source=InspectionSource.RANDOM, enterprise_id=world.ent_other.id,
        region_path=world.ent_other.region_path, agency_id=world.other_bureau.id,
        created_by_id=world.other_officer.id, lead_officer_id=world.other_officer.id,
        planned_on=date(2027, 2, 3), status=InspectionStatus.DONE, cap_year=2027,
    )  # fmt: skip
    unplanned = Inspection(
        code="JC2027999997", source=InspectionSource.RANDOM, enterprise_id=world.ent_b.id,
        region_path=world.ent_b.region_path, agency_id=world.bureau.id, created_by_id=world.officer.id,
        lead_officer_id=world.officer.id, planned_on=date(2027, 2, 4), status=InspectionStatus.DONE,
        cap_year=2027,
    )  # fmt: skip
    db.session.add_all([other, elsewhere, unplanned])
    db.session.flush()
    # `other` stands for what drawing the plan's February batch produced (the draw itself: test_plan_link)
    db.session.add(DrawTarget(batch_id=batch.id, enterprise_id=world.ent_a.id, stratum="工贸|龙城镇", rank=1,
                              team=[world.officer.id], inspection_id=other.id))  # fmt: skip
    db.session.commit()
    p = ops.progress(w.plan)
    assert (p.key[1].planned, p.key[1].done, p.key[1].rate) == (1, 1, 100)
    assert (p.general[2].planned, p.general[2].done) == (
        1,
        1,
    )  # 龙城镇 工贸 quota, the plan batch's draw done
    assert p.by_town[world.town_a.id].planned == 5 and p.by_town[world.town_a.id].done == 2
    assert p.by_industry["危险化学品"].planned == 4 and p.by_industry["工贸"].done == 1
    # a 双随机 inspection of no batch of this plan and another county's inspection do not count
    assert sum(c.done for c in p.general.values()) == 1
    assert (
        ops.list_url(source="年度计划", year=2027, month=1)
        == "/inspections/?source=%E5%B9%B4%E5%BA%A6%E8%AE%A1%E5%88%92&year=2027&month=1"
    )
