"""Penalty-case factories: a proposal, a case at a given stage, and a walker that takes the ordinary procedure's
steps through the real operations (each step with its real actor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from app import clock
from app.cases import operations as ops
from app.cases.models import CaseProposal, EvidenceKind, PenaltyCase, ProposalSource
from app.cases.operations.common import ready_ids
from app.extensions import db as _db

UNIT_LINE = {"target": "单位", "kinds": ["罚款"], "fine": Decimal("30000")}


def step_data(**kw) -> dict:
    return kw


@pytest.fixture
def make_proposal(db, world, frozen):
    def _make(enterprise=None, **kw) -> CaseProposal:
        data = {
            "enterprise_id": (enterprise or world.ent_a).id,
            "source": ProposalSource.INSPECTION,
            "facts": "检查发现未如实记录事故隐患排查治理情况",
            "provisions": "《安全生产法》第四十一条第二款",
            "act_date": clock.today() - timedelta(days=10),
            **kw,
        }
        p = ops.register_proposal(data, actor=world.officer)
        _db.session.flush()
        return p

    return _make


@dataclass
class Walker:
    world: object
    case: PenaltyCase

    @property
    def ready(self) -> list[str]:
        return ready_ids(self.case)

    @property
    def head(self):
        """Who reviews as 承办机构负责人: the section head; the 负责人 when the section head is one of the case's
        officers (审批与办案分离: the world's only section head, so the review is escalated)."""
        w = self.world
        return w.leader if w.section_head.id in {o.user_id for o in self.case.officers} else w.section_head

    def file(self):
        w = self.world
        ops.approve_filing(self.case, {"filing_decision": "agree", "opinion": "同意"}, actor=self.head)
        ops.decide_filing(self.case, {"filing_decision": "agree", "opinion": "批准"}, actor=w.leader)
        return self

    def evidence(self):
        ops.add_evidence(
            self.case,
            {
                "kind": EvidenceKind.INQUIRY,
                "title": "询问笔录（李四）",
                "qa": [{"question": "是否记录隐患排查情况？", "answer": "没有记录"}],
                "signed_every_page": True,
                "rights_explained": True,
                "interviewee": "李四",
            },
            actor=self.world.officer,
        )
        return self

    def report(self, lines=None, outcome="penalty", **kw):
        data = {
            "report_text": "经调查，当事人未如实记录事故隐患排查治理情况。",
            "outcome": outcome,
            "violation_code": "AQSCF-97-5",
            "factors": [],
            "lines": lines if lines is not None else [dict(UNIT_LINE)],
            **kw,
        }
        ops.submit_report(self.case, data, actor=self.world.officer)
        ops.review_report(self.case, {"report_decision": "agree", "opinion": "同意"}, actor=self.head)
        return self

    def notify(self, **service):
        ops.issue_notice(self.case, {"contact": "王执法 0557-5000001"}, actor=self.world.officer)
        data = {"method": "直接送达", "served_on": clock.today(), "recipient": "李四", **service}
        ops.serve_notice(self.case, data, actor=self.world.officer)
        return self

    def waive(self):
        ops.state_case(self.case, {"statement": "waived", "waiver_signed": True}, actor=self.world.manager_a)
        return self


@pytest.fixture
def make_case(db, world, frozen, make_proposal):
    def _make(**kw) -> Walker:
        proposal = make_proposal()
        data = {
            "name": f"{world.ent_a.name}涉嫌未如实记录隐患排查治理情况案",
            "facts": proposal.facts,
            "provisions": proposal.provisions,
            "act_date": proposal.act_date,
            "officer_ids": [world.officer.id, world.officer2.id],
            "lead_officer_id": world.officer.id,
            **kw,
        }
        case = ops.submit_filing(proposal, data, actor=world.officer)
        _db.session.flush()
        return Walker(world, case)

    return _make
