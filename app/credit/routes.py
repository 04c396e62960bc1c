"""严重失信主体名单 pages (/credit/…). Thin: load (scoped, 404 outside the user's data), check permission,
validate the form, call ONE operation, commit, redirect with the notice in the address (a fixed key, not free
text). A rejected form re-renders its page with what was typed and the Chinese message next to the field.

The listing's workflow steps (列入告知, 送达, 陈述申辩 online, 核查, 决定, 信用修复核查/决定) are done on the
generic task page (/tasks/<id>); the listing page links the viewer's READY tasks. The forms here are the
listing's non-task actions (app.credit.pages), the 事故 register and the manual proposal."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app import forms, params
from app.credit import pages, queries, view
from app.credit.models import CreditListing, ListingMeasure, ListingStatus, RepairApplication
from app.credit.schemas import AccidentArgsSchema
from app.db import commit_request
from app.documents import OfficialDocument
from app.errors import require
from app.extensions import db

bp = Blueprint("credit", __name__, url_prefix="/credit", template_folder="templates")

ACCIDENT_FORM = "credit_accident"
PROPOSAL_FORM = "credit_proposal"

# the one-time notices a redirect carries (?done=<key>): a closed set, so an address never injects text
NOTICES = {
    "feedback": "部门反馈已登记",
    "statement": "陈述申辩已记录",
    "remedy": "复议/诉讼情况已登记",
    "outcome": "复议/诉讼结果已登记",
    "repair": "信用修复申请已提交，等待核查",
    "revoked": "已撤销提前移出决定，恢复列入",
    "accident": "事故已登记",
    "proposal": "列入建议已提出，等待列入告知",
}
STAFF_ONLY = "仅供执法人员查看"
OFFICER_ONLY = "只有列入决定机关辖区的执法人员可以办理"


def _notice() -> str | None:
    return NOTICES.get(request.args.get("done", ""))


def _listing_or_404(listing_id: int) -> CreditListing:
    listing = queries.scoped_get(current_user, listing_id)
    if listing is None:
        abort(404)
    return listing


# --- list and detail ---------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    f = queries.ListingFilters.from_args(request.args)
    page = queries.listing_page(current_user, f)
    staff = queries.is_staff(current_user)
    outsider = bool(current_user.is_enterprise_user)
    return render_template(
        "credit/index.html",
        f=f,
        page=page,
        staff=staff,
        towns=_towns() if staff else [],
        statuses=[s for s in ListingStatus if staff or s != ListingStatus.PROPOSED]
        if not outsider
        else view.outsider_statuses(),
        outsider=outsider,
        criteria=pages.criteria_options(),
        can_propose=staff and current_user.has_role("officer", "section_head"),
        waiting=queries.count(current_user, ListingStatus.PROPOSED) if staff else 0,
        notice=_notice(),
    )


def _towns():
    from app.org.queries import town_options

    return town_options(current_user)


@bp.get("/<int:listing_id>")
@login_required
def detail(listing_id: int):
    listing = _listing_or_404(listing_id)
    return render_template(
        "credit/detail.html", notice=_notice(), **pages.detail_context(listing, current_user)
    )


@bp.get("/<int:listing_id>/documents/<int:doc_id>")
@login_required
def document(listing_id: int, doc_id: int):
    """One of the listing's documents (its print view): an enterprise account opens only those served on it."""
    listing = _listing_or_404(listing_id)
    doc = db.session.get(OfficialDocument, doc_id)
    if doc is None or doc not in pages.visible_documents(listing, current_user):
        abort(404)
    return redirect(url_for("documents.show", doc_id=doc.id))


@bp.get("/<int:listing_id>/pushes/<int:push_id>")
@login_required
def push_file(listing_id: int, push_id: int):
    """The structured file pushed to the 全国信用信息共享平台 (staff of the jurisdiction)."""
    listing = _listing_or_404(listing_id)
    require(pages.is_staff_in_scope(current_user, listing), STAFF_ONLY)
    push = next((p for p in listing.pushes if p.id == push_id), None)
    if push is None:
        abort(404)
    from app.credit.push import path_of

    path = path_of(push)
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)


