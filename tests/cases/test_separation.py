"""审批与办案分离: a case's approvals are never made by one of its officers (主办/协办), whatever role they also hold
(a section head, a leader), through any channel — the operation, the generic task page, the JSON API, the inbox,
claim and reassignment — and a case whose only section head is its 主办 still moves on: the review goes to the
负责人 (app.cases.separation)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import audit, clock, workflow
from app.auth.roles import Role
from app.cases import gates, separation
from app.cases import operations as ops
from app.cases.models import CaseTransfer, PenaltyCase, ProposalSource, ProposalStatus
from app.cases.operations import execution as ex
from app.cases.operations.common import PRESERVATION, TRANSFER
from app.cases.operations.deadline import refresh_decision_clocks
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.inbox import queries as inbox
from app.inbox.operations import claim
from app.notifications.models import Notification
from tests.cases.walk import review, task_of, to_legal_review
from tests.factories.clock import at
from tests.factories.db import commit
from tests.factories.org import _user
from tests.factories.workflow import tick_at

AGREE = {"filing_decision": "agree", "opinion": "同意"}


def _inbox_ids(user) -> set[int]:
    return {t.id for t in inbox.inbox(user, inbox.InboxFilters()).tasks}


@pytest.fixture
def head2(world):
    """A second section head of the same brigade, not on the case."""
    u = _user("section_head2", "郑队长", [Role.SECTION_HEAD, Role.OFFICER], world.brigade, cert="34130006")
    db.session.commit()
    return u


@pytest.fixture
def own_case(world, make_case):
    """A case whose 主办 is the section head 吴队长 (the officer 王执法 assists)."""
    return make_case(
        officer_ids=[world.section_head.id, world.officer.id], lead_officer_id=world.section_head.id
    )


# ---- the operation ------------------------------------------------------------------------------------------


def test_the_operation_refuses_a_section_head_reviewing_his_own_filing(world, head2, own_case):
    with pytest.raises(PermissionDenied) as exc:
        ops.approve_filing(own_case.case, AGREE, actor=world.section_head)
    assert exc.value.message == gates.OWN_CASE and "承办人员" in exc.value.message
    assert own_case.ready == ["approve_filing"]
    assert [a["role"] for a in own_case.case.filing_approvals] == ["承办人意见"]  # nothing recorded
    ops.approve_filing(own_case.case, AGREE, actor=head2)  # another section head: the happy path
    assert own_case.ready == ["decide_filing"]
    assert own_case.case.filing_approvals[-1]["name"] == head2.name


def test_the_operation_refuses_a_co_officer_section_head_at_the_report_review(world, head2, make_case):
    w = make_case(officer_ids=[world.officer.id, world.section_head.id], lead_officer_id=world.officer.id)
    ops.approve_filing(w.case, AGREE, actor=head2)
    ops.decide_filing(w.case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    w.evidence()
    ops.submit_report(
        w.case,
        {
            "report_text": "经调查，当事人未如实记录事故隐患排查治理情况。",
            "outcome": "penalty",
            "violation_code": "AQSCF-97-5",
            "factors": [],
            "lines": [{"target": "单位", "kinds": ["罚款"], "fine": "30000"}],
        },
        actor=world.officer,
    )
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意"}, actor=head2)
    assert w.ready == ["issue_notice"]


def test_a_leader_who_handles_the_case_cannot_decide_it_nor_extend_its_deadline(world, make_case):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    db.session.commit()
    w = to_legal_review(
        world, make_case, officer_ids=[boss.id, world.officer.id], lead_officer_id=world.officer.id
    )
    review(world, w.case)
    decision = {"decision": "decide", "opinion": "同意"}
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ops.decide(w.case, decision, actor=boss)
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ops.extend_deadline(w.case, {"days": 30, "reason": "案情复杂"}, actor=boss)
    commit()
    task = task_of(w.case, "decide")
    assert task.id not in _inbox_ids(boss) and task.id in _inbox_ids(world.leader)
    assert not inbox.can_act(boss, task) and inbox.can_act(world.leader, task)
    ops.decide(w.case, decision, actor=world.leader)
    assert w.case.decided_on is not None


# ---- the inbox, the task page, the API ------------------------------------------------------------------------


def test_the_inbox_does_not_offer_his_own_case_and_claim_says_why(world, head2, own_case):
    commit()
    task = task_of(own_case.case, "approve_filing")
    assert task.candidate_role == Role.SECTION_HEAD  # another section head may review: no escalation
    assert task.id not in _inbox_ids(world.section_head)
    assert task.id in _inbox_ids(head2)
    assert inbox.inbox_counts(world.section_head)["all"] == 0
    with pytest.raises(PermissionDenied) as exc:
        claim(task, actor=world.section_head)
    assert exc.value.message == gates.OWN_CASE
    assert world.section_head.id not in {u.id for u in inbox.reassign_candidates(task)}
    assert head2.id in {u.id for u in inbox.reassign_candidates(task)}


def _refused_on_page_and_api(client, task, reason: str) -> None:
    """The 立案审核 task's page shows `reason` without its form; a posted form and the API's completion are
    refused (403) with it."""
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert reason in page and 'name="filing_decision"' not in page
    r = client.post(f"/tasks/{task.id}", data=AGREE)
    assert r.status_code == 403 and reason in r.get_data(as_text=True)
    r = client.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": AGREE})
    assert r.status_code == 403 and r.json["error"] == reason


def test_the_task_page_and_the_api_refuse_him_with_the_reason(login, world, head2, own_case):
    commit()
    task = task_of(own_case.case, "approve_filing")
    own = login(world.section_head)
    _refused_on_page_and_api(own, task, gates.OWN_CASE)
    assert own.api("GET", f"/api/v1/tasks/{task.id}").json["can_act"] is False
    db.session.expire_all()
    assert task_of(db.session.get(PenaltyCase, own_case.case.id), "approve_filing").id == task.id
    # another section head, through the page: the happy path
    r = login(head2).post(f"/tasks/{task.id}", data=AGREE)
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert task_of(db.session.get(PenaltyCase, own_case.case.id), "decide_filing")


def test_reassigning_his_own_review_to_him_is_refused(login, world, head2, own_case):
    commit()
    task = task_of(own_case.case, "approve_filing")
    r = login(head2).post(f"/tasks/{task.id}/reassign", data={"user_id": world.section_head.id})
    assert r.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(type(task), task.id).assignee_id is None
    # nor may he steer it himself: no reassignment form on his page, and a posted one is refused
    own = login(world.section_head)
    assert f"/tasks/{task.id}/reassign" not in own.get(f"/tasks/{task.id}").get_data(as_text=True)
    r = own.post(f"/tasks/{task.id}/reassign", data={"user_id": head2.id})
    assert r.status_code == 403 and gates.OWN_CASE in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(task), task.id).assignee_id is None


# ---- the only section head is the 主办: the 负责人 reviews -------------------------------------------------------


def test_when_every_section_head_handles_the_case_the_leader_reviews(login, world, own_case):
    commit()
    task = task_of(own_case.case, "approve_filing")
    assert task.candidate_role == Role.LEADER  # escalated: 吴队长 is the brigade's only section head
    assert "case.review_escalated" in [e.action for e in audit.history(own_case.case)]
    assert task.id not in _inbox_ids(world.section_head) and task.id in _inbox_ids(world.leader)
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ops.approve_filing(own_case.case, AGREE, actor=world.section_head)
    r = login(world.leader).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": AGREE})
    assert r.status_code == 200, r.json
    db.session.expire_all()
    case = db.session.get(PenaltyCase, own_case.case.id)
    assert task_of(case, "decide_filing").candidate_role == Role.LEADER
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    assert case.filed_on is not None


def test_a_leader_cannot_take_a_section_heads_review_that_was_not_escalated(world, make_case):
    w = make_case()  # 王执法 and 赵执法: the section head is free to review
    assert task_of(w.case, "approve_filing").candidate_role == Role.SECTION_HEAD
    with pytest.raises(PermissionDenied):
        ops.approve_filing(w.case, AGREE, actor=world.leader)


# ---- the other approvals: 立案审批, 先行登记保存, 延期（分期）缴纳 ------------------------------------------------------


def test_a_leader_who_handles_the_case_cannot_approve_its_filing_nor_its_preservation(world, make_case):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    db.session.commit()
    w = make_case(officer_ids=[world.officer.id, boss.id], lead_officer_id=world.officer.id)
    ops.approve_filing(w.case, AGREE, actor=world.section_head)
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ops.decide_filing(w.case, {"filing_decision": "agree", "opinion": "批准"}, actor=boss)
    ops.decide_filing(w.case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    item = ops.request_preservation(
        w.case,
        {
            "title": "先行登记保存：安全检查台账",
            "items": [{"name": "安全检查台账", "spec": "A4", "quantity": "3本"}],
            "place": "企业办公室",
            "custodian": "李四",
            "witnesses": ["李四", ""],
            "reason": "台账可能被涂改",
        },
        actor=world.officer,
    )
    commit()
    task = next(
        t
        for t in workflow.ready_tasks(workflow.instance_for(item, PRESERVATION))
        if t.bpmn_id == "approve_preservation"
    )
    assert task.id not in _inbox_ids(boss) and task.id in _inbox_ids(world.leader)
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ops.approve_preservation(item, {"preservation_decision": "agree", "opinion": "同意"}, actor=boss)
    ops.approve_preservation(item, {"preservation_decision": "agree", "opinion": "同意"}, actor=world.leader)
    assert item.status == "保存中"


def test_a_section_head_who_handles_the_case_cannot_approve_a_deferred_payment(world, head2, make_case):
    w = make_case(officer_ids=[world.officer.id, world.section_head.id], lead_officer_id=world.officer.id)
    case = w.case
    ops.approve_filing(case, AGREE, actor=head2)
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    w.evidence()
    ops.submit_report(
        case,
        {
            "report_text": "经调查，当事人未如实记录事故隐患排查治理情况。",
            "outcome": "penalty",
            "violation_code": "AQSCF-97-5",
            "factors": [],
            "lines": [{"target": "单位", "kinds": ["罚款"], "fine": "30000"}],
        },
        actor=world.officer,
    )
    ops.review_report(case, {"report_decision": "agree", "opinion": "同意"}, actor=head2)
    w.notify().waive()
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    review(world, case)
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    ex.apply_arrangement(
        case, {"kind": "延期", "reason": "资金周转困难", "new_due": date(2026, 12, 31)}, actor=world.manager_a
    )
    with pytest.raises(PermissionDenied, match="您是本案承办人员"):
        ex.decide_arrangement(case, {"approved": "yes", "opinion": "同意延期"}, actor=world.section_head)
    a = ex.decide_arrangement(case, {"approved": "yes", "opinion": "同意延期"}, actor=head2)
    assert a.approved and case.payment_due == date(2026, 12, 31)


def test_a_team_holding_every_leader_is_refused_at_filing(world, make_case):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    world.leader.set_roles([Role.LEADER, Role.OFFICER])
    world.leader.cert_no, world.leader.cert_expires_on = "34130008", date(2031, 12, 31)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        make_case(officer_ids=[world.officer.id, boss.id, world.leader.id], lead_officer_id=world.officer.id)
    assert "无人可以审批" in exc.value.field_errors["officer_ids"]
    make_case(officer_ids=[world.officer.id, boss.id], lead_officer_id=world.officer.id)  # 周局长 is free


# ---- a former officer: dropped from the team when the 立案审批表 was revised ---------------------------------------


def _revised(officer_ids, lead_id):
    return {
        "name": "改后案由",
        "facts": "事实",
        "provisions": "条款",
        "act_date": clock.today() - timedelta(days=5),
        "officer_ids": officer_ids,
        "lead_officer_id": lead_id,
        "opinion": "已修改",
    }


def test_a_section_head_who_drops_himself_from_the_team_still_cannot_review_the_filing(
    login, world, head2, own_case
):
    case = own_case.case
    ops.approve_filing(case, {"filing_decision": "return", "opinion": "补充"}, actor=head2)
    assert own_case.ready == ["revise_filing"]
    ops.revise_filing(
        case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.section_head
    )
    assert world.section_head.id not in {o.user_id for o in case.officers}  # off the team now
    assert own_case.ready == ["approve_filing"]
    with pytest.raises(PermissionDenied) as exc:
        ops.approve_filing(case, AGREE, actor=world.section_head)
    assert exc.value.message == gates.HANDLED_CASE and "曾承办本案" in exc.value.message
    commit()
    task = task_of(case, "approve_filing")
    own = login(world.section_head)
    _refused_on_page_and_api(own, task, gates.HANDLED_CASE)
    with pytest.raises(PermissionDenied, match="曾承办本案"):
        claim(task, actor=world.section_head)
    db.session.expire_all()
    case = db.session.get(PenaltyCase, case.id)
    assert task_of(case, "approve_filing").id == task.id
    assert [a["name"] for a in case.filing_approvals if a["decision"] == "agree"] == []  # nothing recorded
    ops.approve_filing(case, AGREE, actor=head2)  # the ordinary path
    assert task_of(case, "decide_filing")


def test_the_inbox_does_not_list_the_review_to_the_section_head_who_dropped_himself(
    login, world, head2, own_case
):
    """He handled the case (case_handlers), so the 立案审核 task is neither in his 待办 list, nor its counts, nor
    the API's list, though no case_officers row names him any more; another section head sees it."""
    case = own_case.case
    ops.approve_filing(case, {"filing_decision": "return", "opinion": "补充"}, actor=head2)
    ops.revise_filing(
        case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.section_head
    )
    commit()
    task = task_of(case, "approve_filing")
    assert task.candidate_role == Role.SECTION_HEAD and task.assignee_id is None
    assert world.section_head.id not in {o.user_id for o in case.officers}
    assert gates.handler_ids(case) == {world.section_head.id, world.officer.id, world.officer2.id}
    assert task.id not in _inbox_ids(world.section_head) and task.id in _inbox_ids(head2)
    assert inbox.inbox_counts(world.section_head)["all"] == 0 and inbox.inbox_counts(head2)["all"] == 1
    assert not inbox.can_act(world.section_head, task) and inbox.can_act(head2, task)
    own, other = login(world.section_head), login(head2)
    listed = own.api("GET", "/api/v1/inbox").json
    assert listed["total"] == 0 and task.id not in {t["id"] for t in listed["items"]}
    assert listed["counts"]["all"] == 0
    listed = other.api("GET", "/api/v1/inbox").json
    assert listed["total"] == 1 and [t["id"] for t in listed["items"]] == [task.id]
    assert f"/tasks/{task.id}" not in own.get("/inbox").get_data(as_text=True)
    assert f"/tasks/{task.id}" in other.get("/inbox").get_data(as_text=True)


