"""/api/v1/inspections/open-items: the open-items page's rows (app.inspections.results.open_items: the same
three scoped queries) — 违法行为 without their outcome, 现场处理措施 in force, 双随机 results not yet
published (overdue marked). Staff only: an enterprise account is refused (403) like on the page."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from marshmallow import Schema, fields

from app.api import api_blueprint, doc, error_responses, register_schemas
from app.errors import require
from app.inspections import results as view

bp = api_blueprint("api_inspection_open_items", __name__)


class OpenViolationSchema(Schema):
    id = fields.Int(metadata={"description": "问题ID"})
    inspection_id = fields.Int()
    inspection_code = fields.Str()
    planned_on = fields.Date()
    enterprise_id = fields.Int()
    enterprise_name = fields.Str()
    seq = fields.Int()
    location = fields.Str(allow_none=True)
    description = fields.Str()
    provision = fields.Str(allow_none=True, metadata={"description": "违反条款"})
    level = fields.Str(allow_none=True)
    case_proposal_id = fields.Int(allow_none=True, metadata={"description": "案件线索"})
    state = fields.Str(metadata={"description": "案件线索待处理/尚未移送立案"})


class OpenMeasureSchema(Schema):
    id = fields.Int()
    inspection_id = fields.Int()
    inspection_code = fields.Str()
    doc_number = fields.Str(allow_none=True, metadata={"description": "现场处理措施决定书文号"})
    enterprise_id = fields.Int()
    enterprise_name = fields.Str()
    kind = fields.Str(metadata={"description": "措施"})
    scope = fields.Str(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    until = fields.Date(allow_none=True, metadata={"description": "期限"})
    expired = fields.Bool(metadata={"description": "已到期未解除"})


class OpenResultSchema(Schema):
    id = fields.Int(metadata={"description": "检查ID"})
    code = fields.Str()
    enterprise_id = fields.Int()
    enterprise_name = fields.Str()
    status = fields.Str()
    result_publish_due = fields.Date(allow_none=True, metadata={"description": "公示期限"})
    overdue = fields.Bool(metadata={"description": "已逾期"})


class OpenViolationListSchema(Schema):
    rows = fields.List(fields.Nested(OpenViolationSchema))
    total = fields.Int()


class OpenMeasureListSchema(Schema):
    rows = fields.List(fields.Nested(OpenMeasureSchema))
    total = fields.Int()


class OpenResultListSchema(Schema):
    rows = fields.List(fields.Nested(OpenResultSchema))
    total = fields.Int()
    overdue = fields.Int(metadata={"description": "逾期未公示（所列各行中）"})


class OpenItemsSchema(Schema):
    violations = fields.Nested(OpenViolationListSchema, metadata={"description": "违法行为待处理结果"})
    measures = fields.Nested(OpenMeasureListSchema, metadata={"description": "执行中的现场处理措施"})
    results = fields.Nested(OpenResultListSchema, metadata={"description": "双随机抽查结果待公示"})


register_schemas(
    OpenViolationSchema,
    OpenMeasureSchema,
    OpenResultSchema,
    OpenViolationListSchema,
    OpenMeasureListSchema,
    OpenResultListSchema,
    OpenItemsSchema,
)


@bp.get("/inspections/open-items")
@doc(
    {
        "get": {
            "summary": "检查未结事项（同未结事项页，数据范围内）：违法行为待处理结果、执行中的现场处理措施、双随机抽查结果待公示",
            "responses": {
                "200": {"content": {"application/json": {"schema": "OpenItemsSchema"}}},
                **error_responses("401", "403"),
            },
        }
    }
)
def open_items():
    """检查未结事项"""
    require(not current_user.is_enterprise_user, "仅供执法人员查看")
    items = view.open_items(current_user)
    return OpenItemsSchema().dump(
        {
            "violations": {
                "rows": [
                    {
                        "id": f.id,
                        "inspection_id": f.inspection_id,
                        "inspection_code": f.inspection.code,
                        "planned_on": f.inspection.planned_on,
                        "enterprise_id": f.inspection.enterprise_id,
                        "enterprise_name": f.inspection.enterprise.name,
                        "seq": f.seq,
                        "location": f.location,
                        "description": f.description,
                        "provision": f.provision,
                        "level": f.level,
                        "case_proposal_id": f.case_proposal_id,
                        "state": "案件线索待处理" if f.case_proposal_id else "尚未移送立案",
                    }
                    for f in items.violations.rows
                ],
                "total": items.violations.total,
            },
            "measures": {
                "rows": [
                    {
                        "id": m.id,
                        "inspection_id": m.inspection_id,
                        "inspection_code": m.inspection.code,
                        "doc_number": m.doc_number,
                        "enterprise_id": m.inspection.enterprise_id,
                        "enterprise_name": m.inspection.enterprise.name,
                        "kind": m.kind,
                        "scope": m.scope,
                        "issued_at": m.issued_at,
                        "until": m.until,
                        "expired": m.until is not None and m.until < items.today,
                    }
                    for m in items.measures.rows
                ],
                "total": items.measures.total,
            },
            "results": {
                "rows": [
                    {
                        "id": i.id,
                        "code": i.code,
                        "enterprise_id": i.enterprise_id,
                        "enterprise_name": i.enterprise.name,
                        "status": i.status,
                        "result_publish_due": i.result_publish_due,
                        "overdue": items.overdue(i),
                    }
                    for i in items.results.rows
                ],
                "total": items.results.total,
                "overdue": items.overdue_results,
            },
        }
    )


def register(app: Flask) -> None:
    app.register_blueprint(bp)