# --- the listing page's forms ------------------------------------------------------------------------


def _action(
    listing_id: int,
    form_name: str,
    denied: str,
    run: Callable,
    done: str,
    *,
    key: str | None = None,
    context: dict | None = None,
):
    """One listing-page form: who may use it (403 `denied`), whether the listing offers it now (409, the page
    again with the reason: app.credit.pages.RULES), validate, ONE operation, commit, redirect; a rejection
    re-renders the listing page with what was typed and the Chinese message next to its field (`key`: where
    the page keeps this form's values, e.g. one feedback form per measure)."""
    listing = _listing_or_404(listing_id)
    who, when = pages.RULES[form_name]
    require(who(current_user, listing), denied)
    why = when(listing)
    if why is not None:
        ctx = pages.detail_context(listing, current_user)
        return render_template("credit/detail.html", notice=None, form_error=why, **ctx), 409
    key = key or form_name
    try:
        with forms.submission(
            form_name,
            request.form,
            request.files,
            actor=current_user,
            context={"listing": listing, **(context or {})},
        ) as data:
            run(listing, data)
    except forms.FormInvalid as exc:
        db.session.rollback()
        ctx = pages.detail_context(listing, current_user, values={key: exc.values}, errors={key: exc.errors})
        return render_template("credit/detail.html", notice=None, form_error=exc.message, **ctx), exc.status
    commit_request()
    return redirect(url_for("credit.detail", listing_id=listing_id, done=done, _anchor="actions"))


@bp.post("/<int:listing_id>/measures/<int:measure_id>/feedback")
@login_required
def feedback(listing_id: int, measure_id: int):
    measure = db.session.get(ListingMeasure, measure_id)
    if measure is None or measure.listing_id != listing_id:
        abort(404)

    def run(listing, data):
        from app.credit.effects import record_feedback

        record_feedback(measure, data, actor=current_user)

    return _action(
        listing_id,
        pages.FEEDBACK_FORM,
        OFFICER_ONLY,
        run,
        "feedback",
        key=f"{pages.FEEDBACK_FORM}:{measure_id}",
        context={"measure": measure},
    )


@bp.post("/<int:listing_id>/statement")
@login_required
def statement(listing_id: int):
    """A paper or oral 陈述申辩 the officer records (channel 执法人员记录): it completes the same task."""

    def run(listing, data):
        from app.credit.operations.listing import submit_statement

        submit_statement(listing, data, actor=current_user)

    return _action(
        listing_id,
        pages.STATEMENT_FORM,
        "只有辖区执法人员可以在陈述申辩期限内记录书面或口头陈述申辩",
        run,
        "statement",
    )


@bp.post("/<int:listing_id>/remedies")
@login_required
def remedy(listing_id: int):
    def run(listing, data):
        from app.credit.operations.remedies import record_remedy

        record_remedy(listing, data, actor=current_user)

    return _action(listing_id, pages.REMEDY_FORM, OFFICER_ONLY, run, "remedy")


@bp.post("/<int:listing_id>/remedies/outcome")
@login_required
def remedy_outcome(listing_id: int):
    def run(listing, data):
        from app.credit.operations.remedies import decide_remedy

        decide_remedy(listing, data, actor=current_user)

    return _action(
        listing_id,
        pages.OUTCOME_FORM,
        "只有辖区执法人员、承办机构负责人或负责人可以登记复议/诉讼结果",
        run,
        "outcome",
    )


@bp.post("/<int:listing_id>/repairs")
@login_required
def repair(listing_id: int):
    """信用修复 application: the listed enterprise's account online (with its 信用承诺书), or an officer
    recording a paper application."""

    def run(listing, data):
        from app.credit.operations.repair import apply_repair

        apply_repair(listing, data, actor=current_user)

    return _action(
        listing_id,
        pages.REPAIR_FORM,
        "只有被列入的企业或辖区执法人员可以在名单有效期内申请信用修复",
        run,
        "repair",
    )


