"""Marshmallow schemas of the 监督检查 list's query (one schema: the list page /inspections/, the API
/api/v1/inspections, the 执法检查台账 export and the statistics' links read the filters through it) and of the
inspection API's answers, registered with the OpenAPI document (helper "web")."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from app import params
from app.api.schemas import PAGE_DESCRIPTION, ProgressStepSchema, QuerySchema, integer, one_of, text
from app.inspections.models import InspectionMode, InspectionSource, InspectionStatus

PER_PAGE = 50
CLASSES = ("A", "B", "C", "D")
MIN_YEAR, MAX_YEAR = 2000, 2100
FLAG = {"1": "是"}


class _YearMonthArgs(QuerySchema):
    """A list filtered by year and, within it, month (the inspection list, the 问题清单)."""

    @validates_schema
    def _month_needs_year(self, data, **_kwargs):
        if data.get("month") and not data.get("year"):
            raise ValidationError("按月份筛选须同时选择年度", field_name="month")


class InspectionArgsSchema(_YearMonthArgs):
    """GET /inspections/ and /api/v1/inspections: the filters of the 监督检查 list
    (app.inspections.queries.InspectionFilters)."""

    q = text(
        "企业名称、统一社会信用代码、检查编号或现场检查记录文号（在最近的检查中查找，见 app.inspections.queries.TEXT_WINDOW）",
        max_length=100,
    )
    source = one_of("任务来源", [str(s) for s in InspectionSource])
    status = one_of("状态（done：已完成或待处理）", [str(s) for s in InspectionStatus] + ["done"])
    mode = one_of("检查方式", [str(m) for m in InspectionMode])
    town = text("乡镇/街道：区划路径前缀，如 /340000/341300/341322/341322100/", max_length=200)
    industry = text("行业（监管类别），如 危险化学品、工贸", max_length=40)
    enterprise_id = integer("被检查单位（企业）ID", minimum=1)
    year = integer("年度（计划检查日期所在年度）", minimum=MIN_YEAR, maximum=MAX_YEAR)
    month = integer("月份（1–12，须同时给出年度）", minimum=1, maximum=12)
    klass = one_of("分类分级（该年度的类别 A–D）", list(CLASSES))
    klass.data_key = "class"
    officer_id = integer("执法人员（检查组成员）ID", minimum=1)
    over_cap = one_of("超出年度检查上限的检查", FLAG)
    findings = one_of("发现问题的检查", FLAG)
    plan = integer(
        "年度监督检查计划ID：按该计划生成的检查（重点检查及其一般检查配额的双随机批次抽中的检查）", minimum=1
    )
    kind = one_of("计划检查类别（与 plan 同用）", ["重点", "一般"])
    page = params.page_number(f"{PAGE_DESCRIPTION}，每页 {PER_PAGE} 条")
    after = params.cursor("下一页：此游标之后的检查（上一页最后一条的排序键）")
    before = params.cursor("上一页：此游标之前的检查（下一页第一条的排序键）")


# 问题清单 (/inspections/findings): how a finding was handled, and its level
HANDLING = {"corrected": "当场整改完毕", "hazard": "已列入指令书（登记隐患）", "pending": "待下达指令书"}
LEVELS = ("一般", "重大")


class FindingArgsSchema(_YearMonthArgs):
    """GET /inspections/findings: the filters of the 问题清单 (app.inspections.finding_list.FindingFilters) —
    the statistics' dimensions (the inspection's year and month, 乡镇/街道, industry) and the finding's own."""

    town = text("乡镇/街道：区划路径前缀，如 /340000/341300/341322/341322100/", max_length=200)
    industry = text("行业（监管类别），如 危险化学品、工贸", max_length=40)
    enterprise_id = integer("被检查单位（企业）ID", minimum=1)
    year = integer("年度（检查的计划检查日期所在年度）", minimum=MIN_YEAR, maximum=MAX_YEAR)
    month = integer("月份（1–12，须同时给出年度）", minimum=1, maximum=12)
    level = one_of("隐患等级", list(LEVELS))
    handling = one_of("处理情况", HANDLING)
    violation = one_of("违法行为（须立案/简易程序/不予处罚/移送）", FLAG)
    page = params.page_number(f"{PAGE_DESCRIPTION}，每页 {PER_PAGE} 条")
    after = params.cursor("下一页：此游标之后的问题（上一页最后一条的排序键）")
    before = params.cursor("上一页：此游标之前的问题（下一页第一条的排序键）")


