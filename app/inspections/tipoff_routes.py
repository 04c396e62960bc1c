"""举报 pages (/inspections/reports/…). Thin: load scoped (404 outside the viewer's jurisdiction, and for every
enterprise account), check, one operation, commit. The workflow's steps (分派, 核查结论, 反馈, 奖励决定) are
done on the generic task page (/tasks/<id>); the tip-off page links the viewer's READY tasks.

- GET  /inspections/reports/                 the list (staff of the jurisdiction; keyset pages)
- GET/POST /inspections/reports/new          登记举报 → the query code shown once
- GET  /inspections/reports/<id>             the tip-off (the informant masked per viewer: tipoff_access)
- POST /inspections/reports/<id>/inspection  安排核查检查 (create_inspection, source 举报)
- GET/POST /inspections/reports/online       no login: 网上举报 by the informant (CSRF-checked POST; at most
                                             LOGIN_MAX_FAILURES submissions per address before it pauses)
- GET/POST /inspections/reports/query        no login: the informant's progress by query code (CSRF-checked
                                             POST, throttled per address like a login)
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, select, true

from app import audit, clock, forms, paging, params, workflow
from app.auth.models import User
from app.auth.permissions import scope_clause
from app.auth.roles import Role
from app.db import commit_request
from app.errors import DomainError, require
from app.extensions import db
from app.inspections import tipoff_access as access
from app.inspections.models.tipoff import TipOff, TipOffStatus
from app.inspections.operations import tipoff as ops

bp = Blueprint("inspection_reports", __name__, url_prefix="/inspections/reports", template_folder="templates")

RECEIVE_FORM = "tipoff_receive"
QUERY_THROTTLE_KEY = "#举报查询码"
ONLINE_THROTTLE_KEY = "#网上举报"
NOTICES = {"inspection": "核查检查已安排"}
PER_PAGE = 30


class TipOffArgsSchema(params.QuerySchema):
    status = params.one_of("办理状态", [s.value for s in TipOffStatus])
    page = params.page_number()
    after = params.cursor("下一页游标")
    before = params.cursor("上一页游标")


class _OnePartition(paging.Order):
    def key_of(self, row) -> paging.Key:
        return paging.Key(True, row.received_on, row.id)

    def _partition(self, stmt: Select, flag: bool) -> Select:
        from sqlalchemy import false

        return stmt if flag else stmt.where(false())


LIST_ORDER = _OnePartition(flag=true(), day=TipOff.received_on, ident=TipOff.id)


def _is_staff() -> bool:
    return not current_user.is_enterprise_user and current_user.scope_path is not None


def scoped(user: User) -> Select:
    """The tip-offs `user` may see: staff of the jurisdiction; never an enterprise account."""
    if user.is_enterprise_user:
        from sqlalchemy import false

        return select(TipOff).where(false())
    return select(TipOff).where(scope_clause(user, TipOff.region_path))


def _tipoff_or_404(tipoff_id: int) -> TipOff:
    tipoff = db.session.get(TipOff, tipoff_id)
    if tipoff is None or not access.can_view(current_user, tipoff):
        abort(404)
    return tipoff


def _may_receive() -> bool:
    return (
        _is_staff()
        and current_user.has_role(Role.OFFICER, Role.SECTION_HEAD, Role.LEADER)
        and current_user.department is not None
    )


def tipoff_page(user: User, values: dict) -> paging.KeysetPage:
    """A page of the tip-offs `user` may see (newest received first) under the checked query `values`: the
    list page and /api/v1/inspection-reports."""
    stmt = scoped(user)
    if values.get("status"):
        stmt = stmt.where(TipOff.status == values["status"])
    return paging.keyset_page(
        stmt,
        LIST_ORDER,
        PER_PAGE,
        after=values.get("after"),
        before=values.get("before"),
        page=values["page"],
        flags=(True,),
    )


@bp.get("/")
@login_required
def index():
    if current_user.is_enterprise_user:
        abort(404)
    require(_is_staff(), "举报仅供执法人员查看")
    values = params.check(TipOffArgsSchema, request.args)
    page = tipoff_page(current_user, values)
    return render_template(
        "inspections/tipoff/index.html",
        page=page,
        values=values,
        statuses=[s.value for s in TipOffStatus],
        can_receive=_may_receive(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if current_user.is_enterprise_user:
        abort(404)
    require(_may_receive(), "举报由本机关执法人员受理登记")
    formdef = forms.get_form(RECEIVE_FORM)
    back = {"back_url": url_for("inspection_reports.index"), "back_label": "举报"}
    if request.method == "POST":
        try:
            with forms.submission(RECEIVE_FORM, request.form, request.files, actor=current_user) as data:
                tipoff, code = ops.receive(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return render_template(
                "inspections/tipoff/form_page.html",
                formdef=formdef,
                values=exc.values,
                errors=exc.errors,
                form_error=exc.message,
                **back,
            ), exc.status
        commit_request()
        # the code is shown once, on this response, and never put in an address (no redirect)
        return render_template("inspections/tipoff/received.html", tipoff=tipoff, code=code)
    return render_template(
        "inspections/tipoff/form_page.html", formdef=formdef, values={}, errors={}, form_error=None, **back
    )


def _my_tasks(tipoff: TipOff) -> list:
    inst = workflow.instance_for(tipoff, ops.PROCESS)
    if inst is None:
        return []
    return list(workflow.ready_tasks(inst))


def _officers(tipoff: TipOff) -> list[User]:
    from app.auth.queries import users_with_role

    today = clock.today()
    return [
        u
        for u in users_with_role(Role.OFFICER, region_path=tipoff.region_path, order_by=User.name)
        if u.cert_valid_on(today)
    ]


@bp.get("/<int:tipoff_id>")
@login_required
def detail(tipoff_id: int):
    tipoff = _tipoff_or_404(tipoff_id)
    from app.documents import documents_for

    inspection = None
    if tipoff.inspection_id is not None:
        from app.inspections.models.inspection import Inspection

        inspection = db.session.get(Inspection, tipoff.inspection_id)
    may_inspect = (
        tipoff.status == TipOffStatus.VERIFYING
        and tipoff.inspection_id is None
        and ops._may_verify(current_user, tipoff)
    )
    return render_template(
        "inspections/tipoff/detail.html",
        tipoff=tipoff,
        informant=access.informant(current_user, tipoff),
        content=access.content(current_user, tipoff),
        inspection=inspection,
        tasks=_my_tasks(tipoff),
        documents=documents_for(tipoff),
        history=audit.history(tipoff),
        may_inspect=may_inspect,
        officers=_officers(tipoff) if may_inspect else [],
        notice=NOTICES.get(request.args.get("done", "")),
        error=None,
        values={"member_ids": [current_user.id]},
        errors={},
    )


@bp.post("/<int:tipoff_id>/inspection")
@login_required
def open_inspection(tipoff_id: int):
    tipoff = _tipoff_or_404(tipoff_id)
    member_ids = [m for m in request.form.getlist("member_ids") if m.isdigit()]
    data = {
        "planned_on": request.form.get("planned_on") or None,
        "member_ids": member_ids,
        "enterprise_id": request.form.get("enterprise_id") or None,
        "checklist_code": request.form.get("checklist_code") or None,
    }
    try:
        ops.open_inspection(tipoff, data, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 403:
            raise
        tipoff = _tipoff_or_404(tipoff_id)
        from app.documents import documents_for

        return render_template(
            "inspections/tipoff/detail.html",
            tipoff=tipoff,
            informant=access.informant(current_user, tipoff),
            content=access.content(current_user, tipoff),
            inspection=None,
            tasks=_my_tasks(tipoff),
            documents=documents_for(tipoff),
            history=audit.history(tipoff),
            may_inspect=True,
            officers=_officers(tipoff),
            notice=None,
            error=exc.message,
            # what was typed stays, each message next to its field
            values={**data, "member_ids": [int(m) for m in member_ids]},
            errors=exc.field_errors,
        ), exc.status
    commit_request()
    return redirect(url_for("inspection_reports.detail", tipoff_id=tipoff.id, done="inspection"))


# ---- the public query (no login) ------------------------------------------------------------------------


@bp.route("/query", methods=["GET", "POST"])
def query():
    """The informant checks the progress with the query code (no login). A POST with the CSRF token; wrong
    codes are counted per address (app.auth.throttle) and pause the address like failed logins."""
    from app.auth import throttle

    result = None
    error = None
    status = 200
    if request.method == "POST":
        code = (request.form.get("code") or "").strip()[:40]
        admission = throttle.admit(QUERY_THROTTLE_KEY, request.remote_addr)
        if not admission.allowed:
            error = "查询过于频繁或错误次数过多，" + (
                f"请于 {throttle.retry_at(admission.until)} 后再试" if admission.until else "请稍后再试"
            )
            status = 429
        else:
            tipoff = ops.find_by_code(code) if code else None
            if tipoff is None:
                throttle.record_failure(admission)
                error = "查询码不正确，请核对后重新输入"
                status = 404
            else:
                throttle.record_success(admission)
                result = ops.public_status(tipoff)
        commit_request()
    return render_template("inspections/tipoff/query.html", result=result, error=error), status


ONLINE_FIELDS = (
    "agency_id",
    "anonymous",
    "informant_name",
    "informant_phone",
    "informant_id_no",
    "informant_address",
    "enterprise_name",
    "place",
    "content",
)


@bp.route("/online", methods=["GET", "POST"])
def online():
    """网上举报 (no login): the informant addresses an agency, gets the query code once on the response. Each
    submission from an address is counted like a failed login (app.auth.throttle): a burst pauses it."""
    from app.auth import throttle

    agencies = ops.online_agencies()
    values: dict = {}
    errors: dict = {}
    error = None
    status = 200
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip()[:5000] for k in ONLINE_FIELDS}
        values["anonymous"] = bool(request.form.get("anonymous"))
        admission = throttle.admit(ONLINE_THROTTLE_KEY, request.remote_addr)
        if not admission.allowed:
            when = f"请于 {throttle.retry_at(admission.until)} 后再试" if admission.until else "请稍后再试"
            error, status = "提交过于频繁，" + when, 429
        else:
            try:
                tipoff, code = ops.submit_online(values)
            except DomainError as exc:
                db.session.rollback()
                throttle.record_failure(admission)
                commit_request()
                error, errors, status = exc.message, exc.field_errors, exc.status
            else:
                throttle.record_failure(admission)  # counts the submission: a burst from one address pauses
                commit_request()
                return render_template("inspections/tipoff/online_done.html", tipoff=tipoff, code=code)
    return render_template(
        "inspections/tipoff/online.html", agencies=agencies, values=values, errors=errors, error=error
    ), status
