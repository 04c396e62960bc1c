"""/api/v1/enterprise-classes: the 分类分级 list page's rows (app.inspections.classes_routes: the same filters,
the same scoped query and id cursors) with each enterprise's budget for the year (caps.budgets: 上限 / 已用 /
举报不计 / 剩余). Staff only: an enterprise account is refused (403) like on the page."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from marshmallow import Schema, fields

from app.api import api_blueprint, doc, error_responses, register_schemas
from app.errors import require
from app.inspections.caps import Budget
from app.inspections.classes_routes import STAFF_ONLY, ClassArgsSchema, ClassFilters, class_page, is_staff
from app.inspections.models import EnterpriseClass

bp = api_blueprint("api_enterprise_classes", __name__)


class ClassBudgetSchema(Schema):
    klass = fields.Str(data_key="class", metadata={"description": "计数所用类别"})
    cap = fields.Int(metadata={"description": "年度检查上限（次）"})
    used = fields.Int(metadata={"description": "已计入上限的检查（未取消，任何来源）"})
    exempt = fields.Int(metadata={"description": "举报核查：登记，不计入上限"})
    remaining = fields.Int(metadata={"description": "剩余次数"})
    over = fields.Bool(metadata={"description": "已达上限：再检查须负责人批准"})


class EnterpriseClassSchema(Schema):
    id = fields.Int()
    enterprise_id = fields.Int()
    enterprise_name = fields.Str()
    industry = fields.Str(allow_none=True, metadata={"description": "行业"})
    registry_class = fields.Str(allow_none=True, metadata={"description": "企业台账中的分类分级类别"})
    year = fields.Int()
    region_path = fields.Str()
    sector = fields.Str(metadata={"description": "分类口径（煤矿/非煤矿山/危化冶金/非高危）"})
    computed_class = fields.Str(metadata={"description": "规则计算的类别 A–D"})
    klass = fields.Str(data_key="class", metadata={"description": "执行类别 A–D（调整后）"})
    overridden = fields.Bool(metadata={"description": "已调整类别"})
    override_reason = fields.Str(allow_none=True)
    max_inspections = fields.Int(metadata={"description": "年度检查上限（次）"})
    planned_frequency = fields.Int(metadata={"description": "计划检查频次（次/年）"})
    rule_version = fields.Str(metadata={"description": "分类分级参数表版本"})
    budget = fields.Nested(ClassBudgetSchema, allow_none=True, metadata={"description": "本年度检查次数"})


class EnterpriseClassPageSchema(Schema):
    """A keyset page: follow `next_after` / `prev_before` (the `after` / `before` parameters)."""

    year = fields.Int()
    items = fields.List(fields.Nested(EnterpriseClassSchema))
    total = fields.Int()
    total_exact = fields.Bool()
    page = fields.Int(allow_none=True)
    next_after = fields.Str(allow_none=True)
    prev_before = fields.Str(allow_none=True)


register_schemas(ClassBudgetSchema, EnterpriseClassSchema, EnterpriseClassPageSchema)


@bp.get("/enterprise-classes")
@doc(
    {
        "get": {
            "summary": "分类分级名单（同分类分级页：年度、乡镇、行业、类别筛选，数据范围内）及各企业年度检查次数（上限/已用/举报不计/剩余）",
            "responses": {
                "200": {"content": {"application/json": {"schema": "EnterpriseClassPageSchema"}}},
                **error_responses("401", "403", "422"),
            },
        }
    },
    query=ClassArgsSchema,
)
def classes():
    """分类分级名单"""
    require(is_staff(current_user), STAFF_ONLY)
    from app.inspections.caps import budgets

    f = ClassFilters.from_args(request.args)
    page = class_page(current_user, f)
    budget_of = budgets([ec.enterprise_id for ec in page.items], f.year) if page.items else {}
    return EnterpriseClassPageSchema().dump(
        {
            "year": f.year,
            "items": [_row(ec, budget_of.get(ec.enterprise_id)) for ec in page.items],
            "total": page.total,
            "total_exact": page.total_exact,
            "page": page.page,
            "next_after": page.next_after,
            "prev_before": page.prev_before,
        }
    )


def _row(ec: EnterpriseClass, b: Budget | None) -> dict:
    e = ec.enterprise
    return {
        "id": ec.id,
        "enterprise_id": ec.enterprise_id,
        "enterprise_name": e.name,
        "industry": e.industry,
        "registry_class": e.category,
        "year": ec.year,
        "region_path": ec.region_path,
        "sector": ec.sector,
        "computed_class": ec.computed_class,
        "klass": ec.klass,
        "overridden": ec.overridden_at is not None,
        "override_reason": ec.override_reason,
        "max_inspections": ec.max_inspections,
        "planned_frequency": ec.planned_frequency,
        "rule_version": ec.rule_version,
        "budget": b,
    }


def register(app: Flask) -> None:
    app.register_blueprint(bp)
