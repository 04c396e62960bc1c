"""The tip_off workflow's glue: its user-task handlers (the same operations the tip-off pages call, from the
generic task page and the API alike), the tip-off's status set here in one place after every step, the two
reminder timers' handlers, the facts a task page shows (the informant masked per viewer:
app.inspections.tipoff_access), the subject registration and the officer choices of the assign form.

    READY assign → 待分派; verify → 核查中; feedback → 待反馈; decide_reward → 待奖励;
    finished → 不予受理 (declined at assign) or 已办结 (closed_on set)
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from app import audit, clock, forms, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db
from app.inspections import tipoff_access as access
from app.inspections.models.tipoff import TipOff, TipOffStatus
from app.inspections.operations import tipoff as ops
from app.workflow.user_tasks import bind_operations, subject_loader

TASK_STATUS = {
    "assign": TipOffStatus.ASSIGNING,
    "verify": TipOffStatus.VERIFYING,
    "feedback": TipOffStatus.FEEDBACK,
    "decide_reward": TipOffStatus.REWARD,
}

bind_operations(
    ops.PROCESS,
    {
        "assign": ops.assign,
        "verify": ops.verify,
        "feedback": ops.feed_back,
        "decide_reward": ops.decide_reward,
    },
    load=subject_loader(TipOff, "举报"),
    module=__name__,
)


def status_for(tipoff: TipOff, change: workflow.Change) -> str:
    if change.finished:
        declined = tipoff.decline_reason is not None and tipoff.verified is None
        return TipOffStatus.DECLINED if declined else TipOffStatus.CLOSED
    for bpmn_id, status in TASK_STATUS.items():
        if bpmn_id in change.ready:
            return status
    return tipoff.status


@workflow.on_change(ops.PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    tipoff = db.session.get(TipOff, change.instance.subject_id)
    if tipoff is None:
        return
    new = status_for(tipoff, change)
    if change.finished and tipoff.closed_on is None:
        tipoff.closed_on = clock.today()
    if new == tipoff.status:
        return
    old, tipoff.status = tipoff.status, new
    if change.actor is None:  # a timer moved it: no verb records this step
        audit.record(
            None,
            "tipoff.status_changed",
            tipoff,
            summary=f"举报办理状态：{old}→{new}",
            changes={"status": [old, new]},
        )


# ---- reminders (the boundary timers) --------------------------------------------------------------------


def _tipoff_of(ctx) -> TipOff | None:
    inst = ctx.instance
    return db.session.get(TipOff, int(inst.subject_id)) if inst is not None and inst.subject_id else None


@workflow.service("inspections.tipoff_verify_overdue")
def verify_overdue(ctx) -> None:
    """核查期限届满 while still 核查中: the officer and the section heads of the jurisdiction are told once."""
    from app.auth.queries import users_with_role
    from app.notifications import notify

    tipoff = _tipoff_of(ctx)
    if tipoff is None or tipoff.status != TipOffStatus.VERIFYING:
        return
    users = users_with_role(Role.SECTION_HEAD, region_path=tipoff.region_path, agency_id=tipoff.agency_id)
    if tipoff.assigned_to is not None:
        users.append(tipoff.assigned_to)
    body = f"举报{tipoff.no}应于{tipoff.verify_due:%Y年%m月%d日}前核查办结，期限已届满"
    notify(
        users,
        tipoff,
        kind="tipoff_deadline",
        key=f"verify_overdue:{tipoff.id}",
        title="举报核查超期",
        body=body,
        level="warning",
    )
    audit.record(None, "tipoff.verify_overdue", tipoff, summary=body)


@workflow.service("inspections.tipoff_feedback_overdue")
def feedback_overdue(ctx) -> None:
    """反馈期限届满 while still 待反馈: the intake officer and the 负责人 are told once."""
    from app.auth.queries import users_with_role
    from app.notifications import notify

    tipoff = _tipoff_of(ctx)
    if tipoff is None or tipoff.status != TipOffStatus.FEEDBACK:
        return
    users = users_with_role(Role.LEADER, region_path=tipoff.region_path, agency_id=tipoff.agency_id)
    if tipoff.received_by is not None:
        users.append(tipoff.received_by)
    elif tipoff.assigned_to is not None:
        users.append(tipoff.assigned_to)
    due = f"{tipoff.feedback_due:%Y年%m月%d日}" if tipoff.feedback_due else "期限"
    body = f"举报{tipoff.no}应于{due}前向举报人反馈，期限已届满"
    notify(
        users,
        tipoff,
        kind="tipoff_deadline",
        key=f"feedback_overdue:{tipoff.id}",
        title="举报反馈超期",
        body=body,
        level="warning",
    )
    audit.record(None, "tipoff.feedback_overdue", tipoff, summary=body)


# ---- the generic task page ------------------------------------------------------------------------------

TEMPLATE = "inspections/tipoff/_task.html"


def _ready_tipoff(task) -> TipOff | None:
    if task.status != "ready" or not task.subject_id or task.subject_type != ops.SUBJECT_TYPE:
        return None
    return db.session.get(TipOff, task.subject_id)


def _facts(task, *, actor) -> workflow.TaskFacts | None:
    tipoff = _ready_tipoff(task)
    if tipoff is None or not access.can_view(actor, tipoff):
        return None
    context: dict[str, Any] = {
        "task_id": task.bpmn_id,
        "tipoff": tipoff,
        "informant": access.informant(actor, tipoff),
        "content": access.content(actor, tipoff),
        "inspection": _inspection(tipoff),
        "preview": None,
    }
    initial: dict[str, Any] = {}
    if task.bpmn_id == "decide_reward":
        preview = ops.reward_preview(tipoff)
        context["preview"] = preview
        initial["reward_decision"] = "grant" if preview["eligible"] else "none"
        initial["major_hazard"] = tipoff.major_hazard
        if preview["eligible"]:
            initial["amount"] = preview["suggested"]
    if task.bpmn_id == "feedback":
        initial["method"] = "code" if tipoff.anonymous else "phone"
    return workflow.TaskFacts(template=TEMPLATE, title="举报情况", context=context, initial=initial)


for _task_id in TASK_STATUS:
    workflow.task_facts(ops.PROCESS, _task_id)(_facts)


def _inspection(tipoff: TipOff):
    if tipoff.inspection_id is None:
        return None
    from app.inspections.models.inspection import Inspection

    return db.session.get(Inspection, tipoff.inspection_id)


# ---- choices ---------------------------------------------------------------------------------------------


def _user_label(value) -> str | None:
    u = db.session.get(User, int(value)) if str(value).isdigit() else None
    return u.name if u else None


@forms.register_choices("inspections.tipoff_officers", label=_user_label)
def officers(actor, context) -> list[tuple[int, str]]:
    """The officers of the tip-off's jurisdiction (who may be assigned to verify it)."""
    from app.auth.queries import users_with_role

    if actor is None or actor.is_enterprise_user:
        return []
    task = (context or {}).get("task")
    region_path = task.region_path if task is not None else actor.scope_path
    return [
        (u.id, u.name) for u in users_with_role(Role.OFFICER, region_path=region_path, order_by=User.name)
    ]


