"""行政处罚案件 pages. Thin: load (scoped, 404 outside the user's data), check permission, validate the form,
call ONE operation, commit, redirect with the notice in the address (a fixed key, not free text).

Task steps (立案审批, 调查终结, 告知, 法制审核, 决定 …) are done on the generic task page (/tasks/<id>), which
renders forms/<formName>.json and calls the case's handler; the case page links the viewer's READY tasks.
The forms here are the case's non-task actions: 证据, 不计入期间, 送达, 缴款, 追责时效."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import clock, forms, params
from app.cases import availability, pages, queries, separation
from app.cases import operations as ops
from app.cases import permissions as perm
from app.cases.models import CaseProposal, CaseStatus, PenaltyCase, Procedure, ProposalSource, ProposalStatus
from app.cases.operations.transfer import pending_transfer
from app.cases.schemas import CaseArgsSchema, ProposalArgsSchema
from app.db import commit_request
from app.documents import OfficialDocument
from app.errors import require
from app.extensions import db
from app.org.queries import town_options

bp = Blueprint("cases", __name__, url_prefix="/cases", template_folder="templates")

# the one-time notices a redirect carries (?done=<key>): a closed set, so an address never injects text
NOTICES = {
    "evidence": "证据已登记",
    "pause_start": "已登记不计入办案期限的期间，办案期限暂停计算",
    "pause_end": "不计入期间已结束，办案期限恢复计算",
    "service": "送达已登记，送达回执已生成",
    "payment": "缴款已登记",
    "limitation": "追责时效认定已保存",
    "proposal": "案件线索已登记",
    "declined": "已决定不予立案",
    "filing": "立案审批表已提交，待承办机构负责人审核",
}


def _notice() -> str | None:
    return NOTICES.get(request.args.get("done", ""))


def _case_or_404(case_id: int) -> PenaltyCase:
    case = queries.scoped_get(current_user, case_id)
    if case is None:
        abort(404)
    return case


def _proposal_or_404(proposal_id: int) -> CaseProposal:
    proposal = queries.scoped_proposal(current_user, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


# --- list and detail ---------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    f = queries.CaseFilters.from_args(request.args)
    page = queries.case_page(current_user, f)
    staff = perm.is_staff(current_user)
    return render_template(
        "cases/index.html",
        f=f,
        page=page,
        staff=staff,
        can_export=perm.can_export(current_user),  # the 台账 of exactly the filtered list
        filings=queries.filings(current_user) if staff else [],
        open_proposals=queries.open_proposal_count(current_user) if staff else 0,
        towns=town_options(current_user) if staff else [],
        industries=queries.industries(),
        statuses=list(CaseStatus),
        procedures=list(Procedure),
        today=clock.today(),
        text_window=queries.TEXT_WINDOW,
    )


@bp.get("/<int:case_id>")
@login_required
def detail(case_id: int):
    case = _case_or_404(case_id)
    return render_template("cases/detail.html", notice=_notice(), **pages.detail_context(case, current_user))


@bp.get("/<int:case_id>/documents/<int:doc_id>")
@login_required
def document(case_id: int, doc_id: int):
    """One of the case's documents (its print view): an enterprise account opens only those served on it."""
    case = _case_or_404(case_id)
    doc = db.session.get(OfficialDocument, doc_id)
    if doc is None or doc not in pages.visible_documents(case, current_user):
        abort(404)
    return redirect(url_for("documents.show", doc_id=doc.id))


def _case_action(
    case_id: int,
    form_name: str,
    allowed: Callable,
    denied: str,
    run: Callable,
    done: str,
    *,
    party_may: bool = False,
    anchor: str = "actions",
):
    """One case-page form: require, validate, ONE operation, commit, redirect; a rejection re-renders the
    case page with what was typed and the Chinese message next to its field. `party_may`: the party's own
    enterprise account may use it too (its 延期/分期 application); `allowed` still decides. A form the page
    does not offer where the case stands (app.cases.availability) whose fields do not pass is refused with
    that reason (409), not with errors on fields the page does not show; an operation's own refusal is
    shown as the operation words it (409/422)."""
    case = _case_or_404(case_id)
    require((party_may or not current_user.is_enterprise_user) and allowed(current_user, case), denied)
    try:
        submission = forms.submission(
            form_name, request.form, request.files, actor=current_user, context={"case": case}
        )
    except forms.FormInvalid as exc:
        why = availability.refusal(case, current_user, form_name)
        if why is not None:  # the page does not offer this form now: say why, not what its fields lack
            db.session.rollback()
            ctx = pages.detail_context(case, current_user)
            return render_template("cases/detail.html", notice=None, form_error=why, **ctx), 409
        return _rejected(case, form_name, exc)
    try:
        with submission as data:
            run(case, data)
    except forms.FormInvalid as exc:
        return _rejected(case, form_name, exc)
    commit_request()
    return redirect(url_for("cases.detail", case_id=case_id, done=done, _anchor=anchor))


def _rejected(case: PenaltyCase, form_name: str, exc: forms.FormInvalid):
    """The case page again, the rejected form as typed, the message next to its field and at the top."""
    db.session.rollback()
    ctx = pages.detail_context(
        case, current_user, values={form_name: exc.values}, errors={form_name: exc.errors}
    )
    return render_template("cases/detail.html", notice=None, form_error=exc.message, **ctx), exc.status


OFFICER_ONLY = "只有本案承办人员或承办机构负责人可以办理"


@bp.post("/<int:case_id>/evidence")
@login_required
def evidence(case_id: int):
    return _case_action(
        case_id,
        "case_evidence",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda case, data: ops.add_evidence(case, data, actor=current_user),
        "evidence",
    )


