"""How a case is shown to an outsider (the party's enterprise account): its steps in its terms — filed, the
告知 with its rights and windows, its own statement, the hearing, the decision, payment, closure — never the
agency's internal decisions (立案审批 opinions, 法制审核, 集体讨论, 呈批)."""

from __future__ import annotations

from app.cases.models import CaseNotice, HearingStatus, PenaltyCase, StatementKind
from app.subjects import ProgressStep


def notice_title(notice: CaseNotice) -> str:
    """The 告知书 as printed on it (app/templates/documents/_notice.html): with the hearing right it is the
    行政处罚（听证）告知书."""
    return "行政处罚（听证）告知书" if notice.hearing_right else "行政处罚告知书"


def outsider_progress(case: PenaltyCase) -> list[ProgressStep]:
    if case.filed_on is None:
        return []
    steps = [ProgressStep("已立案调查", "done", case.filed_on, f"案件编号 {case.case_no}")]
    for n in case.notices:
        if n.served_on:
            rights = f"陈述申辩期限至 {n.statement_until:%Y-%m-%d}" if n.statement_until else ""
            if n.hearing_until:
                rights += f"，可于 {n.hearing_until:%Y-%m-%d} 前要求听证"
            steps.append(ProgressStep(f"已送达{notice_title(n)}", "done", n.served_on, rights))
    for s in case.statements:
        label = {
            StatementKind.STATED: "已提交陈述申辩",
            StatementKind.HEARING: "已申请听证",
            StatementKind.WAIVED: "已书面放弃陈述申辩和听证",
        }[StatementKind(s.kind)]
        steps.append(
            ProgressStep(
                label, "done", s.submitted_on, f"复核结论：{s.review_result}" if s.review_result else ""
            )
        )
    for h in case.hearings:
        if h.status == HearingStatus.SCHEDULED:
            steps.append(ProgressStep("听证已安排", "current", h.hearing_on, f"地点：{h.place}"))
        elif h.status == HearingStatus.HELD:
            steps.append(ProgressStep("已举行听证", "done", h.held_on))
    if case.decided_on:
        steps.append(ProgressStep("已作出决定", "done", case.decided_on))
    if case.payment_due and case.paid_on is None:
        steps.append(
            ProgressStep("待缴纳罚款", "current", case.payment_due, f"缴款期限 {case.payment_due:%Y-%m-%d}")
        )
    if case.paid_on:
        steps.append(ProgressStep("罚款已缴清", "done", case.paid_on))
    if case.closed_on:
        steps.append(ProgressStep("已结案", "done", case.closed_on))
    return steps