def test_when_the_only_section_head_dropped_himself_the_review_still_goes_to_the_leader(world, own_case):
    case = own_case.case
    assert task_of(case, "approve_filing").candidate_role == Role.LEADER
    ops.approve_filing(case, {"filing_decision": "return", "opinion": "补充"}, actor=world.leader)
    ops.revise_filing(
        case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.section_head
    )
    commit()
    assert task_of(case, "approve_filing").candidate_role == Role.LEADER  # he prepared it: still escalated
    with pytest.raises(PermissionDenied, match="曾承办本案"):
        ops.approve_filing(case, AGREE, actor=world.section_head)
    ops.approve_filing(case, AGREE, actor=world.leader)
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    assert case.filed_on is not None


def test_a_leader_who_drops_himself_from_the_team_cannot_approve_the_filing_nor_decide_later(
    login, world, make_case
):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    db.session.commit()
    w = make_case(officer_ids=[boss.id, world.officer.id], lead_officer_id=boss.id)
    case = w.case
    ops.approve_filing(case, AGREE, actor=world.section_head)
    ops.decide_filing(case, {"filing_decision": "return", "opinion": "补充"}, actor=world.leader)
    ops.revise_filing(case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=boss)
    ops.approve_filing(case, AGREE, actor=world.section_head)
    decision = {"filing_decision": "agree", "opinion": "批准"}
    with pytest.raises(PermissionDenied) as exc:
        ops.decide_filing(case, decision, actor=boss)
    assert exc.value.message == gates.HANDLED_CASE
    commit()
    task = task_of(case, "decide_filing")
    assert task.id not in _inbox_ids(boss) and task.id in _inbox_ids(
        world.leader
    )  # listed to the free leader only
    r = login(boss).api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": decision})
    assert r.status_code == 403 and r.json["error"] == gates.HANDLED_CASE
    r = login(boss).post(f"/tasks/{task.id}", data=decision)
    assert r.status_code == 403 and gates.HANDLED_CASE in r.get_data(as_text=True)
    db.session.expire_all()
    case = db.session.get(PenaltyCase, case.id)
    assert case.filed_on is None
    ops.decide_filing(case, decision, actor=world.leader)  # the ordinary path
    assert case.filed_on is not None
    with pytest.raises(PermissionDenied, match="曾承办本案"):  # and for the case's whole life
        ops.extend_deadline(case, {"days": 30, "reason": "案情复杂"}, actor=boss)


