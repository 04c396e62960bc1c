"""The 办案期限 (行政处罚法 Art.60: 90 days from 立案, paused periods excluded, extensions per the jurisdiction's
pack): 延长办案期限 with its approvals, and the daily pass that keeps every undecided case's deadline, its
overdue flag and its tasks' 办理期限 current and tells the people responsible once when the deadline is near
and once when it has passed (app.cases.clock_job runs it).

Extensions: the pack's `decision_extensions` are steps (up_to_days, approver), in increasing order. The
step an extension falls into is the first whose up_to_days covers the new total; its approver decides who
signs: the agency's own 负责人 (the actor, a leader of the case's agency, approves it) or an upper-level
agency ("上一级…", recorded by the agency's leader with the approver's name and the approval's document
number). The total never exceeds pack.max_decision_days (legal_time.decision_clock refuses it), and an
extension must be approved before the current deadline has passed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app import audit, clock, notifications, workflow
from app.auth.models import User
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.cases import gates, legal_time
from app.cases.models import CaseStatus, PenaltyCase, Procedure
from app.cases.operations.common import instance_of, record, require_role
from app.cases.operations.investigation import refresh_clock
from app.cases.rules import ExtensionStep, pack_for
from app.errors import InvalidState, invalid
from app.extensions import db

NEAR_DAYS = 10  # warn this many calendar days before the deadline [M:low: local practice]
DECISION_TASKS = (
    "investigate",
    "review_report",
    "issue_notice",
    "serve_notice",
    "prepare_decision",
    "decide",
)
NO_CLOCK = (CaseStatus.CLOSED, CaseStatus.NOT_FILED, CaseStatus.FILING, CaseStatus.TRANSFERRING)


def extension_step(total_days: int, steps: tuple[ExtensionStep, ...]) -> ExtensionStep | None:
    """The first allowed step whose up_to_days covers `total_days`."""
    return next((s for s in steps if s.up_to_days >= total_days), None)


def is_upper_level(step: ExtensionStep) -> bool:
    return "上一级" in step.approver or "上级" in step.approver


def extend_deadline(case: PenaltyCase, data: dict, *, actor: User) -> dict:
    """延长办案期限: `days` more (int > 0), `reason`; for an upper-level step also `approver` (the approving
    agency/person) and `approval_ref` (its approval document's number); `approved_on` (default today).
    Raises case.extra_days; returns the recorded approval."""
    require_role(actor, case, Role.LEADER, message="延长办案期限由本机关负责人审批（或登记上一级机关的批准）")
    gates.require_not_handling(case, actor)
    if case.filed_on is None or case.decided_on is not None:
        raise InvalidState("只有已立案、尚未作出决定的案件可以延长办案期限")
    pack = pack_for(case.region_path, case.filed_on)
    try:
        days = int(data.get("days") or 0)
    except (TypeError, ValueError):
        days = 0
    if days <= 0:
        raise invalid("days", "请填写延长的天数")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise invalid("reason", "请写明延长办案期限的理由（案情复杂等特殊情况）")
    today = clock.today()
    approved_on = data.get("approved_on") or today
    if approved_on > today:
        raise invalid("approved_on", "批准日期不能晚于今天")
    refresh_clock(case)
    if case.decision_due is not None and approved_on > case.decision_due:
        raise invalid(
            "approved_on", f"办案期限已于{case.decision_due:%Y年%m月%d日}届满，延长应在期限届满前批准"
        )
    base = pack.decision_period.n
    total = base + case.extra_days + days
    step_ = extension_step(total, pack.decision_extensions)
    if step_ is None or total > pack.max_decision_days:
        raise invalid(
            "days",
            f"延长后办案期限为{total}日，超过最长{pack.max_decision_days}日（{pack.source_of('decision_extensions')}）",
        )
    if is_upper_level(step_):
        approver = (data.get("approver") or "").strip()
        ref = (data.get("approval_ref") or "").strip()
        if not approver:
            raise invalid(
                "approver", f"延长至{step_.up_to_days}日以内须经{step_.approver}批准，请填写批准机关"
            )
        if not ref:
            raise invalid("approval_ref", f"请填写{step_.approver}的批准文号")
    else:
        approver = actor.name
        ref = (data.get("approval_ref") or "").strip() or None
    pauses = [(p.started_on, p.ended_on) for p in case.pauses]
    try:
        legal_time.decision_clock(case.filed_on, pauses, case.extra_days + days, pack)
    except ValueError as exc:
        raise invalid("days", str(exc)) from None
    old_due = case.decision_due
    case.extra_days += days
    refresh_clock(case)
    sync_task_deadlines(case)
    approval = {
        "days": days,
        "total_days": total,
        "step_up_to": step_.up_to_days,
        "approver_level": step_.approver,
        "approver": approver,
        "approval_ref": ref,
        "approved_on": approved_on.isoformat(),
        "reason": reason,
        "old_due": old_due.isoformat() if old_due else None,
        "new_due": case.decision_due.isoformat() if case.decision_due else None,
    }
    record(
        actor,
        "case.deadline_extended",
        case,
        f"延长办案期限{days}日（{approver}批准{'，' + ref if ref else ''}）：办案期限共{total}日"
        + (f"，至{case.decision_due:%Y年%m月%d日}" if case.decision_due else ""),
        data=approval,
    )
    return approval


def sync_task_deadlines(case: PenaltyCase) -> None:
    """The READY decision-stage tasks' 办理期限 follow the recomputed decision_due."""
    inst = instance_of(case)
    if inst is None:
        return
    due_at = clock.local_midnight_after(case.decision_due) if case.decision_due else None
    workflow.redate(inst, DECISION_TASKS, due_at)


@dataclass
class ClockPass:
    checked: int = 0
    newly_overdue: list[int] = field(default_factory=list)
    notices: int = 0


def _people(case: PenaltyCase) -> list[User]:
    """Whom the 办案期限 notices tell: the case's officers and every section head of its jurisdiction and agency.
    They tell of the case's own clock and ask for no approval (any section head may do an officer's step,
    operations.common.require_case_officer), so none is left out as a former handler (审批与办案分离 applies to
    the notices asking for an approval: app.cases.workflow_handlers)."""
    users = [o.user for o in case.officers]
    return users + users_with_role(Role.SECTION_HEAD, region_path=case.region_path, agency_id=case.agency_id)


def refresh_decision_clocks(today: date | None = None, *, near_days: int = NEAR_DAYS) -> ClockPass:
    """One pass over filed, undecided ordinary cases: recompute decision_due / is_overdue (refresh_clock),
    keep the tasks' 办理期限 current, and notify the officers and section heads once per case and deadline
    when it is `near_days` away or less, and once when it has passed. Flushes; the caller commits."""
    today = today or clock.today()
    result = ClockPass()
    stmt = (
        select(PenaltyCase)
        .where(
            PenaltyCase.filed_on.is_not(None),
            PenaltyCase.decided_on.is_(None),
            PenaltyCase.procedure == Procedure.ORDINARY,
            PenaltyCase.status.not_in([s.value for s in NO_CLOCK]),
        )
        .order_by(PenaltyCase.id)
    )
    for case in db.session.scalars(stmt):
        result.checked += 1
        was_overdue = case.is_overdue
        refresh_clock(case)
        due = case.decision_due
        sync_task_deadlines(
            case
        )  # also after a pause ended or an extension (their operations refresh the case)
        if due is None:
            continue  # paused: the clock does not run
        if case.is_overdue:
            if not was_overdue:
                result.newly_overdue.append(case.id)
                audit.record(
                    None,
                    "case.decision_overdue",
                    case,
                    summary=f"办案期限已于{due:%Y年%m月%d日}届满，尚未作出处理决定（《行政处罚法》第六十条）",
                )
            result.notices += notifications.notify(
                _people(case),
                case,
                kind="case_deadline",
                key=f"decision_overdue:{case.id}:{due.isoformat()}",
                title="办案期限已届满",
                body=f"{case.display_no}：办案期限已于{due:%Y年%m月%d日}届满，尚未作出处理决定",
                level="warning",
            )
        elif (due - today).days <= near_days:
            result.notices += notifications.notify(
                _people(case),
                case,
                kind="case_deadline",
                key=f"decision_near:{case.id}:{due.isoformat()}",
                title="办案期限即将届满",
                body=f"{case.display_no}：办案期限至{due:%Y年%m月%d日}，还剩{(due - today).days}日",
            )
    db.session.flush()
    return result
