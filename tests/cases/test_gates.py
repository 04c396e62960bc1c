"""Each legal gate of the penalty procedure refuses, through the operation whoever calls it (pages, the API
and the generic task page all end in these operations; tests/cases/test_routes.py covers those channels)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app import clock
from app.auth.roles import Role
from app.cases import gates
from app.cases import operations as ops
from app.cases.models import LegalReview
from app.errors import DomainError, InvalidState, ValidationFailed
from app.extensions import db


def _to_decide(w, world):
    """Walk a case to the 负责人's decide task (告知 waived, review passed)."""
    w.file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "按告知内容处罚"}, actor=world.officer)
    keys = [i.key for i in gates.checklist(w.case, clock.today())]
    ops.legal_review(
        w.case, {"review_opinion": "agree", "reasons": "同意", "confirmed": keys}, actor=world.legal
    )
    assert w.ready == ["decide"]
    return w


DECIDE = {"decision": "decide", "opinion": "同意"}


def test_filing_needs_two_officers_with_valid_certificates(world, make_proposal):
    proposal = make_proposal()
    base = {
        "name": "案",
        "facts": "事实",
        "provisions": "条款",
        "act_date": clock.today() - timedelta(days=3),
    }
    with pytest.raises(ValidationFailed) as exc:
        ops.submit_filing(proposal, {**base, "officer_ids": [world.officer.id]}, actor=world.officer)
    assert "不得少于两人" in exc.value.field_errors["officer_ids"]
    world.officer2.cert_expires_on = clock.today() - timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        ops.submit_filing(
            proposal, {**base, "officer_ids": [world.officer.id, world.officer2.id]}, actor=world.officer
        )
    assert "赵执法没有在有效期内的执法证" in exc.value.field_errors["officer_ids"]


def test_a_certificate_that_expired_after_filing_blocks_the_decision(world, make_case):
    w = _to_decide(make_case(), world)
    world.officer2.cert_expires_on = clock.today() - timedelta(days=1)
    with pytest.raises(ValidationFailed, match="执法证"):
        ops.decide(w.case, DECIDE, actor=world.leader)
    assert w.case.decided_on is None


def test_no_decision_without_a_passed_legal_review(world, make_case):
    w = _to_decide(make_case(), world)
    # a new submission is pending review (e.g. the 呈批表 was changed): the earlier 同意 no longer counts
    db.session.add(
        LegalReview(case=w.case, round=2, submitted_on=clock.today(), due_on=clock.today(), checklist=[])
    )
    db.session.flush()
    db.session.refresh(w.case)
    with pytest.raises(InvalidState, match="法制审核"):
        ops.decide(w.case, DECIDE, actor=world.leader)


def test_the_reviewer_must_be_qualified_and_not_a_case_officer(world, make_case):
    w = make_case(officer_ids=[world.officer.id, world.section_head.id])
    w.file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "处罚"}, actor=world.officer)
    review = {"review_opinion": "agree", "reasons": "同意", "confirmed": []}
    world.section_head.set_roles([Role.SECTION_HEAD, Role.OFFICER, Role.LEGAL_REVIEWER])
    world.section_head.legal_qualification_no = "A2019"
    with pytest.raises(DomainError, match="承办人员"):
        ops.legal_review(w.case, review, actor=world.section_head)
    world.legal.legal_qualification_no = None
    with pytest.raises(DomainError, match="法律职业资格"):
        ops.legal_review(w.case, review, actor=world.legal)
    with pytest.raises(DomainError):  # an ordinary officer, through the same operation
        ops.legal_review(w.case, review, actor=world.officer2)
    assert w.ready == ["legal_review"]


def test_no_decision_before_the_windows_pass_unless_waived(world, make_case):
    w = make_case()
    w.file().evidence().report().notify()
    ops.state_case(
        w.case, {"statement": "stated", "content": "我公司已整改，请求从轻处罚"}, actor=world.manager_a
    )
    ops.review_statement(
        w.case, {"review_result": "不采纳", "review_reason": "整改不影响违法事实"}, actor=world.officer
    )
    ops.prepare_decision(w.case, {"opinion": "维持"}, actor=world.officer)
    keys = [i.key for i in gates.checklist(w.case, clock.today())]
    with pytest.raises(ValidationFailed, match="告知程序|期限"):  # the checklist shows the window still open
        ops.legal_review(
            w.case, {"review_opinion": "agree", "reasons": "同意", "confirmed": keys}, actor=world.legal
        )
    notice = gates.latest_notice(w.case)
    clock.freeze(notice.statement_until + timedelta(days=1))
    ops.legal_review(
        w.case, {"review_opinion": "agree", "reasons": "同意", "confirmed": keys}, actor=world.legal
    )
    ops.decide(w.case, DECIDE, actor=world.leader)
    assert w.case.decided_on == clock.today()