def test_a_revision_may_not_leave_the_case_to_leaders_who_all_handled_it(world, make_case):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    world.leader.set_roles([Role.LEADER, Role.OFFICER])
    world.leader.cert_no, world.leader.cert_expires_on = "34130008", date(2031, 12, 31)
    db.session.commit()
    w = make_case(officer_ids=[world.officer.id, boss.id], lead_officer_id=world.officer.id)
    ops.approve_filing(w.case, {"filing_decision": "return", "opinion": "补充"}, actor=world.section_head)
    # 冯副局长 leaves, 周局长 joins: each of the two leaders would have handled the case
    with pytest.raises(ValidationFailed) as exc:
        ops.revise_filing(
            w.case, _revised([world.officer.id, world.leader.id], world.officer.id), actor=world.officer
        )
    assert "无人可以审批" in exc.value.field_errors["officer_ids"]
    assert w.ready == ["revise_filing"] and boss.id in {o.user_id for o in w.case.officers}
    ops.revise_filing(
        w.case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.officer
    )
    assert w.ready == ["approve_filing"]


# ---- a lead (案件线索) before 立案: its registrant does not decide it ------------------------------------------------


def _lead_of(world, actor):
    return ops.register_proposal(
        {
            "enterprise_id": world.ent_a.id,
            "source": ProposalSource.INSPECTION,
            "facts": "检查发现未如实记录事故隐患排查治理情况",
            "provisions": "《安全生产法》第四十一条第二款",
            "act_date": clock.today() - timedelta(days=10),
        },
        actor=actor,
    )


