"""行政处罚信息信用修复 pages and API (issue #14 item 7; 国家发展改革委令第58号): the enterprise sees its published
penalty decisions with their publication terms and applies to end a general one's publication early; staff in
scope see the applications (pending first) and the 负责人 decides. Thin: load in scope (404 outside it), validate
the form, ONE operation (app.credit.operations.info_repair), commit, redirect; the gates live in the operation.

    /credit/info-repairs/                   list (enterprise: its published decisions + applications; staff: applications)
    /credit/info-repairs/cases/<case_id>    one case's publication terms, its applications, the 申请 form (GET/POST)
    /credit/info-repairs/<info_repair_id>   one application, the 决定 form (GET/POST)
    /api/v1/credit/info-repairs             the same: GET list, POST …/cases/<case_id>, POST …/<id>/decide
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, fields
from sqlalchemy import Select, case, select

from app import clock, forms, params, subjects
from app.api import api_blueprint, doc, register_schemas
from app.api.routes import _submitted_form
from app.auth.models import User
from app.auth.permissions import scope_clause
from app.auth.roles import Role
from app.cases.models import PenaltyCase
from app.credit.models import PenaltyInfoRepair
from app.credit.operations import info_repair as ops
from app.db import commit_request
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.publication import Publication
from app.publication.models import PublicationStatus

bp = Blueprint("credit_info", __name__, url_prefix="/credit/info-repairs", template_folder="templates")
api_bp = api_blueprint("api_credit_info", __name__)

APPLY_FORM = "credit_info_repair_apply"
DECIDE_FORM = "credit_info_repair_decide"
PER_PAGE = 50
NOT_FOUND = "记录不存在或不在您的范围内"
NOTICES = {
    "applied": "申请已提交，等待负责人决定",
    "granted": "已准予，该处罚决定已停止公示",
    "refused": "已决定不予提前停止公示",
}


# --- queries --------------------------------------------------------------------------------------------


def _scoped_cases(user: User) -> Select:
    return select(PenaltyCase).where(scope_clause(user, PenaltyCase.region_path, PenaltyCase.enterprise_id))


def scoped_case(user: User, case_id: int) -> PenaltyCase | None:
    return db.session.scalar(_scoped_cases(user).where(PenaltyCase.id == case_id))


def scoped_repairs(user: User) -> Select:
    """Applications on cases in the user's scope, pending first, newest first."""
    return (
        select(PenaltyInfoRepair)
        .join(PenaltyCase, PenaltyCase.id == PenaltyInfoRepair.case_id)
        .where(scope_clause(user, PenaltyCase.region_path, PenaltyCase.enterprise_id))
        .order_by(
            case((PenaltyInfoRepair.decision.is_(None), 0), else_=1),
            PenaltyInfoRepair.applied_on.desc(),
            PenaltyInfoRepair.id.desc(),
        )
    )


def scoped_repair(user: User, repair_id: int) -> PenaltyInfoRepair | None:
    return db.session.scalar(scoped_repairs(user).where(PenaltyInfoRepair.id == repair_id))


def published_cases(user: User) -> list[tuple[PenaltyCase, Publication]]:
    """The cases in scope whose penalty decision is on the public pages now (not past its 公示截止期)."""
    today = clock.today()
    stmt = (
        _scoped_cases(user)
        .add_columns(Publication)
        .join(
            Publication,
            (Publication.subject_type == subjects.type_of(PenaltyCase))
            & (Publication.subject_id == PenaltyCase.id)
            & (Publication.kind == ops.KIND)
            & (Publication.status == PublicationStatus.PUBLISHED),
        )
        .where((Publication.expires_on.is_(None)) | (Publication.expires_on >= today))
        .order_by(Publication.published_on.desc(), Publication.id.desc())
        .limit(PER_PAGE)
    )
    return [(c, p) for c, p in db.session.execute(stmt).all()]


# --- who may do what, and why not --------------------------------------------------------------------------


def may_apply_as(user: User, c: PenaltyCase) -> bool:
    """The case's own enterprise account, or an officer/section head of its jurisdiction (a paper application)."""
    if user.is_enterprise_user:
        return user.has_role(Role.ENTERPRISE) and user.enterprise_id == c.enterprise_id
    from app.cases.operations.common import is_staff_in_scope

    return user.has_role(Role.OFFICER, Role.SECTION_HEAD) and is_staff_in_scope(user, c)


def may_decide(user: User, c: PenaltyCase) -> bool:
    from app.cases.operations.common import is_staff_in_scope

    return user.has_role(Role.LEADER) and is_staff_in_scope(user, c)


