"""结案: the 结案审批表 (执行完毕 / 不予处罚 / 移送 / 终结执行) and the 负责人's approval. Closure is blocked
until the case file (执法案卷) holds every document this outcome requires (app.cases.casefile)."""

from __future__ import annotations

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import casefile, gates
from app.cases.models import OUTCOME_LABELS, Outcome, PenaltyCase
from app.cases.operations.common import (
    case_document,
    ready_task,
    record,
    require_case_officer,
    require_role,
    step,
)
from app.errors import invalid


def closing_reason(case: PenaltyCase) -> str:
    if case.outcome == Outcome.TRANSFER:
        return "移送"
    if case.outcome in (Outcome.NO_PENALTY, Outcome.NOT_ESTABLISHED):
        return "不予处罚"
    return case.closing_reason or "执行完毕"


def close_case(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """The 承办人's 结案审批表: refused while the case file lacks a document this outcome requires."""
    require_case_officer(actor, case)
    task = ready_task(case, "close_case", task)
    missing = casefile.missing(case)
    if missing:
        raise invalid("summary", "案卷不完整，缺少：" + "、".join(missing) + "。补齐后方可结案")
    reason = closing_reason(case)
    doc = case_document(
        case,
        "case_closing",
        {
            "filed_on": case.filed_on.isoformat() if case.filed_on else None,
            "outcome": OUTCOME_LABELS[Outcome(case.outcome)] if case.outcome else None,
            "reason": reason,
            "summary": data["summary"],
            "performance": casefile.performance(case),
        },
        actor=actor,
    )
    changes = step(case, task, {}, actor=actor)
    record(
        actor, "case.closing_submitted", case, f"提交结案审批表{doc.number.text}（{reason}）", changes=changes
    )


def approve_closing(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """负责人 approves closure (归档号 assigned) or returns it."""
    require_role(actor, case, Role.LEADER)
    gates.require_not_handling(case, actor)
    task = ready_task(case, "approve_closing", task)
    decision = data.get("closing_decision")
    if decision not in ("agree", "return"):
        raise invalid("closing_decision", "请选择审批意见")
    if decision == "agree":
        missing = casefile.missing(case)
        if missing:
            raise invalid("closing_decision", "案卷不完整，缺少：" + "、".join(missing))
        case.closing_reason = closing_reason(case)
        case.closed_on = clock.today()
        case.archive_no = f"{case.year}-{case.serial}"
    changes = step(case, task, {"closing_decision": decision}, actor=actor)
    record(
        actor,
        "case.closing_decided",
        case,
        ("负责人批准结案，归档号" + str(case.archive_no))
        if decision == "agree"
        else f"负责人退回结案审批：{data['opinion']}",
        changes=changes,
    )