NO_PENALTY = {"no_penalty_reason": "轻微", "reason": "情节轻微并及时改正", "education": "已当场教育"}


def test_the_section_head_who_registered_a_lead_cannot_decline_it(login, world, head2):
    lead = _lead_of(world, world.section_head)
    with pytest.raises(PermissionDenied) as exc:
        ops.decline_proposal(lead, "证据不足", actor=world.section_head)
    assert "您是该线索的登记人，不能决定不予立案" in exc.value.message
    with pytest.raises(PermissionDenied, match="您是该线索的登记人，不能决定不予处罚"):
        ops.no_penalty_on_proposal(lead, NO_PENALTY, actor=world.section_head)
    commit()
    own = login(world.section_head)
    page = own.get(f"/cases/proposals/{lead.id}").get_data(as_text=True)
    assert 'data-testid="own-lead"' in page and 'data-testid="form-case_decline"' not in page
    assert 'data-testid="link-no-penalty"' not in page
    r = own.post(f"/cases/proposals/{lead.id}/decline", data={"reason": "证据不足"})
    assert r.status_code == 403 and "您是该线索的登记人" in r.get_data(as_text=True)
    r = own.post(f"/cases/proposals/{lead.id}/no-penalty", data=NO_PENALTY)
    assert r.status_code == 403 and "您是该线索的登记人" in r.get_data(as_text=True)
    db.session.expire_all()
    lead = db.session.get(type(lead), lead.id)
    assert lead.status == ProposalStatus.PENDING and lead.handled_by_id is None
    # another section head (or a leader) decides: the ordinary path, and his page offers it
    page = login(head2).get(f"/cases/proposals/{lead.id}").get_data(as_text=True)
    assert 'data-testid="form-case_decline"' in page and 'data-testid="own-lead"' not in page
    ops.decline_proposal(lead, "证据不足", actor=head2)
    assert lead.status == ProposalStatus.DECLINED and lead.handled_by_id == head2.id


