"""When the case page offers each of its forms (the "when"; who may use it is the route's require). The page
shows a form only where the case stands; a POST of a form it does not offer (a hand-made request, a page left
open while the case moved on) whose fields do not pass is answered with this reason in Chinese — the case page
re-rendered with HTTP 409, or a 409 JSON error on /api/v1 — instead of errors on fields the page never showed.
When the fields pass, the operation decides and words its own refusal (409/422).

The 执行 forms' conditions are app.cases.execution_pages.context's (what the page shows)."""

from __future__ import annotations

from app import forms
from app.auth.models import User
from app.cases.models import PenaltyCase
from app.cases.operations.execution import Balance, balance

# the case-page forms and when the page offers them (the message after “不能办理此事项（…）：”)
WHEN = {
    "case_evidence": "证据在立案后、作出处罚决定前登记",
    "case_pause_start": "不计入办案期限的期间在立案后、作出处罚决定前登记",
    "case_pause_end": "本案没有未结束的不计入办案期限的期间",
    "case_service": "本案尚无可送达当事人的文书",
    "case_payment": "处罚决定书送达后、罚款缴清前方可登记缴款",
    "case_arrangement_apply": "延期（分期）缴纳罚款须在决定书送达后、缴款期限届满前申请，且没有待审批的申请",
    "case_arrangement_decide": "本案没有待审批的延期（分期）缴纳申请",
    "case_remedy_file": "处罚决定书送达后方可登记行政复议或行政诉讼，且本案没有未审结的复议（诉讼）",
    "case_remedy_decide": "本案没有未审结的行政复议或行政诉讼",
    "case_reminder": "缴款期限届满仍未缴清、且此前的催告书已送达的，方可制发催告书",
    "case_reminder_service": "本案没有待送达的催告书",
    "case_enforcement": "催告书送达满10日、复议和诉讼期限届满后的申请期限内，且无未审结的复议（诉讼）、罚款仍未缴清的，方可申请强制执行",
    "case_extension": "普通程序案件立案后、作出处罚决定前方可延长办案期限",
}
# the 执行 forms: the flag of execution_pages.context that shows each
EXECUTION_FLAGS = {
    "case_arrangement_apply": "can_apply_arrangement",
    "case_arrangement_decide": "can_decide_arrangement",
    "case_remedy_file": "can_file_remedy",
    "case_remedy_decide": "can_decide_remedy",
    "case_reminder": "can_remind",
    "case_reminder_service": "can_serve_reminder",
    "case_enforcement": "can_enforce",
    "case_extension": "can_extend",
}


def before_decision(case: PenaltyCase) -> bool:
    """证据 and 不计入期间: from the 立案 to the decision."""
    return case.filed_on is not None and case.decided_on is None


def payable(case: PenaltyCase, owed: Balance | None) -> bool:
    """缴款登记: the decision served and something still owed."""
    return case.decision_served_on is not None and owed is not None and owed.owed > 0


def open_now(case: PenaltyCase, user: User, form_name: str) -> bool:
    """Whether the case page offers `form_name` at the case's stage (to a user the route already allows)."""
    from app.cases import execution_pages, pages

    if form_name in ("case_evidence", "case_pause_start"):
        return before_decision(case) and (
            form_name == "case_evidence" or not any(p.ended_on is None for p in case.pauses)
        )
    if form_name == "case_pause_end":
        return before_decision(case) and any(p.ended_on is None for p in case.pauses)
    if form_name == "case_service":
        return bool(pages.outward_documents(case))
    if form_name == "case_payment":
        return payable(case, balance(case) if case.decided_on else None)
    flag = EXECUTION_FLAGS.get(form_name)
    if flag is None:
        return True  # not bound to a stage (追责时效)
    ctx = execution_pages.context(case, user, balance(case) if case.decided_on else None)
    return bool(ctx.get(flag))


def refusal(case: PenaltyCase, user: User, form_name: str) -> str | None:
    """The Chinese reason the form cannot be used now, or None when the page offers it."""
    if open_now(case, user, form_name):
        return None
    title = forms.get_form(form_name).title
    why = WHEN.get(form_name, "")
    return f"本案当前处于“{case.status}”阶段，不能办理此事项（{title}）" + (f"：{why}" if why else "") + "。"
