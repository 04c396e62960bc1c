"""移送立案: a hazard that failed its rounds is handed to the penalty-case domain with its facts and evidence.

The hazard loop records the referral it made (`PenaltyReferral`, with the evidence list) and announces it
with the `referral_made` signal; the penalty-case domain receives it through its own operation, keeping its
case in its own tables with a foreign key to the referral, never writing into hazard tables.
"""

from __future__ import annotations

from app import attachments, audit, clock
from app.auth.models import User
from app.errors import InvalidState, invalid
from app.extensions import db
from app.hazards.models import Hazard, PenaltyReferral, ReferralStatus
from app.hazards.signals import referral_made


def refer(hazard: Hazard, facts: str, actor: User) -> PenaltyReferral:
    if hazard.referral is not None:
        return hazard.referral
    evidence = [f"责令限期整改指令书 {hazard.order.doc_number}"]
    evidence += [
        f"{r.kind}意见书 {r.doc_number}（{r.reviewed_on.isoformat()}，{r.result}）"
        for r in hazard.reviews
        if r.doc_number
    ]
    photos = attachments.attachments_for(hazard, "photos")
    if photos:
        evidence.append("隐患照片：" + "、".join(f"附件{a.id}" for a in photos))
    referral = PenaltyReferral(
        hazard=hazard,
        enterprise_id=hazard.enterprise_id,
        region_path=hazard.region_path,
        facts=facts,
        evidence="\n".join(evidence),
        provisions=hazard.provision,
        referred_by_id=actor.id,
        referred_at=clock.now(),
        status=ReferralStatus.PENDING,
    )
    db.session.add(referral)
    hazard.referred_on = clock.today()
    db.session.flush()
    referral_made.send(referral)
    return referral


def answer_referral(
    referral: PenaltyReferral, *, filed: bool, case_number: str | None = None, reason: str | None = None, actor
) -> PenaltyReferral:
    """The penalty-case domain's answer to a referral: 已立案 (with the case number) or 不予立案 (with the
    reason). Called by that domain's own operation; the hazard page and ledger show it."""
    if referral.status != ReferralStatus.PENDING:
        raise InvalidState(f"该移送已于{referral.answered_at:%Y-%m-%d}答复（{referral.status}），不能重复答复")
    if filed and not (case_number or "").strip():
        raise invalid("case_number", "请填写立案号")
    if not filed and not (reason or "").strip():
        raise invalid("reason", "请填写不予立案的理由")
    old = referral.status
    referral.status = ReferralStatus.FILED if filed else ReferralStatus.DECLINED
    referral.case_number = case_number.strip() if filed and case_number else None
    referral.answer = None if filed else (reason or "").strip()
    referral.answered_at = clock.now()
    referral.answered_by_id = actor.id
    audit.record(
        actor,
        "hazard.referral_answered",
        referral.hazard,
        summary=(
            f"移送的违法行为已立案（{referral.case_number}）"
            if filed
            else f"移送的违法行为不予立案：{referral.answer}"
        ),
        changes={"referral": [old, referral.status]},
        data={"referral_id": referral.id, "case_number": referral.case_number},
    )
    db.session.flush()
    return referral
