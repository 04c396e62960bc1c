"""Marshmallow schemas of the hazard API (/api/v1/hazards), registered with the OpenAPI document."""

from marshmallow import Schema, fields

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
from app.hazards.models import HazardLevel, HazardSource, HazardStatus
from app.hazards.overview import DEFAULT_TAB, MAJOR_TABS
from app.hazards.queries import OVERDUE_FILTERS, PER_PAGE, STATUS_GROUPS


class HazardSchema(Schema):
    id = fields.Int(metadata={"description": "隐患ID"})
    code = fields.Str(metadata={"description": "隐患编号"})
    enterprise_id = fields.Int()
    enterprise = name_of("enterprise")
    order_id = fields.Int(metadata={"description": "责令限期整改指令书（登记批次）ID"})
    doc_number = fields.Function(lambda h: h.order.doc_number, allow_none=True,
                                 metadata={"description": "责令限期整改指令书文号"})
    source = fields.Str(metadata={"description": "排查来源"})
    found_on = fields.Date(metadata={"description": "排查日期"})
    location = fields.Str(metadata={"description": "隐患部位"})
    description = fields.Str(metadata={"description": "隐患描述"})
    category = fields.Str(metadata={"description": "隐患类别（人/物/管理/环境）"})
    level = fields.Str(metadata={"description": "隐患等级（一般/重大）"})
    provision = fields.Str(metadata={"description": "违反条款"})
    criterion_citation = fields.Str(allow_none=True, metadata={"description": "重大事故隐患判定依据"})
    original_deadline = fields.Date(metadata={"description": "指令书确定的整改期限"})
    deadline = fields.Date(metadata={"description": "现行整改期限"})
    status = fields.Str(metadata={"description": "状态"})
    is_overdue = fields.Bool(metadata={"description": "是否逾期未整改"})
    failed_rounds = fields.Int(metadata={"description": "复查不合格次数"})
    extension_count = fields.Int(metadata={"description": "已批准延期次数"})
    completed_on = fields.Date(allow_none=True, metadata={"description": "企业报告整改完成日期"})
    closed_on = fields.Date(allow_none=True, metadata={"description": "销号日期"})
    referred_on = fields.Date(allow_none=True, metadata={"description": "移送立案日期"})


class HazardPageSchema(Schema):
    """A keyset page (app.paging): follow `next_after` / `prev_before` for the neighbouring pages."""

    items = fields.List(fields.Nested(HazardSchema))
    total = fields.Int(metadata={"description": "总数：total_exact 为真时是精确数；否则计数到1万为止，超过时为10001"})
    total_exact = fields.Bool(metadata={"description": "总数是否精确（由统计汇总得出）"})
    page = fields.Int(allow_none=True, metadata={"description": "按页码请求时的页码；按游标翻页时为空"})
    next_after = fields.Str(allow_none=True, metadata={"description": "下一页：作为 after 传回；为空表示已是最后一页"})
    prev_before = fields.Str(allow_none=True, metadata={"description": "上一页：作为 before 传回；为空表示已是第一页"})


class RectificationSchema(Schema):
    round = fields.Int(metadata={"description": "第几轮整改"})
    responsible_dept = fields.Str(allow_none=True)
    responsible_person = fields.Str(metadata={"description": "整改责任人"})
    measures = fields.Str(metadata={"description": "整改措施"})
    funds = fields.Decimal(as_string=True, metadata={"description": "整改资金（万元）"})
    planned_date = fields.Date(allow_none=True)
    emergency_measures = fields.Str(metadata={"description": "临时管控措施/应急预案"})
    completed_on = fields.Date(metadata={"description": "整改完成日期"})
    submitted_by = name_of("submitted_by")
    submitted_at = fields.DateTime()


class ExtensionSchema(Schema):
    reason = fields.Str(metadata={"description": "延期理由"})
    old_deadline = fields.Date()
    requested_deadline = fields.Date(metadata={"description": "申请延期至"})
    status = fields.Str(metadata={"description": "pending/approved/rejected"})
    approved_deadline = fields.Date(allow_none=True)
    opinion = fields.Str(allow_none=True)
    requested_by = name_of("requested_by")
    decided_by = name_of("decided_by")
    decided_at = fields.DateTime(allow_none=True)


