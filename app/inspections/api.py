"""/api/v1/inspections (helper "web"): the 监督检查 list (the list page's InspectionFilters and data scope) and
one inspection in the reader's terms. The inspection's steps (检查方案, 现场检查, 结果处理, 结果公示) go through
the generic POST /api/v1/tasks/<id>/complete, which runs the same handlers as the pages; the rules live in
the operations, so they hold there too."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from flask import request
from flask_login import current_user
from sqlalchemy import select

from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.errors import NotFound
from app.extensions import db
from app.inspections import queries, schemas, view
from app.inspections.models import Finding, Inspection, InspectionStatus, OnSiteMeasure

bp = api_blueprint("api_inspections", __name__)
register_schemas(
    schemas.MemberSchema,
    schemas.InspectionSchema,
    schemas.InspectionPageSchema,
    schemas.FindingSchema,
    schemas.MeasureSchema,
    schemas.ProgressStepSchema,
    schemas.InspectionDetailSchema,
)

PATH_INSPECTION = path_id("inspection_id", "检查ID")
ERRORS = error_responses("401", "422")
NOT_FOUND = "检查不存在或不在您的范围内"


def _ok(schema: str) -> dict:
    return {"200": {"content": {"application/json": {"schema": schema}}}}


@bp.get("/inspections")
@doc(
    {
        "get": {
            "summary": "监督检查列表（数据范围内；筛选同检查列表页；企业账号只见本单位自检查中起的检查）",
            "responses": {**_ok("InspectionPageSchema"), **ERRORS},
        }
    },
    query=schemas.InspectionArgsSchema,
)
def inspections():
    """监督检查列表"""
    page = queries.inspection_page(current_user, queries.InspectionFilters.from_args(request.args))
    if current_user.is_enterprise_user:  # its inspections as its page shows them: no cap accounting
        page = dataclasses.replace(page, items=[_outsider_row(row) for row in page.items])
    return schemas.InspectionPageSchema().dump(page)


@bp.get("/inspections/<int:inspection_id>")
@doc(
    {
        "get": {
            "summary": "检查详情：检查组（执法证号）、发现的问题、现场处理措施；企业账号另见办理进度，不含超限审批等内部信息",
            "parameters": [PATH_INSPECTION],
            "responses": {
                **_ok("InspectionDetailSchema"),
                **error_responses("401", "404"),
            },
        }
    }
)
def inspection(inspection_id: int):
    """检查详情"""
    insp = queries.scoped_get(current_user, inspection_id)
    if insp is None:
        raise NotFound(NOT_FOUND)
    outsider = bool(current_user.is_enterprise_user)
    closed = insp.status in (InspectionStatus.HANDLING, InspectionStatus.DONE)
    findings = (
        list(
            db.session.scalars(
                select(Finding).where(Finding.inspection_id == insp.id).order_by(Finding.seq, Finding.id)
            )
        )
        if closed or not outsider
        else []
    )
    measures = list(
        db.session.scalars(
            select(OnSiteMeasure).where(OnSiteMeasure.inspection_id == insp.id).order_by(OnSiteMeasure.id)
        )
    )
    return schemas.InspectionDetailSchema().dump(
        {
            "inspection": _outsider_row(insp) if outsider else insp,
            "members": insp.members,
            "findings": findings,
            "measures": measures,
            "over_cap_reason": None if outsider else insp.over_cap_reason,
            "progress": view.outsider_progress(insp) if outsider else None,
        }
    )


def _outsider_row(insp: Inspection) -> SimpleNamespace:
    """InspectionSchema's fields in the enterprise's terms: no cap accounting, no source reference."""
    return SimpleNamespace(
        id=insp.id,
        code=insp.code,
        source=insp.source,
        source_ref=None,
        mode=insp.mode,
        enterprise_id=insp.enterprise_id,
        enterprise=insp.enterprise,
        status=insp.status,
        planned_on=insp.planned_on,
        due_on=None,
        cap_year=insp.cap_year,
        counts_against_cap=insp.counts_against_cap,
        over_cap=False,
        record_no=insp.record_no,
        started_at=insp.started_at,
        ended_at=insp.ended_at,
        completed_on=insp.completed_on,
        result_publish_due=None,
        result_published_on=insp.result_published_on,
    )
