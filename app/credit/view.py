"""How a listing is shown to an outsider (the listed enterprise's account): its steps in its terms — the
列入告知书 served with its 陈述申辩 window, its own statement, the 列入决定 served with its term and remedies,
the measures in force, its 信用修复 application and the listing's end — never the agency's internal steps
(the proposal, 核查意见, the 负责人's deliberation, other departments' feedback). Nothing is shown before the
列入告知书 is served (the listing is internal until then: app.credit.queries.scoped)."""

from __future__ import annotations

from types import SimpleNamespace

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


UNDER_REVIEW = "审查中"
# the agency's internal stages between the party's statement and the served 列入决定书: the party sees one
# word for them (the progress' "审查中"), never 核查中 / 待决定 / 待送达 — nor the decision before it is served
REVIEW_STATUSES = (ListingStatus.VERIFYING, ListingStatus.DECIDING, ListingStatus.SERVING)


def outsider_status(listing: CreditListing) -> str:
    """The listing's status as the listed enterprise is shown it (list, page, API)."""
    return UNDER_REVIEW if listing.status in REVIEW_STATUSES else str(listing.status)


def outsider_statuses() -> list[str]:
    """The status filter's choices on the enterprise's list."""
    out: list[str] = []
    for s in ListingStatus:
        if s == ListingStatus.PROPOSED:
            continue
        word = UNDER_REVIEW if s in REVIEW_STATUSES else str(s)
        if word not in out:
            out.append(word)
    return out


def outsider_decided_on(listing: CreditListing):
    """The decision's date the enterprise may know: once the 列入决定书 is served, or a 不予列入 decision."""
    if listing.decision_served_on is not None or listing.status == ListingStatus.DECLINED:
        return listing.decided_on
    return None


def outsider_row(listing: CreditListing) -> SimpleNamespace:
    """ListingSchema's fields of a listing in the enterprise's terms (the API's list and detail)."""
    return SimpleNamespace(
        **{
            "id": listing.id,
            "enterprise_id": listing.enterprise_id,
            "enterprise": listing.enterprise,
            "subject_kind": listing.subject_kind,
            "person_name": listing.person_name,
            "criterion": listing.criterion,
            "criterion_text": listing.criterion_text,
            "origin": listing.origin,
            "status": outsider_status(listing),
            "proposed_on": listing.proposed_on,
            "decided_on": outsider_decided_on(listing),
            "term_start": listing.term_start if listing.decision_served_on else None,
            "term_end": listing.term_end if listing.decision_served_on else None,
            "ended_on": listing.ended_on,
            "end_kind": listing.end_kind,
        }
    )


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
        steps.append(ProgressStep(UNDER_REVIEW, "current"))
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
        steps.append(ProgressStep("已申请信用修复", "done", r.applied_on))
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