def test_the_only_section_head_registered_the_lead_a_leader_decides(world):
    lead = _lead_of(world, world.section_head)
    ops.no_penalty_on_proposal(lead, NO_PENALTY, actor=world.leader)
    assert lead.status == ProposalStatus.NO_PENALTY and lead.handled_by_id == world.leader.id


def test_a_lead_under_filing_is_not_declined_beside_its_filing_approval(world, make_case):
    w = make_case(officer_ids=[world.officer.id, world.section_head.id], lead_officer_id=world.officer.id)
    for user in (world.section_head, world.leader):  # its officer, and the leader who approves its filing
        with pytest.raises(InvalidState, match="立案审批"):
            ops.decline_proposal(w.case.proposal, "证据不足", actor=user)
    assert w.case.proposal.status == ProposalStatus.PENDING and w.ready == ["approve_filing"]


def _transfer_report(officer_ids):
    return {
        "officer_ids": officer_ids,
        "suspected_crime": "危险作业罪",
        "transfer_reasons": "拒不执行停产整改指令，存在重大事故隐患",
        "evidence_list": "现场检查记录；整改指令书",
    }


def test_a_leader_who_reported_a_leads_transfer_cannot_decide_it(login, world):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    db.session.commit()
    lead = _lead_of(world, world.officer)
    transfer = ops.report_transfer_from_proposal(
        lead, _transfer_report([world.officer.id, boss.id]), actor=world.officer
    )
    agree = {"transfer_decision": "agree", "opinion": "同意移送"}
    with pytest.raises(PermissionDenied) as exc:
        ops.decide_proposal_transfer(transfer, agree, actor=boss)
    assert exc.value.message == separation.OWN_TRANSFER
    commit()
    task = next(
        t
        for t in workflow.ready_tasks(workflow.instance_for(transfer, TRANSFER))
        if t.bpmn_id == "decide_transfer"
    )
    own = login(boss)
    assert separation.OWN_TRANSFER in own.get(f"/tasks/{task.id}").get_data(as_text=True)
    r = own.post(f"/tasks/{task.id}", data=agree)
    assert r.status_code == 403 and separation.OWN_TRANSFER in r.get_data(as_text=True)
    r = own.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": agree})
    assert r.status_code == 403 and r.json["error"] == separation.OWN_TRANSFER
    db.session.expire_all()
    transfer = db.session.get(CaseTransfer, transfer.id)
    assert transfer.decision is None
    ops.decide_proposal_transfer(transfer, agree, actor=world.leader)  # the other leader: the ordinary path
    assert transfer.decision == "移送"


