"""Case-page forms for 执行 and the 办案期限 (延期/分期 application — the party's own enterprise account too — and
its approval, 复议/诉讼 and their outcome, 催告书 and its service, 强制执行申请, 延长办案期限), and the 负责人's
提请关闭 (Art.113) list and decision. Thin, like app.cases.routes: load in scope (404 outside), require, validate
with the form, ONE operation, commit, redirect with a fixed notice key; a rejection re-renders the case page
with what was typed and the Chinese message next to its field. Who sees which form: execution_pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import forms
from app.cases import art113
from app.cases import execution_pages as xp
from app.cases import routes as case_routes
from app.cases.models import ClosureProposalStatus
from app.cases.operations import deadline
from app.cases.operations import execution as ex
from app.db import commit_request
from app.errors import require
from app.extensions import db

bp = Blueprint("case_execution", __name__, url_prefix="/cases", template_folder="templates")

NOTICES = {
    "arrangement_applied": "延期（分期）缴纳申请已提交，待承办机构负责人或负责人审批",
    "arrangement_decided": "延期（分期）缴纳申请已审批",
    "remedy_filed": "复议（诉讼）已登记，期间不加处罚款",
    "remedy_decided": "复议（诉讼）结果已登记",
    "reminder": "罚款缴纳催告书已制发，请登记送达",
    "reminder_served": "催告书送达已登记",
    "enforcement": "强制执行申请书已制发",
    "extension": "办案期限已延长",
    "closure": "提请关闭事项已处理",
}
OFFICER_ONLY = "只有本案承办人员或承办机构负责人可以办理"
case_routes.NOTICES.update(NOTICES)  # the case page shows them (its closed set of ?done= keys)


def _action(case_id: int, form_name: str, allowed: Callable, denied: str, run: Callable, done: str, **kw):
    """One form of the case page's 执行 part: the case page's own form handling, landing on its 执行 section."""
    return case_routes._case_action(case_id, form_name, allowed, denied, run, done, anchor="execution", **kw)


@bp.post("/<int:case_id>/arrangements")
@login_required
def apply_arrangement(case_id: int):
    return _action(
        case_id,
        "case_arrangement_apply",
        xp.can_apply_arrangement,
        "只有当事人或本案承办人员可以申请延期（分期）缴纳罚款",
        lambda case, data: ex.apply_arrangement(case, data, actor=current_user),
        "arrangement_applied",
        party_may=True,
    )


@bp.post("/<int:case_id>/arrangements/decision")
@login_required
def decide_arrangement(case_id: int):
    return _action(
        case_id,
        "case_arrangement_decide",
        xp.can_decide_arrangement,
        "延期（分期）缴纳由承办机构负责人或负责人审批",
        lambda case, data: ex.decide_arrangement(case, data, actor=current_user),
        "arrangement_decided",
    )


@bp.post("/<int:case_id>/remedies")
@login_required
def file_remedy(case_id: int):
    return _action(
        case_id,
        "case_remedy_file",
        xp.can_execute,
        OFFICER_ONLY,
        lambda case, data: ex.file_remedy(case, data, actor=current_user),
        "remedy_filed",
    )


@bp.post("/<int:case_id>/remedies/outcome")
@login_required
def decide_remedy(case_id: int):
    return _action(
        case_id,
        "case_remedy_decide",
        xp.can_execute,
        OFFICER_ONLY,
        lambda case, data: ex.decide_remedy(case, data, actor=current_user),
        "remedy_decided",
    )


@bp.post("/<int:case_id>/reminders")
@login_required
def issue_reminder(case_id: int):
    return _action(
        case_id,
        "case_reminder",
        xp.can_execute,
        OFFICER_ONLY,
        lambda case, data: ex.issue_reminder(case, data, actor=current_user),
        "reminder",
    )


@bp.post("/<int:case_id>/reminders/service")
@login_required
def serve_reminder(case_id: int):
    return _action(
        case_id,
        "case_reminder_service",
        xp.can_execute,
        OFFICER_ONLY,
        lambda case, data: ex.serve_reminder(case, data, actor=current_user),
        "reminder_served",
    )


@bp.post("/<int:case_id>/enforcement")
@login_required
def apply_enforcement(case_id: int):
    return _action(
        case_id,
        "case_enforcement",
        xp.can_execute,
        OFFICER_ONLY,
        lambda case, data: ex.apply_enforcement(case, data, actor=current_user),
        "enforcement",
    )


@bp.post("/<int:case_id>/extension")
@login_required
def extend_deadline(case_id: int):
    return _action(
        case_id,
        "case_extension",
        xp.can_extend,
        "延长办案期限由本机关负责人审批（或登记上一级机关的批准）",
        lambda case, data: deadline.extend_deadline(case, data, actor=current_user),
        "extension",
    )


# --- 提请关闭 (安全生产法 Art.113) ------------------------------------------------------------------------


def _closures_page(values=None, errors=None, form_error=None, status=200, focus: int | None = None):
    rows = list(db.session.scalars(art113.scoped_closures(current_user).limit(200)))
    return render_template(
        "cases/closures.html",
        rows=rows,
        pending=ClosureProposalStatus.PENDING,
        formdef=forms.get_form("case_closure"),
        values=values or {},
        errors=errors or {},
        form_error=form_error,
        focus=focus,
        notice=NOTICES.get(request.args.get("done", "")),
    ), status


@bp.get("/closures")
@login_required
def closures():
    require(xp.can_decide_closure(current_user), "只有负责人可以处理提请关闭")
    return _closures_page()


@bp.post("/closures/<int:closure_id>")
@login_required
def decide_closure(closure_id: int):
    require(xp.can_decide_closure(current_user), "只有负责人可以处理提请关闭")
    proposal = art113.scoped_closure(current_user, closure_id)
    if proposal is None:
        abort(404)
    try:
        with forms.submission("case_closure", request.form, actor=current_user) as data:
            art113.decide_closure(proposal, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        return _closures_page(
            {closure_id: exc.values}, {closure_id: exc.errors}, exc.message, exc.status, closure_id
        )
    commit_request()
    return redirect(url_for("case_execution.closures", done="closure", _anchor=f"closure-{closure_id}"))