@bp.post("/<int:case_id>/pauses")
@login_required
def pause_start(case_id: int):
    return _case_action(
        case_id,
        "case_pause_start",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda case, data: ops.start_pause(case, data, actor=current_user),
        "pause_start",
    )


@bp.post("/<int:case_id>/pauses/end")
@login_required
def pause_end(case_id: int):
    return _case_action(
        case_id,
        "case_pause_end",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda case, data: ops.end_pause(case, data, actor=current_user),
        "pause_end",
    )


def _serve(case: PenaltyCase, data: dict) -> None:
    pages.serve(case, data, actor=current_user)


@bp.post("/<int:case_id>/services")
@login_required
def service(case_id: int):
    return _case_action(case_id, "case_service", pages.is_case_officer, OFFICER_ONLY, _serve, "service")


@bp.post("/<int:case_id>/payments")
@login_required
def payment(case_id: int):
    return _case_action(
        case_id,
        "case_payment",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda case, data: ops.record_payment(case, data, actor=current_user),
        "payment",
    )


@bp.post("/<int:case_id>/limitation")
@login_required
def limitation(case_id: int):
    return _case_action(
        case_id,
        "case_limitation",
        pages.can_set_limitation,
        "只有法制审核人员可以认定追责时效",
        lambda case, data: ops.set_five_year_limitation(
            case, data["five_years"] == "yes", data["reason"], actor=current_user
        ),
        "limitation",
    )


# --- proposals (案件线索) ----------------------------------------------------------------------------


@bp.get("/proposals")
@login_required
def proposals():
    require(perm.is_staff(current_user), "案件线索仅供执法人员查看")
    args = params.check(ProposalArgsSchema, request.args)
    page = queries.proposal_page(current_user, args.get("status", ""), args["page"])
    return render_template(
        "cases/proposals.html",
        page=page,
        status=args.get("status", ""),
        statuses=list(ProposalStatus),
        can_register=perm.can_register(current_user),
        notice=_notice(),
        referral=ProposalSource.REFERRAL,
    )


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
def new_proposal():
    require(perm.can_register(current_user), "只有执法人员可以登记案件线索")
    formdef = forms.get_form("case_proposal")
    if request.method == "POST":
        try:
            with forms.submission("case_proposal", request.form, actor=current_user) as data:
                proposal = ops.register_proposal(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return render_template(
                "cases/proposal_new.html",
                formdef=formdef,
                values=exc.values,
                errors=exc.errors,
                form_error=exc.message,
            ), exc.status
        commit_request()
        return redirect(url_for("cases.proposal", proposal_id=proposal.id, done="proposal"))
    return render_template("cases/proposal_new.html", formdef=formdef, values={}, errors={}, form_error=None)


def _proposal_context(proposal: CaseProposal, values=None, errors=None) -> dict:
    from app.hazards.models import PenaltyReferral

    referral = db.session.get(PenaltyReferral, proposal.referral_id) if proposal.referral_id else None
    pending = proposal.status == ProposalStatus.PENDING and proposal.case is None
    open_ = pending and pending_transfer(proposal) is None
    own_lead = separation.own_lead_reason(proposal, current_user, "不予立案或不予处罚")
    return {
        "proposal": proposal,
        "referral": referral,
        "file_form": forms.get_form("file_case"),
        "decline_form": forms.get_form("case_decline"),
        "can_file": pending and perm.can_register(current_user),
        "can_decline": pending and current_user.has_role("section_head", "leader") and not own_lead,
        "own_lead": own_lead if pending and current_user.has_role("section_head", "leader") else None,
        # the side procedures (app.cases.simple_routes): 当场处罚, 不予处罚, 移送 — not while a 移送 is pending
        "can_simple": open_ and current_user.has_role("officer"),
        "can_no_penalty": open_ and current_user.has_role("section_head", "leader") and not own_lead,
        "can_report_transfer": open_ and current_user.has_role("officer"),
        "values": values or {},
        "errors": errors or {},
        "file_defaults": {
            "facts": proposal.facts,
            "provisions": proposal.provisions or "",
            "act_date": proposal.act_date.isoformat() if proposal.act_date else "",
            "name": f"{proposal.enterprise.name}涉嫌",
        },
    }


@bp.get("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    p = _proposal_or_404(proposal_id)
    return render_template("cases/proposal.html", notice=_notice(), **_proposal_context(p))


@bp.post("/proposals/<int:proposal_id>/file")
@login_required
def file_case(proposal_id: int):
    p = _proposal_or_404(proposal_id)
    require(perm.can_register(current_user), "只有执法人员可以提交立案审批")
    try:
        with forms.submission("file_case", request.form, actor=current_user, context={"proposal": p}) as data:
            case = ops.submit_filing(p, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        ctx = _proposal_context(p, values={"file_case": exc.values}, errors={"file_case": exc.errors})
        return render_template("cases/proposal.html", notice=None, form_error=exc.message, **ctx), exc.status
    commit_request()
    return redirect(url_for("cases.detail", case_id=case.id, done="filing"))


@bp.post("/proposals/<int:proposal_id>/decline")
@login_required
def decline(proposal_id: int):
    p = _proposal_or_404(proposal_id)
    require(current_user.has_role("section_head", "leader"), "只有辖区承办机构负责人或负责人可以决定不予立案")
    try:
        with forms.submission("case_decline", request.form, actor=current_user) as data:
            ops.decline_proposal(p, data["reason"], actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        ctx = _proposal_context(p, values={"case_decline": exc.values}, errors={"case_decline": exc.errors})
        return render_template("cases/proposal.html", notice=None, form_error=exc.message, **ctx), exc.status
    commit_request()
    return redirect(url_for("cases.proposal", proposal_id=proposal_id, done="declined"))


__all__ = ["CaseArgsSchema", "bp"]
