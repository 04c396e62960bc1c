"""Review of the plan's legal gates: who may approve (the page, the generic task page, the API, another
county), and the yearly cap at the moment a month's inspection is made — the leader approved a plan within the
caps; if other inspections have used the budget since, the plan's inspection waits for the leader's over-cap
approval like any other (no silent approval in the leader's name)."""

from __future__ import annotations

from datetime import date

import pytest

from app import workflow
from app.extensions import db
from app.inspections.models import (
    Inspection,
    InspectionPlan,
    InspectionSource,
    InspectionStatus,
    PlanItem,
    PlanStatus,
)
from app.inspections.operations import plan as ops
from app.inspections.operations.inspection import create_inspection
from tests.factories.inspections_onsite import inspection_data
from tests.factories.inspections_plan import classify


def _approve_task(plan):
    [task] = workflow.ready_tasks(workflow.instance_for(plan, ops.PROCESS))
    assert task.bpmn_id == "approve_plan"
    return task


@pytest.mark.parametrize("who", ["officer", "section_head", "other_officer", "manager_a", "supervisor"])
def test_only_the_countys_leader_approves_through_any_channel(make_plan, world, login, who):
    w = make_plan(2027).submit()
    task = _approve_task(w.plan)
    user = getattr(world, who, None)
    if user is None:
        pytest.skip(f"the world has no {who}")
    client = login(user)
    decision = {"plan_decision": "approve", "opinion": "同意"}
    assert client.post(f"/inspections/plans/{w.plan.id}/decide", data=decision).status_code in (403, 404)
    assert client.post(f"/tasks/{task.id}", data=decision).status_code in (403, 404)
    r = client.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": decision})
    assert r.status_code in (403, 404)
    db.session.expire_all()
    plan = db.session.get(InspectionPlan, w.plan.id)
    assert plan.status == PlanStatus.PENDING and plan.decided_by_id is None and plan.publication_id is None


def test_the_leader_approves_through_the_generic_task_page(make_plan, world, login):
    w = make_plan(2027).submit()
    task = _approve_task(w.plan)
    r = login(world.leader).post(f"/tasks/{task.id}", data={"plan_decision": "approve", "opinion": ""})
    assert r.status_code == 422  # the opinion is required: refused next to the field, nothing decided
    db.session.expire_all()
    assert db.session.get(InspectionPlan, w.plan.id).status == PlanStatus.PENDING
    r = login(world.leader).post(f"/tasks/{task.id}", data={"plan_decision": "approve", "opinion": "同意"})
    assert r.status_code in (302, 303)
    db.session.expire_all()
    plan = db.session.get(InspectionPlan, w.plan.id)
    assert plan.status == PlanStatus.APPROVED and plan.decided_by_id == world.leader.id


def test_the_monthly_sweep_never_turns_an_unapproved_plan_into_inspections(make_plan, world):
    w = make_plan(2026).submit()  # 待审批; November's 重点 item is due now
    assert ops.sweep_plans() is None
    assert ops.create_month_tasks(w.plan, date(2026, 11, 2)) == 0
    db.session.commit()
    assert db.session.query(Inspection).count() == 0


def test_a_plan_inspection_over_the_cap_used_since_the_approval_waits_for_the_leader(make_plan, world):
    # ent_a2 may be inspected once in 2026; the plan puts that one in November
    classify(world, 2026, ent_a2=("危化冶金", "C", 1, 1))
    db.session.commit()
    plan = ops.draft_plan(world.county.path, 2026, actor=world.section_head)
    db.session.commit()
    [item] = [i for i in plan.items if i.is_key and i.enterprise_id == world.ent_a2.id]
    assert ops.cap_problems(plan) == []
    ops.submit_plan(plan, {}, actor=world.section_head)
    db.session.commit()
    # before the approval another inspection uses ent_a2's one inspection of the year
    create_inspection(
        world.ent_a2,
        inspection_data(world, source=InspectionSource.CAMPAIGN, checklist_code=None),
        actor=world.officer,
    )
    db.session.commit()
    ops.decide_plan(plan, {"plan_decision": "approve", "opinion": "同意"}, actor=world.leader)
    db.session.commit()
    item = db.session.get(PlanItem, item.id)
    insp = db.session.get(Inspection, item.inspection_id)
    assert insp.over_cap
    # the leader approved a plan within the cap, not this over-cap inspection: it waits for the decision
    assert insp.status == InspectionStatus.PENDING_APPROVAL
    assert insp.over_cap_decided_by_id is None and "重点检查" in (insp.over_cap_reason or "")
