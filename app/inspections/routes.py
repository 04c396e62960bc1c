"""The inspection's pages (blueprint `inspection`): the create page (the enterprise's remaining budget shown
before anything is created) and the inspection page /inspections/<id>, tablet first — start on site, the
checklist with big 符合/不符合/不涉及 buttons, the findings (photos through the attachments upload), the
负责人's signature on a canvas (static/inspections/signature.js → PNG) or the refusal with a witness, and the
现场检查记录. Thin: load scoped (404 outside the user's data), one operation, commit. A broken rule comes back
next to its field with everything typed and uploaded kept (forms.submission); a lost race (two officers on
the same task) is told who and when by the platform (Conflict → flash)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import attachments, clock, forms, params, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.db import commit_request
from app.errors import DomainError, PermissionDenied, invalid, require
from app.extensions import db
from app.inspections import access, checklists
from app.inspections.models import Inspection, InspectionStatus, ItemResult
from app.inspections.operations import inspection as ops
from app.org.models import Enterprise

if TYPE_CHECKING:
    from app.inspections.caps import Budget

bp = Blueprint("inspection", __name__, url_prefix="/inspections", template_folder="templates")

CREATE_FORM = "inspection_create"
CREATE_OVER_CAP_FORM = "inspection_create_over_cap"  # the same with the over-cap reason (the budget used up)
START_FORM = "inspection_start"
FINDING_FORM = "inspection_finding"
REFUSAL_FORM = "inspection_refusal"
RECORD_FORM = "inspection_onsite_record"


# ---- choices --------------------------------------------------------------------------------------------


def _officer_label(user: User) -> str:
    cert = f"执法证{user.cert_no}" if user.cert_no else "无执法证"
    until = f"，有效期至{user.cert_expires_on:%Y-%m-%d}" if user.cert_expires_on else ""
    return f"{user.name}（{cert}{until}）"


def _user_label(value: Any) -> str | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    user = db.session.get(User, number) if 0 < number <= params.MAX_INT else None
    return user.name if user is not None else None


@forms.register_choices("inspections.officers", label=_user_label)
def officers(actor, context) -> list[tuple[int, str]]:
    """Officers whose jurisdiction covers the enterprise and who hold a 执法证 valid today (its number and
    expiry shown): nobody without one may lead or join an inspection (create_inspection refuses them)."""
    if actor is None or actor.is_enterprise_user:
        return []
    enterprise = (context or {}).get("enterprise")
    path = enterprise.region_path if enterprise is not None else actor.scope_path
    # the form asks twice per request (lead_officer_id and member_ids): read the officers once
    memo = g.setdefault("inspection_officers", {})
    key = (actor.id, path)
    if key not in memo:
        seen: dict[int, User] = {}
        today = clock.today()
        roles = (Role.OFFICER, Role.SECTION_HEAD, Role.LEADER)
        for u in users_with_role(roles, region_path=path, order_by=User.name):
            if u.cert_valid_on(today):
                seen.setdefault(u.id, u)
        memo[key] = [(u.id, _officer_label(u)) for u in seen.values()]
    return list(memo[key])


@forms.register_choices("inspections.team", label=_user_label)
def team(actor, context) -> list[tuple[int, str]]:
    inspection = (context or {}).get("inspection")
    if inspection is None:
        return []
    return [(m.user_id, f"{m.user.name}（{m.cert_no or '无执法证'}）") for m in inspection.members]


# ---- loading --------------------------------------------------------------------------------------------


def _inspection_or_404(inspection_id: int, *, parties: bool = False) -> Inspection:
    """`parties`: with what a document issued by the step reads (the enterprise, the agency) in the same
    statement (the lock keeps them: operations.inspection.lock)."""
    if parties:
        inspection = db.session.scalars(
            select(Inspection)
            .where(Inspection.id == inspection_id)
            .options(joinedload(Inspection.enterprise), joinedload(Inspection.agency))
        ).one_or_none()
    else:
        inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or not access.can_view(current_user, inspection):
        abort(404)
    return inspection


def _staff_or_404(inspection_id: int, *, parties: bool = False) -> Inspection:
    inspection = _inspection_or_404(inspection_id, parties=parties)
    if current_user.is_enterprise_user:
        abort(404)
    return inspection


def _budget(enterprise: Enterprise, year: int):
    from app.inspections.caps import budget

    return budget(enterprise, year)


# ---- create ---------------------------------------------------------------------------------------------


def _may_create() -> bool:
    return not current_user.is_enterprise_user and current_user.has_role(*ops.CREATOR_ROLES)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Step 1 picks the enterprise (GET ?enterprise_id=); step 2 shows its budget for the planned year and the
    form (the over-cap reason asked for when the budget is used up)."""
    require(_may_create(), "只有执法人员、科室负责人或负责人可以创建检查")
    raw = request.values.get("enterprise_id", "")
    enterprise = None
    if raw:
        try:
            enterprise_id = int(raw)
        except ValueError:
            enterprise_id = 0
        # an id beyond the column's range is no enterprise (SQLite raises OverflowError past 2^63-1)
        enterprise = (
            db.session.get(Enterprise, enterprise_id) if 0 < enterprise_id <= params.MAX_INT else None
        )
        if enterprise is None or not in_scope(current_user, enterprise.region_path, enterprise.id):
            abort(404)
    year = clock.today().year
    budget: Budget | None
    if enterprise is not None and request.method == "POST":
        # the writer's read: under the class row's lock, handed to create_inspection (not read twice)
        from app.inspections.caps import locked_budget

        budget = locked_budget(enterprise, year)
    else:
        budget = _budget(enterprise, year) if enterprise is not None else None
    form_name = CREATE_OVER_CAP_FORM if budget is not None and budget.over else CREATE_FORM
    context = {"enterprise": enterprise}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = 200
    if enterprise is not None and request.method == "POST":
        try:
            with forms.submission(
                form_name, request.form, request.files, actor=current_user, context=context
            ) as data:
                inspection = ops.create_inspection(enterprise, data, actor=current_user, locked=budget)
        except forms.FormInvalid as exc:
            db.session.rollback()
            values, errors, status = exc.values, exc.errors, exc.status
            planned = values.get("planned_on")
            if isinstance(planned, str) and planned[:4].isdigit() and int(planned[:4]) != year:
                year = int(planned[:4])  # the budget of the planned year
                budget = _budget(enterprise, year)
            if "over_cap_reason" in errors:
                form_name = CREATE_OVER_CAP_FORM
        else:
            commit_request()
            return redirect(url_for("inspection.detail", inspection_id=inspection.id))
    formdef = forms.get_form(form_name)
    if enterprise is not None and not values:
        suggested = checklists.for_enterprise(enterprise)
        values = {
            "enterprise_id": str(enterprise.id),
            "lead_officer_id": current_user.id,
            "checklist_code": suggested[0].code if suggested else None,
        }
    return (
        render_template(
            "inspections/new.html",
            enterprise=enterprise,
            budget=budget,
            year=year,
            formdef=formdef,
            values=values,
            errors=errors,
            context=context,
        ),
        status,
    )


