"""Marshmallow schemas of the case list's query (one schema: the list page, /api/v1/cases and the ledger
read the filters through it) and of the case API (/api/v1/cases), registered with the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validates_schema

from app import params
from app.api.schemas import (
    PAGE_DESCRIPTION,
    AuditEventSchema,
    ProgressStepSchema,
    QuerySchema,
    TaskSchema,
    day,
    integer,
    name_of,
    one_of,
    text,
)
from app.cases.models import CaseStatus, Procedure, ProposalSource, ProposalStatus

PER_PAGE = 50
OVERDUE_FILTERS = {"1": "办案超期"}


class CaseArgsSchema(QuerySchema):
    """GET /cases/ and /api/v1/cases: the filters of the 行政处罚案件 list (app.cases.queries.CaseFilters)."""

    q = text(
        "案件名称或立案号：立案号完整匹配；名称在最近立案的案件中查找（见 app.cases.queries.TEXT_WINDOW）",
        max_length=100,
    )
    status = one_of("案件状态", [str(v) for v in CaseStatus])
    procedure = one_of("程序", [str(v) for v in Procedure])
    overdue = one_of("办案超期", OVERDUE_FILTERS)
    town = text("乡镇/街道：区划路径前缀，如 /340000/341300/341322/341322100/", max_length=200)
    industry = text("企业行业（监管类别），如 危险化学品、工贸", max_length=30)
    enterprise_id = integer("当事人（企业）ID", minimum=1)
    filed_from = day("立案日期起（含）")
    filed_to = day("立案日期止（含）")
    page = params.page_number(f"{PAGE_DESCRIPTION}，每页 {PER_PAGE} 条")
    after = params.cursor("下一页：此游标之后的案件（上一页最后一条的排序键）")
    before = params.cursor("上一页：此游标之前的案件（下一页第一条的排序键）")

    @validates_schema
    def _checks(self, data, **_kwargs):
        if data.get("filed_from") and data.get("filed_to") and data["filed_from"] > data["filed_to"]:
            raise ValidationError("立案日期止不能早于立案日期起", field_name="filed_to")


class ProposalArgsSchema(QuerySchema):
    """GET /cases/proposals and /api/v1/cases/proposals."""

    status = one_of("处理状态（默认：待处理在前，全部显示）", [str(v) for v in ProposalStatus])
    page = integer(PAGE_DESCRIPTION, minimum=1, default=1, maximum=10_000)


class CaseSchema(Schema):
    id = fields.Int(metadata={"description": "案件ID"})
    case_no = fields.Str(allow_none=True, metadata={"description": "立案号"})
    name = fields.Str(metadata={"description": "案件名称（案由）"})
    procedure = fields.Str(metadata={"description": "程序"})
    source = fields.Str(metadata={"description": "案件来源"})
    enterprise_id = fields.Int()
    enterprise = name_of("enterprise")
    status = fields.Str(metadata={"description": "案件状态"})
    filed_on = fields.Date(allow_none=True, metadata={"description": "立案日期"})
    decision_due = fields.Date(allow_none=True, metadata={"description": "办案期限（扣除不计入期间）"})
    is_overdue = fields.Bool(metadata={"description": "办案超期"})
    decided_on = fields.Date(allow_none=True, metadata={"description": "决定日期"})
    payment_due = fields.Date(allow_none=True, metadata={"description": "缴款期限"})
    paid_on = fields.Date(allow_none=True, metadata={"description": "缴清日期"})
    closed_on = fields.Date(allow_none=True, metadata={"description": "结案日期"})


class CasePageSchema(Schema):
    """A keyset page (app.paging): follow `next_after` / `prev_before` for the neighbouring pages."""

    items = fields.List(fields.Nested(CaseSchema))
    total = fields.Int(metadata={"description": "总数：计数到1万为止，超过时为10001"})
    total_exact = fields.Bool()
    page = fields.Int(allow_none=True, metadata={"description": "按页码请求时的页码；按游标翻页时为空"})
    next_after = fields.Str(allow_none=True, metadata={"description": "下一页：作为 after 传回"})
    prev_before = fields.Str(allow_none=True, metadata={"description": "上一页：作为 before 传回"})
    filings = fields.List(
        fields.Nested(CaseSchema),
        metadata={
            "description": "立案审批中（尚无立案日）的案件，如列表页上方所列：数据范围内最近提交的50件，"
            "不受筛选条件和翻页影响；企业账号为空"
        },
    )


class PenaltyLineSchema(Schema):
    target = fields.Str(metadata={"description": "单位/个人"})
    party_name = fields.Str()
    proposed_kinds = fields.List(fields.Str())
    proposed_fine = fields.Decimal(as_string=True, allow_none=True)
    notified_kinds = fields.List(fields.Str(), allow_none=True)
    notified_fine = fields.Decimal(as_string=True, allow_none=True)
    decided_kinds = fields.List(fields.Str(), allow_none=True)
    decided_fine = fields.Decimal(as_string=True, allow_none=True)
    continuing_fine = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={
            "description": "按日连续处罚（安全生产法第一百一十二条，元）：单位处罚的单列部分，不含在各阶段罚款内，"
            "计入告知罚款合计和应缴罚款"
        },
    )


class FileSchema(Schema):
    id = fields.Int()
    original_name = fields.Str()
    sha256 = fields.Str(metadata={"description": "文件内容SHA-256"})


class EvidenceSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    title = fields.Str()
    description = fields.Str(allow_none=True)
    collected_on = fields.Date()
    place = fields.Str(allow_none=True)
    files = fields.List(fields.Nested(FileSchema))


class PauseSchema(Schema):
    kind = fields.Str()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    reason = fields.Str(allow_none=True)


class ServiceSchema(Schema):
    id = fields.Int()
    document_id = fields.Int()
    method = fields.Str()
    served_on = fields.Date()
    effective_on = fields.Date()
    recipient = fields.Str()
    receipt_document_id = fields.Int(allow_none=True)


class PaymentSchema(Schema):
    kind = fields.Str()
    paid_on = fields.Date()
    amount = fields.Decimal(as_string=True)
    receipt_no = fields.Str()


class BalanceSchema(Schema):
    principal = fields.Decimal(as_string=True, metadata={"description": "罚款合计（元）"})
    paid_principal = fields.Decimal(as_string=True)
    surcharge = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "截至今日的加处罚款（元）"}
    )
    surcharge_days = fields.Int(allow_none=True)
    paid_surcharge = fields.Decimal(as_string=True)
    owed = fields.Decimal(as_string=True, metadata={"description": "尚欠（元）"})


class DocumentRefSchema(Schema):
    id = fields.Int()
    doc_type = fields.Str()
    title = fields.Str()
    number = fields.Function(lambda d: d.number.text if d.number else None, allow_none=True)


class CaseDetailSchema(Schema):
    case = fields.Nested(CaseSchema)
    officers = fields.List(
        fields.Dict(), metadata={"description": "承办人员（姓名、执法证号）；企业账号为空"}
    )
    lines = fields.List(fields.Nested(PenaltyLineSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema), metadata={"description": "证据清单；企业账号为空"})
    pauses = fields.List(fields.Nested(PauseSchema))
    services = fields.List(fields.Nested(ServiceSchema))
    payments = fields.List(fields.Nested(PaymentSchema))
    balance = fields.Nested(BalanceSchema, allow_none=True)
    documents = fields.List(
        fields.Nested(DocumentRefSchema),
        metadata={"description": "可查看的文书（企业账号：送达给当事人的文书）"},
    )
    missing = fields.List(fields.Str(), metadata={"description": "案卷缺少的文书；企业账号为空"})
    tasks = fields.List(fields.Nested(TaskSchema))
    actionable_task_ids = fields.List(fields.Int())
    history = fields.List(fields.Nested(AuditEventSchema))
    progress = fields.List(fields.Nested(ProgressStepSchema), allow_none=True)


class ProposalSchema(Schema):
    id = fields.Int()
    source = fields.Str()
    source_ref = fields.Str(allow_none=True)
    enterprise_id = fields.Int()
    enterprise = name_of("enterprise")
    facts = fields.Str()
    provisions = fields.Str(allow_none=True)
    act_date = fields.Date(allow_none=True)
    received_on = fields.Date()
    status = fields.Str()
    reason = fields.Str(allow_none=True)
    referral_id = fields.Int(allow_none=True)
    case_id = fields.Function(lambda p: p.case.id if p.case else None, allow_none=True)


class ProposalPageSchema(Schema):
    items = fields.List(fields.Nested(ProposalSchema))
    total = fields.Int()
    page = fields.Int()
    pages = fields.Int()


class ClosureSchema(Schema):
    """提请关闭（安全生产法第一百一十三条）事项."""

    id = fields.Int(metadata={"description": "提请关闭事项ID"})
    enterprise_id = fields.Int()
    enterprise = name_of("enterprise")
    rule = fields.Str(metadata={"description": "触发规则（180日内3次/一年内4次）"})
    window_from = fields.Date(metadata={"description": "统计期间起"})
    window_to = fields.Date(metadata={"description": "统计期间止（触发决定日）"})
    count = fields.Int(metadata={"description": "期间内因重大事故隐患受处罚次数"})
    case_ids = fields.List(fields.Int(), metadata={"description": "计入的处罚案件ID"})
    trigger_case_id = fields.Int(metadata={"description": "达到次数的处罚决定所属案件ID"})
    status = fields.Str(metadata={"description": "处理状态（待负责人处理/已提请关闭/不提请）"})
    decided_on = fields.Date(allow_none=True, metadata={"description": "处理日期"})
    opinion = fields.Str(allow_none=True, metadata={"description": "负责人意见"})


class ActionResultSchema(Schema):
    status = fields.Str()
    case_id = fields.Int(allow_none=True)
    id = fields.Int(allow_none=True, metadata={"description": "新记录的ID"})


SOURCES = [str(s) for s in ProposalSource]
