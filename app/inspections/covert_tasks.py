"""The covert_visit workflow's glue: each user task bound to its operation (the task page and the API take the
same checks as the visit pages), the visit's status from where its workflow stands, the window timer's
handler, and the form choices of the 暗访 forms.

    READY user task                     → status
    start_visit                         → 密封
    record_sheet / assign / return_visit / supervise → 进行中
    finished                            → 已完成 (started) / 已取消 (never started: cancelled or the window passed)
"""

from __future__ import annotations

from sqlalchemy import select

from app import audit, clock, forms, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.extensions import db
from app.inspections import sealed
from app.inspections.models.covert import CovertStatus, CovertVisit
from app.inspections.operations import covert as ops
from app.org.models import Department, Region
from app.workflow.user_tasks import bind_operations, subject_loader

COVERT_TASKS = {
    "start_visit": ops.start_visit,
    "record_sheet": ops.finish_sheet,
    "assign": ops.issue_assignment,
    "return_visit": ops.record_return_visit,
    "supervise": ops.issue_supervision,
}

bind_operations(ops.PROCESS, COVERT_TASKS, load=subject_loader(CovertVisit, "暗访任务"), module=__name__)

ACTIVE_TASKS = ("record_sheet", "assign", "return_visit", "supervise")


def status_for(visit: CovertVisit, change: workflow.Change) -> CovertStatus:
    if change.finished:
        return CovertStatus.CANCELLED if visit.started_at is None else CovertStatus.DONE
    if "start_visit" in change.ready:
        return CovertStatus.SEALED
    if any(t in change.ready for t in ACTIVE_TASKS):
        return CovertStatus.ACTIVE
    return CovertStatus(visit.status)


@workflow.on_change(ops.PROCESS)
def follow_workflow(change: workflow.Change) -> None:
    visit = db.session.get(CovertVisit, change.instance.subject_id)
    if visit is None or visit.status == CovertStatus.CANCELLED:
        return
    new = status_for(visit, change)
    if new == visit.status:
        return
    old, visit.status = visit.status, new
    if new == CovertStatus.DONE and visit.completed_on is None:
        visit.completed_on = clock.today()
    if change.actor is None:
        audit.record(
            None,
            "covert.status_changed",
            visit,
            summary=f"流程推进，暗访任务状态由“{old}”变为“{new}”",
            changes={"status": [str(old), str(new)]},
        )


@workflow.service("inspections.covert_window_passed")
def covert_window_passed(ctx) -> None:
    inst = ctx.instance
    visit = (
        db.session.get(CovertVisit, int(inst.subject_id)) if inst is not None and inst.subject_id else None
    )
    if visit is not None:
        ops.window_passed(visit)


# ---- what the person deciding sees on the task page -----------------------------------------------------


def _facts(task, *, actor) -> workflow.TaskFacts | None:
    visit = db.session.get(CovertVisit, task.subject_id) if task.subject_id else None
    if visit is None or not sealed.can_see(actor, visit):
        return None
    open_assignment = next((a for a in reversed(visit.assignments) if a.status != "已办结"), None)
    initial: dict = {}
    if task.bpmn_id == "assign":
        initial = {
            "problems": "\n".join(f"{r.unit}（{r.place}）：{r.problems}" for r in visit.sheet_rows),
            "deadline": ops.assignment_deadline(visit, clock.today()).isoformat(),
        }
    elif task.bpmn_id == "return_visit":
        initial = {"visited_on": clock.today().isoformat()}
    elif task.bpmn_id == "supervise":
        initial = {"new_deadline": ops.assignment_deadline(visit, clock.today()).isoformat()}
    return workflow.TaskFacts(
        template="inspections/covert/_facts.html",
        title="暗访检查情况",
        context={
            "rows": visit.sheet_rows,
            "open_procedures": ops.open_procedures(visit) if task.bpmn_id == "record_sheet" else [],
            "assignment": open_assignment if task.bpmn_id in ("return_visit", "supervise") else None,
        },
        initial=initial,
    )


for _bpmn_id in ("record_sheet", "assign", "return_visit", "supervise"):
    workflow.task_facts(ops.PROCESS, _bpmn_id)(_facts)


# ---- form choices ---------------------------------------------------------------------------------------


def _user_label(value) -> str | None:
    u = db.session.get(User, int(value)) if str(value).isdigit() else None
    return u.name if u else None


@forms.register_choices("inspections.covert_officers", label=_user_label)
def covert_officers(actor, context) -> list[tuple[int, str]]:
    """Officers of the actor's agency holding a 执法证 valid today: who may form a 暗访 team."""
    if actor is None or actor.is_enterprise_user or actor.department is None:
        return []
    agency = actor.department.agency
    today = clock.today()
    # the agency's units (a few dozen departments), then their active users: not every user of the platform
    units = [d.id for d in db.session.scalars(select(Department)) if d.agency.id == agency.id]
    users = db.session.scalars(
        select(User).where(User.department_id.in_(units), User.is_active_flag.is_(True)).order_by(User.name)
    )
    return [
        (u.id, f"{u.name}（{u.cert_no}，有效期至{u.cert_expires_on:%Y-%m-%d}）")
        for u in users
        if u.has_role(Role.OFFICER, Role.SECTION_HEAD, Role.LEADER) and u.cert_valid_on(today)
    ]


@forms.register_choices("inspections.covert_targets")
def covert_targets(actor, context) -> list[tuple[int, str]]:
    """The targets of the visit on the page (only to someone who may see it)."""
    visit = (context or {}).get("visit")
    if visit is None:
        task = (context or {}).get("task")
        if task is not None and task.subject_type == ops.SUBJECT_TYPE:
            visit = db.session.get(CovertVisit, task.subject_id)
    if visit is None or actor is None or not sealed.can_see(actor, visit):
        return []
    return [(t.id, t.enterprise.name) for t in visit.targets]


@forms.register_choices("inspections.covert_regions")
def covert_regions(actor, context) -> list[tuple[int, str]]:
    """Towns (乡镇/街道) of the actor's agency: where a 交办 goes."""
    if actor is None or actor.is_enterprise_user or actor.department is None:
        return []
    agency = actor.department.agency
    if agency.region is None:
        return []
    rows = db.session.scalars(
        select(Region)
        .where(Region.path.like(agency.region.path + "%"), Region.id != agency.region.id)
        .order_by(Region.path)
    )
    return [(r.id, r.name) for r in rows]
