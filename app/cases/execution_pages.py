"""The case page's 执行 and 办案期限 part: who may use which of its forms (延期/分期 application and approval,
复议/诉讼 and their outcome, 催告书 and its service, 强制执行申请, 延长办案期限) and when the case stands where
the form applies, the 强制执行 window (execution.enforcement_window), the 先行登记保存 items and the case's
提请关闭 (Art.113) proposals. The operations check all of it again (app.cases.operations.execution /
deadline); this only decides what the page offers.

`can_*` answer "who" (the route's require); `context()` adds "when" (what the page shows)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app import clock, forms
from app.auth.models import User
from app.auth.roles import Role
from app.cases.models import (
    CaseClosureProposal,
    CaseEvidence,
    EvidenceKind,
    PenaltyCase,
    Procedure,
)
from app.cases.operations import execution as ex
from app.cases.operations.common import is_staff_in_scope, officer_ids
from app.cases.rules import pack_for
from app.extensions import db

EXECUTION_FORMS = (
    "case_arrangement_apply",
    "case_arrangement_decide",
    "case_remedy_file",
    "case_remedy_decide",
    "case_reminder",
    "case_reminder_service",
    "case_enforcement",
    "case_extension",
)


def _officer(user: User, case: PenaltyCase) -> bool:
    return is_staff_in_scope(user, case) and (
        user.id in officer_ids(case) or user.has_role(Role.SECTION_HEAD)
    )


def can_apply_arrangement(user: User, case: PenaltyCase) -> bool:
    """The party's own enterprise account, or the case's officers (and the section head)."""
    if user.is_enterprise_user:
        return user.enterprise_id == case.enterprise_id
    return _officer(user, case)


def can_decide_arrangement(user: User, case: PenaltyCase) -> bool:
    return user.has_role(Role.SECTION_HEAD, Role.LEADER) and is_staff_in_scope(user, case)


def can_execute(user: User, case: PenaltyCase) -> bool:
    """复议/诉讼 records, 催告, 强制执行申请: the case's officers (and the section head)."""
    return _officer(user, case)


def can_extend(user: User, case: PenaltyCase) -> bool:
    return user.has_role(Role.LEADER) and is_staff_in_scope(user, case)


def can_decide_closure(user: User) -> bool:
    return user.has_role(Role.LEADER) and not user.is_enterprise_user


@forms.register_choices("cases.decided_lines")
def decided_line_choices(actor, context) -> list[tuple[int, str]]:
    """复议/诉讼 变更: the case's decided penalty lines with a fine."""
    case = (context or {}).get("case")
    if not isinstance(case, PenaltyCase) or actor is None or actor.is_enterprise_user:
        return []
    return [
        (ln.id, f"{ln.party_name}（{ln.target}，原罚款{ln.decided_fine}元）")
        for ln in case.lines
        if ln.decided_fine is not None
    ]


def _payable(case: PenaltyCase) -> bool:
    return (
        case.decided_on is not None
        and case.decision_served_on is not None
        and case.payment_due is not None
        and case.closing_reason != ex.REVOKED
        and case.closed_on is None
    )


def _latest_reminder_served(case: PenaltyCase) -> bool | None:
    """None: no 催告书 yet; else whether the latest one has a 送达回执."""
    steps = ex._steps(case, ex.REMINDER)
    if not steps:
        return None
    return any(s.document_id == steps[-1].document_id for s in case.services)


def preservation_items(case: PenaltyCase) -> list[CaseEvidence]:
    return [e for e in case.evidence_items if e.kind == EvidenceKind.PRESERVATION]


def closures_of(case: PenaltyCase) -> list[CaseClosureProposal]:
    """提请关闭 proposals on the case's enterprise (raised by this case or another of its penalties)."""
    return list(
        db.session.scalars(
            select(CaseClosureProposal)
            .where(CaseClosureProposal.enterprise_id == case.enterprise_id)
            .order_by(CaseClosureProposal.id)
        )
    )


def extension_note(case: PenaltyCase) -> str:
    """The jurisdiction's extension steps, as the form's note (deadline.extend_deadline applies them)."""
    if case.filed_on is None:
        return ""
    pack = pack_for(case.region_path, case.filed_on)
    steps = "；".join(f"延长至{s.up_to_days}日以内须经{s.approver}批准" for s in pack.decision_extensions)
    return f"办案期限{pack.decision_period.n}日" + (f"，{steps}" if steps else "，本辖区未规定延长") + "。"


def context(case: PenaltyCase, user: User, balance: ex.Balance | None) -> dict[str, Any]:
    """The execution part of the case page (for the party too: its own 延期/分期 application)."""
    today = clock.today()
    payable = _payable(case)
    pending = next((a for a in case.arrangements if a.approved is None), None)
    owed_principal = balance.owed_principal if balance is not None else 0
    ctx: dict[str, Any] = {
        "exec_forms": {name: forms.get_form(name) for name in EXECUTION_FORMS},
        "arrangements": list(case.arrangements),
        "pending_arrangement": pending,
        "can_apply_arrangement": payable
        and can_apply_arrangement(user, case)
        and pending is None
        and owed_principal > 0
        and case.payment_due is not None
        and today <= case.payment_due,
    }
    if user.is_enterprise_user:
        return ctx
    running = next((r for r in case.remedies if r.outcome is None), None)
    officer = can_execute(user, case)
    overdue_since = ex.first_overdue(case, today) if payable else None
    owed = balance.owed if balance is not None else 0
    reminder_served = _latest_reminder_served(case) if payable else None
    window: tuple[date | None, date] | None = None
    if payable and (overdue_since is not None or reminder_served is not None):
        window = ex.enforcement_window(case)
    window_open = (
        window is not None
        and window[0] is not None
        and window[0] <= today <= window[1]
        and running is None
        and owed > 0
    )
    ctx.update(
        {
            "remedies": case.remedies,
            "running_remedy": running,
            "overdue_since": overdue_since,
            "enforcement_window": window,
            "reminder_served_on": ex.reminder_served_on(case) if payable else None,
            "enforcement_steps": ex._steps(case, ex.REMINDER) + ex._steps(case, ex.ENFORCEMENT)
            if case.decided_on
            else [],
            "can_decide_arrangement": pending is not None and can_decide_arrangement(user, case),
            "can_file_remedy": payable and officer and running is None,
            "can_decide_remedy": running is not None and officer,
            # one 催告书 at a time: the next only once the latest is served
            "can_remind": payable
            and officer
            and overdue_since is not None
            and owed > 0
            and reminder_served is not False,
            "can_serve_reminder": payable and officer and reminder_served is False,
            "can_enforce": payable and officer and window_open,
            "can_extend": can_extend(user, case)
            and case.procedure == Procedure.ORDINARY
            and case.filed_on is not None
            and case.decided_on is None,
            "extension_note": extension_note(case),
            "preservations": preservation_items(case),
            "can_preserve": _officer(user, case)
            and case.filed_on is not None
            and case.decided_on is None
            and case.closed_on is None,
            "closures": closures_of(case),
            "can_decide_closure": can_decide_closure(user),
        }
    )
    return ctx
