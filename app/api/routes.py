"""JSON API /api/v1: the same operations and permissions as the pages.

Authentication is the browser session (same login); POSTs carry the CSRF token in `X-CSRFToken`.
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.datastructures import MultiDict

from app import audit, forms, workflow
from app.api import api_blueprint, doc, is_api_endpoint, register_schemas, registered_schemas, schemas
from app.audit.service import jsonable
from app.auth.permissions import can_view_enterprise, scope_clause
from app.db import commit_request
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inbox import operations, queries
from app.org.models import Enterprise
from app.workflow.models import HumanTask

bp = api_blueprint("api", __name__)
PATH_TASK = {"in": "path", "name": "task_id", "required": True, "schema": {"type": "integer"}}

register_schemas(schemas.TaskSchema, schemas.EnterpriseSchema, schemas.ErrorSchema, schemas.StepSchema,
                 schemas.AuditEventSchema, schemas.CompleteTaskSchema, schemas.InboxSchema,
                 schemas.TaskDetailSchema, schemas.CompleteResultSchema, schemas.EnterprisePageSchema)


def _task(task_id: int) -> HumanTask:
    task = queries.visible_task(current_user, task_id)
    if task is None:
        raise NotFound("任务不存在或不在您的范围内")
    return task


@bp.get("/inbox")
@doc({"get": {"summary": "我的待办（参数 task, town, due, q, sort, page 与页面相同）", "responses": {"200": {"content": {"application/json": {"schema": "InboxSchema"}}}, "401": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
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
        raise PermissionDenied("该任务不在您的待办范围内，无权办理")
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
@doc({"get": {"summary": "企业名录（数据范围内），参数 q, industry, page", "responses": {"200": {"content": {"application/json": {"schema": "EnterprisePageSchema"}}}}}})
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
@doc({"get": {"summary": "企业详情", "parameters": [{"in": "path", "name": "enterprise_id", "required": True, "schema": {"type": "integer"}}], "responses": {"200": {"content": {"application/json": {"schema": "EnterpriseSchema"}}}, "404": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
def enterprise(enterprise_id: int):
    """企业详情"""
    ent = db.session.get(Enterprise, enterprise_id)
    if ent is None or not can_view_enterprise(current_user, ent):
        raise NotFound("企业不存在或不在您的管辖范围内")
    return schemas.EnterpriseSchema().dump(ent)


_spec_cache: dict | None = None
RESPONSE_TEXT = {"200": "成功", "401": "未登录", "403": "无权操作", "404": "不存在或不在范围内",
                 "409": "任务已被他人办理或状态已变化", "422": "表单校验未通过"}


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API, generated from the schemas and docstrings."""
    global _spec_cache
    if _spec_cache is None:
        from flask import current_app

        spec = APISpec(title="SafeLoop 安全生产执法闭环系统 API", version="1.0.0", openapi_version="3.0.3",
                       plugins=[MarshmallowPlugin()], info={"description": "与页面相同的数据范围和权限；会话登录，POST 需 X-CSRFToken"})
        # leaves first, so nested references resolve to the named components
        for name, schema in registered_schemas().items():
            spec.components.schema(name, schema=schema)
        for rule in current_app.url_map.iter_rules():
            view = current_app.view_functions.get(rule.endpoint)
            ops = getattr(view, "openapi", None)
            if is_api_endpoint(rule.endpoint) and ops:
                for op in ops.values():
                    for code, resp in op.get("responses", {}).items():
                        resp.setdefault("description", RESPONSE_TEXT.get(code, "响应"))
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
                spec.path(path=path, operations=ops)
        _spec_cache = spec.to_dict()
    return jsonify(_spec_cache)

