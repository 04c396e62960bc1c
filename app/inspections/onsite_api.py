"""The inspection's writes that have a page but no workflow task (the workflow's steps — 检查方案, 超限审批,
现场检查记录, 结果处理 — are POST /api/v1/tasks/<id>/complete):

- POST /api/v1/inspections                                   create an inspection (the create page's form,
  `inspection_create_over_cap`: the page's fields with the optional over-cap reason; then
  operations.inspection.create_inspection: the team, certificates, 回避, the yearly cap) — 403 for who may not
  create, 404 for an enterprise outside the reader's jurisdiction, 422 with the field's Chinese message;
- POST /api/v1/inspections/<id>/checklist/<item_code>        one checklist item's result (符合/不符合/不涉及)
  with its 说明 (operations.inspection.record_item: the team only, on site, before the record is issued).

Thin like the pages: load scoped, one operation, commit."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from marshmallow import Schema, fields

from app import forms, params
from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.api.routes import _submitted_form
from app.auth.permissions import in_scope
from app.db import commit_request
from app.errors import NotFound, PermissionDenied, ValidationFailed, invalid, require
from app.extensions import db
from app.inspections import access, schemas
from app.inspections.models import Inspection, ItemResult
from app.inspections.operations import inspection as ops
from app.inspections.routes import CREATE_OVER_CAP_FORM
from app.org.models import Enterprise

bp = api_blueprint("api_inspection_writes", __name__)
NOT_FOUND = "检查不存在或不在您的范围内"
CREATE_DENIED = "只有执法人员、科室负责人或负责人可以创建检查"


class ChecklistResultSchema(Schema):
    inspection_id = fields.Int()
    item_code = fields.Str(metadata={"description": "检查项编号"})
    item_text = fields.Str(metadata={"description": "检查内容"})
    result = fields.Str(metadata={"description": "符合/不符合/不涉及"})
    note = fields.Str(allow_none=True, metadata={"description": "说明"})
    recorded_by_id = fields.Int()
    recorded_at = fields.DateTime()
    finding_needed = fields.Bool(
        metadata={"description": "不符合且尚未登记问题：须登记发现的问题（现场检查页的问题表单）"}
    )


register_schemas(ChecklistResultSchema)


def _body(schema: str, note: str) -> dict:
    return {
        "content": {
            "application/json": {"schema": schema},
            "multipart/form-data": {"schema": {"type": "object", "description": note}},
        }
    }


def _ok(code: str, schema: str) -> dict:
    return {code: {"content": {"application/json": {"schema": schema}}}}


def _validated(form_name: str, context: dict) -> dict:
    formdata, files = _submitted_form()
    try:
        return forms.validate(form_name, formdata, files, actor=current_user, context=context)
    except forms.FormInvalid as exc:
        raise ValidationFailed(exc.message or "提交的内容未通过校验", field_errors=exc.errors) from None


def _enterprise() -> Enterprise:
    """The enterprise named by the body's enterprise_id: 422 when missing or not a number, 404 when there is
    none in the reader's jurisdiction (as the create page)."""
    formdata, _files = _submitted_form()
    raw = (formdata.get("enterprise_id") or "").strip()
    if not raw:
        raise invalid("enterprise_id", "请选择被检查单位")
    try:
        enterprise_id = int(raw)
    except ValueError:
        raise invalid("enterprise_id", "被检查单位编号不正确") from None
    enterprise = db.session.get(Enterprise, enterprise_id) if 0 < enterprise_id <= params.MAX_INT else None
    if enterprise is None or not in_scope(current_user, enterprise.region_path, enterprise.id):
        raise NotFound("企业不存在或不在您的范围内")
    return enterprise


@bp.post("/inspections")
@doc(
    {
        "post": {
            "summary": "创建监督检查（执法人员、科室负责人、负责人；表单 inspection_create_over_cap：enterprise_id、"
            "source、source_ref、mode、planned_on、due_on、lead_officer_id、member_ids、checklist_code，已达年度"
            "上限的须填 over_cap_reason 报负责人审批）",
            "requestBody": _body("CompleteTaskSchema", "表单字段"),
            "responses": {
                **_ok("201", "InspectionSchema"),
                **error_responses("401", "403", "404", "409", "422"),
            },
        }
    }
)
def create():
    """创建监督检查"""
    require(not current_user.is_enterprise_user and current_user.has_role(*ops.CREATOR_ROLES), CREATE_DENIED)
    enterprise = _enterprise()
    data = _validated(CREATE_OVER_CAP_FORM, {"enterprise": enterprise})
    insp = ops.create_inspection(enterprise, data, actor=current_user)
    commit_request()
    return schemas.InspectionSchema().dump(insp), 201


@bp.post("/inspections/<int:inspection_id>/checklist/<item_code>")
@doc(
    {
        "post": {
            "summary": "记录检查项结果（本次检查的执法人员，现场检查开始后、现场检查记录制发前；"
            "data：result 符合/不符合/不涉及，note 说明；不符合的须另行登记问题）",
            "parameters": [
                path_id("inspection_id", "检查ID"),
                {
                    "in": "path",
                    "name": "item_code",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "检查项编号（检查表中的编号）",
                },
            ],
            "requestBody": _body("CompleteTaskSchema", "result、note"),
            "responses": {
                **_ok("200", "ChecklistResultSchema"),
                **error_responses("401", "403", "404", "409", "422"),
            },
        }
    }
)
def checklist_item(inspection_id: int, item_code: str):
    """记录检查项结果"""
    insp = db.session.get(Inspection, inspection_id)
    if insp is None or not access.can_view(current_user, insp):
        raise NotFound(NOT_FOUND)
    if current_user.is_enterprise_user:  # it reads its inspection, it does not record it
        raise PermissionDenied("只有本次检查的执法人员可以办理现场检查")
    formdata, _files = _submitted_form()
    data = {"item_code": item_code, "result": formdata.get("result", ""), "note": formdata.get("note", "")}
    try:
        row = ops.record_item(insp, data, actor=current_user)
    except ValidationFailed as exc:
        if "item_code" in exc.field_errors:  # the path names no item of the inspection's checklist
            raise NotFound(exc.field_errors["item_code"]) from None
        raise
    commit_request()
    needed = row.result == ItemResult.NONCOMPLIANT and not any(
        f.item_code == row.item_code for f in ops.findings_of(insp)
    )
    return ChecklistResultSchema().dump(
        {
            "inspection_id": insp.id,
            "item_code": row.item_code,
            "item_text": row.item_text,
            "result": row.result,
            "note": row.note,
            "recorded_by_id": row.recorded_by_id,
            "recorded_at": row.recorded_at,
            "finding_needed": needed,
        }
    )


def register(app: Flask) -> None:
    app.register_blueprint(bp)
