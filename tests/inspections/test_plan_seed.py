"""The demo's plan (seed_plan on the demo registry): this year's plan approved after one 退回, published, its
重点 inspections created month by month up to now (the sweep leaves nothing more to create), and next year's
plan waiting for the 负责人's approval."""

from __future__ import annotations

from datetime import date

from app import clock, publication, workflow
from app.inspections.models import Inspection, InspectionSource, PlanItem, PlanStatus
from app.inspections.operations import plan as ops
from app.inspections.plan_publicity import KIND
from app.inspections.seed_plan import seed_plan
from app.seed.registry import seed_registry


def test_demo_plan_in_progress(db, frozen):
    ctx = seed_registry()
    out = seed_plan(ctx)
    db.session.commit()
    assert clock.today() == date(2026, 11, 2)  # the clock is put back
    plan = out["plan"]
    assert plan.year == 2026 and plan.status == PlanStatus.APPROVED and plan.returned_count == 1
    assert publication.current_for(plan, KIND) is not None
    items = db.session.query(PlanItem).filter_by(plan_id=plan.id).all()
    key = [i for i in items if i.is_key]
    assert key, "the demo county has 重点 enterprises"
    due = [i for i in key if i.month <= 11]
    made = [i for i in due if i.inspection_id]
    assert made and len(made) == len([i for i in due if not i.task_error])
    months = {db.session.get(Inspection, i.inspection_id).planned_on.month for i in made}
    assert len(months) > 3  # several months' inspections, each created in its month
    assert all(db.session.get(Inspection, i.inspection_id).source == InspectionSource.PLAN for i in made)
    assert not any(i.inspection_id for i in key if i.month == 12)
    assert ops.sweep_plans() is None  # nothing left to create this month
    nxt = out["next"]
    assert nxt.status == PlanStatus.PENDING
    assert workflow.ready_task_names(workflow.instance_for(nxt, ops.PROCESS)) == ["approve_plan"]
