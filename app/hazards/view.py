"""What the hazard pages show: assembled here so routes stay thin and templates stay dumb."""

from __future__ import annotations

from app import attachments, audit, clock, forms, workflow
from app.auth.models import User
from app.hazards import permissions as perm
from app.hazards.models import Hazard, HazardStatus, RectificationOrder
from app.inbox import queries as inbox_queries

# the stages shown as a progress bar (process steps) for each process
GENERAL_STAGES = [
    ("issued", "下达指令书"),
    ("rectify", "企业整改"),
    ("review", "现场复查"),
    ("done", "销号/移送"),
]
MAJOR_STAGES = [
    ("issued", "下达指令书"),
    ("supervise", "挂牌督办"),
    ("plan", "治理方案"),
    ("govern", "治理与进展"),
    ("accept", "现场验收"),
    ("done", "销号摘牌/移送"),
]
_STAGE_OF_STATUS = {
    HazardStatus.DRAFT: "issued",
    HazardStatus.RECTIFYING: "rectify",
    HazardStatus.EXTENSION_PENDING: "rectify",
    HazardStatus.REVIEWING: "review",
    HazardStatus.EXCEPTION_PENDING: "review",
    HazardStatus.SUPERVISION_PENDING: "supervise",
    HazardStatus.PLAN_PENDING: "plan",
    HazardStatus.GOVERNING: "govern",
    HazardStatus.ACCEPTING: "accept",
    HazardStatus.CLOSED: "done",
    HazardStatus.REFERRED: "done",
}


def stages(hazard: Hazard) -> list[tuple[str, str]]:
    """[(label, 'done'|'current'|'todo')] for the progress bar."""
    stage_list = MAJOR_STAGES if hazard.is_major else GENERAL_STAGES
    current = _STAGE_OF_STATUS.get(HazardStatus(hazard.status), "issued")
    if hazard.is_major and current == "review":
        current = "accept"
    if current == "rectify" and hazard.is_major:
        current = "govern"
    keys = [k for k, _ in stage_list]
    idx = keys.index(current) if current in keys else 0
    out = []
    for i, (_k, label) in enumerate(stage_list):
        if hazard.status in (HazardStatus.CLOSED, HazardStatus.REFERRED):
            state = "done"
        else:
            state = "done" if i < idx else "current" if i == idx else "todo"
        out.append((label, state))
    return out


def actionable_tasks(ready: list, user: User) -> list:
    """Of a hazard's READY tasks, those the user can do here (they have a form and are the user's)."""
    return [t for t in ready if t.form_name and inbox_queries.can_act(user, t)]


def _with_prefill(tasks: list, values: dict | None, user: User) -> dict:
    """{task id: form values}: what was submitted, else what the task's facts pre-fill (app.hazards.task_facts)."""
    out = dict(values or {})
    for t in tasks:
        if t.id not in out:
            facts = workflow.facts_for(t, actor=user)
            if facts is not None and facts.initial:
                out[t.id] = facts.initial
    return out


def detail_context(
    hazard: Hazard,
    user: User,
    *,
    form_values=None,
    form_errors=None,
    progress_values=None,
    progress_errors=None,
) -> dict:
    inst = workflow.instance_for(hazard)
    ready = workflow.ready_tasks(inst)
    mine = actionable_tasks(ready, user)
    task_forms = [(t, forms.get_form(t.form_name)) for t in mine]
    files = {
        "photos": attachments.attachments_for(hazard, "photos"),
        "rectifications": {
            r.id: {
                "after_photos": attachments.attachments_for(r, "after_photos"),
                "documents": attachments.attachments_for(r, "documents"),
                "evaluation_report": attachments.attachments_for(r, "evaluation_report"),
            }
            for r in hazard.rectifications
        },
        "reviews": {r.id: attachments.attachments_for(r, "evidence") for r in hazard.reviews},
        "extensions": {e.id: attachments.attachments_for(e, "files") for e in hazard.extensions},
        "plans": {p.id: attachments.attachments_for(p, "plan_files") for p in hazard.plans},
        "progress": {p.id: attachments.attachments_for(p, "files") for p in hazard.progress_reports},
    }
    documents = []
    if hazard.order.doc_number:
        documents.append(
            (
                "责令限期整改指令书",
                hazard.order.doc_number,
                "hazards.order_document",
                {"order_id": hazard.order_id},
            )
        )
    if hazard.supervision is not None and hazard.supervision.doc_number:
        documents.append(
            (
                "重大事故隐患挂牌督办通知书",
                hazard.supervision.doc_number,
                "hazards.supervision_document",
                {"hazard_id": hazard.id},
            )
        )
    for r in hazard.reviews:
        if r.doc_number:
            documents.append(("整改复查意见书", r.doc_number, "hazards.review_document", {"review_id": r.id}))
    can_progress = (
        perm.is_own_enterprise_manager(user, hazard)
        and hazard.is_major
        and hazard.status == HazardStatus.GOVERNING
    )
    return {
        "hazard": hazard,
        "order": hazard.order,
        "instance": inst,
        "diagram": workflow.instance_diagram(inst),
        "ready": ready,
        "steps": workflow.history(inst),
        "stages": stages(hazard),
        "task_forms": task_forms,
        "form_values": _with_prefill(mine, form_values, user),
        "form_errors": form_errors or {},
        "files": files,
        "documents": documents,
        "events": audit.history(hazard),
        "can_progress": can_progress,
        "progress_form": forms.get_form("report_progress") if can_progress else None,
        "progress_values": progress_values or {},
        "progress_errors": progress_errors or {},
        "today": clock.today(),
        "is_staff": perm.is_staff(user),
        "can_batch_review": perm.can_review(user, hazard),
    }


def order_context(order: RectificationOrder, user: User, values=None, errors=None) -> dict:
    can_edit = perm.can_edit_draft(user, order)
    review_pending = (
        any(h.status == HazardStatus.REVIEWING for h in order.hazards)
        and bool(order.hazards)
        and perm.can_review(user, order.hazards[0])
    )
    return {
        "order": order,
        "can_edit": can_edit,
        "issue_form": forms.get_form("issue_order") if can_edit else None,
        "values": values or {},
        "errors": errors or {},
        "events": audit.history(order),
        "review_pending": review_pending,
        "photos": {h.id: attachments.attachments_for(h, "photos") for h in order.hazards},
        "today": clock.today(),
    }
