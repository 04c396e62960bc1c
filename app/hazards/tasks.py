"""Hooks for the generic task page (/tasks/<id>) and the other registries the hazard domain plugs into.

`workflow_hooks` maps "<process id>:<bpmn task id>" to fn(task: HumanTask, data: dict, *, actor) -> None.
Each hook loads the hazard, then calls the same operation our own pages call: domain writes +
workflow.complete_task + audit.record, in the caller's transaction (the route commits).
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from app import attachments, forms
from app.auth.models import User, UserRole
from app.auth.permissions import in_scope, scope_clause
from app.auth.roles import Role
from app.errors import NotFound
from app.extensions import db
from app.hazards import criteria
from app.hazards import operations as ops
from app.hazards.models import (
    ExtensionRequest,
    GovernancePlan,
    Hazard,
    HazardReview,
    ProgressReport,
    Rectification,
)
from app.org.models import Enterprise

SUBJECT_TYPE = "hazard"  # workflow.subject_key(Hazard) -> singular table name


def _hazard(task) -> Hazard:
    hazard = db.session.get(Hazard, task.subject_id) if task.subject_id else None
    if hazard is None:
        raise NotFound("任务对应的隐患不存在")
    return hazard


def submit_rectification_hook(task, data: dict, *, actor) -> None:
    """The enterprise task has two outcomes, chosen by the form's `action` field."""
    hazard = _hazard(task)
    if data.get("action") == "extension":
        ops.request_extension(hazard, data, actor=actor, task=task)
    else:
        ops.submit_rectification(hazard, data, actor=actor, task=task)


def review_extension_hook(task, data: dict, *, actor) -> None:
    ops.decide_extension(_hazard(task), data, actor=actor, task=task)


def review_rectification_hook(task, data: dict, *, actor) -> None:
    hazard = _hazard(task)
    ops.review_hazards([(hazard, data)], actor=actor, tasks={hazard.id: task})


def approve_exception_hook(task, data: dict, *, actor) -> None:
    ops.decide_exception(_hazard(task), data, actor=actor, task=task)


def decide_supervision_hook(task, data: dict, *, actor) -> None:
    ops.decide_supervision(_hazard(task), data, actor=actor, task=task)


def submit_governance_plan_hook(task, data: dict, *, actor) -> None:
    ops.submit_governance_plan(_hazard(task), data, actor=actor, task=task)


def submit_acceptance_hook(task, data: dict, *, actor) -> None:
    ops.submit_acceptance(_hazard(task), data, actor=actor, task=task)


def acceptance_review_hook(task, data: dict, *, actor) -> None:
    ops.acceptance_review(_hazard(task), data, actor=actor, task=task)


workflow_hooks = {
    "hazard_rectification:submit_rectification": submit_rectification_hook,
    "hazard_rectification:review_extension": review_extension_hook,
    "hazard_rectification:review_rectification": review_rectification_hook,
    "hazard_rectification:approve_exception": approve_exception_hook,
    "major_hazard_supervision:decide_supervision": decide_supervision_hook,
    "major_hazard_supervision:submit_governance_plan": submit_governance_plan_hook,
    "major_hazard_supervision:submit_acceptance": submit_acceptance_hook,
    "major_hazard_supervision:acceptance_review": acceptance_review_hook,
    "major_hazard_supervision:approve_exception": approve_exception_hook,
}


# --- inbox subject view --------------------------------------------------------------------------------


def register_inbox() -> None:
    from app.inbox.registry import SubjectView, register_subject

    register_subject(
        SUBJECT_TYPE,
        SubjectView(
            load=lambda hazard_id: db.session.get(Hazard, hazard_id),
            summary_template="hazards/_summary.html",
            url=lambda hazard: url_for("hazards.detail", hazard_id=hazard.id),
        ),
    )


# --- attachment download access ----------------------------------------------------------------------


def _via_hazard(model):
    def check(user, subject_id: int) -> bool:
        from app.hazards.queries import can_view_hazard_id

        row = db.session.get(model, subject_id)
        return row is not None and can_view_hazard_id(user, row.hazard_id)

    return check


def register_attachment_access() -> None:
    from app.hazards.queries import can_view_hazard_id

    attachments.register_access("hazards", can_view_hazard_id)
    for model in (Rectification, ExtensionRequest, HazardReview, GovernancePlan, ProgressReport):
        attachments.register_access(model.__tablename__, _via_hazard(model))


# --- dynamic choices for the task forms --------------------------------------------------------------


def _enterprise_label(value) -> str | None:
    e = db.session.get(Enterprise, int(value)) if str(value).isdigit() else None
    return e.name if e else None


def _user_label(value) -> str | None:
    u = db.session.get(User, int(value)) if str(value).isdigit() else None
    return u.name if u else None


@forms.register_choices("hazards.enterprises_in_scope", label=_enterprise_label)
def enterprises_in_scope(actor, context) -> list[tuple[int, str]]:
    if actor is None or actor.is_enterprise_user:
        return []
    rows = db.session.execute(
        select(Enterprise.id, Enterprise.name)
        .where(scope_clause(actor, Enterprise.region_path, Enterprise.id))
        .order_by(Enterprise.name)
        .limit(5000)
    ).all()
    return [(r.id, r.name) for r in rows]


@forms.register_choices(
    "hazards.major_criteria", label=lambda v: c.citation if (c := criteria.get(v)) else None
)
def major_criteria(actor, context) -> list[tuple[str, str]]:
    return criteria.choices()


@forms.register_choices("hazards.co_officers", label=_user_label)
def co_officers(actor, context) -> list[tuple[int, str]]:
    """Other certified officers whose jurisdiction covers the subject (the second signature)."""
    if actor is None or actor.is_enterprise_user:
        return []
    region_path, enterprise_id = None, None
    context = context or {}
    task = context.get("task")
    subject = context.get("hazard") or context.get("order")
    if task is not None:
        region_path, enterprise_id = task.region_path, task.enterprise_id
    elif subject is not None:
        region_path, enterprise_id = subject.region_path, subject.enterprise_id
    users = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.OFFICER, User.is_active_flag.is_(True), User.id != actor.id)
        .order_by(User.name)
    ).all()
    out = []
    for u in users:
        if u.is_enterprise_user:
            continue
        if region_path is not None and not in_scope(u, region_path, enterprise_id):
            continue
        if (
            region_path is None
            and actor.department is not None
            and u.department is not None
            and u.department.agency.id != actor.department.agency.id
        ):
            continue
        out.append((u.id, f"{u.name}（{u.cert_no or '无执法证号'}）"))
    return out


def register_document_access() -> None:
    """Who may open our numbered documents at /documents/<id>: whoever may see the order / hazard."""
    from app import documents
    from app.hazards import documents as hazard_docs
    from app.hazards.queries import can_view_hazard_id

    def order_check(user, order_id: int) -> bool:
        from app.hazards import permissions as perm
        from app.hazards.models import RectificationOrder

        order = db.session.get(RectificationOrder, order_id)
        return (
            order is not None
            and not (order.is_draft and user.is_enterprise_user)
            and perm.can_view(user, order)
        )

    documents.register_access("rectification_orders", order_check)
    documents.register_access("hazards", can_view_hazard_id)
    hazard_docs.register_doc_types()


register_attachment_access()
register_document_access()
