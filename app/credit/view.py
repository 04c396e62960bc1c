"""How a listing is shown to an outsider (the listed enterprise's account): its steps in its terms — the
列入告知书 served with its 陈述申辩 window, its own statement, the 列入决定 served with its term and remedies,
the measures in force, its 信用修复 application and the listing's end — never the agency's internal steps
(the proposal, 核查意见, the 负责人's deliberation, other departments' feedback). Nothing is shown before the
列入告知书 is served (the listing is internal until then: app.credit.queries.scoped)."""

from __future__ import annotations

from app.credit.models import CreditListing, ListingEnd, ListingStatus, RepairStatus
from app.subjects import ProgressStep

END_WORDS = {
    ListingEnd.EXPIRED: "管理期限届满，已移出名单",
    ListingEnd.REPAIRED: "信用修复，已提前移出名单",
    ListingEnd.OVERTURNED: "列入已撤销",
}
REPAIR_WORDS = {
    RepairStatus.VERIFYING: ("信用修复申请审查中", "current"),
    RepairStatus.DECIDING: ("信用修复申请审查中", "current"),
    RepairStatus.GRANTED: ("准予信用修复", "done"),
    RepairStatus.REFUSED: ("不予信用修复", "failed"),
    RepairStatus.REVOKED: ("提前移出决定已撤销（恢复列入）", "failed"),
    RepairStatus.TERMINATED: ("信用修复申请已终止（名单已移出或撤销）", "done"),
}


def outsider_progress(listing: CreditListing) -> list[ProgressStep]:
    if listing.notice_served_on is None or listing.status == ListingStatus.PROPOSED:
        return []
    due = f"，陈述申辩期限至 {listing.statement_due:%Y-%m-%d}" if listing.statement_due else ""
    steps = [
        ProgressStep(
            "已送达列入严重失信主体名单告知书",
            "done",
            listing.notice_served_on,
            f"列入情形：{listing.criterion_text}{due}",
        )
    ]
    for s in listing.statements:
        label = "已放弃陈述申辩" if "放弃" in (s.kind or "") else "已提交陈述申辩"
        steps.append(ProgressStep(label, "done", s.submitted_at, s.channel))
    if listing.status in (ListingStatus.NOTICE,) and not listing.statements:
        steps.append(ProgressStep("可在期限内陈述申辩", "current", listing.statement_due))
    elif listing.status in (ListingStatus.VERIFYING, ListingStatus.DECIDING, ListingStatus.SERVING):
        steps.append(ProgressStep("审查中", "current"))
    if listing.status == ListingStatus.DECLINED:
        steps.append(ProgressStep("决定不予列入", "done", listing.decided_on or listing.ended_on))
    if listing.decision_served_on is not None:
        term = ""
        if listing.term_start and listing.term_end:
            term = f"管理期限 {listing.term_start:%Y-%m-%d} 至 {listing.term_end:%Y-%m-%d}；可依法申请行政复议或提起行政诉讼"
        steps.append(
            ProgressStep("已送达列入严重失信主体名单决定书", "done", listing.decision_served_on, term)
        )
    for r in listing.repairs:
        label, state = REPAIR_WORDS[RepairStatus(r.status)]
        steps.append(ProgressStep(f"已申请信用修复（{r.applied_on:%Y-%m-%d}）", "done", r.applied_on))
        steps.append(ProgressStep(label, state, r.decided_on or r.revoked_on))
    if listing.status == ListingStatus.LISTED:
        note = f"管理期限至 {listing.term_end:%Y-%m-%d}" if listing.term_end else ""
        steps.append(ProgressStep("在严重失信主体名单中（联合惩戒措施实施中）", "current", None, note))
    elif listing.end_kind:
        steps.append(
            ProgressStep(
                END_WORDS.get(ListingEnd(listing.end_kind), str(listing.end_kind)), "done", listing.ended_on
            )
        )
    return steps
