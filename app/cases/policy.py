"""Which procedural rights and gates a case carries, from its penalty lines and the jurisdiction's parameter
pack in force (app.cases.rules): the hearing right (Art.63; spec §2.4), 法制审核 (Art.58) and 集体讨论
(Art.57 ¶2). Computed at each stage from that stage's amounts (proposed → notified → decided): a right or
gate once acquired is never dropped by a later stage (the operations OR it in)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from app.cases.models import Outcome, PenaltyCase, PenaltyLine, TargetKind
from app.cases.rules import RulePack


def party_kind(line: PenaltyLine) -> Literal["person", "unit"]:
    return "unit" if line.target == TargetKind.UNIT else "person"


def _stage(line: PenaltyLine, stage: str) -> tuple[Decimal, list[str]]:
    fine = getattr(line, f"{stage}_fine")
    kinds = getattr(line, f"{stage}_kinds")
    if fine is None and kinds is None:
        fine, kinds = line.proposed_fine, line.proposed_kinds
    return Decimal(fine or 0), list(kinds or [])


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
