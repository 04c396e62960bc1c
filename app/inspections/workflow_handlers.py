"""The inspection workflow's service task: `inspections.result_overdue` (inspection.bpmn, the non-interrupting
timer on publish_result) — a 双随机 result not published within result_publish_period is marked overdue, the
lead officer and the section heads of the jurisdiction are told once, and the publication task stays open."""

from __future__ import annotations

from app import audit, notifications, workflow
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.extensions import db
from app.inspections.models import Inspection, InspectionStatus


@workflow.service("inspections.result_overdue")
def result_overdue(ctx) -> dict | None:
    inst = ctx.instance
    inspection = (
        db.session.get(Inspection, int(inst.subject_id)) if inst is not None and inst.subject_id else None
    )
    if inspection is None or inspection.status != InspectionStatus.HANDLING or inspection.result_published_on:
        return None
    due = f"{inspection.result_publish_due:%Y年%m月%d日}" if inspection.result_publish_due else "期限"
    body = f"{inspection.enterprise.name}的抽查结果（{inspection.code}）应于{due}前公示，期限已届满，仍须公示"
    users = users_with_role(
        Role.SECTION_HEAD, region_path=inspection.region_path, agency_id=inspection.agency_id
    )
    users.append(inspection.lead_officer)
    notifications.notify(
        users,
        inspection,
        kind="inspection_deadline",
        key=f"result_overdue:{inspection.id}",
        title="抽查结果公示逾期",
        body=body,
        level="warning",
    )
    audit.record(None, "inspection.result_overdue", inspection, summary=body)
    return {"result_overdue": True}
