"""安全生产法 Art.113 counter: an enterprise penalised for a 重大事故隐患 3 times within 180 days or 4 times within
one year → the department asks the local people's government to close it (提请关闭; spec §2.5, §11).

"Penalised for a 重大事故隐患" means, concretely: a decided penalty case (普通 or 简易程序; outcome 给予行政处罚,
a decision not revoked) whose proposal came from a hazard referral of a hazard of level 重大 (read through
app.hazards.queries.referred_hazard, never the hazard tables), or whose discretion factors include
`major_hazard` (属于重大事故隐患). The day counted is the decision day.

Windows, both ending on the decision day that is being counted (that day included):
    180 days  decided_on in [day − 179, day]   (the first decision's day is day 1; day 180 counts, 181 not)
    one year  decided_on in [day − 1 year + 1 day, day]
A decision makes the count *reach* the threshold when the count with it equals the threshold: that crossing
raises one CaseClosureProposal (unique per triggering case and rule) and notifies the agency's 负责人 once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, select

from app import audit, clock, notifications
from app.auth.permissions import in_scope, scope_clause
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.cases.legal_time import add_months
from app.cases.models import (
    CaseClosureProposal,
    CaseProposal,
    ClosureProposalStatus,
    Outcome,
    PenaltyCase,
)
from app.errors import InvalidState, invalid, require
from app.extensions import db

RULES = (("180日内3次", 3), ("一年内4次", 4))


@dataclass(frozen=True)
class Count:
    rule: str
    threshold: int
    window_from: date
    window_to: date
    case_ids: list[int]

    @property
    def count(self) -> int:
        return len(self.case_ids)


def window_from(rule: str, day: date) -> date:
    if rule == "180日内3次":
        return day - timedelta(days=179)
    return add_months(day, -12) + timedelta(days=1)


def is_major_hazard_case(case: PenaltyCase) -> bool:
    if "major_hazard" in (case.factors or []):
        return True
    proposal = case.proposal
    if proposal is None or proposal.referral_id is None:
        return False
    from app.hazards.queries import referred_hazard

    hazard = referred_hazard(proposal.referral_id)
    return hazard is not None and hazard.major


def _decided(enterprise_id: int, start: date, end: date) -> list[PenaltyCase]:
    stmt = (
        select(PenaltyCase)
        .outerjoin(CaseProposal, CaseProposal.id == PenaltyCase.proposal_id)
        .where(
            PenaltyCase.enterprise_id == enterprise_id,
            PenaltyCase.outcome == Outcome.PENALTY,
            PenaltyCase.decided_on.is_not(None),
            PenaltyCase.decided_on >= start,
            PenaltyCase.decided_on <= end,
            PenaltyCase.closing_reason.is_distinct_from("决定撤销"),
        )
        .order_by(PenaltyCase.decided_on, PenaltyCase.id)
    )
    return list(db.session.scalars(stmt))


def counts(enterprise_id: int, day: date) -> list[Count]:
    """The Art.113 counts of an enterprise for the windows ending on `day`."""
    earliest = min(window_from(rule, day) for rule, _ in RULES)
    major = [c for c in _decided(enterprise_id, earliest, day) if is_major_hazard_case(c)]
    out = []
    for rule, threshold in RULES:
        start = window_from(rule, day)
        ids = [c.id for c in major if c.decided_on is not None and start <= c.decided_on <= day]
        out.append(Count(rule, threshold, start, day, ids))
    return out


def after_decision(case: PenaltyCase, *, actor) -> list[CaseClosureProposal]:
    """Called by every decision (普通 decide, 当场处罚): raise 提请关闭 when this decision reaches a threshold."""
    if case.decided_on is None or case.outcome != Outcome.PENALTY or not is_major_hazard_case(case):
        return []
    raised = []
    for c in counts(case.enterprise_id, case.decided_on):
        if c.count != c.threshold or case.id not in c.case_ids:
            continue
        exists = db.session.scalar(
            select(CaseClosureProposal.id).where(
                CaseClosureProposal.trigger_case_id == case.id, CaseClosureProposal.rule == c.rule
            )
        )
        if exists is not None:
            continue
        proposal = CaseClosureProposal(
            enterprise_id=case.enterprise_id,
            agency_id=case.agency_id,
            region_path=case.region_path,
            rule=c.rule,
            window_from=c.window_from,
            window_to=c.window_to,
            count=c.count,
            case_ids=c.case_ids,
            trigger_case_id=case.id,
        )
        db.session.add(proposal)
        db.session.flush()
        body = (
            f"{case.enterprise.name}自{c.window_from:%Y年%m月%d日}至{c.window_to:%Y年%m月%d日}因重大事故隐患"
            f"受到行政处罚{c.count}次（{c.rule}），依《安全生产法》第一百一十三条，请研究是否提请本级人民政府予以关闭"
        )
        leaders = users_with_role(Role.LEADER, region_path=case.region_path, agency_id=case.agency_id)
        notifications.notify(
            leaders,
            case,
            kind="case_closure",
            key=f"closure:{proposal.id}",
            title="提请关闭（安全生产法第113条）",
            body=body,
            level="warning",
        )
        audit.record(actor, "case.closure_proposed", case, summary=body, data={"case_ids": c.case_ids})
        raised.append(proposal)
    return raised


def scoped_closures(user) -> Select:
    """提请关闭 proposals in the user's data scope (pending first, then the newest): the 负责人's page and the API."""
    return (
        select(CaseClosureProposal)
        .where(scope_clause(user, CaseClosureProposal.region_path, CaseClosureProposal.enterprise_id))
        .order_by(CaseClosureProposal.status != ClosureProposalStatus.PENDING, CaseClosureProposal.id.desc())
    )


def scoped_closure(user, closure_id: int) -> CaseClosureProposal | None:
    """One proposal if it is in the user's scope (None → 404: no existence leak across counties)."""
    return db.session.scalar(scoped_closures(user).where(CaseClosureProposal.id == closure_id))


def decide_closure(proposal: CaseClosureProposal, data: dict, *, actor) -> CaseClosureProposal:
    """The 负责人 decides: 提请本级人民政府关闭 (submit) or not (dismiss), with the opinion."""
    require(
        actor.has_role(Role.LEADER)
        and not actor.is_enterprise_user
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区负责人可以处理提请关闭",
    )
    if proposal.status != ClosureProposalStatus.PENDING:
        raise InvalidState(f"该提请关闭事项已处理（{proposal.status}）")
    decision = data.get("decision")
    if decision not in ("submit", "dismiss"):
        raise invalid("decision", "请选择是否提请关闭")
    opinion = (data.get("opinion") or "").strip()
    if not opinion:
        raise invalid("opinion", "请填写意见")
    proposal.status = (
        ClosureProposalStatus.SUBMITTED if decision == "submit" else ClosureProposalStatus.DISMISSED
    )
    proposal.decided_by_id, proposal.decided_on, proposal.opinion = actor.id, clock.today(), opinion
    audit.record(
        actor,
        "case.closure_decided",
        proposal.trigger_case,
        summary=f"提请关闭（{proposal.rule}）：{proposal.status}，{opinion}",
    )
    return proposal