@bp.post("/<int:listing_id>/repairs/<int:repair_id>/revoke")
@login_required
def revoke_repair(listing_id: int, repair_id: int):
    repair_app = db.session.get(RepairApplication, repair_id)
    if repair_app is None or repair_app.listing_id != listing_id:
        abort(404)

    def run(listing, data):
        from app.credit.operations.repair import revoke_repair as revoke

        revoke(repair_app, data, actor=current_user)

    return _action(
        listing_id,
        pages.REVOKE_FORM,
        "只有负责人可以撤销提前移出决定",
        run,
        "revoked",
        context={"repair": repair_app},
    )


# --- manual proposal (新增列入建议) -----------------------------------------------------------------------


def _may_propose() -> bool:
    return queries.is_staff(current_user) and current_user.has_role("officer", "section_head")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """An officer proposes a listing, naming the criterion and its evidence."""
    require(_may_propose(), "只有执法人员可以提出列入建议")
    formdef = forms.get_form(PROPOSAL_FORM)
    if request.method == "POST":
        try:
            with forms.submission(PROPOSAL_FORM, request.form, request.files, actor=current_user) as data:
                from app.credit.operations.proposals import propose

                listing = propose(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return render_template(
                "credit/form_page.html",
                formdef=formdef,
                values=exc.values,
                errors=exc.errors,
                form_error=exc.message,
                back_url=url_for("credit.index"),
                back_label="严重失信主体名单",
            ), exc.status
        commit_request()
        return redirect(url_for("credit.detail", listing_id=listing.id, done="proposal"))
    return render_template(
        "credit/form_page.html",
        formdef=formdef,
        values={},
        errors={},
        form_error=None,
        back_url=url_for("credit.index"),
        back_label="严重失信主体名单",
    )


# --- 事故登记 ------------------------------------------------------------------------------------------


@bp.get("/accidents")
@login_required
def accidents():
    require(queries.is_staff(current_user), "事故登记" + STAFF_ONLY)
    args = params.check(AccidentArgsSchema, request.args)
    page = queries.accident_page(current_user, args.get("enterprise_id"), args["page"])
    return render_template("credit/accidents.html", page=page, can_record=_may_propose(), notice=_notice())


@bp.route("/accidents/new", methods=["GET", "POST"])
@login_required
def new_accident():
    require(_may_propose(), "只有执法人员可以登记事故")
    formdef = forms.get_form(ACCIDENT_FORM)
    back = {"back_url": url_for("credit.accidents"), "back_label": "事故登记"}
    if request.method == "POST":
        try:
            with forms.submission(ACCIDENT_FORM, request.form, request.files, actor=current_user) as data:
                from app.credit.operations.proposals import record_accident

                accident = record_accident(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return render_template(
                "credit/form_page.html",
                formdef=formdef,
                values=exc.values,
                errors=exc.errors,
                form_error=exc.message,
                **back,
            ), exc.status
        commit_request()
        return redirect(url_for("credit.accident", accident_id=accident.id, done="accident"))
    return render_template(
        "credit/form_page.html", formdef=formdef, values={}, errors={}, form_error=None, **back
    )


@bp.get("/accidents/<int:accident_id>")
@login_required
def accident(accident_id: int):
    require(queries.is_staff(current_user), "事故登记" + STAFF_ONLY)
    acc = queries.scoped_accident(current_user, accident_id)
    if acc is None:
        abort(404)
    listings = db.session.scalars(
        queries.scoped(current_user).where(CreditListing.enterprise_id == acc.enterprise_id)
    ).all()
    related = [lst for lst in listings if acc.id in (lst.accident_ids or [])]
    return render_template("credit/accident.html", accident=acc, listings=related, notice=_notice())
