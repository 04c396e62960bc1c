"""/api/v1/inspection-plans: the 年度监督检查计划 as its pages show them — the reader's plans (the list page's
query, app.inspections.operations.plan.scoped_plans), one plan with its items, each month's capacity against
the need (check_capacity) and its status, and the progress page's numbers (operations.plan.progress). Staff of
the jurisdiction only: an enterprise account is refused (403) like on the pages, another county gets 404. The
plan's steps (报批, 审批) go through the generic POST /api/v1/tasks/<id>/complete."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.errors import NotFound, require
from app.extensions import db
from app.inspections.models.plan import InspectionPlan, PlanItem
from app.inspections.operations import plan as ops

bp = api_blueprint("api_inspection_plans", __name__)
NOT_FOUND = "计划不存在或不在您的范围内"
STAFF_ONLY = "年度监督检查计划仅供执法机关人员查看"
LIST_LIMIT = 200  # the list page's limit


class PlanSchema(Schema):
    id = fields.Int()
    title = fields.Str()
    label = fields.Str(metadata={"description": "计划名称（修订版本注明第N版）"})
    year = fields.Int(metadata={"description": "计划年度"})
    version = fields.Int(metadata={"description": "版本（修订一次加一）"})
    parent_id = fields.Int(allow_none=True, metadata={"description": "所修订的计划版本"})
    status = fields.Str(metadata={"description": "草稿/待审批/已退回/已批准/已修订/已撤回"})
    region_path = fields.Str(metadata={"description": "计划覆盖的区划路径"})
    agency = fields.Function(lambda p: p.agency.name, metadata={"description": "编制机关"})
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision = fields.Str(allow_none=True, metadata={"description": "审批结论（批准/退回，最近一次）"})
    approved_at = fields.DateTime(allow_none=True)
    publication_id = fields.Int(allow_none=True, metadata={"description": "计划公示"})


class PlanListSchema(Schema):
    items = fields.List(fields.Nested(PlanSchema))
    total = fields.Int(metadata={"description": f"条数（列表页同样最多{LIST_LIMIT}条，年度新的在前）"})


class PlanItemSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "重点检查/一般检查"})
    month = fields.Int(metadata={"description": "计划月份（1–12）"})
    enterprise_id = fields.Int(allow_none=True, metadata={"description": "重点检查对象"})
    enterprise_name = fields.Function(lambda i: i.enterprise.name if i.enterprise is not None else None)
    klass = fields.Str(allow_none=True, data_key="class", metadata={"description": "编制时的分类分级类别"})
    reasons = fields.List(fields.Str(), metadata={"description": "列为重点的理由"})
    industry = fields.Str(allow_none=True, metadata={"description": "行业（一般检查配额）"})
    town_id = fields.Int(allow_none=True)
    town_name = fields.Function(lambda i: i.town.name if i.town is not None else None)
    planned_count = fields.Int(metadata={"description": "计划检查次数"})
    lead_officer_id = fields.Int(allow_none=True, metadata={"description": "主办执法人员"})
    member_ids = fields.List(fields.Int(), metadata={"description": "检查组成员（含主办）"})
    inspection_id = fields.Int(allow_none=True, metadata={"description": "按计划生成的检查"})
    task_error = fields.Str(allow_none=True, metadata={"description": "未能生成检查的原因"})


class MonthLoadSchema(Schema):
    month = fields.Int()
    inspections = fields.Int(metadata={"description": "计划检查次数"})
    need = fields.Decimal(as_string=True, metadata={"description": "所需人日"})
    capacity = fields.Decimal(as_string=True, metadata={"description": "可用执法力量（人日）"})
    bookable = fields.Decimal(as_string=True, metadata={"description": "可安排人日（留有余地）"})
    over = fields.Bool(metadata={"description": "超过可安排人日"})
    share = fields.Int(metadata={"description": "所需占可用的百分比"})


class PlanTotalsSchema(Schema):
    key_enterprises = fields.Int(metadata={"description": "重点检查企业数"})
    key_inspections = fields.Int(metadata={"description": "重点检查次数"})
    general = fields.Int(metadata={"description": "一般检查次数"})


class PlanDetailSchema(Schema):
    plan = fields.Nested(PlanSchema)
    notes = fields.Str(allow_none=True, metadata={"description": "编制说明"})
    amendment_reason = fields.Str(allow_none=True, metadata={"description": "修订理由"})
    opinion = fields.Str(allow_none=True, metadata={"description": "审批意见（最近一次）"})
    editable = fields.Bool(metadata={"description": "可修改（草稿/已退回）"})
    items = fields.List(fields.Nested(PlanItemSchema))
    capacity = fields.List(fields.Nested(MonthLoadSchema), metadata={"description": "各月执法力量与需求"})
    totals = fields.Nested(PlanTotalsSchema)
    problems = fields.List(
        fields.Str(), metadata={"description": "报批前须解决的问题（执法力量、年度检查上限；仅可修改的计划）"}
    )


class ProgressCellSchema(Schema):
    planned = fields.Int()
    done = fields.Int()
    rate = fields.Int(allow_none=True, metadata={"description": "完成率（%），无计划时为空"})


class MonthCellSchema(ProgressCellSchema):
    month = fields.Int()


class TownCellSchema(ProgressCellSchema):
    town_id = fields.Int(allow_none=True, metadata={"description": "乡镇/街道（空：县级或未归属乡镇）"})
    town_name = fields.Str(allow_none=True)


class IndustryCellSchema(ProgressCellSchema):
    industry = fields.Str()


class NotCreatedSchema(Schema):
    item_id = fields.Int()
    month = fields.Int()
    enterprise_id = fields.Int(allow_none=True)
    enterprise_name = fields.Str(allow_none=True)
    task_error = fields.Str(allow_none=True)


class PlanProgressSchema(Schema):
    plan = fields.Nested(PlanSchema)
    key = fields.List(fields.Nested(MonthCellSchema), metadata={"description": "重点检查：各月计划与完成"})
    general = fields.List(
        fields.Nested(MonthCellSchema), metadata={"description": "一般检查：各月计划与完成"}
    )
    by_town = fields.List(fields.Nested(TownCellSchema))
    by_industry = fields.List(fields.Nested(IndustryCellSchema))
    not_created = fields.List(
        fields.Nested(NotCreatedSchema), metadata={"description": "已到月份但未生成检查的重点检查"}
    )


register_schemas(
    PlanSchema,
    PlanListSchema,
    PlanItemSchema,
    MonthLoadSchema,
    PlanTotalsSchema,
    PlanDetailSchema,
    ProgressCellSchema,
    MonthCellSchema,
    TownCellSchema,
    IndustryCellSchema,
    NotCreatedSchema,
    PlanProgressSchema,
)

PATH_PLAN = path_id("plan_id", "计划ID")


def _ok(schema: str) -> dict:
    return {"200": {"content": {"application/json": {"schema": schema}}}}


def _items(plan: InspectionPlan) -> list[PlanItem]:
    """The plan's items (the page's rows, every month), each with its enterprise and town in one statement
    apiece rather than one per row."""
    return list(
        db.session.scalars(
            select(PlanItem)
            .where(PlanItem.plan_id == plan.id)
            .order_by(PlanItem.month, PlanItem.id)
            .options(selectinload(PlanItem.enterprise), selectinload(PlanItem.town))
        )
    )


def _plan(plan_id: int) -> InspectionPlan:
    """The plan page's loading: staff only (403), in the reader's jurisdiction (404)."""
    require(not current_user.is_enterprise_user, STAFF_ONLY)
    plan = db.session.get(InspectionPlan, plan_id)
    if plan is None or not ops.can_view(current_user, plan):
        raise NotFound(NOT_FOUND)
    return plan


@bp.get("/inspection-plans")
@doc(
    {
        "get": {
            "summary": "年度监督检查计划列表（数据范围内各版本，年度新的在前；仅执法机关人员）",
            "responses": {**_ok("PlanListSchema"), **error_responses("401", "403")},
        }
    }
)
def plans():
    """年度监督检查计划列表"""
    require(not current_user.is_enterprise_user, STAFF_ONLY)
    rows = list(db.session.scalars(ops.scoped_plans(current_user).limit(LIST_LIMIT)))
    return PlanListSchema().dump({"items": rows, "total": len(rows)})


@bp.get("/inspection-plans/<int:plan_id>")
@doc(
    {
        "get": {
            "summary": "计划详情：全部计划条目（重点检查、一般检查配额）、各月执法力量与需求、合计和状态",
            "parameters": [PATH_PLAN],
            "responses": {**_ok("PlanDetailSchema"), **error_responses("401", "403", "404")},
        }
    }
)
def plan(plan_id: int):
    """计划详情"""
    p = _plan(plan_id)
    return PlanDetailSchema().dump(
        {
            "plan": p,
            "notes": p.notes,
            "amendment_reason": p.amendment_reason,
            "opinion": p.opinion,
            "editable": p.editable,
            "items": _items(p),
            "capacity": ops.check_capacity(p),
            "totals": ops.totals(p),
            "problems": ops.capacity_problems(p) + ops.cap_problems(p) if p.editable else [],
        }
    )


@bp.get("/inspection-plans/<int:plan_id>/progress")
@doc(
    {
        "get": {
            "summary": "计划执行进度（同进度页）：重点、一般检查各月计划与完成，按乡镇、行业，未生成的重点检查",
            "parameters": [PATH_PLAN],
            "responses": {**_ok("PlanProgressSchema"), **error_responses("401", "403", "404")},
        }
    }
)
def progress(plan_id: int):
    """计划执行进度"""
    p = _plan(plan_id)
    result = ops.progress(p)

    def cell(c: ops.Cell, **extra) -> dict:
        return {"planned": c.planned, "done": c.done, "rate": c.rate, **extra}

    return PlanProgressSchema().dump(
        {
            "plan": p,
            "key": [cell(c, month=m) for m, c in sorted(result.key.items())],
            "general": [cell(c, month=m) for m, c in sorted(result.general.items())],
            "by_town": [
                cell(
                    c,
                    town_id=tid,
                    town_name=result.towns[tid].name if tid in result.towns else None,
                )
                for tid, c in result.by_town.items()
            ],
            "by_industry": [cell(c, industry=k) for k, c in sorted(result.by_industry.items())],
            "not_created": [
                {
                    "item_id": i.id,
                    "month": i.month,
                    "enterprise_id": i.enterprise_id,
                    "enterprise_name": i.enterprise.name if i.enterprise is not None else None,
                    "task_error": i.task_error,
                }
                for i in result.not_created
            ],
        }
    )


def register(app: Flask) -> None:
    app.register_blueprint(bp)
