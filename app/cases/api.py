"""/api/v1/cases: the 行政处罚案件 list (the list page's CaseFilters and data scope), one case in the reader's
terms, the proposals, and the case's non-task actions (证据, 不计入期间, 送达, 缴款, 追责时效) through the same
forms and operations as the case page.

Task steps (立案审批 … 结案) go through the generic POST /api/v1/tasks/<id>/complete, which runs the same
case handler as the pages; the legal gates live in the operations, so they hold there too."""

from __future__ import annotations

from collections.abc import Callable

from flask import jsonify, request
from flask_login import current_user

from app import audit, forms, params
from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.api.routes import _submitted_form
from app.cases import art113, availability, linked, pages, queries, schemas
from app.cases import execution_pages as xp
from app.cases import operations as ops
from app.cases import permissions as perm
from app.cases.models import PenaltyCase
from app.cases.operations import deadline
from app.cases.operations import execution as ex
from app.cases.operations.execution import balance
from app.db import commit_request
from app.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db

bp = api_blueprint("api_cases", __name__)
register_schemas(
    schemas.CaseSchema,
    schemas.CasePageSchema,
    schemas.PenaltyLineSchema,
    schemas.FileSchema,
    schemas.EvidenceSchema,
    schemas.PauseSchema,
    schemas.ServiceSchema,
    schemas.PaymentSchema,
    schemas.BalanceSchema,
    schemas.DocumentRefSchema,
    schemas.ProgressStepSchema,
    schemas.CaseDetailSchema,
    schemas.ProposalSchema,
    schemas.ProposalPageSchema,
    schemas.ActionResultSchema,
    schemas.ClosureSchema,
)

PATH_CASE = path_id("case_id", "案件ID")
ERRORS = error_responses("401", "422")
ACTION_ERRORS = error_responses("401", "422", "403", "404", "409")


def _ok(schema: str) -> dict:
    return {"200": {"content": {"application/json": {"schema": schema}}}}


def _case(case_id: int) -> PenaltyCase:
    case = queries.scoped_get(current_user, case_id)
    if case is None:
        raise NotFound("案件不存在或不在您的范围内")
    return case


@bp.get("/cases")
@doc(
    {
        "get": {
            "summary": "行政处罚案件列表（数据范围内；筛选同案件列表页）；filings：立案审批中的案件，同列表页上方所列",
            "responses": {**_ok("CasePageSchema"), **ERRORS},
        }
    },
    query=schemas.CaseArgsSchema,
)
def cases():
    """行政处罚案件列表"""
    page = queries.case_page(current_user, queries.CaseFilters.from_args(request.args))
    filings = queries.filings(current_user) if perm.is_staff(current_user) else []
    return schemas.CasePageSchema().dump(page) | {"filings": schemas.CaseSchema(many=True).dump(filings)}


@bp.get("/cases/proposals")
@doc(
    {
        "get": {
            "summary": "案件线索（待处理在前；企业账号无权查看）",
            "responses": {**_ok("ProposalPageSchema"), **ERRORS},
        }
    },
    query=schemas.ProposalArgsSchema,
)
def proposals():
    """案件线索"""
    if not perm.is_staff(current_user):
        raise PermissionDenied("案件线索仅供执法人员查看")
    args = params.check(schemas.ProposalArgsSchema, request.args)
    return schemas.ProposalPageSchema().dump(
        queries.proposal_page(current_user, args.get("status", ""), args["page"])
    )


def _evidence(case: PenaltyCase, ctx: dict) -> list[dict]:
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "title": e.title,
            "description": e.description,
            "collected_on": e.collected_on,
            "place": e.place,
            "files": files,
        }
        for e, files in ctx["evidence"]
    ]


def _balance(case: PenaltyCase) -> dict | None:
    if case.decided_on is None:
        return None
    b = balance(case)
    return {
        "principal": b.principal,
        "paid_principal": b.paid_principal,
        "surcharge": b.surcharge.amount if b.surcharge else None,
        "surcharge_days": b.surcharge.days if b.surcharge else None,
        "paid_surcharge": b.paid_surcharge,
        "owed": b.owed,
    }


