"""Pages of an inspection's results (journey 13): the forms of `inspections/_results.html` post here — the
责令限期整改指令书 from the findings, 现场处理措施决定书 and their lifting, the referral of violations, 结果处理完毕,
the 双随机 result's 公示, 办结 — and the section head's open items (/inspections/open-items) and the measures list
(/inspections/measures; an enterprise sees its own). Thin: load scoped (404 outside the user's data), one
operation, commit; a rejected form re-renders the results page with what was typed and the message next to the
field (422)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.db import commit_request
from app.errors import ValidationFailed, require
from app.extensions import db
from app.inspections import results as view
from app.inspections.models import Inspection, OnSiteMeasure
from app.inspections.operations import results as ops

bp = Blueprint("inspection_results", __name__, template_folder="templates")

STAFF_ONLY = "仅限执法人员办理"


def _inspection_or_404(inspection_id: int, *, for_order: bool = False) -> Inspection:
    """`for_order`: with what 依问题下达指令书 reads (the team, the enterprise its hazards are registered for) in
    the same statement."""
    if for_order:
        inspection = db.session.scalars(
            select(Inspection)
            .where(Inspection.id == inspection_id)
            .options(joinedload(Inspection.enterprise), joinedload(Inspection.members))
        ).unique().one_or_none()
    else:
        inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or not view.can_view_inspection(current_user, inspection):
        abort(404)
    return inspection


def _measure_or_404(measure_id: int) -> OnSiteMeasure:
    measure = db.session.get(OnSiteMeasure, measure_id)
    if measure is None or not view.can_view_inspection(current_user, measure.inspection):
        abort(404)
    return measure


def inspection_url(inspection: Inspection) -> str:
    """The inspection's own page when the on-site part serves it, else the results page."""
    if "inspection.detail" in current_app.view_functions:
        return url_for("inspection.detail", inspection_id=inspection.id) + "#results"
    return url_for("inspection_results.page", inspection_id=inspection.id)


def _render(inspection: Inspection, *, errors=None, form=None, status: int = 200, message: str | None = None):
    ctx = view.results_context(inspection, current_user, errors=errors, form=form)
    html = render_template(
        "inspections/results_page.html",
        inspection=inspection,
        results_view=ctx,
        form_error=message,
        inspection_url=inspection_url(inspection),
    )
    return html, status


def _act(inspection: Inspection, action, done: str, form: dict):
    """Run one operation; commit and go back to the inspection, or show the form again with the message."""
    require(not current_user.is_enterprise_user, STAFF_ONLY)
    try:
        action()
    except ValidationFailed as exc:
        db.session.rollback()
        inspection = db.session.get(Inspection, inspection.id) or inspection
        return _render(inspection, errors=exc.field_errors, form=form, status=422, message=exc.message)
    commit_request()
    flash(done, "success")
    return redirect(inspection_url(inspection), 303)


@bp.get("/inspections/<int:inspection_id>/results")
@login_required
def page(inspection_id: int):
    return _render(_inspection_or_404(inspection_id))


@bp.post("/inspections/<int:inspection_id>/results/order")
@login_required
def order(inspection_id: int):
    inspection = _inspection_or_404(inspection_id, for_order=True)
    form = request.form.to_dict()
    return _act(
        inspection,
        lambda: ops.issue_order_from_findings(inspection, form, actor=current_user),
        "责令限期整改指令书已签发，隐患已进入整改闭环",
        form,
    )


@bp.post("/inspections/<int:inspection_id>/results/measures")
@login_required
def measure(inspection_id: int):
    inspection = _inspection_or_404(inspection_id)
    form = request.form.to_dict()
    data = {**form, "finding_ids": request.form.getlist("finding_ids")}
    return _act(
        inspection,
        lambda: ops.issue_measure(inspection, data, actor=current_user),
        "现场处理措施决定书已制发",
        {**form, "finding_ids": data["finding_ids"]},
    )


@bp.post("/inspections/measures/<int:measure_id>/lift")
@login_required
def lift(measure_id: int):
    m = _measure_or_404(measure_id)
    form = {f"review-{m.id}": request.form.get("review", "")}
    inspection = m.inspection

    def action():
        try:
            ops.lift_measure(m, request.form.to_dict(), actor=current_user)
        except ValidationFailed as exc:  # the message goes next to this measure's field
            raise ValidationFailed(exc.message, field_errors={f"review-{m.id}": exc.message}) from None

    return _act(inspection, action, "现场处理措施已解除", form)


@bp.post("/inspections/<int:inspection_id>/results/referrals")
@login_required
def referrals(inspection_id: int):
    inspection = _inspection_or_404(inspection_id)
    return _act(
        inspection,
        lambda: ops.refer_violations(inspection, request.form.to_dict(), actor=current_user),
        "违法行为已登记为案件线索，等待立案、简易程序、不予处罚或移送",
        {},
    )


@bp.post("/inspections/<int:inspection_id>/results/finish")
@login_required
def finish(inspection_id: int):
    inspection = _inspection_or_404(inspection_id)
    form = request.form.to_dict()
    return _act(
        inspection,
        lambda: ops.finish_handling(inspection, form, actor=current_user),
        "检查结果处理完毕",
        form,
    )


@bp.post("/inspections/<int:inspection_id>/results/publish")
@login_required
def publish(inspection_id: int):
    inspection = _inspection_or_404(inspection_id)
    form = request.form.to_dict()
    return _act(
        inspection,
        lambda: ops.publish_result(inspection, form, actor=current_user),
        "抽查结果已公示",
        form,
    )


@bp.post("/inspections/<int:inspection_id>/results/complete")
@login_required
def complete(inspection_id: int):
    inspection = _inspection_or_404(inspection_id)
    return _act(
        inspection,
        lambda: ops.complete_inspection(inspection, {}, actor=current_user),
        "检查已办结",
        {},
    )


@bp.get("/inspections/open-items")
@login_required
def open_items():
    require(not current_user.is_enterprise_user, "仅供执法人员查看")
    return render_template("inspections/open_items.html", items=view.open_items(current_user))


@bp.get("/inspections/measures")
@login_required
def measures():
    in_force = request.args.get("in_force") == "1"
    return render_template(
        "inspections/measures.html",
        measures=view.measures_for(current_user, in_force_only=in_force),
        in_force=in_force,
    )
