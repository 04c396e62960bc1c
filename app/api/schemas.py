"""marshmallow schemas of /api/v1. Output schemas only describe; task input goes through forms.validate;
query parameters are `QuerySchema`s, which both document them (OpenAPI) and validate them."""

from collections.abc import Iterable, Mapping

from marshmallow import EXCLUDE, Schema, fields, validate

from app.inbox.queries import DUE_FILTERS, SORTS
from app.org.schemas import EnterpriseSchema  # one schema for the registry: forms, import and API

# --- query parameters ------------------------------------------------------------------------------


class QuerySchema(Schema):
    """The query parameters of a GET route, one field a parameter (name, type, Chinese description,
    enum or format): `api.doc(..., query=...)` lists them in the OpenAPI document and validates a
    request's values against them. The route reads the values as the page does (the same filter
    object); an empty value counts as absent, as from a form's empty select, and unknown names are
    ignored."""

    class Meta:
        unknown = EXCLUDE

    @staticmethod
    def present(args) -> dict[str, str]:
        """The non-empty values of the request's query string (the first of each name)."""
        return {k: v for k, v in args.items() if v.strip()}


def _default(value) -> dict:
    """load_default only when there is one (a None default would make the field nullable)."""
    return {} if value is None else {"load_default": value}


def text(description: str, *, max_length: int | None = None) -> fields.Str:
    checks = [validate.Length(max=max_length, error="不能超过 {max} 个字符")] if max_length else []
    return fields.Str(validate=checks, metadata={"description": description})


def integer(description: str, *, minimum: int | None = None, default: int | None = None) -> fields.Int:
    checks = [validate.Range(min=minimum, error="不能小于 {min}")] if minimum is not None else []
    return fields.Int(
        validate=checks,
        error_messages={"invalid": "应为整数"},
        metadata={"description": description},
        **_default(default),
    )


def one_of(description: str, choices: Mapping[str, str] | Iterable[str], *, default: str | None = None) -> fields.Str:
    """A parameter with fixed values (enum); a mapping's labels explain each value in the description."""
    values = list(choices)
    if isinstance(choices, Mapping):
        description += "：" + "、".join(f"{v}（{choices[v]}）" for v in values)
    return fields.Str(
        validate=validate.OneOf(values, error="应为以下之一：{choices}"),
        metadata={"description": description},
        **_default(default),
    )


def day(description: str) -> fields.Date:
    return fields.Date(
        format="iso",
        error_messages={"invalid": "应为日期，格式 YYYY-MM-DD"},
        metadata={"description": f"{description}（YYYY-MM-DD）"},
    )


PAGE_DESCRIPTION = "页码，从 1 开始"


class InboxArgsSchema(QuerySchema):
    """GET /api/v1/inbox: the filters of the 我的待办 page (app.inbox.queries.InboxFilters)."""

    process = text("任务类型：流程标识（任务的 process_id）")
    task = text("任务步骤：BPMN 任务标识（任务的 bpmn_id）")
    enterprise_id = integer("企业ID", minimum=1)
    town = text("乡镇/街道：区划路径前缀，如 /34/3413/341322/341322100/")
    due = one_of("办理期限", DUE_FILTERS)
    q = text("关键词：在业务对象名称（任务标题）中查找")
    sort = one_of("排序", SORTS, default="due")
    page = integer(PAGE_DESCRIPTION, minimum=1, default=1)


class EnterpriseArgsSchema(QuerySchema):
    """GET /api/v1/enterprises."""

    q = text("关键词：企业名称中的文字，或完整的统一社会信用代码")
    industry = text("行业（监管类别），如 危险化学品、工贸")
    page = integer(PAGE_DESCRIPTION + "，每页 50 家", minimum=1, default=1)


class TaskSchema(Schema):
    id = fields.Int(metadata={"description": "任务ID"})
    name = fields.Str(metadata={"description": "任务名称"})
    bpmn_id = fields.Str()
    process_id = fields.Function(lambda t: t.instance.process_id)
    title = fields.Str(metadata={"description": "业务对象"})
    subject_type = fields.Str()
    subject_id = fields.Int()
    enterprise_id = fields.Int(allow_none=True)
    candidate_role = fields.Str()
    assignee_id = fields.Int(allow_none=True)
    claimed_by_id = fields.Int(allow_none=True)
    form_name = fields.Str(allow_none=True)
    status = fields.Str()
    due_date = fields.Date(allow_none=True, dump_only=True, metadata={
        "description": "办理期限：最后一日（含当日，北京时间），与业务对象页面、文书上的期限相同"})
    due_at = fields.DateTime(allow_none=True, metadata={
        "description": "办理期限届满的时刻（due_date 次日 0 时，北京时间），逾期自此时起算"})
    overdue = fields.Method("get_overdue", metadata={"description": "是否已逾期（期限最后一日已过）"})
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)

    def get_overdue(self, task) -> bool:
        return task.is_overdue()


class PageSchema(Schema):
    """Paging fields of every list; subclasses add `items`."""

    total = fields.Int(metadata={"description": "总数"})
    page = fields.Int()
    pages = fields.Int()


class InboxSchema(PageSchema):
    total = fields.Int(metadata={"description": "总数（超过1万时为10001）"})
    items = fields.List(fields.Nested(TaskSchema))
    counts = fields.Dict(keys=fields.Str(), values=fields.Int())


class FormFieldSchema(Schema):
    name = fields.Str()
    label = fields.Str()
    type = fields.Str()
    required = fields.Bool()
    choices = fields.Raw(allow_none=True)


class StepSchema(Schema):
    name = fields.Str()
    bpmn_id = fields.Str()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.Function(lambda t: t.completed_by.name if getattr(t, "completed_by", None) else None)


class AuditEventSchema(Schema):
    at = fields.DateTime()
    actor_name = fields.Str(allow_none=True)
    action = fields.Str()
    summary = fields.Str()


class TaskDetailSchema(Schema):
    task = fields.Nested(TaskSchema)
    can_act = fields.Bool()
    form = fields.Dict()
    initial = fields.Dict(metadata={"description": "表单预填值（如批准延期至=申请的日期；复查不合格后按上次报告预填）"})
    steps = fields.List(fields.Nested(StepSchema))
    history = fields.List(fields.Nested(AuditEventSchema))


class CompleteTaskSchema(Schema):
    data = fields.Dict(required=True, metadata={"description": "表单字段（按任务表单定义）"})


class CompleteResultSchema(Schema):
    status = fields.Str()
    next_tasks = fields.List(fields.Nested(TaskSchema))


class EnterprisePageSchema(PageSchema):
    items = fields.List(fields.Nested(EnterpriseSchema))


class ErrorSchema(Schema):
    error = fields.Str(metadata={"description": "中文错误信息"})
    status = fields.Int()
    field_errors = fields.Dict(keys=fields.Str(), values=fields.Str())


def name_of(attr: str):
    """A related object's `name` (a user, an enterprise), or None."""
    return fields.Function(lambda obj: getattr(getattr(obj, attr), "name", None), allow_none=True)