@bp.get("/cases/<int:case_id>")
@doc(
    {
        "get": {
            "summary": "案件详情：处罚内容、证据（含文件SHA-256）、送达、缴款与加处罚款、文书、当前任务和执法全过程记录；企业账号只见本企业已立案案件的进度和送达给它的文书",
            "parameters": [PATH_CASE],
            "responses": {
                **_ok("CaseDetailSchema"),
                "404": {"content": {"application/json": {"schema": "ErrorSchema"}}},
            },
        }
    }
)
def case(case_id: int):
    """案件详情"""
    c = _case(case_id)
    ctx = pages.detail_context(c, current_user)
    outsider = ctx["outsider"]
    return schemas.CaseDetailSchema().dump(
        {
            "case": c,
            "officers": []
            if outsider
            else [{"name": o.user.name, "cert_no": o.cert_no, "lead": o.lead} for o in c.officers],
            "lines": _party_lines(c) if outsider else [_line(ln) for ln in c.lines],
            "evidence": [] if outsider else _evidence(c, ctx),
            "pauses": [] if outsider else c.pauses,
            "services": c.services if not outsider else [],
            "payments": c.payments,
            "balance": _balance(c),
            "documents": ctx["documents"],
            "missing": [] if outsider else ctx["missing"],
            "tasks": ctx["tasks"],
            "actionable_task_ids": [t.id for t in ctx["my_tasks"]],
            "history": [] if outsider else audit.history(c),
            "progress": ctx["progress"] if outsider else None,
        }
    )


def _line(ln) -> dict:
    """A penalty line for staff: its three stages and, apart, the unit's 按日连续处罚 (Art.112)."""
    return {
        "target": ln.target,
        "party_name": ln.party_name,
        "proposed_kinds": ln.proposed_kinds,
        "proposed_fine": ln.proposed_fine,
        "notified_kinds": ln.notified_kinds,
        "notified_fine": ln.notified_fine,
        "decided_kinds": ln.decided_kinds,
        "decided_fine": ln.decided_fine,
        "continuing_fine": linked.continuing_amount(ln, "proposed") or None,
    }


def _party_lines(c: PenaltyCase) -> list[dict]:
    """The penalty lines as the party may read them (as on its case page): never the proposed figures, the
    notified ones once the latest 告知书 is served on it, the decided ones once the decision is served."""
    last = max(c.notices, key=lambda n: n.round, default=None)
    notified = last is not None and last.served_on is not None
    decided = c.decision_served_on is not None
    return [
        {
            "target": ln.target,
            "party_name": ln.party_name,
            "proposed_kinds": [],
            "proposed_fine": None,
            "notified_kinds": ln.notified_kinds if notified else None,
            "notified_fine": ln.notified_fine if notified else None,
            "decided_kinds": ln.decided_kinds if decided else None,
            "decided_fine": ln.decided_fine if decided else None,
            "continuing_fine": (linked.continuing_amount(ln, "notified") or None) if notified else None,
        }
        for ln in c.lines
    ]


def _validated(c: PenaltyCase, form_name: str) -> dict:
    """The submitted form's typed values. When its fields do not pass and the case page does not offer the
    form where the case stands, the answer is that reason (409), not errors on fields the page never shows."""
    formdata, files = _submitted_form()
    try:
        return forms.validate(form_name, formdata, files, actor=current_user, context={"case": c})
    except forms.FormInvalid as exc:
        why = availability.refusal(c, current_user, form_name)
        if why is not None:
            raise InvalidState(why) from None
        raise ValidationFailed("提交的内容未通过校验", field_errors=exc.errors) from None


def _action(case_id: int, form_name: str, allowed: Callable, denied: str, run: Callable):
    """One non-task action: the case page's form and operation, answered in JSON."""
    c = _case(case_id)
    if current_user.is_enterprise_user or not allowed(current_user, c):
        raise PermissionDenied(denied)
    data = _validated(c, form_name)
    obj = run(c, data)
    commit_request()
    return schemas.ActionResultSchema().dump(
        {"status": "ok", "case_id": c.id, "id": getattr(obj, "id", None)}
    )


def _action_doc(summary: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [PATH_CASE],
            "requestBody": {
                "content": {
                    "application/json": {"schema": "CompleteTaskSchema"},
                    "multipart/form-data": {"schema": {"type": "object", "description": "表单字段与附件"}},
                }
            },
            "responses": {**_ok("ActionResultSchema"), **ACTION_ERRORS},
        }
    }


