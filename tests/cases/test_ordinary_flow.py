"""The ordinary procedure at the operation level: 立案 → 调查 → 告知 → 放弃 → 法制审核 → 决定 → 送达 → 缴款 → 结案."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app import clock, publication
from app.cases import operations as ops
from app.cases.models import CaseStatus, ProposalStatus


def test_a_case_from_filing_to_closure(world, make_case):
    w = make_case()
    case = w.case
    assert case.status == CaseStatus.FILING and w.ready == ["approve_filing"]
    w.file()
    assert case.case_no == "（萧）应急立〔2026〕1号" and case.status == CaseStatus.INVESTIGATING
    assert case.proposal.status == ProposalStatus.FILED
    assert case.decision_due == clock.today() + timedelta(days=90)
    w.evidence().report()
    assert (
        case.status == CaseStatus.NOTIFYING and case.hearing_right is False
    )  # 30000 < 安徽 unit threshold 50000
    w.notify().waive()
    assert w.ready == ["prepare_decision"]
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    assert w.ready == ["legal_review"]  # 宿州 pack: every case is reviewed
    ops.legal_review(
        case,
        {
            "review_opinion": "agree",
            "reasons": "事实清楚，程序合法",
            "confirmed": [
                i.key for i in __import__("app.cases.gates", fromlist=["x"]).checklist(case, clock.today())
            ],
        },
        actor=world.legal,
    )
    assert w.ready == ["decide"]
    doc = ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    assert doc.number.text == "（萧）应急罚〔2026〕1号"
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    assert case.status == CaseStatus.EXECUTING and case.payment_due == clock.today() + timedelta(days=15)
    assert publication.current_for(case, "penalty_decision") is not None
    ops.record_payment(
        case,
        {"paid_on": clock.today(), "amount": Decimal("30000"), "receipt_no": "PJ001"},
        actor=world.officer,
    )
    ops.finish_execution(case, {"execution_result": "执行完毕"}, actor=world.officer)
    ops.close_case(case, {"summary": "罚款已缴清"}, actor=world.officer)
    ops.approve_closing(case, {"closing_decision": "agree", "opinion": "同意"}, actor=world.leader)
    assert case.status == CaseStatus.CLOSED and case.closed_on == clock.today()