class MemberSchema(Schema):
    user_id = fields.Int()
    name = fields.Function(lambda m: m.user.name if m.user else None, metadata={"description": "姓名"})
    role = fields.Str(metadata={"description": "主办/组员"})
    cert_no = fields.Str(allow_none=True, metadata={"description": "执法证号（检查时）"})


class InspectionSchema(Schema):
    id = fields.Int(metadata={"description": "检查ID"})
    code = fields.Str(metadata={"description": "检查编号"})
    source = fields.Str(metadata={"description": "任务来源"})
    source_ref = fields.Str(allow_none=True, metadata={"description": "来源编号（计划/批次号/举报编号等）"})
    mode = fields.Str(metadata={"description": "检查方式"})
    enterprise_id = fields.Int()
    enterprise = fields.Function(
        lambda i: i.enterprise.name if i.enterprise else None, metadata={"description": "被检查单位"}
    )
    status = fields.Str(metadata={"description": "状态"})
    planned_on = fields.Date(metadata={"description": "计划检查日期"})
    due_on = fields.Date(allow_none=True, metadata={"description": "应完成日期"})
    cap_year = fields.Int(metadata={"description": "计入年度检查频次的年度"})
    counts_against_cap = fields.Bool(metadata={"description": "是否计入年度检查上限（举报核查不计入）"})
    over_cap = fields.Bool(metadata={"description": "创建时已达年度上限（经负责人批准）"})
    record_no = fields.Str(allow_none=True, metadata={"description": "现场检查记录文号"})
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    completed_on = fields.Date(allow_none=True)
    result_publish_due = fields.Date(allow_none=True, metadata={"description": "结果公示期限（双随机）"})
    result_published_on = fields.Date(allow_none=True, metadata={"description": "结果公示日期"})


class InspectionPageSchema(Schema):
    """A keyset page (app.paging): follow `next_after` / `prev_before` for the neighbouring pages."""

    items = fields.List(fields.Nested(InspectionSchema))
    total = fields.Int(metadata={"description": "总数：计数到1万为止，超过时为10001"})
    total_exact = fields.Bool()
    page = fields.Int(allow_none=True, metadata={"description": "按页码请求时的页码；按游标翻页时为空"})
    next_after = fields.Str(allow_none=True, metadata={"description": "下一页：作为 after 传回"})
    prev_before = fields.Str(allow_none=True, metadata={"description": "上一页：作为 before 传回"})


class FindingSchema(Schema):
    id = fields.Int()
    seq = fields.Int(metadata={"description": "序号"})
    location = fields.Str(metadata={"description": "部位/场所"})
    description = fields.Str(metadata={"description": "问题描述"})
    provision = fields.Str(metadata={"description": "违反条款"})
    level = fields.Str(metadata={"description": "隐患等级（一般/重大）"})
    corrected_on_site = fields.Bool(metadata={"description": "当场整改完毕"})
    deadline = fields.Date(allow_none=True, metadata={"description": "整改期限"})
    is_violation = fields.Bool(metadata={"description": "是否违法行为"})
    hazard_id = fields.Int(allow_none=True, metadata={"description": "登记的隐患ID"})
    outcome = fields.Str(
        allow_none=True, metadata={"description": "违法行为处理结果（立案/简易程序/不予处罚/移送）"}
    )


class MeasureSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "现场处理措施种类"})
    status = fields.Str(metadata={"description": "执行中/已解除"})
    doc_number = fields.Str(allow_none=True, metadata={"description": "现场处理措施决定书文号"})
    until = fields.Date(allow_none=True)
    lifted_on = fields.Date(allow_none=True)


class InspectionDetailSchema(Schema):
    """One inspection in the reader's terms: an enterprise account gets the inspection of itself from 检查中
    on, its team, the problems found and the measures, and its progress — never the cap decision or the
    internal scheme."""

    inspection = fields.Nested(InspectionSchema)
    members = fields.List(fields.Nested(MemberSchema))
    findings = fields.List(fields.Nested(FindingSchema))
    measures = fields.List(fields.Nested(MeasureSchema))
    over_cap_reason = fields.Str(allow_none=True, metadata={"description": "超出上限检查的理由（内部）"})
    progress = fields.List(fields.Nested(ProgressStepSchema), allow_none=True)