@dataclass
class CaseTerms:
    """One published decision and whether an application may be filed now (`why_not`: the Chinese reason, and
    `from_date`: the first day it may be, when only time stands in the way)."""

    case: PenaltyCase
    entry: Publication | None
    terms: ops.Terms | None
    why_not: str | None
    from_date: date | None


def case_terms(c: PenaltyCase) -> CaseTerms:
    """The same gates as apply_info_repair, in its order, without raising (the operation checks them again)."""
    if c.decided_on is None:
        return CaseTerms(c, None, None, "该案件尚未作出处罚决定", None)
    terms = ops.publication_terms(c)
    entry = ops.current_publication(c)
    if entry is None:
        return CaseTerms(c, None, terms, "该处罚决定不在公示中，无需申请", None)
    today = clock.today()
    if terms.serious:
        why = (
            f"该处罚属严重失信行为（或已据以列入严重失信主体名单），公示期限至{terms.max_end:%Y年%m月%d日}，"
            "不适用提前停止公示"
        )
        return CaseTerms(c, entry, terms, why, None)
    if today < terms.min_end:
        return CaseTerms(
            c, entry, terms, f"最短公示期未满，{terms.min_end:%Y年%m月%d日}起方可申请", terms.min_end
        )
    from app.cases.operations.execution import balance

    owed = balance(c, today).owed
    if owed > 0:
        return CaseTerms(c, entry, terms, f"罚款（含加处罚款）尚欠{owed}元，履行完毕后方可申请", None)
    if ops.pending(entry) is not None:
        return CaseTerms(c, entry, terms, "已有尚未办结的申请，等待负责人决定", None)
    return CaseTerms(c, entry, terms, None, None)


def _case_repairs(c: PenaltyCase) -> list[PenaltyInfoRepair]:
    return list(
        db.session.scalars(
            select(PenaltyInfoRepair)
            .where(PenaltyInfoRepair.case_id == c.id)
            .order_by(PenaltyInfoRepair.applied_on.desc(), PenaltyInfoRepair.id.desc())
        )
    )


