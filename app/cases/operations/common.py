"""What every case verb shares: the case's READY task, one workflow step, the case's documents numbered on
its serial, and who may act for the agency on a case."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, text

from app import attachments, audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.cases.models import PenaltyCase
from app.documents import issue_document
from app.errors import InvalidState, require
from app.extensions import db

ORDINARY = "penalty_case"
SIMPLE = "penalty_simple"
TRANSFER = "penalty_transfer"
PRESERVATION = "evidence_preservation"


def iso_end_of(d: date) -> str:
    """The moment a deadline day has passed (00:00 China time the next day): what BPMN timers read."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=clock.TZ).isoformat()


def instance_of(case: PenaltyCase):
    return workflow.instance_for(case)


def ready_ids(case: PenaltyCase) -> list[str]:
    inst = instance_of(case)
    return workflow.ready_task_names(inst) if inst is not None else []


def ready_task(case: PenaltyCase, bpmn_id: str, task=None):
    """The READY task `bpmn_id` of the case's workflow (or the given one, re-checked): a step can only be
    taken where the procedure stands, whoever calls the operation."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != case.id or task.subject_type != "penalty_cases":
            raise InvalidState("任务与案件不匹配")
        return task
    inst = instance_of(case)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"案件{case.display_no}当前处于“{case.status}”阶段，不能办理该事项")


def step(case: PenaltyCase, task, data: dict, *, actor) -> dict:
    """Complete the case's task; the status follows from where the workflow stands (app.cases.status).
    Returns the audit `changes` entry of the status."""
    from app.cases import separation

    old = case.status
    workflow.complete_task(task, data, actor=actor)
    separation.escalate(case, task.instance)  # a section-head review nobody eligible holds: the leaders
    return {"status": [old, case.status]} if case.status != old else {}


def is_staff_in_scope(user: User, case: PenaltyCase) -> bool:
    return not user.is_enterprise_user and in_scope(user, case.region_path, case.enterprise_id)


def require_role(user: User, case: PenaltyCase, *roles: str, message: str | None = None) -> None:
    require(
        user.has_role(*roles) and is_staff_in_scope(user, case),
        message or "您无权办理该案件的此项事务",
    )


def officer_ids(case: PenaltyCase) -> set[int]:
    return {o.user_id for o in case.officers}


def require_case_officer(user: User, case: PenaltyCase) -> None:
    """Investigation steps are the case officers' (承办人员); a section head of the jurisdiction may act too."""
    require(
        is_staff_in_scope(user, case) and (user.id in officer_ids(case) or user.has_role(Role.SECTION_HEAD)),
        "只有本案承办人员或承办机构负责人可以办理",
    )


_TOUCH = text("UPDATE penalty_cases SET id = id WHERE id = :id")


def lock_case(case: PenaltyCase, *, reread: bool = False) -> None:
    """One writer per case for what no workflow step serialises (a payment against the balance, a document
    numbered on the case's shared serial): a PostgreSQL row lock; on SQLite a no-op UPDATE, which takes the
    database write lock before anything is read. A concurrent writer waits here, then reads what this one
    committed (`reread`: the case and its collections are loaded again under the lock)."""
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(_TOUCH, {"id": case.id})  # no column onupdate (updated_at stays)
    else:
        db.session.execute(select(PenaltyCase.id).where(PenaltyCase.id == case.id).with_for_update())
    if reread:
        db.session.expire(case)


def case_document(case: PenaltyCase, code: str, content: dict, *, actor, title: str | None = None):
    """Issue one of the case's documents, numbered on the case's serial (§3.2) and locked once issued. The
    case is locked first: two documents of one 代字 numbered at once never collide on the number."""
    if case.serial is None or case.year is None:
        raise InvalidState("案件尚未立案，不能制发案件文书")
    lock_case(case)
    base = {"case_no": case.case_no, "case_name": case.name, "party": party_of(case)}
    return issue_document(
        code,
        agency=case.agency,
        subject=case,
        content={**base, **content},
        actor=actor,
        title=title,
        year=case.year,
        serial=case.serial,
    )


def party_of(case: PenaltyCase) -> dict[str, Any]:
    e = case.enterprise
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "address": e.address,
        "legal_rep": e.legal_rep,
        "main_person": e.main_person,
        "phone": e.phone or e.main_person_phone,
    }


def link(ids, obj, field: str) -> None:
    for att_id in ids or ():
        attachments.link(int(att_id), obj, field)


def record(actor, action: str, case: Any, summary: str, **kw) -> None:
    audit.record(actor, action, case, summary=summary, **kw)
