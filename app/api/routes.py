"""JSON API /api/v1: the same operations and permissions as the pages.

Authentication is the browser session (same login); POSTs carry the CSRF token in `X-CSRFToken`. The
OpenAPI document (/api/v1/openapi.json, app.api.openapi) describes both, and every parameter.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.datastructures import MultiDict

from app import audit, forms, workflow
from app.api import api_blueprint, doc, register_schemas, schemas
from app.api import openapi as openapi_document
from app.audit.service import jsonable
from app.auth.permissions import can_view_enterprise, scope_clause
from app.db import commit_request
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inbox import operations, queries
from app.org.models import Enterprise
from app.workflow.models import HumanTask

bp = api_blueprint("api", __name__)
PATH_TASK = {"in": "path", "name": "task_id", "required": True, "schema": {"type": "integer"},
             "description": "任务ID（我的待办中任务的 id）"}
PATH_ENTERPRISE = {"in": "path", "name": "enterprise_id", "required": True, "schema": {"type": "integer"},
                   "description": "企业ID"}

register_schemas(schemas.TaskSchema, schemas.EnterpriseSchema, schemas.ErrorSchema, schemas.StepSchema,
                 schemas.AuditEventSchema, schemas.CompleteTaskSchema, schemas.InboxSchema,
                 schemas.TaskDetailSchema, schemas.CompleteResultSchema, schemas.EnterprisePageSchema)


def _task(task_id: int) -> HumanTask:
    task = queries.visible_task(current_user, task_id)
    if task is None:
        raise NotFound("任务不存在或不在您的范围内")
    return task


@bp.get("/inbox")
@doc({"get": {"summary": "我的待办（筛选与排序同我的待办页面）", "responses": {"200": {"content": {"application/json": {"schema": "InboxSchema"}}}, "401": {"content": {"application/json": {"schema": "ErrorSchema"}}}, "422": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}},
     query=schemas.InboxArgsSchema)
def inbox():
    """我的待办"""
    page = queries.inbox(current_user, queries.InboxFilters.from_args(request.args))
    return schemas.InboxSchema().dump(
        {"items": page.tasks, "total": page.total, "page": page.page, "pages": page.pages, "counts": page.counts}
    )


@bp.get("/tasks/<int:task_id>")
@doc({"get": {"summary": "任务详情、表单定义、流程进度和办理记录", "parameters": [PATH_TASK], "responses": {"200": {"content": {"application/json": {"schema": "TaskDetailSchema"}}}, "404": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
def task_detail(task_id: int):
    """任务详情"""
    task = _task(task_id)
    formdef = forms.get_form(task.form_name) if task.form_name else None
    facts = workflow.facts_for(task, actor=current_user)
    return schemas.TaskDetailSchema().dump({
        "task": task,
        "can_act": task.status == "ready" and queries.can_act(current_user, task),
        "form": formdef.to_dict() if formdef else {},
        "initial": jsonable(facts.initial) if facts is not None else {},
        # an enterprise account: its own lane's steps only, not the agency's internal trail
        "steps": queries.visible_steps(current_user, workflow.history(task.instance)),
        "history": [] if queries.is_outsider(current_user) else audit.history(task.instance),
    })


@bp.post("/tasks/<int:task_id>/complete")
@doc({"post": {"summary": "提交任务表单并推进流程", "parameters": [PATH_TASK], "requestBody": {"content": {"application/json": {"schema": "CompleteTaskSchema"}, "multipart/form-data": {"schema": {"type": "object", "description": "表单字段与附件（照片、文件）"}}}}, "responses": {"200": {"content": {"application/json": {"schema": "CompleteResultSchema"}}}, "403": {"content": {"application/json": {"schema": "ErrorSchema"}}}, "409": {"content": {"application/json": {"schema": "ErrorSchema"}}}, "422": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
def complete(task_id: int):
    """办理任务"""
    task = _task(task_id)
    if task.status != "ready":
        raise Conflict(workflow.not_ready_message(task))
    if not queries.can_act(current_user, task):
        raise PermissionDenied(queries.cannot_act_message(current_user, task))
    formdata, files = _submitted_form()
    try:
        data = forms.validate(task.form_name, formdata, files, actor=current_user, context={"task": task})
    except forms.FormInvalid as exc:
        raise ValidationFailed("提交的内容未通过校验", field_errors=exc.errors) from None
    operations.complete(task, data, actor=current_user)
    commit_request()
    return schemas.CompleteResultSchema().dump(
        {"status": "completed", "next_tasks": workflow.ready_tasks(task.instance)}
    )


def _submitted_form() -> tuple[MultiDict, MultiDict]:
    """The task form from a JSON body {"data": {...}}, or from multipart/form-data (fields and files)."""
    if request.mimetype == "multipart/form-data":
        return request.form, request.files
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ValidationFailed("请求体应为 JSON：{\"data\": {字段: 值}}，或带附件时用 multipart/form-data")
    formdata = MultiDict()
    for key, value in body["data"].items():
        for v in value if isinstance(value, list) else [value]:
            formdata.add(key, "" if v is None else str(v))
    return formdata, MultiDict()


@bp.get("/enterprises")
@doc({"get": {"summary": "企业名录（数据范围内，按名称排序）", "responses": {"200": {"content": {"application/json": {"schema": "EnterprisePageSchema"}}}, "401": {"content": {"application/json": {"schema": "ErrorSchema"}}}, "422": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}},
     query=schemas.EnterpriseArgsSchema)
def enterprises():
    """企业名录"""
    stmt = select(Enterprise).where(scope_clause(current_user, Enterprise.region_path, Enterprise.id))
    if q := (request.args.get("q") or "").strip():
        stmt = stmt.where(or_(Enterprise.name.contains(q, autoescape=True), Enterprise.credit_code == q.upper()))
    if industry := request.args.get("industry"):
        stmt = stmt.where(Enterprise.industry == industry)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    size = 50
    pages = max(1, -(-total // size))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    items = db.session.scalars(stmt.order_by(Enterprise.name).limit(size).offset((page - 1) * size)).all()
    return schemas.EnterprisePageSchema().dump({"items": items, "total": total, "page": page, "pages": pages})


@bp.get("/enterprises/<int:enterprise_id>")
@doc({"get": {"summary": "企业详情", "parameters": [PATH_ENTERPRISE], "responses": {"200": {"content": {"application/json": {"schema": "EnterpriseSchema"}}}, "404": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
def enterprise(enterprise_id: int):
    """企业详情"""
    ent = db.session.get(Enterprise, enterprise_id)
    if ent is None or not can_view_enterprise(current_user, ent):
        raise NotFound("企业不存在或不在您的管辖范围内")
    return schemas.EnterpriseSchema().dump(ent)


@bp.get("/openapi.json")
@doc({"get": {"summary": "本 API 的 OpenAPI 3 文档（路径、参数、响应、认证方式）", "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
def openapi():
    """The OpenAPI 3 document of this API (built once per app: app.api.openapi)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = openapi_document.build(app)
    return jsonify(app.extensions["openapi"])