class ReviewSchema(Schema):
    kind = fields.Str(metadata={"description": "复查/验收"})
    round = fields.Int()
    reviewed_on = fields.Date()
    result = fields.Str(metadata={"description": "已整改/未整改/整改不合格/部分整改"})
    passed = fields.Bool()
    opinion = fields.Str()
    decision = fields.Str(metadata={"description": "close/return/refer/exception"})
    new_deadline = fields.Date(allow_none=True)
    doc_number = fields.Str(allow_none=True, metadata={"description": "整改复查意见书文号"})
    reviewer = name_of("reviewer")


class SupervisionSchema(Schema):
    code = fields.Str(metadata={"description": "督办编号"})
    listed = fields.Bool(metadata={"description": "是否挂牌督办"})
    level = fields.Str(allow_none=True)
    supervising_unit = fields.Str(allow_none=True)
    deadline = fields.Date()
    listed_on = fields.Date(allow_none=True)
    doc_number = fields.Str(allow_none=True, metadata={"description": "挂牌督办通知书文号"})
    delisted_on = fields.Date(allow_none=True, metadata={"description": "摘牌日期"})


class ReferralSchema(Schema):
    facts = fields.Str(metadata={"description": "违法事实"})
    evidence = fields.Str()
    provisions = fields.Str()
    status = fields.Str(metadata={"description": "待立案/已立案/不予立案"})
    referred_at = fields.DateTime()
    referred_by = name_of("referred_by")
    case_number = fields.Str(allow_none=True, metadata={"description": "立案号（已立案时）"})
    answer = fields.Str(allow_none=True, metadata={"description": "不予立案的理由"})
    answered_at = fields.DateTime(allow_none=True, metadata={"description": "立案机关答复时间"})


class HazardDetailSchema(Schema):
    hazard = fields.Nested(HazardSchema)
    rectifications = fields.List(fields.Nested(RectificationSchema))
    extensions = fields.List(fields.Nested(ExtensionSchema))
    reviews = fields.List(fields.Nested(ReviewSchema))
    supervision = fields.Nested(SupervisionSchema, allow_none=True)
    referral = fields.Nested(ReferralSchema, allow_none=True)
    tasks = fields.List(fields.Nested(TaskSchema), metadata={"description": "当前待办理的任务（办理：POST /api/v1/tasks/{id}/complete）"})
    actionable_task_ids = fields.List(fields.Int(), metadata={"description": "当前用户可办理的任务ID"})
    history = fields.List(fields.Nested(AuditEventSchema))
    progress = fields.List(
        fields.Nested(ProgressStepSchema), allow_none=True,
        metadata={"description": "企业账号看到的办理进度（代替内部流程、任务和执法全过程记录）；执法人员为 null"},
    )


class HazardArgsSchema(QuerySchema):
    """GET /api/v1/hazards: the filters of the 隐患列表 page (app.hazards.queries.HazardFilters)."""

    q = text("关键词：在企业名称、隐患编号、隐患部位和隐患描述中查找", max_length=100)
    enterprise_id = integer("企业ID", minimum=1)
    town = text("乡镇/街道：区划路径前缀，如 /34/3413/341322/341322100/", max_length=200)
    industry = text("企业行业（监管类别），如 危险化学品、工贸", max_length=30)
    level = one_of("隐患等级", [str(v) for v in HazardLevel])
    status = one_of(
        "状态：一组状态或单个状态",
        {**{k: label for k, (label, _) in STATUS_GROUPS.items()}, **{str(v): str(v) for v in HazardStatus}},
    )
    source = one_of("排查来源", [str(v) for v in HazardSource])
    overdue = one_of("逾期", OVERDUE_FILTERS)
    date_from = day("排查日期起（含）")
    date_to = day("排查日期止（含）")
    closed_from = day("销号日期起（含）")
    closed_to = day("销号日期止（含）")
    page = params.page_number(f"{PAGE_DESCRIPTION}，每页 {PER_PAGE} 条")
    after = params.cursor("下一页：此游标之后的隐患（上一页最后一条的排序键）")
    before = params.cursor("上一页：此游标之前的隐患（下一页第一条的排序键）")


class MajorArgsSchema(QuerySchema):
    """GET /hazards/major: the tab of the 重大事故隐患 list and its page."""

    tab = one_of("分组", {k: label for k, (label, _) in MAJOR_TABS.items()}, default=DEFAULT_TAB)
    page = integer(PAGE_DESCRIPTION, minimum=1, default=1)


class NewHazardArgsSchema(QuerySchema):
    """GET /hazards/new: values carried over from the last registration of a batch (next hazard)."""

    enterprise_id = integer("企业ID", minimum=1)
    source = one_of("排查来源", [str(v) for v in HazardSource])
    found_on = day("排查日期")