def test_decision_gate_refuses_before_the_windows_pass(world, make_case):
    w = _to_decide(make_case(), world)
    w.case.notice_waived = False
    for s in list(w.case.statements):
        db.session.delete(s)
    db.session.flush()
    db.session.refresh(w.case)
    with pytest.raises(InvalidState, match="期限"):
        ops.decide(w.case, DECIDE, actor=world.leader)


def test_the_penalty_can_never_be_heavier_than_notified(world, make_case):
    w = make_case()
    w.file().evidence().report().notify()
    ops.state_case(w.case, {"statement": "stated", "content": "申辩"}, actor=world.manager_a)
    heavier = {
        "review_result": "不采纳",
        "review_reason": "申辩不成立",
        "adjustments": [{"line_no": 1, "fine": Decimal("40000")}],
    }
    with pytest.raises(ValidationFailed, match="第四十五条"):
        ops.review_statement(w.case, heavier, actor=world.officer)
    ops.review_statement(w.case, {**heavier, "renotice": "yes"}, actor=world.officer)
    assert w.ready == ["issue_notice"]  # a heavier penalty goes back to a new 告知
    ops.issue_notice(w.case, {"contact": "王执法"}, actor=world.officer)
    assert w.case.lines[0].notified_fine == Decimal("40000") and len(w.case.notices) == 2


def test_the_decision_cannot_raise_the_fine_above_the_notice(world, make_case):
    w = make_case()
    w.file().evidence().report().notify().waive()
    with pytest.raises(ValidationFailed, match="第四十五条"):
        ops.prepare_decision(
            w.case,
            {"opinion": "加重", "adjustments": [{"line_no": 1, "fine": Decimal("30000.01")}]},
            actor=world.officer,
        )


def test_hearing_pending_and_a_presiding_investigator_are_refused(world, make_case):
    w = make_case(lines=None)
    w.file().evidence().report(
        lines=[{"target": "单位", "kinds": ["罚款"], "fine": Decimal("60000")}], factors=["harm_caused"]
    )
    assert w.case.hearing_right is True  # 60000 ≥ 安徽 unit threshold 50000
    w.notify()
    ops.state_case(w.case, {"statement": "hearing", "content": "要求听证"}, actor=world.manager_a)
    assert gates.pending_hearing(w.case) is not None
    with pytest.raises(InvalidState, match="听证"):
        gates.before_decision(w.case, clock.today())
    far = clock.today() + timedelta(days=20)
    with pytest.raises(ValidationFailed) as exc:
        ops.schedule_hearing(
            w.case,
            {"presiding_id": world.officer.id, "hearing_on": far, "place": "局三楼", "method": "直接送达"},
            actor=world.section_head,
        )
    assert "调查人员" in exc.value.field_errors["presiding_id"]
    with pytest.raises(ValidationFailed) as exc:  # not 7 working days ahead
        ops.schedule_hearing(
            w.case,
            {
                "presiding_id": world.legal.id,
                "hearing_on": clock.today() + timedelta(days=3),
                "place": "局三楼",
                "method": "直接送达",
            },
            actor=world.section_head,
        )
    assert "7个工作日" in exc.value.field_errors["hearing_on"]


def test_a_second_fine_for_the_same_act_is_refused(world, make_case):
    first = _to_decide(make_case(), world)
    ops.decide(first.case, DECIDE, actor=world.leader)
    second = make_case()
    assert first.case in gates.same_act_open(second.case)  # warned at 立案
    second.file().evidence().report().notify().waive()
    ops.prepare_decision(second.case, {"opinion": "处罚"}, actor=world.officer)
    keys = [i.key for i in gates.checklist(second.case, clock.today())]
    with pytest.raises(ValidationFailed, match="一事不二罚"):  # the reviewer cannot pass it
        ops.legal_review(
            second.case, {"review_opinion": "agree", "reasons": "同意", "confirmed": keys}, actor=world.legal
        )
    with pytest.raises(ValidationFailed, match="一事不二罚"):  # nor can the decision, by any route
        gates.before_decision(second.case, clock.today())


def test_a_time_barred_act_cannot_be_filed(world, make_proposal):
    proposal = make_proposal(act_date=date(2020, 1, 1))
    data = {
        "name": "案",
        "facts": "事实",
        "provisions": "条款",
        "act_date": date(2020, 1, 1),
        "officer_ids": [world.officer.id, world.officer2.id],
    }
    with pytest.raises(ValidationFailed, match="五年追责时效"):
        ops.submit_filing(proposal, data, actor=world.officer)