def _case_of(repair: PenaltyInfoRepair) -> PenaltyCase:
    c = db.session.get(PenaltyCase, repair.case_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    return c


# --- pages ------------------------------------------------------------------------------------------------


def _notice() -> str | None:
    return NOTICES.get(request.args.get("done", ""))


def _is_staff(user: User) -> bool:
    return not user.is_enterprise_user


@bp.get("/")
@login_required
def index():
    staff = _is_staff(current_user)
    rows = [] if staff else [case_terms(c) for c, _entry in published_cases(current_user)]
    repairs = list(db.session.scalars(scoped_repairs(current_user).limit(PER_PAGE)))
    return render_template(
        "credit/info_repairs.html",
        staff=staff,
        rows=rows,
        repairs=repairs,
        cases={r.case_id: db.session.get(PenaltyCase, r.case_id) for r in repairs},
        is_leader=current_user.has_role(Role.LEADER),
        notice=_notice(),
    )


def _case_page(c: PenaltyCase, *, values=None, errors=None, form_error=None, status: int = 200):
    info = case_terms(c)
    return render_template(
        "credit/info_repair_case.html",
        info=info,
        repairs=_case_repairs(c),
        can_apply=info.why_not is None and may_apply_as(current_user, c),
        may_apply=may_apply_as(current_user, c),
        formdef=forms.get_form(APPLY_FORM),
        values=values or {},
        errors=errors or {},
        form_error=form_error,
        notice=_notice(),
    ), status


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@login_required
def case_page(case_id: int):
    c = scoped_case(current_user, case_id)
    if c is None:
        abort(404)
    if request.method == "GET":
        return _case_page(c)
    if not may_apply_as(current_user, c):
        return _case_page(
            c, form_error="只有被处罚单位本单位的账号，或本辖区执法人员登记书面申请，方可申请", status=403
        )
    try:
        with forms.submission(
            APPLY_FORM, request.form, request.files, actor=current_user, context={"case": c}
        ) as data:
            ops.apply_info_repair(c, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        return _case_page(c, values=exc.values, errors=exc.errors, form_error=exc.message, status=exc.status)
    commit_request()
    return redirect(url_for("credit_info.case_page", case_id=c.id, done="applied"))


def _repair_page(repair, c, *, values=None, errors=None, form_error=None, status: int = 200):
    return render_template(
        "credit/info_repair_detail.html",
        repair=repair,
        info=case_terms(c),
        can_decide=repair.decision is None and may_decide(current_user, c),
        formdef=forms.get_form(DECIDE_FORM),
        values=values or {},
        errors=errors or {},
        form_error=form_error,
        notice=_notice(),
        users={
            u.id: u
            for u in db.session.scalars(
                select(User).where(
                    User.id.in_([i for i in (repair.applied_by_id, repair.decided_by_id) if i])
                )
            )
        },
    ), status


@bp.route("/<int:info_repair_id>", methods=["GET", "POST"])
@login_required
def detail(info_repair_id: int):
    repair = scoped_repair(current_user, info_repair_id)
    if repair is None:
        abort(404)
    c = _case_of(repair)
    if request.method == "GET":
        return _repair_page(repair, c)
    if not may_decide(current_user, c):
        return _repair_page(repair, c, form_error="行政处罚信息信用修复由本辖区负责人决定", status=403)
    try:
        with forms.submission(
            DECIDE_FORM, request.form, request.files, actor=current_user, context={"case": c}
        ) as data:
            ops.decide_info_repair(repair, data, actor=current_user)
    except forms.FormInvalid as exc:
        db.session.rollback()
        return _repair_page(
            repair, c, values=exc.values, errors=exc.errors, form_error=exc.message, status=exc.status
        )
    commit_request()
    done = "granted" if repair.decision == ops.DECISIONS["grant"] else "refused"
    return redirect(url_for("credit_info.detail", info_repair_id=repair.id, done=done))


# --- API --------------------------------------------------------------------------------------------------


class InfoRepairSchema(Schema):
    id = fields.Int(metadata={"description": "申请ID"})
    case_id = fields.Int(metadata={"description": "行政处罚案件ID"})
    case_no = fields.Str(allow_none=True, metadata={"description": "案件编号"})
    publication_id = fields.Int(metadata={"description": "处罚决定公示ID"})
    enterprise_id = fields.Int(metadata={"description": "申请主体（企业ID）"})
    applied_on = fields.Date(metadata={"description": "申请日期"})
    statement = fields.Str(metadata={"description": "申请理由"})
    decision = fields.Str(allow_none=True, metadata={"description": "决定：准予/不予（未决定为空）"})
    decided_on = fields.Date(allow_none=True, metadata={"description": "决定日期"})
    reason = fields.Str(allow_none=True, metadata={"description": "决定理由"})


class PublicationTermsSchema(Schema):
    case_id = fields.Int(metadata={"description": "行政处罚案件ID"})
    case_no = fields.Str(allow_none=True, metadata={"description": "案件编号"})
    publication_id = fields.Int(allow_none=True, metadata={"description": "处罚决定公示ID"})
    published_on = fields.Date(allow_none=True, metadata={"description": "公示日期"})
    serious = fields.Bool(allow_none=True, metadata={"description": "是否严重失信行为"})
    min_end = fields.Date(
        allow_none=True, metadata={"description": "最短公示期届满日（一般失信行为自此日起可申请）"}
    )
    max_end = fields.Date(allow_none=True, metadata={"description": "公示截止期"})
    can_apply = fields.Bool(metadata={"description": "现在能否申请提前停止公示"})
    why_not = fields.Str(allow_none=True, metadata={"description": "不能申请的原因"})


class InfoRepairListSchema(Schema):
    items = fields.List(fields.Nested(InfoRepairSchema), metadata={"description": "申请（待决定的在前）"})
    publications = fields.List(
        fields.Nested(PublicationTermsSchema),
        metadata={"description": "企业账号：本单位在公示中的处罚决定及期限"},
    )
    total = fields.Int(metadata={"description": "申请总数"})
    page = fields.Int(metadata={"description": "页码"})


class InfoRepairResultSchema(Schema):
    status = fields.Str(metadata={"description": "ok"})
    id = fields.Int(metadata={"description": "申请ID"})
    decision = fields.Str(allow_none=True, metadata={"description": "决定：准予/不予"})


InfoRepairArgsSchema = params.PageArgsSchema  # page (每页50条)


register_schemas(InfoRepairSchema, PublicationTermsSchema, InfoRepairListSchema, InfoRepairResultSchema)

ERROR = {"content": {"application/json": {"schema": "ErrorSchema"}}}
ACTION_ERRORS = {code: ERROR for code in ("401", "403", "404", "409", "422")}
BODY = {
    "content": {
        "application/json": {"schema": "CompleteTaskSchema"},
        "multipart/form-data": {"schema": {"type": "object", "description": "表单字段与附件（信用承诺书）"}},
    }
}


def _path(name: str, description: str) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "integer"},
        "description": description,
    }