def test_a_leads_transfer_report_holding_every_leader_is_refused(world):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    world.leader.set_roles([Role.LEADER, Role.OFFICER])
    world.leader.cert_no, world.leader.cert_expires_on = "34130008", date(2031, 12, 31)
    db.session.commit()
    lead = _lead_of(world, world.officer)
    with pytest.raises(ValidationFailed) as exc:
        ops.report_transfer_from_proposal(lead, _transfer_report([boss.id, world.leader.id]), actor=boss)
    assert "无人可以决定" in exc.value.field_errors["officer_ids"]
    ops.report_transfer_from_proposal(
        lead, _transfer_report([world.officer.id, boss.id]), actor=world.officer
    )


# ---- 法制审核: a team holding every qualified legal reviewer is refused at 立案 ------------------------------------


LEGAL_LEFT = "无人可以进行法制审核"


@pytest.fixture
def legal_officer(world):
    """钱法制, the agency's only legal reviewer, also holds an officer's role (and a 执法证)."""
    world.legal.set_roles([Role.LEGAL_REVIEWER, Role.OFFICER])
    db.session.commit()
    return world.legal


def test_a_team_holding_every_legal_reviewer_is_refused_at_filing(world, make_case, legal_officer):
    with pytest.raises(ValidationFailed) as exc:
        make_case(officer_ids=[world.officer.id, legal_officer.id], lead_officer_id=world.officer.id)
    assert LEGAL_LEFT in exc.value.field_errors["officer_ids"]
    assert db.session.query(PenaltyCase).count() == 0
    # a second legal reviewer without the 法律职业资格 could not review either: still refused
    unqualified = _user("legal2", "孙法制", [Role.LEGAL_REVIEWER], world.legal_section)
    unqualified.legal_qualification_no = None
    db.session.commit()
    with pytest.raises(ValidationFailed, match=LEGAL_LEFT):
        make_case(officer_ids=[world.officer.id, legal_officer.id], lead_officer_id=world.officer.id)
    # a qualified one is left: the ordinary path
    unqualified.legal_qualification_no = "A20183401000456"
    db.session.commit()
    w = make_case(officer_ids=[world.officer.id, legal_officer.id], lead_officer_id=world.officer.id)
    assert w.ready == ["approve_filing"]


