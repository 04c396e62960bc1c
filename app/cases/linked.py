"""Linked cases (spec §2.5): a hazard referred again after a penalty — the 复查 found it 逾期未改正 — is the
second stage of the same violation, not a new first offence.

Parent: when a referral arrives for an enterprise that already has a *decided* penalty case (outcome 给予行政
处罚, not revoked) for a hazard of the same 整改指令书 (the hazard's order, read through
app.hazards.queries.referred_hazard) or for the same suspected provisions, the latest such case becomes the
proposal's `parent_case`; the filing copies it to `PenaltyCase.parent_case_id`.

Stage 2: a case with a parent is assessed on stage 2 of its 违法行为库 entry (逾期未改正 / 拒不执行 / 拒不改正)
where the entry has one (`stage_for`); the discretion engine suggests and checks the fine on that stage.

Art.112 按日连续处罚: the unit was ordered to correct and fined, and refuses to correct → it may be fined the
original amount daily, counted from the day after the correction order. `continuing_fine` computes it:
original = the parent's decided fine on the unit; the order day = the parent's decision day (责令改正 goes
with the decision, Art.28) unless the officer names the day of the 责令限期改正指令书; days = from the day
after the order to `until` inclusive; amount = original × days. It is offered, never imposed: the officer
opts in in the 调查终结报告, and the computation is stored with the case (`PenaltyCase.continuing_fine`).

It is a part of the unit's penalty line of its own (`continuing_line`, `continuing_amount`): the line's fine
stays what the officer proposed (and is what the 裁量基准 band and Art.45's "not heavier" check), the 按日连续处罚
is added beside it — `line_total` — in the 告知书, the 呈批表, the 决定书 (“按日连续处罚 X 元（原罚款数额 × 日数）”),
the notified total and the principal due (app.cases.operations.execution.principal_of).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.cases.models import CaseProposal, Outcome, PenaltyCase, PenaltyLine, TargetKind
from app.errors import invalid
from app.extensions import db


def parent_for(enterprise_id: int, referral_id: int | None, provisions: str | None) -> PenaltyCase | None:
    """The latest decided penalty case of the enterprise for the same order's hazard or the same provisions."""
    from app.hazards.queries import referred_hazard

    decided = list(
        db.session.scalars(
            select(PenaltyCase)
            .where(
                PenaltyCase.enterprise_id == enterprise_id,
                PenaltyCase.outcome == Outcome.PENALTY,
                PenaltyCase.decided_on.is_not(None),
                PenaltyCase.closing_reason.is_distinct_from("决定撤销"),
            )
            .order_by(PenaltyCase.decided_on.desc(), PenaltyCase.id.desc())
        )
    )
    if not decided:
        return None
    hazard = referred_hazard(referral_id) if referral_id is not None else None
    for case in decided:
        if provisions and case.provisions == provisions:
            return case
        proposal: CaseProposal | None = case.proposal
        if hazard is not None and proposal is not None and proposal.referral_id is not None:
            other = referred_hazard(proposal.referral_id)
            if (
                other is not None
                and other.order_id == hazard.order_id
                and other.hazard_id != hazard.hazard_id
            ):
                return case
    return None


def stage_for(case: PenaltyCase, entry) -> int:
    """Stage 2 of the entry for a linked case (when the entry has one), else stage 1."""
    if case.parent_case_id is not None and any(s.number == 2 for s in entry.stages):
        return 2
    return 1


def continuing_fine(parent: PenaltyCase, until: date, order_on: date | None = None) -> dict:
    """Art.112: the parent's fine on the unit × the days from the day after the correction order to `until`."""
    order_day = order_on or parent.decided_on
    if order_day is None:
        raise invalid("continuing_fine", "前案尚未作出处罚决定，不适用按日连续处罚")
    original = sum(
        (Decimal(ln.decided_fine or 0) for ln in parent.lines if ln.target == TargetKind.UNIT), Decimal(0)
    )
    if original <= 0:
        raise invalid(
            "continuing_fine",
            "前案未对生产经营单位处以罚款，不适用按日连续处罚（《安全生产法》第一百一十二条）",
        )
    days = (until - order_day).days
    if days <= 0:
        raise invalid("continuing_fine", "按日连续处罚自责令改正之日的次日起计算，截止日应晚于责令改正之日")
    return {
        "parent_case_no": parent.case_no,
        "original_fine": str(original),
        "order_on": order_day.isoformat(),
        "from": date.fromordinal(order_day.toordinal() + 1).isoformat(),
        "until": until.isoformat(),
        "days": days,
        "amount": str(original * days),
        "basis": "《安全生产法》第一百一十二条：拒不改正的，自作出责令改正决定之日的次日起，按照原处罚数额按日连续处罚",
    }


def continuing_line(case: PenaltyCase) -> PenaltyLine | None:
    """The line that carries the case's 按日连续处罚: the unit's (the first unit line), when there is one."""
    if not case.continuing_fine:
        return None
    return next((ln for ln in case.lines if ln.target == TargetKind.UNIT), None)


def continuing_amount(line: PenaltyLine, stage: str = "decided") -> Decimal:
    """The line's 按日连续处罚 part at `stage` (proposed/notified/decided): the stored amount on the unit's line
    once that stage has given the line its penalty, 0 on every other line."""
    case = line.case
    if case is None or continuing_line(case) is not line:
        return Decimal(0)
    if stage != "proposed" and getattr(line, f"{stage}_kinds") is None:
        return Decimal(0)
    return stored_amount(case.continuing_fine)


def stored_amount(continuing_fine: dict | None) -> Decimal:
    """The amount of a case's stored 按日连续处罚 (`PenaltyCase.continuing_fine`), 0 without one — for readers
    of the column alone (the 台账 reads plain rows, app.cases.ledger)."""
    return Decimal(str((continuing_fine or {}).get("amount") or 0))


def line_total(line: PenaltyLine, stage: str = "decided") -> Decimal:
    """What the line's party is to pay at `stage`: its fine and, kept apart from it, its 按日连续处罚."""
    return Decimal(getattr(line, f"{stage}_fine") or 0) + continuing_amount(line, stage)


def continuing_content(line: PenaltyLine, stage: str) -> dict | None:
    """The 按日连续处罚 of a line as a document states it (None when the line has none)."""
    amount = continuing_amount(line, stage)
    if not amount:
        return None
    c = line.case.continuing_fine or {}
    return {
        "amount": str(amount),
        "original_fine": str(c["original_fine"]),
        "days": int(c["days"]),
        "from": c["from"],
        "until": c["until"],
        "basis": c.get("basis"),
    }
