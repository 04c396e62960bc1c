"""/api/v1/inspection-reports: the 举报 list and one 举报, for staff of the jurisdiction (an enterprise account
gets an empty list and 404), with the informant exactly as the pages show it — in full only to the intake
officer and the 负责人 (app.inspections.tipoff_access), masked for everyone else. The workflow's steps go
through the generic POST /api/v1/tasks/<id>/complete, which runs the same operations as the pages."""

from __future__ import annotations

from flask import request
from flask_login import current_user
from marshmallow import Schema, fields

from app import params
from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.errors import NotFound
from app.extensions import db
from app.inspections import tipoff_access as access
from app.inspections.models.tipoff import TipOff
from app.inspections.tipoff_routes import TipOffArgsSchema, tipoff_page

bp = api_blueprint("api_inspection_reports", __name__)
NOT_FOUND = "举报不存在或不在您的范围内"


class TipOffInformantSchema(Schema):
    name = fields.Str(metadata={"description": "举报人（非受理人、负责人为“（保密）”；匿名举报为“匿名”）"})
    phone = fields.Str()
    id_no = fields.Str()
    address = fields.Str()
    visible = fields.Bool(metadata={"description": "本人可见举报人身份信息"})


class TipOffSchema(Schema):
    id = fields.Int()
    no = fields.Str(metadata={"description": "举报编号"})
    channel = fields.Str(metadata={"description": "举报渠道（电话/来信/网上/来访）"})
    anonymous = fields.Bool()
    informant = fields.Nested(TipOffInformantSchema)
    content = fields.Str(metadata={"description": "举报内容（非受理人、负责人：电话、身份证号已遮蔽）"})
    place = fields.Str(allow_none=True)
    enterprise_id = fields.Int(allow_none=True)
    enterprise_name = fields.Str(allow_none=True)
    received_on = fields.Date()
    status = fields.Str(metadata={"description": "待分派/核查中/待反馈/待奖励/已办结/不予受理"})
    assigned_to_id = fields.Int(allow_none=True)
    verify_due = fields.Date(allow_none=True)
    decline_reason = fields.Str(allow_none=True)
    inspection_id = fields.Int(allow_none=True)
    verified = fields.Str(allow_none=True, metadata={"description": "属实/部分属实/不属实"})
    verification = fields.Str(allow_none=True)
    major_hazard = fields.Bool()
    feedback_due = fields.Date(allow_none=True)
    fed_back_on = fields.Date(allow_none=True)
    feedback_method = fields.Str(allow_none=True)
    reward_decision = fields.Str(allow_none=True)
    reward_suggested = fields.Decimal(as_string=True, allow_none=True)
    reward_amount = fields.Decimal(as_string=True, allow_none=True)
    reward_document_id = fields.Int(allow_none=True)
    closed_on = fields.Date(allow_none=True)


class TipOffPageSchema(Schema):
    """A keyset page (app.paging): follow `next_after` / `prev_before` for the neighbouring pages."""

    items = fields.List(fields.Nested(TipOffSchema))
    total = fields.Int()
    total_exact = fields.Bool()
    page = fields.Int(allow_none=True)
    next_after = fields.Str(allow_none=True)
    prev_before = fields.Str(allow_none=True)


register_schemas(TipOffInformantSchema, TipOffSchema, TipOffPageSchema)


def row(user, t: TipOff) -> dict:
    """One tip-off as `user` may read it."""
    fields_ = {name: getattr(t, name) for name in TipOffSchema().fields if hasattr(TipOff, name)}
    fields_.pop("content", None)
    return {
        **fields_,
        "informant": access.informant(user, t),
        "content": access.content(user, t),
        "enterprise_name": t.enterprise.name if t.enterprise is not None else None,
    }


def _ok(schema: str) -> dict:
    return {"200": {"content": {"application/json": {"schema": schema}}}}


@bp.get("/inspection-reports")
@doc(
    {
        "get": {
            "summary": "举报列表（数据范围内，新受理的在前；举报人身份按权限遮蔽）",
            "responses": {**_ok("TipOffPageSchema"), **error_responses("401", "422")},
        }
    },
    query=TipOffArgsSchema,
)
def reports():
    """举报列表"""
    values = params.check(TipOffArgsSchema, request.args)
    page = tipoff_page(current_user, values)
    return TipOffPageSchema().dump(
        {
            "items": [row(current_user, t) for t in page.items],
            "total": page.total,
            "total_exact": page.total_exact,
            "page": page.page,
            "next_after": page.next_after,
            "prev_before": page.prev_before,
        }
    )


@bp.get("/inspection-reports/<int:tipoff_id>")
@doc(
    {
        "get": {
            "summary": "举报详情（举报人身份仅受理登记人员和负责人可见）",
            "parameters": [path_id("tipoff_id", "举报ID")],
            "responses": {**_ok("TipOffSchema"), **error_responses("401", "404")},
        }
    }
)
def report(tipoff_id: int):
    """举报详情"""
    t = db.session.get(TipOff, tipoff_id)
    if t is None or not access.can_view(current_user, t):
        raise NotFound(NOT_FOUND)
    return TipOffSchema().dump(row(current_user, t))
