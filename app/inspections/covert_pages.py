"""随机暗访 pages (/inspections/covert/…), its API (/api/v1/inspections/covert…), the dashboard panel and every
registration the 暗访 part makes (`register(app)`, called from app.inspections.init_app). Every read goes
through app.inspections.sealed: a visit someone may not know of answers 404, is not listed, not counted."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, fields
from sqlalchemy import false, func, select, true

from app import api, audit, dashboard, documents, forms, paging, params, subjects, ui
from app import attachments as attachments_pkg
from app.auth.permissions import in_scope, scope_clause
from app.auth.roles import Role
from app.db import commit_request
from app.documents.doc_types import DocType, register_doc_type
from app.errors import require
from app.extensions import db
from app.inspections import sealed
from app.inspections.models.covert import Bulletin, CovertStatus, CovertVisit
from app.inspections.operations import covert as ops

bp = Blueprint("inspections_covert", __name__, url_prefix="/inspections/covert", template_folder="templates")
api_bp = api.api_blueprint("api_inspections_covert", __name__)

STAFF = (Role.OFFICER, Role.SECTION_HEAD, Role.LEADER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.ADMIN)
LIST_LIMIT = 200
PER_PAGE = 30


class CovertArgsSchema(params.QuerySchema):
    """The filters of the 暗访 list page and of GET /api/v1/inspections/covert."""

    id = params.integer("暗访任务ID（只取这一项；不可见的任务不返回）", minimum=1)
    status = params.one_of("状态", {s.value: s.value for s in CovertStatus})
    q = params.text("关键词：任务编号、暗访目的", max_length=100)
    page = params.page_number(f"页码（前若干页），每页 {PER_PAGE} 条")
    after = params.cursor("下一页：此游标之后的任务（上一页最后一条的排序键）")
    before = params.cursor("上一页：此游标之前的任务（下一页第一条的排序键）")


class _OnePartition(paging.Order):
    """Newest window first, one partition (cursors read `1.<window_from>.<id>`), as the credit list."""

    def key_of(self, row) -> paging.Key:
        return paging.Key(True, row.window_from, row.id)

    def _partition(self, stmt, flag: bool):
        return stmt if flag else stmt.where(false())


LIST_ORDER = _OnePartition(flag=true(), day=CovertVisit.window_from, ident=CovertVisit.id)


# ---- the one scoped query ----------------------------------------------------------------------------


def visible_query(user, args: dict | None = None):
    args = args or {}
    stmt = select(CovertVisit).where(sealed.visible_clause(user))
    if args.get("id"):
        stmt = stmt.where(CovertVisit.id == args["id"])
    if args.get("status"):
        stmt = stmt.where(CovertVisit.status == args["status"])
    if args.get("q"):
        q = args["q"]
        stmt = stmt.where(
            CovertVisit.code.contains(q, autoescape=True) | CovertVisit.purpose.contains(q, autoescape=True)
        )
    return stmt


def visible_page(user, args: dict | None = None, per_page: int = PER_PAGE) -> paging.KeysetPage:
    """One page of the visits `user` may know of, newest window first (app.paging keyset)."""
    args = args or {}
    return paging.keyset_page(
        visible_query(user, args),
        LIST_ORDER,
        per_page,
        after=args.get("after") or None,
        before=args.get("before") or None,
        page=args.get("page") or 1,
        flags=(True,),
    )


def visible_visits(user, args: dict | None = None) -> list[CovertVisit]:
    return list(visible_page(user, args).items)


def counts(user) -> dict[str, int]:
    """Visits per status that `user` may know of (list badges, dashboard, API)."""
    rows = db.session.execute(
        select(CovertVisit.status, func.count())
        .where(sealed.visible_clause(user))
        .group_by(CovertVisit.status)
    ).all()
    out = {s.value: 0 for s in CovertStatus}
    out.update({str(s): int(n) for s, n in rows})
    return out


def visit_or_404(visit_id: int) -> CovertVisit:
    visit = db.session.get(CovertVisit, visit_id)
    if visit is None or not sealed.can_see(current_user, visit):
        abort(404)
    return visit


def may_create(user) -> bool:
    return user.has_role(*ops.CREATOR_ROLES) and not user.is_enterprise_user


def bulletin_visible(user, bulletin: Bulletin) -> bool:
    return not user.is_enterprise_user and in_scope(user, bulletin.region_path)


def visible_bulletins(user) -> list[Bulletin]:
    if user.is_enterprise_user:
        return []
    stmt = select(Bulletin).where(scope_clause(user, Bulletin.region_path)).order_by(Bulletin.id.desc())
    return list(db.session.scalars(stmt.limit(LIST_LIMIT)))


# ---- pages ----------------------------------------------------------------------------------------------


def _form_page(formdef, *, values=None, errors=None, form_error=None, back_url, back_label, status=200):
    return (
        render_template(
            "inspections/covert/form_page.html",
            formdef=formdef,
            values=values or {},
            errors=errors or {},
            form_error=form_error,
            back_url=back_url,
            back_label=back_label,
        ),
        status,
    )


def _submit(visit: CovertVisit, form_name: str, operation, *, with_visit: bool = False):
    """One form posted on a visit's page: the operation, or the form again with the messages next to the fields
    and what was typed kept; back to the visit when done."""
    back = url_for("inspections_covert.detail", visit_id=visit.id)
    try:
        with forms.submission(
            form_name,
            request.form,
            request.files,
            actor=current_user,
            **({"context": {"visit": visit}} if with_visit else {}),
        ) as data:
            operation(visit, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        return _form_page(
            forms.get_form(form_name),
            values=exc.values,
            errors=exc.errors,
            form_error=exc.message,
            back_url=back,
            back_label=visit.code,
            status=exc.status,
        )
    commit_request()
    return redirect(back)


@bp.get("/")
@login_required
def index():
    """暗访任务: those the user may know of (sealed ones only to their creator and team)."""
    require(not current_user.is_enterprise_user, "企业账号无权查看")
    args = params.check(CovertArgsSchema, request.args)
    page = visible_page(current_user, args)
    return render_template(
        "inspections/covert/index.html",
        page=page,
        visits=page.items,
        filter_args={k: v for k, v in args.items() if k in ("status", "q") and v},
        counts=counts(current_user),
        args=args,
        can_create=may_create(current_user),
        bulletins=visible_bulletins(current_user)[:10],
    )


def _targets(form) -> list:
    rows = form.get("targets") or []
    return [r.get("enterprise_id") for r in rows if isinstance(r, dict) and r.get("enterprise_id")]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(may_create(current_user), "只有负责人或科室负责人可以部署暗访")
    formdef = forms.get_form("covert_create")
    back = url_for("inspections_covert.index")
    if request.method == "POST":
        try:
            with forms.submission("covert_create", request.form, request.files, actor=current_user) as data:
                data = dict(data, enterprise_ids=_targets(data))
                visit = ops.create_visit(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return _form_page(
                formdef,
                values=exc.values,
                errors=exc.errors,
                form_error=exc.message,
                back_url=back,
                back_label="随机暗访",
                status=exc.status,
            )
        commit_request()
        return redirect(url_for("inspections_covert.detail", visit_id=visit.id))
    return _form_page(formdef, back_url=back, back_label="随机暗访")


@bp.get("/<int:visit_id>")
@login_required
def detail(visit_id: int):
    visit = visit_or_404(visit_id)
    ready = {t.bpmn_id: t for t in _ready_tasks(visit)}
    docs = documents.documents_for(visit)
    atts = {a.id: a for a in attachments_pkg.attachments_for(visit)}
    return render_template(
        "inspections/covert/detail.html",
        visit=visit,
        ready=ready,
        docs=docs,
        atts=atts,
        is_member=current_user.id in visit.member_ids,
        is_lead=visit.lead is not None and visit.lead.id == current_user.id,
        is_creator=current_user.id == visit.created_by_id,
        open_procedures=ops.open_procedures(visit) if visit.started_at else [],
        events=audit.history(visit),
        row_form=forms.get_form("covert_sheet_row"),
        cancel_form=forms.get_form("covert_cancel"),
        team_form=forms.get_form("covert_team"),
    )


def _ready_tasks(visit: CovertVisit):
    inst = ops.instance_of(visit)
    from app import workflow

    return workflow.ready_tasks(inst) if inst is not None else []


@bp.post("/<int:visit_id>/rows")
@login_required
def add_row(visit_id: int):
    return _submit(visit_or_404(visit_id), "covert_sheet_row", ops.add_sheet_row, with_visit=True)


@bp.post("/<int:visit_id>/cancel")
@login_required
def cancel(visit_id: int):
    return _submit(visit_or_404(visit_id), "covert_cancel", ops.cancel_visit)


@bp.post("/<int:visit_id>/team")
@login_required
def change_team(visit_id: int):
    return _submit(visit_or_404(visit_id), "covert_team", ops.change_team)


@bp.route("/bulletins/new", methods=["GET", "POST"])
@login_required
def new_bulletin():
    require(
        current_user.has_role(*ops.GOVERNANCE_ROLES) and not current_user.is_enterprise_user,
        "只有负责人或科室负责人可以签发通报",
    )
    formdef = forms.get_form("covert_bulletin")
    back = url_for("inspections_covert.index")
    if request.method == "POST":
        try:
            with forms.submission("covert_bulletin", request.form, request.files, actor=current_user) as data:
                bulletin = ops.issue_bulletin(data, actor=current_user)
        except forms.FormInvalid as exc:
            db.session.rollback()
            return _form_page(
                formdef,
                values=exc.values,
                errors=exc.errors,
                form_error=exc.message,
                back_url=back,
                back_label="随机暗访",
                status=exc.status,
            )
        commit_request()
        return redirect(url_for("inspections_covert.bulletin", bulletin_id=bulletin.id))
    return _form_page(formdef, back_url=back, back_label="随机暗访")


@bp.get("/bulletins/<int:bulletin_id>")
@login_required
def bulletin(bulletin_id: int):
    b = db.session.get(Bulletin, bulletin_id)
    if b is None or not bulletin_visible(current_user, b):
        abort(404)
    return render_template("inspections/covert/bulletin.html", bulletin=b)


# ---- API ------------------------------------------------------------------------------------------------


class CovertTargetSchema(Schema):
    id = fields.Int()
    enterprise_id = fields.Int()
    enterprise = fields.Function(lambda t: t.enterprise.name)
    inspection_id = fields.Int(allow_none=True)


class CovertVisitSchema(Schema):
    id = fields.Int()
    code = fields.Str()
    status = fields.Str()
    purpose = fields.Str()
    window_from = fields.Date()
    window_to = fields.Date()
    started_at = fields.DateTime(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    created_by = fields.Function(lambda v: v.created_by.name)
    members = fields.Function(
        lambda v: [{"user_id": m.user_id, "name": m.user.name, "lead": m.is_lead} for m in v.members]
    )
    targets = fields.List(fields.Nested(CovertTargetSchema))


class CovertListSchema(Schema):
    items = fields.List(fields.Nested(CovertVisitSchema))
    counts = fields.Dict(keys=fields.Str(), values=fields.Int())


api.register_schemas(CovertTargetSchema, CovertVisitSchema, CovertListSchema)


@api_bp.get("/inspections/covert")
@api.doc(
    {
        "get": {
            "summary": "暗访任务及其对象（密封中的仅部署人和检查组可见；启动后按辖区范围；id= 取一项，不可见的不返回）",
            "responses": {
                "200": {"content": {"application/json": {"schema": "CovertListSchema"}}},
                **api.error_responses("401", "422"),
            },
        }
    },
    query=CovertArgsSchema,
)
def api_list():
    """暗访任务列表"""
    if current_user.is_enterprise_user:
        return CovertListSchema().dump({"items": [], "counts": {}})
    args = params.check(CovertArgsSchema, request.args)
    return CovertListSchema().dump(
        {"items": visible_visits(current_user, args), "counts": counts(current_user)}
    )


# ---- dashboard ----------------------------------------------------------------------------------------


def render_panel(user, args) -> str:
    return render_template("inspections/covert/_panel.html", counts=counts(user))


# ---- registration -------------------------------------------------------------------------------------

DOC_TYPES = (
    DocType(
        "covert_sheet", "暗查暗访检查情况表", "暗查", template="documents/covert_sheet.html", sealed=False
    ),
    DocType("assignment_letter", "交办函", "交办", template="documents/assignment_letter.html"),
    DocType("supervision_sheet", "督办单", "督单", template="documents/supervision_sheet.html"),
    DocType("bulletin", "通报", "通报", template="documents/bulletin.html"),
)

ACTION_LABELS = {
    "covert.created": "部署暗访任务",
    "covert.cancelled": "取消暗访任务",
    "covert.window_passed": "暗访时间窗口届满",
    "covert.started": "启动暗访",
    "covert.sheet_row_added": "记录暗访检查情况",
    "covert.sheet_issued": "制发暗查暗访检查情况表",
    "covert.assigned": "暗访问题交办",
    "covert.return_visit": "暗访回头看",
    "covert.supervised": "暗访交办督办",
    "covert.bulletin_issued": "印发暗访通报",
    "covert.status_changed": "暗访任务状态变化",
    "covert.team_changed": "调整暗访检查组",
}
FIELD_LABELS = {"covert_team": "暗访检查组", "covert_lead": "暗访组长"}


def _bulletin_ids(user):
    if user.is_enterprise_user:
        return select(Bulletin.id).where(false())
    return select(Bulletin.id).where(scope_clause(user, Bulletin.region_path))


def _bulletin_check(user, bulletin_id: int) -> bool:
    b = db.session.get(Bulletin, bulletin_id)
    return b is not None and bulletin_visible(user, b)


def _sees_panel(user) -> bool:
    return not user.is_enterprise_user and user.has_role(*STAFF)


def register(app: Flask) -> None:
    from app.inspections import covert_tasks  # noqa: F401  (task handlers, status rule, timer, choices)

    for dt in DOC_TYPES:
        register_doc_type(dt)
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    # the subject summary on the generic task page asks the seal itself: that page shows a task to whoever
    # has its region in scope, and a platform admin without a department has every region, even none
    app.add_template_global(sealed.can_see, "covert_can_see")
    subjects.register_subject(
        "covert_visits",
        subjects.model_view(
            CovertVisit,
            label="暗访任务",
            name=lambda v: v.code,
            summary_template="inspections/covert/_summary.html",
            url=lambda v: url_for("inspections_covert.detail", visit_id=v.id),
            scope=sealed.visible_covert_ids,
        ),
    )
    subjects.register_subject(
        "covert_bulletins",
        subjects.model_view(
            Bulletin,
            label="暗访通报",
            name=lambda b: b.number or b.title,
            url=lambda b: url_for("inspections_covert.bulletin", bulletin_id=b.id),
            scope=_bulletin_ids,
        ),
    )
    documents.register_access("covert_visits", sealed.can_see_id)
    documents.register_access("covert_bulletins", _bulletin_check)
    attachments_pkg.register_access("covert_visits", sealed.can_see_id)
    audit.register_action_labels(ACTION_LABELS)
    ui.register_field_labels(FIELD_LABELS)
    # its menu entry: app.inspections.web.register_menu (the domain's one 监督检查 menu)
    dashboard.register_panel(
        dashboard.Panel(
            key="covert",
            can_view=_sees_panel,
            render=render_panel,
            order=112,  # in the 监督检查 part of 统计分析 (after 110 and 111), not above the page's first heading
        )
    )
