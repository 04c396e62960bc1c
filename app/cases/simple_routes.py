"""Pages that start the side procedures: 当场处罚 and 不予处罚 of a proposal, a proposal's 移送 report, and the
先行登记保存 application on a case. Thin: load in scope (404 outside), validate with the form, ONE operation,
commit. Their later steps (备案, 罚款缴纳, 移送决定/移送, 批准/处理决定) are BPMN user tasks on /tasks/<id>."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import forms
from app.cases import operations as ops
from app.cases import permissions as perm
from app.cases.models import CaseProposal, PenaltyCase
from app.db import commit_request
from app.extensions import db

bp = Blueprint("case_actions", __name__, url_prefix="/cases", template_folder="templates")


def _proposal_or_404(proposal_id: int) -> CaseProposal:
    p = db.session.get(CaseProposal, proposal_id)
    if p is None or current_user.is_enterprise_user or not perm.can_view(current_user, p):
        abort(404)
    return p


def _case_or_404(case_id: int) -> PenaltyCase:
    case = db.session.get(PenaltyCase, case_id)
    if case is None or current_user.is_enterprise_user or not perm.can_view(current_user, case):
        abort(404)
    return case


def _page(form_name: str, subject, key: str, run: Callable[[dict], object], done: Callable[[object], str]):
    formdef = forms.get_form(form_name)
    if isinstance(subject, CaseProposal):
        back, label = url_for("cases.proposal", proposal_id=subject.id), "案件线索"
    else:
        back, label = url_for("cases.detail", case_id=subject.id), subject.display_no
    ctx = {"formdef": formdef, "back_url": back, "back_label": label, "context": {key: subject}}
    if request.method == "POST":
        try:
            with forms.submission(formdef, request.form, actor=current_user, context={key: subject}) as data:
                result = run(data)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return render_template(
                "cases/action_form.html", values=exc.values, errors=exc.errors, form_error=exc.message, **ctx
            ), exc.status
        commit_request()
        return redirect(done(result))
    return render_template("cases/action_form.html", values={}, errors={}, form_error=None, **ctx)


@bp.route("/proposals/<int:proposal_id>/simple", methods=["GET", "POST"])
@login_required
def simple(proposal_id: int):
    p = _proposal_or_404(proposal_id)
    return _page(
        "case_simple",
        p,
        "proposal",
        lambda data: ops.decide_on_the_spot(p, data, actor=current_user),
        lambda case: url_for("cases.detail", case_id=getattr(case, "id", None)),
    )


@bp.route("/proposals/<int:proposal_id>/no-penalty", methods=["GET", "POST"])
@login_required
def no_penalty(proposal_id: int):
    p = _proposal_or_404(proposal_id)
    return _page(
        "case_no_penalty",
        p,
        "proposal",
        lambda data: ops.no_penalty_on_proposal(p, data, actor=current_user),
        lambda _: url_for("cases.proposal", proposal_id=p.id),
    )


@bp.route("/proposals/<int:proposal_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(proposal_id: int):
    p = _proposal_or_404(proposal_id)
    return _page(
        "case_transfer_report",
        p,
        "proposal",
        lambda data: ops.report_transfer_from_proposal(p, data, actor=current_user),
        lambda _: url_for("cases.proposal", proposal_id=p.id),
    )


@bp.route("/<int:case_id>/preservation", methods=["GET", "POST"])
@login_required
def preservation(case_id: int):
    case = _case_or_404(case_id)
    return _page(
        "case_preservation",
        case,
        "case",
        lambda data: ops.request_preservation(case, data, actor=current_user),
        lambda _: url_for("cases.detail", case_id=case.id),
    )
