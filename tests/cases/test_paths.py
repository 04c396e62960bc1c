"""Every path through penalty_case.bpmn, taken through the operations (the BPMN routes on what they decide)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app import clock, workflow
from app.cases import gates
from app.cases import operations as ops
from app.cases.models import CaseStatus, ProposalStatus
from app.cases.operations.common import instance_of


def _review(w, world, opinion="agree"):
    keys = [i.key for i in gates.checklist(w.case, clock.today())]
    ops.legal_review(
        w.case, {"review_opinion": opinion, "reasons": "意见", "confirmed": keys}, actor=world.legal
    )


def _close(w, world):
    ops.close_case(w.case, {"summary": "结案"}, actor=world.officer)
    ops.approve_closing(w.case, {"closing_decision": "agree", "opinion": "同意"}, actor=world.leader)


def _serve(w, world):
    ops.serve_decision(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )


def test_filing_returned_revised_and_then_refused(world, make_case):
    w = make_case()
    ops.approve_filing(
        w.case, {"filing_decision": "return", "opinion": "案由不准确"}, actor=world.section_head
    )
    assert w.ready == ["revise_filing"]
    data = {
        "name": "改后案由",
        "facts": "事实",
        "provisions": "条款",
        "act_date": clock.today() - timedelta(days=5),
        "officer_ids": [world.officer.id, world.officer2.id],
    }
    ops.revise_filing(w.case, data, actor=world.officer)
    ops.approve_filing(w.case, {"filing_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    ops.decide_filing(w.case, {"filing_decision": "return", "opinion": "补充"}, actor=world.leader)
    ops.revise_filing(w.case, data, actor=world.officer)
    ops.approve_filing(w.case, {"filing_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    ops.decide_filing(w.case, {"filing_decision": "reject", "opinion": "情节显著轻微"}, actor=world.leader)
    assert w.case.status == CaseStatus.NOT_FILED and w.case.case_no is None
    assert w.case.proposal.status == ProposalStatus.DECLINED and w.ready == []
    assert [a["role"] for a in w.case.filing_approvals].count("承办人意见") == 3


def test_report_sent_back_then_no_penalty_with_review_and_decision(world, make_case):
    w = make_case().file().evidence()
    ops.submit_report(
        w.case,
        {
            "report_text": "轻微",
            "outcome": "no_penalty",
            "violation_code": "AQSCF-97-5",
            "factors": ["minor_corrected"],
            "no_penalty_reason": "轻微",
            "education": "已当场教育",
        },
        actor=world.officer,
    )
    ops.review_report(w.case, {"report_decision": "more", "opinion": "补充询问"}, actor=world.section_head)
    assert w.ready == ["investigate"]
    ops.submit_report(
        w.case,
        {
            "report_text": "轻微",
            "outcome": "no_penalty",
            "violation_code": "AQSCF-97-5",
            "factors": ["minor_corrected"],
            "no_penalty_reason": "轻微",
            "education": "已当场教育",
        },
        actor=world.officer,
    )
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    assert w.ready == ["legal_review"]
    _review(w, world)
    doc = ops.decide(w.case, {"decision": "decide", "opinion": "不予处罚"}, actor=world.leader)
    assert doc.doc_type == "no_penalty_decision"
    _serve(w, world)
    assert w.ready == ["close_case"]
    _close(w, world)
    assert w.case.status == CaseStatus.CLOSED and w.case.closing_reason == "不予处罚"


def test_facts_not_established_needs_no_evidence_and_closes(world, make_case):
    w = make_case().file()
    ops.submit_report(
        w.case, {"report_text": "违法事实不能成立", "outcome": "not_established"}, actor=world.officer
    )
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    _review(w, world)
    ops.decide(w.case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    _serve(w, world)
    _close(w, world)
    assert w.case.status == CaseStatus.CLOSED


def test_transfer_refused_then_approved_and_transferred(world, make_case):
    w = make_case().file().evidence()
    report = {
        "report_text": "涉嫌危险作业罪",
        "outcome": "transfer",
        "suspected_crime": "危险作业罪",
        "transfer_reasons": "拒不执行停产指令，存在重大事故隐患",
    }
    ops.submit_report(w.case, report, actor=world.officer)
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意移送"}, actor=world.section_head)
    assert w.ready == ["decide_transfer"]
    ops.decide_transfer(w.case, {"transfer_decision": "reject", "opinion": "证据不足"}, actor=world.leader)
    assert w.ready == ["review_report"]
    ops.review_report(w.case, {"report_decision": "more", "opinion": "补充证据"}, actor=world.section_head)
    ops.submit_report(w.case, report, actor=world.officer)
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意移送"}, actor=world.section_head)
    ops.decide_transfer(w.case, {"transfer_decision": "agree", "opinion": "移送"}, actor=world.leader)
    assert w.ready == ["transfer_case"]
    ops.transfer_case(
        w.case, {"receiving_organ": "萧县公安局", "procuratorate": "萧县人民检察院"}, actor=world.officer
    )
    _close(w, world)
    assert w.case.status == CaseStatus.CLOSED and w.case.closing_reason == "移送"


def test_hearing_then_review_sends_back_for_investigation_then_discussion(world, make_case):
    w = make_case().file().evidence()
    w.report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": Decimal("60000")}], factors=["harm_caused"])
    w.notify()
    ops.state_case(w.case, {"statement": "hearing", "content": "要求听证"}, actor=world.manager_a)
    assert w.ready == ["schedule_hearing"] and w.case.status == CaseStatus.HEARING
    day = clock.today() + timedelta(days=14)
    ops.schedule_hearing(
        w.case,
        {"presiding_id": world.legal.id, "hearing_on": day, "place": "局三楼会议室", "method": "直接送达"},
        actor=world.section_head,
    )
    clock.freeze(day)
    ops.hold_hearing(
        w.case,
        {
            "attended": "yes",
            "attendees": "当事人及代理人",
            "record": "听证笔录……",
            "party_signed": "yes",
            "report": "建议维持",
            "recommendation": "维持",
        },
        actor=world.legal,
    )
    assert w.case.review_required and w.ready == ["review_statement"]
    ops.review_statement(
        w.case,
        {
            "review_result": "部分采纳",
            "review_reason": "对个人从轻",
            "adjustments": [{"line_no": 1, "fine": Decimal("55000")}],
        },
        actor=world.officer,
    )
    ops.prepare_decision(w.case, {"opinion": "按复核意见处罚"}, actor=world.officer)
    _review(w, world, "more")
    assert w.ready == ["investigate"]
    w.report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": Decimal("60000")}], factors=["harm_caused"])
    assert w.ready == ["issue_notice"]  # a new report → a new 告知
    ops.issue_notice(w.case, {"contact": "王执法"}, actor=world.officer)
    ops.serve_notice(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    ops.state_case(
        w.case, {"statement": "waived", "waiver_signed": True}, actor=world.officer
    )  # recorded by an officer
    ops.prepare_decision(w.case, {"opinion": "处罚"}, actor=world.officer)
    _review(w, world, "modify")
    assert w.ready == ["prepare_decision"]
    ops.prepare_decision(
        w.case,
        {"opinion": "已修改", "adjustments": [{"line_no": 1, "fine": Decimal("55000")}]},
        actor=world.officer,
    )
    _review(w, world, "disagree")
    assert w.ready == ["review_report"]
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "维持处罚"}, actor=world.section_head)
    ops.issue_notice(w.case, {"contact": "王执法"}, actor=world.officer)
    ops.serve_notice(
        w.case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    ops.state_case(w.case, {"statement": "waived", "waiver_signed": True}, actor=world.manager_a)
    ops.prepare_decision(w.case, {"opinion": "处罚"}, actor=world.officer)
    _review(w, world)
    assert w.ready == ["collective_discussion"]  # 60000 ≥ the 安徽 discussion threshold
    opinions = [{"name": n, "opinion": "同意"} for n in ("周局长", "吴队长", "钱法制")]
    ops.collective_discussion(
        w.case,
        {"place": "局会议室", "chair": "周局长", "opinions": opinions, "conclusion": "同意处罚"},
        actor=world.leader,
    )
    ops.decide(w.case, {"decision": "return", "opinion": "呈批表补充"}, actor=world.leader)
    assert w.ready == ["prepare_decision"]


def test_silence_until_the_window_ends_moves_on_by_timer(world, make_case):
    w = make_case().file().evidence().report().notify()
    notice = gates.latest_notice(w.case)
    clock.freeze(notice.statement_until + timedelta(days=1))
    workflow.tick()
    assert w.ready == ["prepare_decision"]
    assert not w.case.statements and instance_of(w.case) is not None


def test_decide_return_and_closing_return(world, make_case):
    w = make_case().file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "处罚"}, actor=world.officer)
    _review(w, world)
    ops.decide(w.case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    _serve(w, world)
    ops.record_payment(
        w.case,
        {"paid_on": clock.today(), "amount": Decimal("30000"), "receipt_no": "PJ9"},
        actor=world.officer,
    )
    ops.finish_execution(w.case, {"execution_result": "执行完毕"}, actor=world.officer)
    ops.close_case(w.case, {"summary": "已缴清"}, actor=world.officer)
    ops.approve_closing(w.case, {"closing_decision": "return", "opinion": "补充"}, actor=world.leader)
    assert w.ready == ["close_case"]
    _close(w, world)
    assert w.case.archive_no == f"{w.case.year}-{w.case.serial}"