# ---- the inspection page --------------------------------------------------------------------------------


def _page(inspection: Inspection, **extra):
    checklist = checklists.find(inspection.checklist_code)
    results = ops.results_of(inspection)
    findings = ops.findings_of(inspection)
    ready = (
        {t.bpmn_id: t for t in workflow.ready_tasks(ops.instance_of(inspection))}
        if ops.instance_of(inspection)
        else {}
    )
    staff = not current_user.is_enterprise_user
    member = staff and ops.is_member(current_user, inspection)
    editable = member and "onsite_record" in ready and inspection.record_document_id is None
    photos = attachments.attachments_for_many(findings, "photos") if findings else {}
    budget = _budget(inspection.enterprise, inspection.cap_year) if staff else None
    ctx = {
        "inspection": inspection,
        "checklist": checklist,
        "results": results,
        "findings": findings,
        "photos": photos,
        "ready": ready,
        "staff": staff,
        "member": member,
        "editable": editable,
        "started": inspection.started_at is not None,
        "missing": ops.missing_for_record(inspection, results=results, findings=findings)
        if editable and inspection.started_at
        else [],
        "budget": budget,
        "item_results": [r.value for r in ItemResult],
        "forms": {
            name: forms.get_form(name) for name in (START_FORM, FINDING_FORM, REFUSAL_FORM, RECORD_FORM)
        },
        "form_context": {"inspection": inspection},
        "values": {},
        "errors": {},
        "open_form": None,
        "item_errors": {},  # checklist item code -> the message of its refused answer
        "item_notes": {},  # checklist item code -> its 说明 as typed in the refused answer
        "can_cancel": staff
        and current_user.has_role(Role.SECTION_HEAD, Role.LEADER)
        and inspection.status in (InspectionStatus.PENDING_APPROVAL, InspectionStatus.PLANNED)
        and inspection.started_at is None,
    }
    ctx.update(extra)
    return render_template("inspections/detail.html", **ctx)


