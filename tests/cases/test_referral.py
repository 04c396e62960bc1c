"""The hazard loop's referral is no longer a dead end: it arrives as a case proposal (the hazard domain's
signal), stays open until handled, and the answer (已立案 with the number, or 不予立案 with the reason) goes
back through the hazard domain's own operation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.cases import operations as ops
from app.cases.models import CaseProposal, ProposalSource, ProposalStatus
from app.extensions import db
from app.hazards import operations as hazard_ops
from app.hazards.models import ReferralStatus
from tests.factories.hazards import rect_data, review_data


def _refer(make_hazard, world, upload):
    h = make_hazard()
    hazard_ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    hazard_ops.review_hazards(
        [(h, review_data(world, result="未整改", decision="refer", facts="拒不整改"))], actor=world.officer
    )
    return h


def _proposal(h) -> CaseProposal:
    return db.session.scalars(select(CaseProposal).where(CaseProposal.referral_id == h.referral.id)).one()


def test_a_referral_becomes_an_open_proposal_and_filing_answers_it(make_hazard, world, upload):
    h = _refer(make_hazard, world, upload)
    p = _proposal(h)
    assert p.source == ProposalSource.REFERRAL and p.status == ProposalStatus.PENDING
    assert p.enterprise_id == h.enterprise_id and p.facts == "拒不整改" and p.provisions == h.provision
    data = {
        "name": f"{h.enterprise.name}拒不整改事故隐患案",
        "facts": p.facts,
        "provisions": p.provisions,
        "act_date": clock.today() - timedelta(days=1),
        "officer_ids": [world.officer.id, world.officer2.id],
    }
    case = ops.submit_filing(p, data, actor=world.officer)
    assert h.referral.status == ReferralStatus.PENDING  # answered only when the 负责人 approves
    ops.approve_filing(case, {"filing_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    ops.decide_filing(case, {"filing_decision": "agree", "opinion": "批准"}, actor=world.leader)
    assert h.referral.status == ReferralStatus.FILED and h.referral.case_number == case.case_no
    assert p.status == ProposalStatus.FILED


def test_declining_a_referral_answers_with_the_reason(make_hazard, world, upload):
    h = _refer(make_hazard, world, upload)
    ops.decline_proposal(_proposal(h), "已于复查后整改完毕，情节轻微", actor=world.section_head)
    assert (
        h.referral.status == ReferralStatus.DECLINED and h.referral.answer == "已于复查后整改完毕，情节轻微"
    )


def test_only_a_section_head_or_leader_of_the_jurisdiction_declines(make_hazard, world, upload):
    import pytest

    from app.errors import PermissionDenied

    h = _refer(make_hazard, world, upload)
    for user in (world.officer, world.other_officer, world.manager_a):
        with pytest.raises(PermissionDenied):
            ops.decline_proposal(_proposal(h), "理由", actor=user)
    assert _proposal(h).status == ProposalStatus.PENDING
