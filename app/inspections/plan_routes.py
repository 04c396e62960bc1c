"""年度监督检查计划 pages (/inspections/plans/…). Thin: load (scoped: 404 outside the viewer's jurisdiction, and
for enterprise accounts always), one operation, commit, redirect with a fixed notice key. A refused edit or
submission re-renders the plan page with the Chinese message (422).

The workflow steps (报批, 审批) can be taken here or on the generic task page (/tasks/<id>); both call the
same operations (app.inspections.plan_tasks)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import clock, workflow
from app.auth.roles import Role
from app.db import commit_request
from app.errors import ValidationFailed, require
from app.extensions import db
from app.inspections.models.plan import InspectionPlan, PlanItem, PlanStatus
from app.inspections.operations import plan as ops

bp = Blueprint("inspection_plans", __name__, url_prefix="/inspections/plans", template_folder="templates")

NOTICES = {
    "drafted": "计划草稿已生成，请核对重点检查、一般检查配额和各月执法力量后报批",
    "saved": "已保存",
    "submitted": "计划已报批，等待负责人审批",
    "approved": "计划已批准并公示，本月重点检查任务已生成",
    "returned": "计划已退回修改",
    "amended": "已生成修订版本（草稿），修改后报批",
    "team": "检查组已指定",
    "withdrawn": "修订版本已撤回，原计划继续执行",
}


def _staff() -> None:
    require(not current_user.is_enterprise_user, "年度监督检查计划仅供执法机关人员查看")


def _plan_or_404(plan_id: int) -> InspectionPlan:
    _staff()
    plan = db.session.get(InspectionPlan, plan_id)
    if plan is None or not ops.can_view(current_user, plan):
        abort(404)
    return plan


def _item_or_404(plan: InspectionPlan, item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, item_id)
    if item is None or item.plan_id != plan.id:
        abort(404)
    return item


def _month_arg(plan: InspectionPlan) -> int:
    try:
        month = int(request.args.get("month", 0))
    except ValueError:
        month = 0
    if month in ops.MONTHS:
        return month
    today = clock.today()
    return today.month if plan.year == today.year else 1


def _officers(plan: InspectionPlan):
    from app.auth.queries import users_with_role

    return users_with_role(Role.OFFICER, region_path=plan.region_path, agency_id=plan.agency_id)


def _render_detail(plan: InspectionPlan, *, form_error: str | None = None, status: int = 200):
    month = _month_arg(plan)
    items = list(
        db.session.scalars(
            select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.month == month).order_by(PlanItem.id)
        )
    )
    inst = workflow.instance_for(plan, ops.PROCESS)
    tasks = workflow.ready_tasks(inst) if inst is not None else []
    amendment = db.session.scalar(
        select(InspectionPlan)
        .where(InspectionPlan.parent_id == plan.id, InspectionPlan.status != PlanStatus.WITHDRAWN)
        .order_by(InspectionPlan.id.desc())
    )
    towns = []
    if plan.editable:
        from app.org.models import Region

        towns = list(
            db.session.scalars(
                select(Region)
                .where(Region.path.like(plan.region_path + "%"), Region.level == "town")
                .order_by(Region.code)
            )
        )
    from app.org.models import INDUSTRIES

    return render_template(
        "inspections/plans/detail.html",
        plan=plan,
        month=month,
        key_items=[i for i in items if i.is_key],
        general_items=[i for i in items if not i.is_key],
        loads=ops.check_capacity(plan),
        totals=ops.totals(plan),
        problems=ops.capacity_problems(plan) + ops.cap_problems(plan) if plan.editable else [],
        changes=ops.changes_against_parent(plan) if plan.status != PlanStatus.SUPERSEDED else None,
        tasks=tasks,
        may_edit=plan.editable and current_user.has_role(Role.SECTION_HEAD),
        may_submit=any(t.bpmn_id == "submit_plan" for t in tasks)
        and current_user.has_role(Role.SECTION_HEAD),
        may_decide=any(t.bpmn_id == "approve_plan" for t in tasks) and current_user.has_role(Role.LEADER),
        may_amend=plan.status == PlanStatus.APPROVED
        and amendment is None
        and current_user.has_role(Role.SECTION_HEAD),
        may_assign=plan.status == PlanStatus.APPROVED and current_user.has_role(Role.SECTION_HEAD),
        may_withdraw=plan.parent_id is not None
        and plan.editable
        and current_user.has_role(Role.SECTION_HEAD),
        amendment=amendment,
        batches=ops.plan_batches(plan),
        officers=_officers(plan),
        towns=towns,
        industries=list(INDUSTRIES),
        notice=NOTICES.get(request.args.get("done", "")),
        form_error=form_error,
    ), status


def _redo(plan: InspectionPlan, exc: ValidationFailed):
    db.session.rollback()
    return _render_detail(_plan_or_404(plan.id), form_error=exc.message, status=exc.status)


def _done(plan: InspectionPlan, key: str, **args):
    commit_request()
    return redirect(url_for("inspection_plans.detail", plan_id=plan.id, done=key, **args), 303)


@bp.get("/")
@login_required
def index():
    _staff()
    plans = list(db.session.scalars(ops.scoped_plans(current_user).limit(200)))
    today = clock.today()
    return render_template(
        "inspections/plans/index.html",
        plans=plans,
        may_draft=current_user.has_role(Role.SECTION_HEAD) and current_user.scope_path,
        next_year=today.year + 1 if today.month >= 10 else today.year,
        form_error=None,
    )


@bp.post("/new")
@login_required
def new():
    _staff()
    region_path = current_user.scope_path or ""
    try:
        plan = ops.draft_plan(
            region_path, request.form.get("year"), actor=current_user, notes=request.form.get("notes")
        )
    except ValidationFailed as exc:
        db.session.rollback()
        plans = list(db.session.scalars(ops.scoped_plans(current_user).limit(200)))
        return render_template(
            "inspections/plans/index.html",
            plans=plans,
            may_draft=True,
            next_year=request.form.get("year"),
            form_error=exc.message,
        ), exc.status
    return _done(plan, "drafted")


@bp.get("/<int:plan_id>")
@login_required
def detail(plan_id: int):
    return _render_detail(_plan_or_404(plan_id))


@bp.post("/<int:plan_id>/capacity")
@login_required
def capacity(plan_id: int):
    plan = _plan_or_404(plan_id)
    try:
        posted = {str(m): request.form[f"m{m}"] for m in ops.MONTHS if f"m{m}" in request.form}
        ops.set_capacity(plan, posted, actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(plan, "saved")


@bp.post("/<int:plan_id>/items")
@login_required
def add_item(plan_id: int):
    plan = _plan_or_404(plan_id)
    data: dict[str, object] = dict(request.form.to_dict())
    data["member_ids"] = request.form.getlist("member_ids")
    try:
        item = ops.add_item(plan, data, actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(plan, "saved", month=item.month)


@bp.post("/<int:plan_id>/items/<int:item_id>")
@login_required
def update_item(plan_id: int, item_id: int):
    plan = _plan_or_404(plan_id)
    item = _item_or_404(plan, item_id)
    data: dict[str, object] = {
        k: v for k, v in request.form.to_dict().items() if k in ("month", "planned_count", "lead_officer_id")
    }
    if "member_ids" in request.form:
        data["member_ids"] = request.form.getlist("member_ids")
    try:
        if plan.status == PlanStatus.APPROVED:
            ops.assign_team(item, data, actor=current_user)
            return _done(plan, "team", month=item.month)
        ops.update_item(item, data, actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(plan, "saved", month=item.month)


@bp.post("/<int:plan_id>/items/<int:item_id>/delete")
@login_required
def remove_item(plan_id: int, item_id: int):
    plan = _plan_or_404(plan_id)
    item = _item_or_404(plan, item_id)
    month = item.month
    ops.remove_item(item, actor=current_user)
    return _done(plan, "saved", month=month)


@bp.post("/<int:plan_id>/submit")
@login_required
def submit(plan_id: int):
    plan = _plan_or_404(plan_id)
    try:
        ops.submit_plan(plan, {"note": request.form.get("note")}, actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(plan, "submitted")


@bp.post("/<int:plan_id>/decide")
@login_required
def decide(plan_id: int):
    plan = _plan_or_404(plan_id)
    data = {"plan_decision": request.form.get("plan_decision"), "opinion": request.form.get("opinion")}
    try:
        ops.decide_plan(plan, data, actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(plan, "approved" if data["plan_decision"] == "approve" else "returned")


@bp.post("/<int:plan_id>/amend")
@login_required
def amend(plan_id: int):
    plan = _plan_or_404(plan_id)
    try:
        new = ops.amend_plan(plan, request.form.get("reason") or "", actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(new, "amended")


@bp.post("/<int:plan_id>/withdraw")
@login_required
def withdraw(plan_id: int):
    plan = _plan_or_404(plan_id)
    try:
        ops.withdraw_amendment(plan, request.form.get("reason") or "", actor=current_user)
    except ValidationFailed as exc:
        return _redo(plan, exc)
    return _done(plan, "withdrawn")


@bp.get("/<int:plan_id>/progress")
@login_required
def progress(plan_id: int):
    plan = _plan_or_404(plan_id)
    result = ops.progress(plan)
    towns = result.towns
    return render_template(
        "inspections/plans/progress.html",
        plan=plan,
        p=result,
        towns=towns,
        list_url=ops.list_url,
        today=clock.today(),
        month_end=lambda m: date(plan.year, m, 1),
    )