@bp.get("/<int:inspection_id>")
@login_required
def detail(inspection_id: int):
    return _page(_inspection_or_404(inspection_id))


def _submit(inspection: Inspection, form_name: str, operation, *, anchor: str = "", **kwargs):
    """Validate `form_name` against the request, run `operation(inspection, data, actor=…)`; on a broken rule
    re-render the page with the form open, its values and errors kept."""
    context = {"inspection": inspection}
    try:
        with forms.submission(
            form_name, request.form, request.files, actor=current_user, context=context
        ) as data:
            operation(inspection, {**data, **kwargs}, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        inspection = db.session.get(Inspection, inspection.id) or inspection
        return (
            _page(inspection, values=exc.values, errors=exc.errors, open_form=form_name),
            exc.status,
        )
    commit_request()
    return redirect(url_for("inspection.detail", inspection_id=inspection.id) + anchor)


@bp.post("/<int:inspection_id>/start")
@login_required
def start(inspection_id: int):
    return _submit(_staff_or_404(inspection_id), START_FORM, ops.start_onsite, anchor="#checklist")


@bp.post("/<int:inspection_id>/items")
@login_required
def item(inspection_id: int):
    """One item's result (a big button) with its optional 说明 (the note field beside the buttons). 不符合 opens
    the finding form for that item. A refused answer re-renders the page with the message next to the item's
    note and the note as typed."""
    inspection = _staff_or_404(inspection_id)
    code = request.form.get("item_code", "")
    result = request.form.get("result", "")
    note = request.form.get("note", "")
    try:
        ops.record_item(inspection, {"item_code": code, "result": result, "note": note}, actor=current_user)
    except DomainError as exc:
        if isinstance(exc, PermissionDenied) or exc.status in (403, 404):
            raise
        db.session.rollback()
        inspection = db.session.get(Inspection, inspection.id) or inspection
        message = "；".join(str(m) for m in exc.field_errors.values()) or exc.message
        return (
            _page(inspection, item_errors={code: message}, item_notes={code: note}),
            exc.status if exc.status >= 400 else 422,
        )
    commit_request()
    if result == ItemResult.NONCOMPLIANT and not any(
        f.item_code == code for f in ops.findings_of(inspection)
    ):
        # the item became 不符合 without its finding yet: open the form (prefilled from the item's basis)
        return redirect(url_for("inspection.new_finding", inspection_id=inspection.id, item=code))
    return redirect(url_for("inspection.detail", inspection_id=inspection.id) + f"#item-{code}")


def _finding_page(inspection: Inspection, *, finding=None, item_code: str | None, values=None, errors=None):
    item = None
    if item_code:
        checklist = checklists.find(inspection.checklist_code)
        item = checklist.item(item_code) if checklist else None
        if item is None:
            abort(404)
    if values is None:
        if finding is not None:
            values = {
                "item_code": finding.item_code,
                "location": finding.location,
                "description": finding.description,
                "provision": finding.provision,
                "level": finding.level,
                "criterion_code": finding.criterion_code,
                "corrected_on_site": finding.corrected_on_site,
                "deadline": finding.deadline,
                "photo_ids": list(finding.photo_ids or []),
                "is_violation": finding.is_violation,
            }
        else:
            values = {
                "item_code": item.code if item else None,
                "provision": item.provision if item else None,
                # an item whose 不符合 is by definition a 重大事故隐患 carries its 判定标准 criterion
                "level": "重大" if item is not None and item.criterion else "一般",
                "criterion_code": item.criterion if item else None,
            }
    return render_template(
        "inspections/finding_form.html",
        inspection=inspection,
        item=item,
        finding=finding,
        formdef=forms.get_form(FINDING_FORM),
        values=values,
        errors=errors or {},
        context={"inspection": inspection},
    )


@bp.route("/<int:inspection_id>/findings/new", methods=["GET", "POST"])
@login_required
def new_finding(inspection_id: int):
    return _finding(_staff_or_404(inspection_id), None)


@bp.route("/<int:inspection_id>/findings/<int:finding_id>", methods=["GET", "POST"])
@login_required
def edit_finding(inspection_id: int, finding_id: int):
    inspection = _staff_or_404(inspection_id)
    finding = next((f for f in ops.findings_of(inspection) if f.id == finding_id), None)
    if finding is None:
        abort(404)
    return _finding(inspection, finding)


def _finding(inspection: Inspection, finding):
    require(ops.is_member(current_user, inspection), "只有本次检查的执法人员可以登记问题")
    item_code = request.values.get("item") or (finding.item_code if finding is not None else None)
    if request.method == "GET":
        return _finding_page(inspection, finding=finding, item_code=item_code)
    try:
        with forms.submission(
            FINDING_FORM, request.form, request.files, actor=current_user, context={"inspection": inspection}
        ) as data:
            data = dict(data)
            data["item_code"] = item_code
            if finding is not None:
                data["finding_id"] = finding.id
            ops.save_finding(inspection, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        inspection = db.session.get(Inspection, inspection.id) or inspection
        return (
            _finding_page(
                inspection, finding=finding, item_code=item_code, values=exc.values, errors=exc.errors
            ),
            exc.status,
        )
    commit_request()
    return redirect(url_for("inspection.detail", inspection_id=inspection.id) + "#findings")


@bp.post("/<int:inspection_id>/findings/<int:finding_id>/delete")
@login_required
def delete_finding(inspection_id: int, finding_id: int):
    inspection = _staff_or_404(inspection_id)
    ops.remove_finding(inspection, finding_id, actor=current_user)
    commit_request()
    return redirect(url_for("inspection.detail", inspection_id=inspection.id) + "#findings")


@bp.post("/<int:inspection_id>/signature")
@login_required
def signature(inspection_id: int):
    """The canvas PNG (static/inspections/signature.js) as an attachment, then the record's signature."""
    inspection = _staff_or_404(inspection_id)
    require(ops.is_member(current_user, inspection), "只有本次检查的执法人员可以办理")
    upload = request.files.get("signature")
    if upload is None or not upload.filename:
        raise invalid("signature", "请被检查单位负责人在签字区签字")
    att = attachments.store(upload, actor=current_user, accept=["image/png"])
    ops.sign_record(
        inspection,
        {"signature_attachment_id": att.id, "signer": request.form.get("signer", "")},
        actor=current_user,
    )
    commit_request()
    return redirect(url_for("inspection.detail", inspection_id=inspection.id) + "#record")


@bp.post("/<int:inspection_id>/refusal")
@login_required
def refusal(inspection_id: int):
    return _submit(_staff_or_404(inspection_id), REFUSAL_FORM, ops.refuse_signature, anchor="#record")


@bp.post("/<int:inspection_id>/record")
@login_required
def record(inspection_id: int):
    """制发现场检查记录: completes the onsite_record task (the platform's task lock: of two officers the
    second is told who issued it and when)."""
    inspection = _staff_or_404(inspection_id, parties=True)
    task = next(
        (t for t in workflow.ready_tasks(ops.instance_of(inspection)) if t.bpmn_id == "onsite_record"), None
    )

    def issue(insp, data, *, actor):
        ops.issue_record(insp, data, actor=actor, task=task)

    return _submit(inspection, RECORD_FORM, issue, anchor="#record")


@bp.post("/<int:inspection_id>/cancel")
@login_required
def cancel(inspection_id: int):
    inspection = _staff_or_404(inspection_id)
    ops.cancel_inspection(inspection, {"reason": request.form.get("reason", "")}, actor=current_user)
    commit_request()
    return redirect(url_for("inspection.detail", inspection_id=inspection.id))


def register(app) -> None:
    app.register_blueprint(bp)