# ---- subject, documents, pages ---------------------------------------------------------------------------

REWARD_DOC_TYPE = None


def register_subject() -> None:
    from flask import url_for
    from sqlalchemy import select

    from app import subjects
    from app.auth.permissions import scope_clause

    def _scope(viewer):
        if viewer.is_enterprise_user:
            from sqlalchemy import false

            return select(TipOff.id).where(false())
        return select(TipOff.id).where(scope_clause(viewer, TipOff.region_path))

    subjects.register_subject(
        ops.SUBJECT_TYPE,
        subjects.model_view(
            TipOff,
            label="举报",
            name=lambda t: f"举报{t.no}",
            url=lambda t: url_for("inspection_reports.detail", tipoff_id=t.id),
            summary_template="inspections/tipoff/_summary.html",
            scope=_scope,
        ),
    )


def register_doc_type() -> None:
    from app.documents.doc_types import DocType
    from app.documents.doc_types import register_doc_type as _register

    _register(DocType(ops.REWARD_DOC, "举报奖励决定", "奖决", aliases=("举报奖励决定书",)))


ACTION_LABELS = {
    "tipoff.received": "受理举报",
    "tipoff.assigned": "分派举报核查",
    "tipoff.inspection": "安排举报核查检查",
    "tipoff.verified": "举报核查结论",
    "tipoff.fed_back": "向举报人反馈",
    "tipoff.reward_decided": "举报奖励决定",
    "tipoff.status_changed": "举报状态变化",
    "tipoff.verify_overdue": "举报核查超期",
    "tipoff.feedback_overdue": "举报反馈超期",
}


def register(app: Flask) -> None:
    """Everything of the tip-off part, from app.inspections.init_app."""
    register_doc_type()
    access.register_access()
    register_subject()
    audit.register_action_labels(ACTION_LABELS)
    app.jinja_env.globals["tipoff_informant"] = access.informant
    app.jinja_env.globals["tipoff_content"] = access.content
    from app.inspections import tipoff_routes

    if tipoff_routes.bp.name not in app.blueprints:
        app.register_blueprint(tipoff_routes.bp)
    from app.inspections import tipoff_api

    if tipoff_api.bp.name not in app.blueprints:
        app.register_blueprint(tipoff_api.bp)
