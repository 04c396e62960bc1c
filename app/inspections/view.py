"""How an inspection is shown on shared pages (helper "web"): its subject registration (the generic task page's
summary, the audit trail's name and scope), its page's address (the onsite helper's `inspection.detail`), and
what the inspected enterprise reads instead of the internal process — the team's arrival, the 现场检查记录,
the problems found and the orders and measures that followed, never the plan, the draw, the cap decision or
anything before the team arrived (四不两直: a planned inspection is never announced)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from app import subjects
from app.inspections.models import Inspection, InspectionStatus
from app.subjects import ProgressStep

SUBJECT_LABEL = "监督检查"
DETAIL_ENDPOINT = (
    "inspection.detail"  # the inspection page (the onsite helper's blueprint, app/inspections/routes.py)
)


def inspection_url(inspection: Any) -> str | None:
    """The inspection's own page, or None while no blueprint serves one."""
    if DETAIL_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(DETAIL_ENDPOINT, inspection_id=int(inspection.id))


def name(inspection: Any) -> str:
    return f"{inspection.code} {inspection.enterprise.name}"


def outsider_progress(inspection: Any) -> list[ProgressStep]:
    """The inspected enterprise's view: nothing before the team arrived (the list hides it as well)."""
    if inspection.status not in (InspectionStatus.ON_SITE, InspectionStatus.HANDLING, InspectionStatus.DONE):
        return []
    steps = [
        ProgressStep(
            "执法人员到场检查",
            "done",
            inspection.started_at or inspection.planned_on,
            "已出示执法证件并告知申请回避的权利" if inspection.credentials_shown_at else "",
        )
    ]
    if inspection.status == InspectionStatus.ON_SITE:
        steps.append(ProgressStep("现场检查进行中", "current"))
        return steps
    record = f"现场检查记录 {inspection.record_no}" if inspection.record_no else "现场检查记录"
    steps.append(ProgressStep("现场检查结束", "done", inspection.ended_at or inspection.signed_at, record))
    if inspection.status == InspectionStatus.HANDLING:
        steps.append(ProgressStep("检查发现的问题处理中（整改指令、现场处理措施）", "current"))
    else:
        steps.append(ProgressStep("检查办结", "done", inspection.completed_on))
    return steps


def register() -> None:
    def _load(inspection_id: int):
        from app.extensions import db

        return db.session.get(Inspection, inspection_id)

    def _scope(viewer):
        from app.inspections import queries

        return queries.scoped(viewer).with_only_columns(Inspection.id)

    subjects.register_subject(
        subjects.type_of(Inspection),
        subjects.SubjectView(
            load=_load,
            summary_template="inspections/_summary.html",
            url=inspection_url,
            label=SUBJECT_LABEL,
            name=name,
            outsider_progress=outsider_progress,
            scope=_scope,
        ),
    )
