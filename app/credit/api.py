"""/api/v1/credit: the 严重失信主体名单 list (the list page's ListingFilters and data scope), one listing in the
reader's terms, the 事故 register, the manual proposal, and the listing's non-task actions (部门反馈, 记录陈述申辩,
复议/诉讼, 信用修复申请, 撤销提前移出) through the same forms and operations as the listing page.

Workflow steps (列入告知 … 送达, 信用修复核查/决定, the enterprise's online 陈述申辩) go through the generic
POST /api/v1/tasks/<id>/complete, which runs the same handlers as the pages; the legal gates live in the
operations, so they hold there too."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from flask import request
from flask_login import current_user

from app import forms, params
from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.api.routes import _submitted_form
from app.credit import pages, queries, schemas, view
from app.credit.models import CreditListing, ListingMeasure, RepairApplication
from app.db import commit_request
from app.errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db

bp = api_blueprint("api_credit", __name__)
register_schemas(
    schemas.ListingSchema,
    schemas.ListingPageSchema,
    schemas.MeasureSchema,
    schemas.StatementSchema,
    schemas.RemedySchema,
    schemas.PushSchema,
    schemas.RepairSchema,
    schemas.CreditDocumentRefSchema,
    schemas.ProgressStepSchema,
    schemas.ListingDetailSchema,
    schemas.AccidentSchema,
    schemas.AccidentPageSchema,
    schemas.CreditActionResultSchema,
)

PATH_LISTING = path_id("listing_id", "列入ID")
ERRORS = error_responses("401", "422")
ACTION_ERRORS = error_responses("401", "422", "403", "404", "409")
NOT_FOUND = "列入记录不存在或不在您的范围内"


def _ok(schema: str) -> dict:
    return {"200": {"content": {"application/json": {"schema": schema}}}}


def _listing(listing_id: int) -> CreditListing:
    listing = queries.scoped_get(current_user, listing_id)
    if listing is None:
        raise NotFound(NOT_FOUND)
    return listing


@bp.get("/credit/listings")
@doc(
    {
        "get": {
            "summary": "严重失信主体名单（数据范围内；筛选同名单列表页；企业账号只见本单位自列入告知书送达起的记录）",
            "responses": {**_ok("ListingPageSchema"), **ERRORS},
        }
    },
    query=schemas.ListingArgsSchema,
)
def listings():
    """严重失信主体名单"""
    page = queries.listing_page(current_user, queries.ListingFilters.from_args(request.args))
    if current_user.is_enterprise_user:  # its status and dates as its page shows them (app.credit.view)
        page = dataclasses.replace(page, items=[view.outsider_row(row) for row in page.items])
    return schemas.ListingPageSchema().dump(page)


@bp.get("/credit/listings/<int:listing_id>")
@doc(
    {
        "get": {
            "summary": "列入详情：列入依据、惩戒措施及各部门反馈、陈述申辩、复议诉讼、推送记录、信用修复、文书和当前任务；企业账号只见办理进度、惩戒措施和送达给它的文书",
            "parameters": [PATH_LISTING],
            "responses": {
                **_ok("ListingDetailSchema"),
                "404": {"content": {"application/json": {"schema": "ErrorSchema"}}},
            },
        }
    }
)
def listing(listing_id: int):
    """列入详情"""
    lst = _listing(listing_id)
    ctx = pages.detail_context(lst, current_user)
    outsider = ctx["outsider"]
    measures = [
        {
            "id": m.id,
            "code": m.code,
            "name": m.name,
            "basis": m.basis,
            "department": m.department,
            "internal": m.internal,
            "interview_on": m.interview_on,
        }
        if outsider
        else m
        for m in lst.measures
    ]
    # the enterprise gets what its page shows: before the 列入决定书 is served no decision (date, measures,
    # reasons) and its status as 审查中 (app.credit.view), not the agency's internal 核查中/待决定/待送达
    served = lst.decision_served_on is not None
    return schemas.ListingDetailSchema().dump(
        {
            "listing": view.outsider_row(lst) if outsider else lst,
            "evidence": None if outsider else lst.evidence,
            "reasons": lst.reasons if (not outsider or served) else None,
            "measure_codes": (lst.measure_codes or []) if (not outsider or served) else [],
            "measures": measures,
            "statements": lst.statements,
            "remedies": [] if outsider else lst.remedies,
            "pushes": [] if outsider else lst.pushes,
            "repairs": [
                {
                    "id": r.id,
                    "applied_on": r.applied_on,
                    "channel": r.channel,
                    "statement": r.statement,
                    "status": r.status,
                    "decided_on": r.decided_on,
                    "revoked_on": r.revoked_on,
                }
                for r in lst.repairs
            ]
            if outsider
            else lst.repairs,
            "documents": ctx["documents"],
            "tasks": ctx["tasks"],
            "actionable_task_ids": [t.id for t in ctx["my_tasks"]],
            "progress": ctx["progress"] if outsider else None,
        }
    )


def _validated(listing: CreditListing | None, form_name: str, context: dict | None = None) -> dict:
    formdata, files = _submitted_form()
    try:
        return forms.validate(
            form_name, formdata, files, actor=current_user, context={"listing": listing, **(context or {})}
        )
    except forms.FormInvalid as exc:
        raise ValidationFailed(exc.message or "提交的内容未通过校验", field_errors=exc.errors) from None


def _action(listing_id: int, form_name: str, denied: str, run: Callable, context=None):
    """One non-task action: the listing page's form and operation, answered in JSON (403 for the wrong user,
    409 with the reason when the listing does not offer the form now, 422 for a field)."""
    lst = _listing(listing_id)
    who, when = pages.RULES[form_name]
    if not who(current_user, lst):
        raise PermissionDenied(denied)
    why = when(lst)
    if why is not None:
        raise InvalidState(why)
    data = _validated(lst, form_name, context)
    obj = run(lst, data)
    commit_request()
    return schemas.CreditActionResultSchema().dump(
        {"status": "ok", "listing_id": lst.id, "id": getattr(obj, "id", None)}
    )


def _action_doc(summary: str, *params_: dict) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [PATH_LISTING, *params_],
            "requestBody": {
                "content": {
                    "application/json": {"schema": "CompleteTaskSchema"},
                    "multipart/form-data": {"schema": {"type": "object", "description": "表单字段与附件"}},
                }
            },
            "responses": {**_ok("CreditActionResultSchema"), **ACTION_ERRORS},
        }
    }


OFFICER_ONLY = "只有列入决定机关辖区的执法人员可以办理"


def _path(name: str, description: str) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "integer"},
        "description": description,
    }


@bp.post("/credit/listings/<int:listing_id>/measures/<int:measure_id>/feedback")
@doc(
    _action_doc("登记实施部门对联合惩戒措施的反馈（表单 credit_feedback）", _path("measure_id", "惩戒措施ID"))
)
def feedback(listing_id: int, measure_id: int):
    """登记部门反馈"""
    measure = db.session.get(ListingMeasure, measure_id)
    if measure is None or measure.listing_id != listing_id:
        raise NotFound("惩戒措施不存在")

    def run(lst, data):
        from app.credit.effects import record_feedback

        return record_feedback(measure, data, actor=current_user)

    return _action(listing_id, pages.FEEDBACK_FORM, OFFICER_ONLY, run, {"measure": measure})


@bp.post("/credit/listings/<int:listing_id>/statement")
@doc(_action_doc("记录书面/口头陈述申辩（执法人员记录；表单 credit_statement）"))
def statement(listing_id: int):
    """记录陈述申辩"""

    def run(lst, data):
        from app.credit.operations.listing import submit_statement

        return submit_statement(lst, data, actor=current_user)

    return _action(
        listing_id,
        pages.STATEMENT_FORM,
        "只有辖区执法人员可以在陈述申辩期限内记录书面或口头陈述申辩",
        run,
    )


@bp.post("/credit/listings/<int:listing_id>/remedies")
@doc(_action_doc("登记复议/诉讼及结果（表单 credit_remedy）"))
def remedy(listing_id: int):
    """登记复议/诉讼"""

    def run(lst, data):
        from app.credit.operations.remedies import record_remedy

        return record_remedy(lst, data, actor=current_user)

    return _action(listing_id, pages.REMEDY_FORM, OFFICER_ONLY, run)


@bp.post("/credit/listings/<int:listing_id>/remedies/outcome")
@doc(_action_doc("登记复议/诉讼结果（表单 credit_remedy_decide；撤销/确认违法的，移出名单并撤回公示）"))
def remedy_outcome(listing_id: int):
    """登记复议/诉讼结果"""

    def run(lst, data):
        from app.credit.operations.remedies import decide_remedy

        return decide_remedy(lst, data, actor=current_user)

    return _action(
        listing_id,
        pages.OUTCOME_FORM,
        "只有辖区执法人员、承办机构负责人或负责人可以登记复议/诉讼结果",
        run,
    )


@bp.post("/credit/listings/<int:listing_id>/repairs")
@doc(
    _action_doc(
        "信用修复申请：被列入企业网上申请，或执法人员登记书面申请（表单 credit_repair_apply；信用承诺书用 multipart/form-data）"
    )
)
def repair(listing_id: int):
    """申请信用修复"""

    def run(lst, data):
        from app.credit.operations.repair import apply_repair

        return apply_repair(lst, data, actor=current_user)

    return _action(
        listing_id,
        pages.REPAIR_FORM,
        "只有被列入的企业或辖区执法人员可以在名单有效期内申请信用修复",
        run,
    )


@bp.post("/credit/listings/<int:listing_id>/repairs/<int:repair_id>/revoke")
@doc(
    _action_doc(
        "撤销提前移出决定（发现弄虚作假；负责人；表单 credit_repair_revoke）",
        _path("repair_id", "信用修复申请ID"),
    )
)
def revoke_repair(listing_id: int, repair_id: int):
    """撤销提前移出"""
    repair_app = db.session.get(RepairApplication, repair_id)
    if repair_app is None or repair_app.listing_id != listing_id:
        raise NotFound("信用修复申请不存在")

    def run(lst, data):
        from app.credit.operations.repair import revoke_repair as revoke

        return revoke(repair_app, data, actor=current_user)

    return _action(
        listing_id,
        pages.REVOKE_FORM,
        "只有负责人可以撤销提前移出决定",
        run,
        {"repair": repair_app},
    )


def _may_propose() -> bool:
    return queries.is_staff(current_user) and current_user.has_role("officer", "section_head")


@bp.post("/credit/listings")
@doc(
    {
        "post": {
            "summary": "提出列入建议（执法人员，载明列入情形和依据的事实与证据；表单 credit_proposal）",
            "requestBody": {"content": {"application/json": {"schema": "CompleteTaskSchema"}}},
            "responses": {**_ok("CreditActionResultSchema"), **ACTION_ERRORS},
        }
    }
)
def propose():
    """提出列入建议"""
    if not _may_propose():
        raise PermissionDenied("只有执法人员可以提出列入建议")
    data = _validated(None, "credit_proposal")
    from app.credit.operations.proposals import propose as run

    lst = run(data, actor=current_user)
    commit_request()
    return schemas.CreditActionResultSchema().dump({"status": "ok", "listing_id": lst.id, "id": lst.id})


@bp.get("/credit/accidents")
@doc(
    {
        "get": {
            "summary": "事故登记（数据范围内，发生日期倒序；仅执法人员）",
            "responses": {**_ok("AccidentPageSchema"), **ERRORS},
        }
    },
    query=schemas.AccidentArgsSchema,
)
def accidents():
    """事故登记"""
    if not queries.is_staff(current_user):
        raise PermissionDenied("事故登记仅供执法人员查看")
    args = params.check(schemas.AccidentArgsSchema, request.args)
    return schemas.AccidentPageSchema().dump(
        queries.accident_page(current_user, args.get("enterprise_id"), args["page"])
    )


@bp.post("/credit/accidents")
@doc(
    {
        "post": {
            "summary": "登记事故（执法人员；表单 credit_accident）；符合列入情形的，系统据此提出列入建议",
            "requestBody": {"content": {"application/json": {"schema": "CompleteTaskSchema"}}},
            "responses": {**_ok("CreditActionResultSchema"), **ACTION_ERRORS},
        }
    }
)
def record_accident():
    """登记事故"""
    if not _may_propose():
        raise PermissionDenied("只有执法人员可以登记事故")
    data = _validated(None, "credit_accident")
    from app.credit.operations.proposals import record_accident as run

    acc = run(data, actor=current_user)
    commit_request()
    return schemas.CreditActionResultSchema().dump({"status": "ok", "listing_id": None, "id": acc.id})
