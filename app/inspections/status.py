"""An inspection's status is where its `inspection` workflow stands: set here, in one place, after every step
(user task, timer, start), never by hand next to a step.

    READY user task                 → status
    approve_over_cap                → 待审批
    prepare_scheme                  → 待检查
    onsite_record                   → 待检查, 检查中 once the team started on site (started_at)
    handle_results / publish_result / await_outcomes → 待处理
    workflow finished               → 已取消 when the over-cap was refused (cancelled_reason), otherwise 已完成

Starting on site is not a workflow step (the record is the step): `start_onsite` calls `refresh`, which reads
the same rule."""

from __future__ import annotations

from app import audit, clock, workflow
from app.extensions import db
from app.inspections.models import Inspection, InspectionStatus
from app.inspections.operations.inspection import PROCESS, ready_ids

TASK_STATUS = {
    "approve_over_cap": InspectionStatus.PENDING_APPROVAL,
    "prepare_scheme": InspectionStatus.PLANNED,
    "onsite_record": InspectionStatus.PLANNED,
    "handle_results": InspectionStatus.HANDLING,
    "publish_result": InspectionStatus.HANDLING,
    "await_outcomes": InspectionStatus.HANDLING,  # the results area's wait for every violation's outcome
}


def status_for(inspection: Inspection, ready: frozenset[str] | set[str], finished: bool) -> InspectionStatus:
    if finished:
        return InspectionStatus.CANCELLED if inspection.cancelled_reason else InspectionStatus.DONE
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in ready:
            if bpmn_id == "onsite_record" and inspection.started_at is not None:
                return InspectionStatus.ON_SITE
            return status
    return InspectionStatus(inspection.status)


def _apply(inspection: Inspection, new: InspectionStatus, *, actor) -> None:
    if new == inspection.status:
        return
    old, inspection.status = inspection.status, new
    if new == InspectionStatus.DONE and inspection.completed_on is None:
        inspection.completed_on = clock.today()
    if actor is None:  # a timer moved it: no verb records this step
        audit.record(
            None,
            "inspection.status_changed",
            inspection,
            summary=f"流程定时推进，检查状态由“{old}”变为“{new}”",
            changes={"status": [str(old), str(new)]},
        )


@workflow.on_change(PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    inspection = db.session.get(Inspection, change.instance.subject_id)
    if inspection is None or inspection.status == InspectionStatus.CANCELLED:
        return
    _apply(inspection, status_for(inspection, change.ready, change.finished), actor=change.actor)


def refresh(inspection: Inspection, *, actor) -> None:
    """The same rule for a change of the inspection that is not a workflow step (the team started on site)."""
    inst = workflow.instance_for(inspection, PROCESS)
    if inst is None:
        return
    _apply(inspection, status_for(inspection, set(ready_ids(inspection)), False), actor=actor)


def finished(inspection: Inspection, *, actor) -> None:
    """The workflow was cancelled (cancel_inspection): the same rule as a finished instance."""
    _apply(inspection, status_for(inspection, set(), True), actor=actor)
