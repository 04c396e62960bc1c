"""A hazard's status is where its workflow stands: set here, in one place, after every step of its workflow
(user task, timer, start), never by hand next to a step.

    READY user task                      → status
    submit_rectification                 → 整改中
    review_extension                     → 延期审批中
    review_rectification                 → 待复查
    approve_exception                    → 待领导审批
    decide_supervision                   → 待督办决定
    submit_governance_plan               → 待报治理方案
    submit_acceptance                    → 治理中
    acceptance_review                    → 待验收
    workflow finished                    → 已移送立案 if referred, else 已销号
"""

from __future__ import annotations

from app import audit, workflow
from app.extensions import db
from app.hazards.models import Hazard, HazardStatus
from app.hazards.operations.common import GENERAL_PROCESS, MAJOR_PROCESS

TASK_STATUS = {
    "submit_rectification": HazardStatus.RECTIFYING,
    "review_extension": HazardStatus.EXTENSION_PENDING,
    "review_rectification": HazardStatus.REVIEWING,
    "approve_exception": HazardStatus.EXCEPTION_PENDING,
    "decide_supervision": HazardStatus.SUPERVISION_PENDING,
    "submit_governance_plan": HazardStatus.PLAN_PENDING,
    "submit_acceptance": HazardStatus.GOVERNING,
    "acceptance_review": HazardStatus.ACCEPTING,
}


def status_for(hazard: Hazard, change: workflow.Change) -> str:
    if change.finished:
        # a referral made in this step is in the session already; reading an older one needs no flush of
        # the step's changes (they go out once, with the status set here)
        with db.session.no_autoflush:
            referred = hazard.referral is not None
        return HazardStatus.REFERRED if referred else HazardStatus.CLOSED
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in change.ready:
            return status
    return hazard.status


@workflow.on_change(GENERAL_PROCESS, MAJOR_PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    hazard = db.session.get(Hazard, change.instance.subject_id)
    if hazard is None:
        return
    new = status_for(hazard, change)
    if new == hazard.status:
        return
    old, hazard.status = hazard.status, new
    if change.actor is None:  # a timer moved it: no verb records this step, so record the status here
        audit.record(
            None,
            "hazard.status_changed",
            hazard,
            summary=f"流程定时推进，隐患状态由“{old}”变为“{new}”",
            changes={"status": [old, new]},
        )
