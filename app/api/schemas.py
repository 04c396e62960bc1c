"""marshmallow schemas of /api/v1. Output schemas only describe; task input goes through forms.validate;
query parameters are `QuerySchema`s (app.params), which both document them (OpenAPI) and validate them,
shared with the pages of the same lists."""

from marshmallow import Schema, fields

from app.inbox.queries import InboxArgsSchema  # noqa: F401 - the page's schema, documented here too
from app.org.schemas import EnterpriseSchema  # one schema for the registry: forms, import and API
from app.params import PAGE_DESCRIPTION, QuerySchema, day, integer, one_of, text  # noqa: F401 - the domains' API schemas import them from here

# --- query parameters ------------------------------------------------------------------------------


class EnterpriseArgsSchema(QuerySchema):
    """GET /api/v1/enterprises."""

    q = text("关键词：企业名称中的文字，或完整的统一社会信用代码")
    industry = text("行业（监管类别），如 危险化学品、工贸")
    page = integer(PAGE_DESCRIPTION + "，每页 50 家", minimum=1, default=1)


class ProgressStepSchema(Schema):
    """One step of the progress an enterprise account is shown (app.subjects.ProgressStep), in every domain."""

    label = fields.Str(metadata={"description": "进度（如 已下达整改指令、整改中（期限 …）、复查不合格，需重新整改）"})
    state = fields.Str(metadata={"description": "done 已完成 / current 当前 / failed 未通过 / todo 待进行"})
    when = fields.Method("_when", metadata={"description": "日期（北京时间，YYYY-MM-DD）"})
    note = fields.Str(metadata={"description": "说明（文号、期限、复查意见等）"})

    def _when(self, step) -> str | None:
        from app.ui import fmt_date

        return fmt_date(step.when) or None


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
