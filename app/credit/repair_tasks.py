"""The credit_repair workflow's glue: its user-task handlers (what completing verify_repair / decide_repair
does, from the generic task page and the API alike: the same operation the pages call) and the application's
status, set here in one place after every step of its workflow.

    READY verify_repair → 核查中; READY decide_repair → 待决定; finished → 准予移出 / 不予移出 (the decision)
    (已撤销 — fraud found after a grant — is set by revoke_repair, after the workflow has ended)
"""

from __future__ import annotations

from app import audit, workflow
from app.credit.models import RepairApplication, RepairStatus
from app.credit.operations import repair as ops
from app.extensions import db
from app.workflow.user_tasks import bind_operations, subject_loader

TASK_STATUS = {
    "verify_repair": RepairStatus.VERIFYING,
    "decide_repair": RepairStatus.DECIDING,
}
FINISHED = {"准予": RepairStatus.GRANTED, "不予": RepairStatus.REFUSED}


bind_operations(
    ops.PROCESS,
    {"verify_repair": ops.verify_repair, "decide_repair": ops.decide_repair},
    load=subject_loader(RepairApplication, "信用修复申请"),
    module=__name__,
)


def status_for(repair: RepairApplication, change: workflow.Change) -> RepairStatus:
    if change.finished:
        return FINISHED.get(repair.decision or "", repair.status)
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in change.ready:
            return status
    return repair.status


@workflow.on_change(ops.PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    repair = db.session.get(RepairApplication, change.instance.subject_id)
    if repair is None:
        return
    new = status_for(repair, change)
    if new == repair.status:
        return
    old, repair.status = repair.status, new
    if change.actor is None:  # a timer moved it: no verb records this step
        audit.record(
            None,
            "credit.repair_status_changed",
            repair,
            summary=f"信用修复申请状态：{old}→{new}",
            changes={"status": [old, new]},
        )


# files of an application only the agency's staff may open: the 负责人's evidence of fraud (撤销移出决定)
STAFF_ONLY_FIELDS = frozenset({"revoke_evidence"})


def _repair_visible(user, repair_id: int, field: str = "") -> bool:
    """Whoever may see the listing opens the application's files (信用承诺书, materials) — except the internal
    evidence (STAFF_ONLY_FIELDS), which the enterprise's account never opens."""
    from app.credit.access import can_view

    if field in STAFF_ONLY_FIELDS and getattr(user, "is_enterprise_user", True):
        return False
    repair = db.session.get(RepairApplication, repair_id)
    return repair is not None and can_view(user, repair.listing)


def _info_repair_visible(user, repair_id: int) -> bool:
    from app.cases.models import PenaltyCase
    from app.cases.permissions import can_view
    from app.credit.models import PenaltyInfoRepair

    row = db.session.get(PenaltyInfoRepair, repair_id)
    case = db.session.get(PenaltyCase, row.case_id) if row is not None else None
    return case is not None and can_view(user, case)


def register_access() -> None:
    """Files of a 信用修复 application (信用承诺书, materials, the fraud evidence) and of a penalty-information
    repair: whoever may see the listing (the case) — but the fraud evidence (revoke_evidence): staff only."""
    from app import attachments

    attachments.register_access("credit_repairs", _repair_visible, by_field=True)
    attachments.register_access("penalty_info_repairs", _info_repair_visible)


# ---- the generic task page: the facts of each decision, and how an application is named -----------------

TEMPLATE = "credit/tasks/repair.html"


def _ready_repair(task) -> RepairApplication | None:
    if task.status != "ready" or not task.subject_id or task.subject_type != ops.SUBJECT_TYPE:
        return None
    return db.session.get(RepairApplication, task.subject_id)


def _facts(task, actor) -> workflow.TaskFacts | None:
    from app import attachments

    repair = _ready_repair(task)
    if repair is None:
        return None
    listing = repair.listing
    checks = ops.repair_checks(listing, repair)  # as of today: what the decision will be checked against
    context = {
        "task_id": task.bpmn_id,
        "repair": repair,
        "listing": listing,
        "checks": checks,
        "commitment": attachments.attachments_for(repair, "commitment"),
        "materials": attachments.attachments_for(repair, "materials"),
    }
    initial: dict = {}
    if task.bpmn_id == "verify_repair":
        initial["proposal"] = "grant" if all(c["passed"] for c in checks) else "refuse"
    return workflow.TaskFacts(template=TEMPLATE, title="信用修复申请与核验", context=context, initial=initial)


@workflow.task_facts(ops.PROCESS, "verify_repair")
def verify_facts(task, *, actor) -> workflow.TaskFacts | None:
    return _facts(task, actor)


@workflow.task_facts(ops.PROCESS, "decide_repair")
def decide_facts(task, *, actor) -> workflow.TaskFacts | None:
    return _facts(task, actor)


def register_subject() -> None:
    """credit_repairs on the generic task page and in the audit trail: named by its listing's enterprise,
    linked to the listing's page, inside the listing's scope."""
    from flask import url_for

    from app import subjects
    from app.credit.models import CreditListing

    def _url(repair):
        return url_for("credit.detail", listing_id=repair.listing_id)

    def _parent(repair):
        return subjects.SubjectRef(subjects.type_of(CreditListing), repair.listing_id)

    def _scope(viewer):
        from sqlalchemy import select

        from app.credit.queries import scoped

        return select(RepairApplication.id).where(
            RepairApplication.listing_id.in_(scoped(viewer).with_only_columns(CreditListing.id))
        )

    subjects.register_subject(
        ops.SUBJECT_TYPE,
        subjects.model_view(
            RepairApplication,
            label="信用修复申请",
            name=lambda repair: (
                f"{repair.listing.enterprise.name}信用修复申请（{repair.applied_on:%Y-%m-%d}）"
            ),
            url=_url,
            parent=_parent,
            summary_template="credit/tasks/_repair_summary.html",
            scope=_scope,
        ),
    )
