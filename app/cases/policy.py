"""Which procedural rights and gates a case carries, from its penalty lines and the jurisdiction's parameter
pack in force (app.cases.rules): the hearing right (Art.63; spec §2.4), 法制审核 (Art.58) and 集体讨论
(Art.57 ¶2). Computed at each stage from that stage's amounts (proposed → notified → decided): a right or
gate once acquired is never dropped by a later stage (the operations OR it in).

The amount a party faces is its line's total at the stage (app.cases.linked.line_total): the fine and, on the
unit's line, the Art.112 按日连续处罚 beside it — a 较大数额罚款 (hearing right) or a 法制审核/集体讨论 amount
may come from that part alone."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from app.cases import linked
from app.cases.models import Outcome, PenaltyCase, PenaltyLine, TargetKind
from app.cases.rules import RulePack


def party_kind(line: PenaltyLine) -> Literal["person", "unit"]:
    return "unit" if line.target == TargetKind.UNIT else "person"


def _stage(line: PenaltyLine, stage: str) -> tuple[Decimal, list[str]]:
    """The amount the line's party faces at `stage` (its total: fine + 按日连续处罚) and the kinds; a stage not
    reached yet reads the proposal."""
    if getattr(line, f"{stage}_fine") is None and getattr(line, f"{stage}_kinds") is None:
        stage = "proposed"
    return linked.line_total(line, stage), list(getattr(line, f"{stage}_kinds") or [])


def hearing_right(case: PenaltyCase, pack: RulePack, *, stage: str) -> bool:
    if case.outcome != Outcome.PENALTY:
        return False
    return any(pack.hearing_right(party_kind(ln), *_stage(ln, stage)) for ln in case.lines)


def review_required(case: PenaltyCase, pack: RulePack, *, stage: str) -> bool:
    held = any(h.held_on is not None and h.status == "已举行" for h in case.hearings)
    if pack.legal_review.mode == "all":
        return True
    if held and pack.legal_review.when_hearing_held:
        return True
    return any(
        pack.legal_review_required(party_kind(ln), *_stage(ln, stage), hearing_held=held) for ln in case.lines
    )


def discussion_required(case: PenaltyCase, pack: RulePack, *, stage: str) -> bool:
    deviation = any(ln.deviation_reason for ln in case.lines)
    return any(
        pack.collective_discussion_required(party_kind(ln), *_stage(ln, stage), band_deviation=deviation)
        for ln in case.lines
    ) or (deviation and pack.collective_discussion.on_band_deviation)