OFFICER_ONLY = "只有本案承办人员或承办机构负责人可以办理"


@bp.post("/cases/<int:case_id>/evidence")
@doc(_action_doc("登记证据（表单 case_evidence；文件用 multipart/form-data）"))
def add_evidence(case_id: int):
    """登记证据"""
    return _action(
        case_id,
        "case_evidence",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda c, d: ops.add_evidence(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/pauses")
@doc(_action_doc("不计入办案期限的期间开始（表单 case_pause_start）"))
def start_pause(case_id: int):
    """期间开始"""
    return _action(
        case_id,
        "case_pause_start",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda c, d: ops.start_pause(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/pauses/end")
@doc(_action_doc("不计入办案期限的期间结束（表单 case_pause_end）"))
def end_pause(case_id: int):
    """期间结束"""
    return _action(
        case_id,
        "case_pause_end",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda c, d: ops.end_pause(c, d, actor=current_user),
    )


def _serve(c: PenaltyCase, data: dict):
    return pages.serve(c, data, actor=current_user)


@bp.post("/cases/<int:case_id>/services")
@doc(_action_doc("送达本案文书并生成送达回执（表单 case_service）"))
def record_service(case_id: int):
    """送达"""
    return _action(case_id, "case_service", pages.is_case_officer, OFFICER_ONLY, _serve)


@bp.post("/cases/<int:case_id>/payments")
@doc(_action_doc("缴款登记（表单 case_payment）"))
def record_payment(case_id: int):
    """缴款登记"""
    return _action(
        case_id,
        "case_payment",
        pages.is_case_officer,
        OFFICER_ONLY,
        lambda c, d: ops.record_payment(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/limitation")
@doc(_action_doc("认定追责时效（表单 case_limitation；仅法制审核人员）"))
def set_limitation(case_id: int):
    """认定追责时效"""
    return _action(
        case_id,
        "case_limitation",
        pages.can_set_limitation,
        "只有法制审核人员可以认定追责时效",
        lambda c, d: ops.set_five_year_limitation(
            c, d["five_years"] == "yes", d["reason"], actor=current_user
        ),
    )


# --- 执行 and 办案期限 (the case page's 执行 part: app.cases.execution_routes) -------------------------------


@bp.post("/cases/<int:case_id>/arrangements")
@doc(
    _action_doc(
        "申请延期（分期）缴纳罚款（表单 case_arrangement_apply；当事人企业账号可为本企业案件申请，或由承办人员记录）"
    )
)
def apply_arrangement(case_id: int):
    """申请延期（分期）缴纳"""
    c = _case(case_id)
    if not xp.can_apply_arrangement(current_user, c):
        raise PermissionDenied("只有当事人或本案承办人员可以申请延期（分期）缴纳罚款")
    data = _validated(c, "case_arrangement_apply")
    obj = ex.apply_arrangement(c, data, actor=current_user)
    commit_request()
    return schemas.ActionResultSchema().dump({"status": "ok", "case_id": c.id, "id": obj.id})


@bp.post("/cases/<int:case_id>/arrangements/decision")
@doc(_action_doc("审批延期（分期）缴纳申请（表单 case_arrangement_decide；承办机构负责人或负责人）"))
def decide_arrangement(case_id: int):
    """审批延期（分期）缴纳"""
    return _action(
        case_id,
        "case_arrangement_decide",
        xp.can_decide_arrangement,
        "延期（分期）缴纳由承办机构负责人或负责人审批",
        lambda c, d: ex.decide_arrangement(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/remedies")
@doc(_action_doc("登记行政复议或行政诉讼（表单 case_remedy_file）：期间不加处罚款"))
def file_remedy(case_id: int):
    """登记复议（诉讼）"""
    return _action(
        case_id,
        "case_remedy_file",
        xp.can_execute,
        OFFICER_ONLY,
        lambda c, d: ex.file_remedy(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/remedies/outcome")
@doc(
    _action_doc("登记复议（诉讼）结果（表单 case_remedy_decide；变更的罚款用 lines-<n>-id / lines-<n>-fine）")
)
def decide_remedy(case_id: int):
    """登记复议（诉讼）结果"""
    return _action(
        case_id,
        "case_remedy_decide",
        xp.can_execute,
        OFFICER_ONLY,
        lambda c, d: ex.decide_remedy(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/reminders")
@doc(_action_doc("制发罚款缴纳催告书（表单 case_reminder；缴款期限届满仍未缴清的）"))
def issue_reminder(case_id: int):
    """制发催告书"""
    return _action(
        case_id,
        "case_reminder",
        xp.can_execute,
        OFFICER_ONLY,
        lambda c, d: ex.issue_reminder(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/reminders/service")
@doc(_action_doc("送达最近一份催告书并生成送达回执（表单 case_reminder_service）"))
def serve_reminder(case_id: int):
    """送达催告书"""
    return _action(
        case_id,
        "case_reminder_service",
        xp.can_execute,
        OFFICER_ONLY,
        lambda c, d: ex.serve_reminder(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/enforcement")
@doc(
    _action_doc(
        "申请人民法院强制执行（表单 case_enforcement；催告书送达满10日且复议、诉讼期限届满后三个月内）"
    )
)
def apply_enforcement(case_id: int):
    """申请强制执行"""
    return _action(
        case_id,
        "case_enforcement",
        xp.can_execute,
        OFFICER_ONLY,
        lambda c, d: ex.apply_enforcement(c, d, actor=current_user),
    )


@bp.post("/cases/<int:case_id>/extension")
@doc(_action_doc("延长办案期限（表单 case_extension；本机关负责人）"))
def extend_deadline(case_id: int):
    """延长办案期限"""
    return _action(
        case_id,
        "case_extension",
        xp.can_extend,
        "延长办案期限由本机关负责人审批（或登记上一级机关的批准）",
        lambda c, d: deadline.extend_deadline(c, d, actor=current_user),
    )


# --- 提请关闭 (安全生产法 Art.113; the 负责人's page: app.cases.execution_routes.closures) -----------------------

CLOSURE_DENIED = "只有负责人可以处理提请关闭"
PATH_CLOSURE = {
    "in": "path",
    "name": "closure_id",
    "required": True,
    "schema": {"type": "integer"},
    "description": "提请关闭事项ID",
}


@bp.get("/cases/closures")
@doc(
    {
        "get": {
            "summary": "提请关闭事项（安全生产法第一百一十三条；数据范围内，待处理在前，最多200条；仅负责人）",
            "responses": {
                "200": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": "ClosureSchema",
                            }
                        }
                    }
                },
                **ERRORS,
                "403": {"content": {"application/json": {"schema": "ErrorSchema"}}},
            },
        }
    }
)
def closures():
    """提请关闭事项"""
    if not xp.can_decide_closure(current_user):
        raise PermissionDenied(CLOSURE_DENIED)
    rows = db.session.scalars(art113.scoped_closures(current_user).limit(200))
    return jsonify(schemas.ClosureSchema(many=True).dump(list(rows)))


@bp.post("/cases/closures/<int:closure_id>")
@doc(
    {
        "post": {
            "summary": "处理提请关闭（表单 case_closure：decision=submit 提请本级人民政府予以关闭 / dismiss 不提请，opinion 意见；仅辖区负责人，处理后不可撤回）",
            "parameters": [PATH_CLOSURE],
            "requestBody": {
                "content": {
                    "application/json": {"schema": "CompleteTaskSchema"},
                    "multipart/form-data": {"schema": {"type": "object", "description": "表单字段"}},
                }
            },
            "responses": {**_ok("ActionResultSchema"), **ACTION_ERRORS},
        }
    }
)
def decide_closure(closure_id: int):
    """处理提请关闭"""
    if not xp.can_decide_closure(current_user):
        raise PermissionDenied(CLOSURE_DENIED)
    proposal = art113.scoped_closure(current_user, closure_id)
    if proposal is None:
        raise NotFound("提请关闭事项不存在或不在您的范围内")
    formdata, files = _submitted_form()
    try:
        data = forms.validate("case_closure", formdata, files, actor=current_user)
    except forms.FormInvalid as exc:
        raise ValidationFailed("提交的内容未通过校验", field_errors=exc.errors) from None
    art113.decide_closure(proposal, data, actor=current_user)
    commit_request()
    return schemas.ActionResultSchema().dump(
        {"status": "ok", "case_id": proposal.trigger_case_id, "id": proposal.id}
    )