def _repair_dump(r: PenaltyInfoRepair, c: PenaltyCase | None) -> dict:
    return {
        "id": r.id,
        "case_id": r.case_id,
        "case_no": getattr(c, "display_no", None) if c is not None else None,
        "publication_id": r.publication_id,
        "enterprise_id": r.enterprise_id,
        "applied_on": r.applied_on,
        "statement": r.statement,
        "decision": r.decision,
        "decided_on": r.decided_on,
        "reason": r.reason,
    }


def _terms_dump(info: CaseTerms) -> dict:
    return {
        "case_id": info.case.id,
        "case_no": getattr(info.case, "display_no", None),
        "publication_id": info.entry.id if info.entry else None,
        "published_on": info.entry.published_on if info.entry else None,
        "serious": info.terms.serious if info.terms else None,
        "min_end": info.terms.min_end if info.terms else None,
        "max_end": info.terms.max_end if info.terms else None,
        "can_apply": info.why_not is None,
        "why_not": info.why_not,
    }


def _validated(form_name: str, c: PenaltyCase) -> dict:
    formdata, files = _submitted_form()
    try:
        return forms.validate(form_name, formdata, files, actor=current_user, context={"case": c})
    except forms.FormInvalid as exc:
        raise ValidationFailed(exc.message or "提交的内容未通过校验", field_errors=exc.errors) from None


@api_bp.get("/credit/info-repairs")
@doc(
    {
        "get": {
            "summary": "行政处罚信息信用修复申请（数据范围内，待决定的在前）；企业账号另列本单位在公示中的处罚决定及其公示期限",
            "responses": {
                "200": {"content": {"application/json": {"schema": "InfoRepairListSchema"}}},
                "401": ERROR,
                "422": ERROR,
            },
        }
    },
    query=InfoRepairArgsSchema,
)
def api_list():
    args = params.check(InfoRepairArgsSchema, request.args)
    from sqlalchemy import func

    stmt = scoped_repairs(current_user)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.offset((args["page"] - 1) * PER_PAGE).limit(PER_PAGE)))
    pubs = (
        []
        if _is_staff(current_user)
        else [_terms_dump(case_terms(c)) for c, _e in published_cases(current_user)]
    )
    return InfoRepairListSchema().dump(
        {
            "items": [_repair_dump(r, db.session.get(PenaltyCase, r.case_id)) for r in rows],
            "publications": pubs,
            "total": total,
            "page": args["page"],
        }
    )


@api_bp.post("/credit/info-repairs/cases/<int:case_id>")
@doc(
    {
        "post": {
            "summary": "申请提前停止公示（一般失信行为，最短公示期届满且已履行；企业账号网上申请或执法人员登记书面申请；表单 credit_info_repair_apply）",
            "parameters": [_path("case_id", "行政处罚案件ID")],
            "requestBody": BODY,
            "responses": {
                "200": {"content": {"application/json": {"schema": "InfoRepairResultSchema"}}},
                **ACTION_ERRORS,
            },
        }
    }
)
def api_apply(case_id: int):
    c = scoped_case(current_user, case_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    if not may_apply_as(current_user, c):
        raise PermissionDenied("只有被处罚单位本单位的账号，或本辖区执法人员登记书面申请，方可申请")
    data = _validated(APPLY_FORM, c)
    row = ops.apply_info_repair(c, data, actor=current_user)
    commit_request()
    return InfoRepairResultSchema().dump({"status": "ok", "id": row.id, "decision": None})


@api_bp.post("/credit/info-repairs/<int:info_repair_id>/decide")
@doc(
    {
        "post": {
            "summary": "行政处罚信息信用修复决定（本辖区负责人；准予的即停止公示；表单 credit_info_repair_decide）",
            "parameters": [_path("info_repair_id", "行政处罚信息信用修复申请ID")],
            "requestBody": BODY,
            "responses": {
                "200": {"content": {"application/json": {"schema": "InfoRepairResultSchema"}}},
                **ACTION_ERRORS,
            },
        }
    }
)
def api_decide(info_repair_id: int):
    repair = scoped_repair(current_user, info_repair_id)
    if repair is None:
        raise NotFound(NOT_FOUND)
    c = _case_of(repair)
    if not may_decide(current_user, c):
        raise PermissionDenied("行政处罚信息信用修复由本辖区负责人决定")
    data = _validated(DECIDE_FORM, c)
    ops.decide_info_repair(repair, data, actor=current_user)
    commit_request()
    return InfoRepairResultSchema().dump({"status": "ok", "id": repair.id, "decision": repair.decision})


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)


__all__ = ["api_bp", "bp", "case_terms", "init_app", "published_cases", "scoped_repairs"]
