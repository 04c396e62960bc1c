"""Marshmallow schemas of the 严重失信主体名单 list's query (one schema: the list page, /api/v1/credit/listings
and the ledger read the filters through it) and of the credit API (/api/v1/credit/…), registered with the
OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields

from app import params
from app.api.schemas import (
    PAGE_DESCRIPTION,
    ProgressStepSchema,
    QuerySchema,
    TaskSchema,
    integer,
    name_of,
    one_of,
    text,
)
from app.credit.models import ListingStatus
from app.credit.view import UNDER_REVIEW

PER_PAGE = 50
CRITERIA = [str(n) for n in range(1, 10)]  # 应急管理部令第11号 第X条 列入情形 1–9


class ListingArgsSchema(QuerySchema):
    """GET /credit/ and /api/v1/credit/listings: the filters of the 严重失信主体名单 list
    (app.credit.queries.ListingFilters)."""

    q = text(
        "主体名称或一并列入的人员姓名（在最近提出的列入中查找，见 app.credit.queries.TEXT_WINDOW）",
        max_length=100,
    )
    status = one_of(
        "状态（审查中：核查中、待决定、待送达三者）", [str(v) for v in ListingStatus] + [UNDER_REVIEW]
    )
    criterion = one_of("列入情形（应急管理部令第11号，1–9）", CRITERIA)
    town = text("乡镇/街道：区划路径前缀，如 /340000/341300/341322/341322100/", max_length=200)
    enterprise_id = integer("列入主体（企业）ID", minimum=1)
    page = params.page_number(f"{PAGE_DESCRIPTION}，每页 {PER_PAGE} 条")
    after = params.cursor("下一页：此游标之后的列入（上一页最后一条的排序键）")
    before = params.cursor("上一页：此游标之前的列入（下一页第一条的排序键）")


class AccidentArgsSchema(QuerySchema):
    """GET /credit/accidents and /api/v1/credit/accidents."""

    enterprise_id = integer("事故单位（企业）ID", minimum=1)
    page = integer(PAGE_DESCRIPTION, minimum=1, default=1, maximum=10_000)


class ListingSchema(Schema):
    id = fields.Int(metadata={"description": "列入ID"})
    enterprise_id = fields.Int()
    enterprise = name_of("enterprise")
    subject_kind = fields.Str(metadata={"description": "主体类型（单位/机构）"})
    person_name = fields.Str(allow_none=True, metadata={"description": "一并列入的主要负责人/责任人员"})
    criterion = fields.Str(
        metadata={
            "description": "列入情形代码（1–9，按《安全生产严重失信主体名单管理办法》第六条第一项至第七条第四项的顺序）"
        }
    )
    criterion_text = fields.Str(metadata={"description": "列入情形的表述"})
    origin = fields.Str(metadata={"description": "提出方式"})
    status = fields.Str(metadata={"description": "状态"})
    proposed_on = fields.Date(metadata={"description": "提出日期"})
    decided_on = fields.Date(allow_none=True, metadata={"description": "列入决定日期"})
    term_start = fields.Date(allow_none=True, metadata={"description": "管理期限起"})
    term_end = fields.Date(allow_none=True, metadata={"description": "管理期限止"})
    ended_on = fields.Date(allow_none=True, metadata={"description": "移出/撤销日期"})
    end_kind = fields.Str(allow_none=True, metadata={"description": "移出方式"})


class ListingPageSchema(Schema):
    """A keyset page (app.paging): follow `next_after` / `prev_before` for the neighbouring pages."""

    items = fields.List(fields.Nested(ListingSchema))
    total = fields.Int(metadata={"description": "总数：计数到1万为止，超过时为10001"})
    total_exact = fields.Bool()
    page = fields.Int(allow_none=True, metadata={"description": "按页码请求时的页码；按游标翻页时为空"})
    next_after = fields.Str(allow_none=True, metadata={"description": "下一页：作为 after 传回"})
    prev_before = fields.Str(allow_none=True, metadata={"description": "上一页：作为 before 传回"})


class MeasureSchema(Schema):
    id = fields.Int()
    code = fields.Str(metadata={"description": "惩戒措施代码（措施库）"})
    name = fields.Str(metadata={"description": "惩戒措施"})
    basis = fields.Str(metadata={"description": "依据"})
    department = fields.Str(metadata={"description": "实施部门"})
    internal = fields.Bool(metadata={"description": "本局实施"})
    status = fields.Str(metadata={"description": "执行/反馈状态"})
    notified_on = fields.Date(allow_none=True)
    feedback_due = fields.Date(allow_none=True, metadata={"description": "反馈期限"})
    feedback_on = fields.Date(allow_none=True)
    feedback = fields.Str(allow_none=True)
    interview_on = fields.Date(allow_none=True, metadata={"description": "约谈日期"})
    lifted_on = fields.Date(allow_none=True)


class StatementSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "陈述申辩/放弃陈述申辩"})
    text = fields.Str(allow_none=True)
    channel = fields.Str(metadata={"description": "网上提交/执法人员记录"})
    submitted_at = fields.DateTime()


class RemedySchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "复议/诉讼"})
    body = fields.Str()
    filed_on = fields.Date()
    outcome = fields.Str(allow_none=True)
    outcome_on = fields.Date(allow_none=True)


class PushSchema(Schema):
    id = fields.Int()
    action = fields.Str(metadata={"description": "列入/移出/撤销/恢复列入"})
    file_name = fields.Str()
    sha256 = fields.Str(metadata={"description": "推送文件SHA-256"})
    pushed_at = fields.DateTime()


class RepairSchema(Schema):
    id = fields.Int()
    applied_on = fields.Date()
    channel = fields.Str(metadata={"description": "网上申请/窗口登记"})
    statement = fields.Str()
    checks = fields.List(
        fields.Dict(), metadata={"description": "修复条件核验：[{key, label, passed, evidence}]"}
    )
    status = fields.Str()
    decision_due = fields.Date(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    decision_reason = fields.Str(allow_none=True)
    revoked_on = fields.Date(allow_none=True)


class CreditDocumentRefSchema(Schema):
    id = fields.Int()
    title = fields.Str()
    doc_type = fields.Str()
    number = fields.Method("_number")

    def _number(self, doc) -> str | None:
        return doc.number.text if getattr(doc, "number", None) is not None else None


class ListingDetailSchema(Schema):
    """One listing in the reader's terms: an enterprise account gets its progress and the documents served
    on it, never the internal record (核查意见, the proposal's evidence, pushes, other departments' feedback)."""

    listing = fields.Nested(ListingSchema)
    evidence = fields.Str(allow_none=True, metadata={"description": "依据的事实与证据（内部）"})
    reasons = fields.Str(allow_none=True)
    measure_codes = fields.List(fields.Str())
    measures = fields.List(fields.Nested(MeasureSchema))
    statements = fields.List(fields.Nested(StatementSchema))
    remedies = fields.List(fields.Nested(RemedySchema))
    pushes = fields.List(fields.Nested(PushSchema))
    repairs = fields.List(fields.Nested(RepairSchema))
    documents = fields.List(fields.Nested(CreditDocumentRefSchema))
    tasks = fields.List(fields.Nested(TaskSchema))
    actionable_task_ids = fields.List(fields.Int())
    progress = fields.List(fields.Nested(ProgressStepSchema), allow_none=True)


class AccidentSchema(Schema):
    id = fields.Int()
    enterprise_id = fields.Int()
    enterprise = name_of("enterprise")
    name = fields.Str(metadata={"description": "事故名称"})
    occurred_on = fields.Date()
    level = fields.Str(metadata={"description": "事故等级"})
    deaths = fields.Int()
    injuries = fields.Int()
    direct_loss = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "直接经济损失（万元）"}
    )
    concealment = fields.Str()
    report_no = fields.Str(allow_none=True)


class AccidentPageSchema(Schema):
    items = fields.List(fields.Nested(AccidentSchema))
    total = fields.Int()
    page = fields.Int()
    pages = fields.Int()


class CreditActionResultSchema(Schema):
    status = fields.Str(metadata={"description": "ok"})
    listing_id = fields.Int(allow_none=True, metadata={"description": "列入ID"})
    id = fields.Int(allow_none=True, metadata={"description": "所登记记录的ID"})
