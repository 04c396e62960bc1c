"""/api/v1/hazards: the 隐患 list (the list page's filters and data scope) and one hazard with its
rectifications, extension requests, reviews, supervision, referral, current tasks and history.

Answering a task goes through the generic POST /api/v1/tasks/<id>/complete, which runs the same hazard
operation as the pages (multipart/form-data when the form has photo or document fields)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from app import audit, workflow
from app.api import api_blueprint, doc, register_schemas
from app.errors import NotFound
from app.hazards import queries, schemas
from app.hazards.view import actionable_tasks, outsider_progress
from app.inbox import queries as inbox_queries

bp = api_blueprint("api_hazards", __name__)
register_schemas(schemas.HazardSchema, schemas.HazardPageSchema, schemas.RectificationSchema, schemas.ExtensionSchema,
                 schemas.ReviewSchema, schemas.SupervisionSchema, schemas.ReferralSchema, schemas.ProgressStepSchema,
                 schemas.HazardDetailSchema)

PATH_HAZARD = {"in": "path", "name": "hazard_id", "required": True, "schema": {"type": "integer"},
               "description": "隐患ID"}


@bp.get("/hazards")
@doc({"get": {"summary": "隐患列表（数据范围内；筛选同隐患列表页）", "responses": {"200": {"content": {"application/json": {"schema": "HazardPageSchema"}}}, "401": {"content": {"application/json": {"schema": "ErrorSchema"}}}, "422": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}},
     query=schemas.HazardArgsSchema)
def hazards():
    """隐患列表"""
    page = queries.hazard_page(current_user, queries.HazardFilters.from_args(request.args))
    return schemas.HazardPageSchema().dump(page)


@bp.get("/hazards/<int:hazard_id>")
@doc({"get": {"summary": "隐患详情：整改、延期、复查、督办、移送、当前任务和执法全过程记录", "parameters": [PATH_HAZARD], "responses": {"200": {"content": {"application/json": {"schema": "HazardDetailSchema"}}}, "404": {"content": {"application/json": {"schema": "ErrorSchema"}}}}}})
def hazard(hazard_id: int):
    """隐患详情"""
    hazard = queries.scoped_get(current_user, hazard_id)
    if hazard is None:
        raise NotFound("隐患不存在或不在您的范围内")
    ready = workflow.ready_tasks(workflow.instance_for(hazard))
    # an enterprise account: its own progress and its own tasks, not the agency's steps, trail or referral
    outsider = inbox_queries.is_outsider(current_user)
    return schemas.HazardDetailSchema().dump({
        "hazard": hazard,
        "rectifications": hazard.rectifications,
        "extensions": hazard.extensions,
        "reviews": hazard.reviews,
        "supervision": hazard.supervision,
        "referral": None if outsider else hazard.referral,
        "tasks": [t for t in ready if inbox_queries.can_view(current_user, t)],
        "actionable_task_ids": [t.id for t in actionable_tasks(ready, current_user)],
        "history": [] if outsider else audit.history(hazard),
        "progress": outsider_progress(hazard) if outsider else None,
    })