def test_the_filing_page_refuses_it_next_to_the_team_field_keeping_what_was_typed(
    login, world, make_proposal, legal_officer
):
    lead = make_proposal()
    commit()
    r = login(world.officer).post(
        f"/cases/proposals/{lead.id}/file",
        data={
            "name": "某公司涉嫌未如实记录案",
            "facts": "未如实记录隐患排查治理情况",
            "provisions": "第四十一条第二款",
            "act_date": lead.act_date.isoformat(),
            "officer_ids": [str(world.officer.id), str(legal_officer.id)],
            "lead_officer_id": str(world.officer.id),
        },
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    error = page.split('data-testid="error-officer_ids"', 1)[1].split("</div>", 1)[0]
    assert LEGAL_LEFT in error
    assert "某公司涉嫌未如实记录案" in page and "未如实记录隐患排查治理情况" in page
    db.session.expire_all()
    assert db.session.query(PenaltyCase).count() == 0


def test_a_revision_may_not_add_the_last_legal_reviewer_to_the_team(world, make_case, legal_officer):
    w = make_case()  # 王执法 and 赵执法
    ops.approve_filing(w.case, {"filing_decision": "return", "opinion": "补充"}, actor=world.section_head)
    with pytest.raises(ValidationFailed) as exc:
        ops.revise_filing(
            w.case, _revised([world.officer.id, legal_officer.id], world.officer.id), actor=world.officer
        )
    assert LEGAL_LEFT in exc.value.field_errors["officer_ids"]
    assert w.ready == ["revise_filing"]
    assert {o.user_id for o in w.case.officers} == {world.officer.id, world.officer2.id}
    ops.revise_filing(
        w.case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.officer
    )
    assert w.ready == ["approve_filing"]


def test_a_legal_reviewer_dropped_from_the_team_still_cannot_review_the_case(world, make_case, legal_officer):
    legal2 = _user("legal2", "孙法制", [Role.LEGAL_REVIEWER], world.legal_section, cert="34130009")
    db.session.commit()
    w = make_case(officer_ids=[world.officer.id, legal_officer.id], lead_officer_id=world.officer.id)
    ops.approve_filing(w.case, {"filing_decision": "return", "opinion": "补充"}, actor=world.section_head)
    # 钱法制 leaves the team; 孙法制 was never on it
    ops.revise_filing(
        w.case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.officer
    )
    with pytest.raises(InvalidState, match="钱法制是本案承办人员"):
        gates.require_reviewer(w.case, legal_officer)
    gates.require_reviewer(w.case, legal2)


# ---- deadline notices: one asking for an approval never goes to one who handled the case ------------------------


RETURN = {"filing_decision": "return", "opinion": "补充"}
LATE = date(2026, 12, 31)  # every deadline of these cases has passed


def _told(key: str, subject) -> set[int]:
    """Who got the notice `key` (filing_overdue, review_overdue, …) about `subject` (a case, a lead's transfer)."""
    return set(
        db.session.scalars(select(Notification.user_id).where(Notification.key.like(f"%:{key}:{subject.id}")))
    )


def _notices_of(user, case) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.subject_id == case.id)
        )
    )


def test_the_filing_overdue_notice_skips_the_section_head_who_dropped_himself(world, head2, own_case):
    case = own_case.case
    ops.approve_filing(case, RETURN, actor=head2)
    ops.revise_filing(
        case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.section_head
    )
    commit()
    assert tick_at(LATE) >= 1
    told = _told("filing_overdue", case)
    assert head2.id in told and world.leader.id in told  # those who may approve it
    assert {world.officer.id, world.officer2.id} <= told  # its officers, told of their own case
    assert world.section_head.id not in told and _notices_of(world.section_head, case) == []
    [n] = _notices_of(head2, case)
    assert n.title == "立案审批超期" and "请尽快审批" in n.body


def test_the_filing_overdue_notice_still_tells_an_officer_who_is_a_section_head(world, head2, own_case):
    """吴队长 is the case's 主办: told as its officer, though he may not approve it; 郑队长 as its approver."""
    commit()
    tick_at(LATE)
    told = _told("filing_overdue", own_case.case)
    assert {world.section_head.id, world.officer.id, head2.id, world.leader.id} <= told
    assert world.other_officer.id not in told  # the other county's officer: never


