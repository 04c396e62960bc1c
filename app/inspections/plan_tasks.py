"""The inspection_plan workflow's glue: its user-task handlers (the same operations the plan pages call, from
the generic task page and the API alike), the plan's status set here in one place after every step, the facts
the 负责人 reads on the approval task, and the plan as a subject of the task page and audit trail.

    READY submit_plan → 草稿 (已退回 after a 退回); READY approve_plan → 待审批; finished → 已批准
    (已修订 — an approved amendment replaced it — is set by the amendment's approval, after this plan's
    workflow has ended; 已撤回 — an amendment abandoned — by withdraw_amendment, which cancels its workflow)
"""

from __future__ import annotations

from flask import Flask

from app import workflow
from app.extensions import db
from app.inspections.models.plan import InspectionPlan, PlanStatus
from app.inspections.operations import plan as ops
from app.workflow.user_tasks import bind_operations, subject_loader

bind_operations(
    ops.PROCESS,
    {"submit_plan": ops.submit_plan, "approve_plan": ops.decide_plan},
    load=subject_loader(InspectionPlan, "年度监督检查计划"),
    module=__name__,
)


def status_for(plan: InspectionPlan, change: workflow.Change) -> str:
    if change.finished:
        return PlanStatus.APPROVED if plan.decision == "批准" else plan.status
    if "approve_plan" in change.ready:
        return PlanStatus.PENDING
    if "submit_plan" in change.ready:
        return PlanStatus.RETURNED if plan.decision == "退回" else PlanStatus.DRAFT
    return plan.status


@workflow.on_change(ops.PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    plan = db.session.get(InspectionPlan, change.instance.subject_id)
    if plan is None:
        return
    new = status_for(plan, change)
    if new != plan.status:
        plan.status = new


# ---- the task page ---------------------------------------------------------------------------------------

TEMPLATE = "inspections/plans/_task_facts.html"


def _facts(task, actor) -> workflow.TaskFacts | None:
    if task.status != "ready" or task.subject_type != ops.SUBJECT_TYPE or not task.subject_id:
        return None
    plan = db.session.get(InspectionPlan, task.subject_id)
    if plan is None:
        return None
    context = {
        "plan": plan,
        "loads": ops.check_capacity(plan),
        "totals": ops.totals(plan),
        "problems": ops.capacity_problems(plan) + ops.cap_problems(plan),
        "changes": ops.changes_against_parent(plan),
    }
    return workflow.TaskFacts(template=TEMPLATE, title="计划概况与执法力量核对", context=context)


@workflow.task_facts(ops.PROCESS, "submit_plan")
def submit_facts(task, *, actor) -> workflow.TaskFacts | None:
    return _facts(task, actor)


@workflow.task_facts(ops.PROCESS, "approve_plan")
def approve_facts(task, *, actor) -> workflow.TaskFacts | None:
    return _facts(task, actor)


def register_subject() -> None:
    from flask import url_for
    from sqlalchemy import select

    from app import subjects
    from app.auth.permissions import scope_clause

    def _scope(viewer):
        if viewer.is_enterprise_user:
            return select(InspectionPlan.id).where(InspectionPlan.id.is_(None))
        return select(InspectionPlan.id).where(scope_clause(viewer, InspectionPlan.region_path))

    subjects.register_subject(
        ops.SUBJECT_TYPE,
        subjects.model_view(
            InspectionPlan,
            label="年度监督检查计划",
            name=lambda plan: plan.label,
            url=lambda plan: url_for("inspection_plans.detail", plan_id=plan.id),
            summary_template="inspections/plans/_summary.html",
            scope=_scope,
        ),
    )


def register(app: Flask) -> None:
    """The plan part of app.inspections.init_app: pages, subject, 公示 kind, the monthly sweep."""
    from app import periodic, ui
    from app.inspections import plan_publicity  # noqa: F401  (registers the 公示 kind)
    from app.inspections.plan_routes import bp

    app.register_blueprint(bp)
    register_subject()
    ui.register_field_labels(
        {
            "capacity": "各月可用执法力量（人日）",
            "planned_count": "计划检查次数",
            "member_ids": "检查组成员",
            "plan_month": "计划月份",
        }
    )
    periodic.register_sweep("plan_monthly_tasks", ops.sweep_plans, every=3600)
