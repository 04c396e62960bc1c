"""移送 of a proposal before 立案 (penalty_transfer, subject: the case_transfers row): every path (approved and
transferred; refused), both timers through the real tick, every refusal; the case route shares the logic."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app import clock, workflow
from app.cases import operations as ops
from app.cases.models import CaseTransfer, ProposalStatus
from app.cases.operations.common import TRANSFER
from app.documents.models import OfficialDocument
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from tests.factories.workflow import tick_at


def report(world, **kw) -> dict:
    return {
        "officer_ids": [world.officer.id, world.officer2.id],
        "suspected_crime": "危险作业罪",
        "transfer_reasons": "拒不执行停产整改指令，存在重大事故隐患，具有发生重大伤亡事故的现实危险",
        "evidence_list": "现场检查记录；整改指令书；复查意见书",
        **kw,
    }


def ready(transfer) -> list[str]:
    return workflow.ready_task_names(workflow.instance_for(transfer, TRANSFER))


def test_approved_and_transferred(world, frozen, make_proposal):
    proposal = make_proposal()
    transfer = ops.report_transfer_from_proposal(proposal, report(world), actor=world.officer)
    assert transfer.reporters == ["王执法", "赵执法"] and ready(transfer) == ["decide_transfer"]
    with pytest.raises(InvalidState, match="移送报告"):
        ops.report_transfer_from_proposal(proposal, report(world), actor=world.officer)
    # while the report waits, the proposal has no other ending
    with pytest.raises(InvalidState, match="移送报告"):
        ops.decline_proposal(proposal, "x", actor=world.section_head)
    with pytest.raises(InvalidState, match="移送报告"):
        ops.no_penalty_on_proposal(
            proposal, {"no_penalty_reason": "轻微", "reason": "x", "education": "y"}, actor=world.section_head
        )
    with pytest.raises(InvalidState, match="移送报告"):
        ops.submit_filing(
            proposal,
            {
                "name": "x",
                "facts": "x",
                "provisions": "x",
                "act_date": proposal.act_date,
                "officer_ids": [world.officer.id, world.officer2.id],
            },
            actor=world.officer,
        )
    with pytest.raises(InvalidState, match="不能办理"):
        ops.transfer_proposal(transfer, {"receiving_organ": "x", "procuratorate": "y"}, actor=world.officer)
    ops.decide_proposal_transfer(
        transfer, {"transfer_decision": "agree", "opinion": "同意移送"}, actor=world.leader
    )
    assert transfer.decision == "移送" and ready(transfer) == ["transfer_case"]
    with pytest.raises(ValidationFailed) as exc:
        ops.transfer_proposal(transfer, {"receiving_organ": "萧县公安局"}, actor=world.officer)
    assert "procuratorate" in exc.value.field_errors
    ops.transfer_proposal(
        transfer, {"receiving_organ": "萧县公安局", "procuratorate": "萧县人民检察院"}, actor=world.officer
    )
    assert proposal.status == ProposalStatus.TRANSFERRED and proposal.case is None
    assert workflow.instance_for(transfer, TRANSFER).status == "completed"
    docs = db.session.query(OfficialDocument).filter_by(subject_type="case_transfers", subject_id=transfer.id)
    assert sorted(d.doc_type for d in docs) == ["crime_transfer", "transfer_approval"]
    doc = db.session.get(OfficialDocument, transfer.document_id)
    assert doc.number.text.startswith("（萧）应急移〔2026〕")


def test_refused_leaves_the_proposal_open(world, frozen, make_proposal):
    proposal = make_proposal()
    transfer = ops.report_transfer_from_proposal(proposal, report(world), actor=world.officer)
    with pytest.raises(PermissionDenied):
        ops.decide_proposal_transfer(
            transfer, {"transfer_decision": "agree", "opinion": "x"}, actor=world.officer
        )
    with pytest.raises(ValidationFailed):
        ops.decide_proposal_transfer(
            transfer, {"transfer_decision": "maybe", "opinion": "x"}, actor=world.leader
        )
    with pytest.raises(ValidationFailed):
        ops.decide_proposal_transfer(
            transfer, {"transfer_decision": "reject", "opinion": ""}, actor=world.leader
        )
    ops.decide_proposal_transfer(
        transfer, {"transfer_decision": "reject", "opinion": "尚不构成犯罪"}, actor=world.leader
    )
    assert transfer.decision == "不移送" and ready(transfer) == []
    assert proposal.status == ProposalStatus.PENDING
    # a new report may be made; the proposal can still be filed or declined
    again = ops.report_transfer_from_proposal(proposal, report(world), actor=world.officer)
    assert again.id != transfer.id


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"officer_ids": None}, "officer_ids"),
        ({"suspected_crime": ""}, "suspected_crime"),
        ({"transfer_reasons": " "}, "transfer_reasons"),
    ],
)
def test_report_refusals(world, frozen, make_proposal, kw, field):
    data = report(world, **kw)
    if field == "officer_ids":
        data["officer_ids"] = [world.officer.id]
    with pytest.raises(ValidationFailed) as exc:
        ops.report_transfer_from_proposal(make_proposal(), data, actor=world.officer)
    assert field in exc.value.field_errors


def test_report_by_other_county_or_on_a_handled_proposal(world, frozen, make_proposal):
    proposal = make_proposal()
    with pytest.raises(PermissionDenied):
        ops.report_transfer_from_proposal(proposal, report(world), actor=world.other_officer)
    ops.decline_proposal(proposal, "证据不足", actor=world.section_head)
    with pytest.raises(InvalidState, match="已处理"):
        ops.report_transfer_from_proposal(proposal, report(world), actor=world.officer)


def test_timers_decision_in_3_days_transfer_in_24_hours(world, frozen, make_proposal):
    proposal = make_proposal()
    transfer = ops.report_transfer_from_proposal(proposal, report(world), actor=world.officer)
    tid = transfer.id
    db.session.commit()
    assert tick_at(date(2026, 11, 5), hour=23) == 0  # reported Mon 11-02: decide by Thu 11-05
    assert tick_at(date(2026, 11, 6), hour=0) == 1
    note = (
        db.session.query(Notification)
        .filter(Notification.key.like(f"%transfer_decision_overdue:{tid}"))
        .all()
    )
    assert {n.user_id for n in note} == {world.leader.id}
    transfer = db.session.get(CaseTransfer, tid)
    ops.decide_proposal_transfer(
        transfer, {"transfer_decision": "agree", "opinion": "同意"}, actor=world.leader
    )
    db.session.commit()
    decided = clock.now()
    assert tick_at(datetime.fromtimestamp(decided.timestamp() + 23 * 3600, tz=clock.TZ)) == 0
    assert tick_at(datetime.fromtimestamp(decided.timestamp() + 24 * 3600 + 60, tz=clock.TZ)) == 1
    note = db.session.query(Notification).filter(Notification.key.like(f"%transfer_overdue:{tid}")).all()
    assert {n.user_id for n in note} >= {world.leader.id, world.section_head.id}
    assert ready(db.session.get(CaseTransfer, tid)) == ["transfer_case"]


def test_a_case_transfer_uses_the_same_decision(world, frozen, make_case):
    w = make_case().file().evidence()
    ops.submit_report(
        w.case,
        {"report_text": "涉嫌危险作业罪", "outcome": "transfer", **report(world)},
        actor=world.officer,
    )
    ops.review_report(w.case, {"report_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    with pytest.raises(ValidationFailed):
        ops.decide_transfer(w.case, {"transfer_decision": "agree", "opinion": ""}, actor=world.leader)
    ops.decide_transfer(w.case, {"transfer_decision": "agree", "opinion": "同意"}, actor=world.leader)
    ops.transfer_case(
        w.case, {"receiving_organ": "萧县公安局", "procuratorate": "萧县人民检察院"}, actor=world.officer
    )
    assert w.ready == ["close_case"]