def test_the_filing_overdue_notice_skips_a_leader_who_dropped_himself(world, make_case):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    db.session.commit()
    w = make_case(officer_ids=[boss.id, world.officer.id], lead_officer_id=boss.id)
    ops.approve_filing(w.case, RETURN, actor=world.section_head)
    ops.revise_filing(w.case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=boss)
    commit()
    tick_at(LATE)
    told = _told("filing_overdue", w.case)
    assert {world.leader.id, world.section_head.id, world.officer.id, world.officer2.id} <= told
    assert boss.id not in told and _notices_of(boss, w.case) == []


def test_the_review_overdue_notice_skips_a_legal_reviewer_dropped_from_the_team(
    world, make_case, legal_officer
):
    legal2 = _user("legal2", "孙法制", [Role.LEGAL_REVIEWER], world.legal_section, cert="34130009")
    db.session.commit()
    w = make_case(officer_ids=[world.officer.id, legal_officer.id], lead_officer_id=world.officer.id)
    ops.approve_filing(w.case, RETURN, actor=world.section_head)
    ops.revise_filing(
        w.case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.officer
    )
    w.file().evidence().report().notify().waive()
    ops.prepare_decision(w.case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    assert w.ready == ["legal_review"]
    commit()
    tick_at(LATE)
    told = _told("review_overdue", w.case)
    assert legal2.id in told and world.section_head.id in told  # the reviewer who may review; the 承办机构
    assert legal_officer.id not in told and _notices_of(legal_officer, w.case) == []


def test_the_simple_filing_notice_goes_to_the_leader_when_every_section_head_handled_the_case(world, frozen):
    spot = {
        "officer_ids": [world.section_head.id, world.officer.id],
        "target": "单位",
        "kinds": ["罚款"],
        "fine": "2000",
        "facts": "现场检查发现安全警示标志缺失",
        "provisions": "《安全生产法》第三十五条、第九十九条第（一）项",
        "act_date": clock.today(),
        "party_signed": True,
        "place": "企业生产车间",
    }
    case = ops.decide_on_the_spot(world.ent_a, spot, actor=world.section_head)
    commit()
    assert (
        task_of(case, "file_simple").candidate_role == Role.LEADER
    )  # escalated: he is the only section head
    tick_at(LATE)
    told = _told("simple_filing_overdue", case)
    assert told >= {world.section_head.id, world.officer.id}  # its officers
    assert world.leader.id in told  # who may file it now (before: nobody but the officers was told)
    head2 = _user(
        "section_head2", "郑队长", [Role.SECTION_HEAD, Role.OFFICER], world.brigade, cert="34130006"
    )
    db.session.commit()
    assert separation.approvers_among([world.section_head, head2, world.leader], case) == [
        head2,
        world.leader,
    ]


def test_the_leads_transfer_decision_notice_skips_its_reporter(world):
    boss = _user("leader_officer", "冯副局长", [Role.LEADER, Role.OFFICER], world.bureau, cert="34130007")
    db.session.commit()
    lead = _lead_of(world, world.officer)
    transfer = ops.report_transfer_from_proposal(
        lead, _transfer_report([world.officer.id, boss.id]), actor=world.officer
    )
    commit()
    tick_at(LATE)
    told = _told("transfer_decision_overdue", transfer)
    assert told == {world.leader.id}  # the leader who may decide; not 冯副局长, who reported it


def test_the_case_deadline_notice_asks_no_approval_and_still_tells_its_officers(world, head2, own_case):
    """办案期限即将届满 tells of the case's own clock (operations.deadline._people): its officers and every section head
    of the brigade, who may each do an officer's step; a former handler is not left out of it."""
    case = own_case.case
    ops.approve_filing(case, RETURN, actor=head2)
    ops.revise_filing(
        case, _revised([world.officer.id, world.officer2.id], world.officer.id), actor=world.section_head
    )
    ops.approve_filing(case, AGREE, actor=head2)
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    commit()
    clock.freeze(at(case.decision_due - timedelta(days=5)))
    refresh_decision_clocks()
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.key.like(f"%decision_near:{case.id}:%"))
        )
    )
    assert told == {world.officer.id, world.officer2.id, world.section_head.id, head2.id}
