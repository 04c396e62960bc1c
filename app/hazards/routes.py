"""Hazard pages. Thin: load (scoped, 404 outside the user's data), check permission, validate the form,
call ONE operation, commit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app import clock, forms, params, subjects, workflow
from app.db import commit_request
from app.errors import DomainError, require
from app.extensions import db
from app.hazards import choices, criteria, queries
from app.hazards import operations as ops
from app.hazards import permissions as perm
from app.hazards.models import (
    REVIEW_DECISION_LABELS,
    Hazard,
    HazardLevel,
    HazardReview,
    HazardSource,
    HazardStatus,
    RectificationOrder,
)
from app.hazards.schemas import MajorArgsSchema, NewHazardArgsSchema
from app.hazards.view import detail_context, order_context
from app.inbox import operations as inbox_operations
from app.inbox import queries as inbox_queries
from app.org.queries import town_options

bp = Blueprint("hazards", __name__, url_prefix="/hazards", template_folder="templates")


def _hazard_or_404(hazard_id: int, *, for_step: bool = False) -> Hazard:
    hazard = queries.scoped_get(current_user, hazard_id, for_step=for_step)
    if hazard is None:
        abort(404)
    return hazard


def _order_or_404(order_id: int, *, for_issue: bool = False) -> RectificationOrder:
    order = queries.order_for_issue(order_id) if for_issue else db.session.get(RectificationOrder, order_id)
    if (
        order is None
        or not perm.can_view(current_user, order)
        or (order.is_draft and current_user.is_enterprise_user)
    ):
        abort(404)
    return order


# --- list ------------------------------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    f = queries.HazardFilters.from_args(request.args)
    page = queries.hazard_page(current_user, f)
    staff = perm.is_staff(current_user)
    return render_template(
        "hazards/index.html",
        f=f,
        page=page,
        staff=staff,
        towns=town_options(current_user) if staff else [],
        industries=queries.industries(),
        statuses=[s for s in HazardStatus if s != HazardStatus.DRAFT],
        status_groups=queries.STATUS_GROUPS,
        sources=list(HazardSource),
        levels=list(HazardLevel),
        drafts=queries.drafts(current_user) if perm.can_register(current_user) else [],
        can_register=perm.can_register(current_user),
        can_export=perm.can_export(current_user),
        today=clock.today(),
    )


# --- registration and the 指令书 ---------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(perm.can_register(current_user), "只有执法人员可以登记隐患")
    formdef = forms.get_form("register_hazard")
    if request.method == "POST":
        try:  # the form's rules and the operation's (重大隐患 needs its 判定标准, the deadline…)
            with forms.submission("register_hazard", request.form, request.files, actor=current_user) as data:
                hazard = ops.register_hazard(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return render_template(
                "hazards/new.html", formdef=formdef, values=exc.values, errors=exc.errors
            ), exc.status
        commit_request()
        flash(f"已登记隐患 {hazard.code}，可继续登记同一企业的其他隐患，登记完毕后签发指令书", "success")
        if request.form.get("next") == "more":
            return redirect(
                url_for(
                    "hazards.new",
                    enterprise_id=hazard.enterprise_id,
                    source=hazard.source,
                    found_on=hazard.found_on.isoformat(),
                )
            )
        return redirect(url_for("hazards.order", order_id=hazard.order_id))
    params.check(NewHazardArgsSchema, request.args)
    values = {k: request.args[k] for k in ("enterprise_id", "source", "found_on") if request.args.get(k)}
    return render_template("hazards/new.html", formdef=formdef, values=values, errors={})


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int):
    order = _order_or_404(order_id)
    return render_template("hazards/order.html", **order_context(order, current_user))


@bp.post("/orders/<int:order_id>/issue")
@login_required
def issue(order_id: int):
    order = _order_or_404(order_id, for_issue=True)
    require(perm.can_edit_draft(current_user, order), perm.DRAFT_DENIED)
    try:
        with forms.submission(
            "issue_order", request.form, request.files, actor=current_user, context={"order": order}
        ) as data:
            ops.issue_order(order, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        return render_template(
            "hazards/order.html", **order_context(order, current_user, exc.values, exc.errors)
        ), exc.status
    commit_request()
    flash(f"已签发责令限期整改指令书 {order.doc_number}，企业将在待办中收到整改任务", "success")
    return redirect(url_for("hazards.order", order_id=order_id))


@bp.post("/<int:hazard_id>/remove")
@login_required
def remove(hazard_id: int):
    hazard = _hazard_or_404(hazard_id)
    order_id = hazard.order_id
    ops.remove_draft_hazard(hazard, actor=current_user)
    commit_request()
    flash("已删除该待签发隐患", "info")
    return redirect(url_for("hazards.order", order_id=order_id))


# --- detail and task completion ---------------------------------------------------------------------


@bp.get("/<int:hazard_id>")
@login_required
def detail(hazard_id: int):
    hazard = _hazard_or_404(hazard_id)
    return render_template("hazards/detail.html", **detail_context(hazard, current_user))


@bp.post("/<int:hazard_id>/tasks/<int:task_id>")
@login_required
def complete(hazard_id: int, task_id: int):
    """Complete the hazard's READY task from the detail page (same hook as the generic task page)."""
    hazard = _hazard_or_404(hazard_id, for_step=True)
    task = inbox_queries.visible_task(current_user, task_id)  # the agency's steps are 404 to the enterprise
    if task is None or task.subject_type != subjects.type_of(Hazard) or task.subject_id != hazard.id:
        abort(404)
    require(
        inbox_queries.can_act(current_user, task),
        "该任务不在您的待办范围内，无权办理",
    )
    try:
        with forms.submission(
            task.form_name,
            request.form,
            request.files,
            actor=current_user,
            context={"task": task, "hazard": hazard},
        ) as data:
            inbox_operations.complete(task, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        ctx = detail_context(
            hazard, current_user, form_values={task.id: exc.values}, form_errors={task.id: exc.errors}
        )
        return render_template("hazards/detail.html", **ctx), exc.status
    commit_request()
    flash(f"“{task.name}”已办理", "success")
    return redirect(url_for("hazards.detail", hazard_id=hazard_id))


@bp.post("/<int:hazard_id>/progress")
@login_required
def progress(hazard_id: int):
    hazard = _hazard_or_404(hazard_id)
    require(perm.is_own_enterprise_manager(current_user, hazard), "只有本企业的安全管理人员可以报送治理进展")
    try:
        with forms.submission("report_progress", request.form, request.files, actor=current_user) as data:
            ops.report_progress(hazard, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        ctx = detail_context(hazard, current_user, progress_values=exc.values, progress_errors=exc.errors)
        return render_template("hazards/detail.html", **ctx), exc.status
    commit_request()
    flash("治理进展已报送", "success")
    return redirect(url_for("hazards.detail", hazard_id=hazard_id))


# --- batch 复查 of one 指令书 (one 整改复查意见书 for several items) ---------------------------------------


def _review_items(order: RectificationOrder):
    """Hazards of the order whose READY task is 复查 and which the user may act on."""
    out = []
    for h in order.hazards:
        for t in workflow.ready_tasks(workflow.instance_for(h)):
            if t.bpmn_id == "review_rectification" and inbox_queries.can_act(current_user, t):
                out.append((h, t))
    return out


# the fields all items of one visit share (one 复查日期, one 共同复查人): inputs at the top of the page
SHARED_REVIEW_FIELDS = ("reviewed_on", "co_reviewer_id")


def _review_item_form(hazard: Hazard) -> tuple[MultiDict, MultiDict]:
    """One item's review_rectification form out of the batch page: the shared fields plus its own
    fields and files, posted as h<id>-<field>."""
    sub, files = MultiDict(), MultiDict()
    for key in SHARED_REVIEW_FIELDS:
        sub.setlist(key, request.form.getlist(key))
    prefix = f"h{hazard.id}-"
    for key in request.form.keys():
        if key.startswith(prefix):
            sub.setlist(key[len(prefix) :], request.form.getlist(key))
    for key in request.files.keys():
        if key.startswith(prefix):
            files.setlist(key[len(prefix) :], request.files.getlist(key))
    return sub, files


@bp.route("/orders/<int:order_id>/review", methods=["GET", "POST"])
@login_required
def review(order_id: int):
    order = _order_or_404(order_id)
    items = _review_items(order)
    require(bool(items) and perm.can_review(current_user, items[0][0]), "该指令书当前没有您可办理的复查事项")
    formdef = forms.get_form("review_rectification")
    # per item: the values to re-render with (every file uploaded kept) and its errors; errors of the
    # shared fields and of the page as a whole are shown at the top
    values: dict[int, dict] = {}
    errors: dict[int, dict] = {}
    shared_errors: dict[str, str] = {}
    form_error = None
    status = 200
    included = {h.id for h, _t in items}
    if request.method == "POST":
        included = {h.id for h, _t in items if request.form.get(f"h{h.id}-include")}
        chosen = [(h, t) for h, t in items if h.id in included]
        submitted: dict[int, forms.Submission] = {}
        for h, t in chosen:
            sub, files = _review_item_form(h)
            try:
                submitted[h.id] = forms.submission(
                    "review_rectification", sub, files, actor=current_user, context={"task": t, "hazard": h}
                )
                values[h.id] = submitted[h.id].values
            except forms.FormInvalid as exc:
                values[h.id], errors[h.id], status = exc.values, exc.errors, exc.status
        if not chosen:
            form_error, status = "请至少选择一项隐患进行复查", 422
        elif not errors:
            try:
                reviews = ops.review_hazards(
                    [(h, submitted[h.id].data) for h, _t in chosen],
                    actor=current_user,
                    tasks={h.id: t for h, t in chosen},
                )
            except DomainError as exc:  # a rule of the operation: on its item's card, or at the top
                hazard_id = exc.concerns if isinstance(exc.concerns, int) and exc.concerns in submitted else None
                rejected = submitted[hazard_id or chosen[0][0].id].rejection(exc)
                if rejected is None:  # a lost race: the global handler says who was first
                    raise
                status = rejected.status
                if hazard_id is not None:
                    errors[hazard_id] = rejected.errors
                else:
                    form_error = exc.message
            else:
                commit_request()
                flash(f"已完成复查，整改复查意见书 {reviews[0].doc_number}", "success")
                return redirect(url_for("hazards.order", order_id=order_id))
        db.session.rollback()
        for item_errors in errors.values():
            for key in SHARED_REVIEW_FIELDS:
                if key in item_errors:
                    shared_errors.setdefault(key, item_errors.pop(key))
    return render_template(
        "hazards/review.html",
        order=order,
        items=items,
        formdef=formdef,
        values=values,
        errors=errors,
        shared_errors=shared_errors,
        form_error=form_error,
        included=included,
        decisions=REVIEW_DECISION_LABELS,
        co_officers=choices.co_officers(current_user, {"task": items[0][1]}),
        today=clock.today(),
    ), status


# --- documents (print views: the numbered, locked documents of app.documents) ------------------------


@bp.get("/orders/<int:order_id>/document")
@login_required
def order_document(order_id: int):
    order = _order_or_404(order_id)
    if not order.document_id:
        abort(404)
    return redirect(url_for("documents.show", doc_id=order.document_id))


@bp.get("/reviews/<int:review_id>/document")
@login_required
def review_document(review_id: int):
    review = db.session.get(HazardReview, review_id)
    if review is None or queries.scoped_get(current_user, review.hazard_id) is None or not review.document_id:
        abort(404)
    return redirect(url_for("documents.show", doc_id=review.document_id))


@bp.post("/orders/<int:order_id>/review-document/finalize")
@login_required
def finalize_review_document(order_id: int):
    """定稿 the order's open 整改复查意见书 (the visit ends before every item awaiting 复查 was reviewed)."""
    order = _order_or_404(order_id)
    doc = ops.finalize_review_document(order, actor=current_user)
    commit_request()
    flash(f"整改复查意见书 {doc.number.text} 已定稿", "success")
    return redirect(url_for("hazards.order", order_id=order_id))


@bp.get("/<int:hazard_id>/supervision-notice")
@login_required
def supervision_document(hazard_id: int):
    hazard = _hazard_or_404(hazard_id)
    sup = hazard.supervision
    if sup is None or not sup.document_id:
        abort(404)
    return redirect(url_for("documents.show", doc_id=sup.document_id))


# --- old message link, criteria library --------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications():
    """Old links: the notices are the platform's now (app.notifications)."""
    return redirect(url_for("notifications.index"), 301)


@bp.get("/criteria")
@login_required
def criteria_library():
    return render_template("hazards/criteria.html", standards=criteria.standards())


# --- 重大事故隐患 / 挂牌督办 ------------------------------------------------------------------------------


@bp.get("/major")
@login_required
def major():
    """重大事故隐患 and their 挂牌督办, in the user's scope (the hazard list's), by tab."""
    from app.hazards import overview

    args = params.check(MajorArgsSchema, request.args)
    page = overview.major_page(current_user, args["tab"], args["page"])
    return render_template("hazards/major.html", page=page, tabs=overview.MAJOR_TABS, today=clock.today(),
                           can_export=perm.can_export(current_user))
