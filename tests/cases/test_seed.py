"""The demo seed leaves penalty cases in every stage, built by the real operations (documents, tasks, audit)."""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import select

from app import audit, clock, workflow
from app.cases import casefile, gates
from app.cases.models import CaseProposal, CaseStatus, PenaltyCase, ProposalSource, ProposalStatus
from app.cases.operations.common import ready_ids
from app.cases.operations.execution import balance
from app.extensions import db
from app.seed import seed_demo


def test_demo_cases_in_every_stage(app):
    started = time.perf_counter()
    ctx = seed_demo()
    db.session.commit()
    elapsed = time.perf_counter() - started
    cases, proposals, users = ctx["cases"], ctx["case_proposals"], ctx["users"]
    statuses = Counter(c.status for c in db.session.scalars(select(PenaltyCase)))
    for status in (
        CaseStatus.FILING,
        CaseStatus.INVESTIGATING,
        CaseStatus.HEARING,
        CaseStatus.LEGAL_REVIEW,
        CaseStatus.DECIDING,
        CaseStatus.EXECUTING,
        CaseStatus.CLOSED,
    ):
        assert statuses[status] >= 1, (status, statuses)
    today = clock.today()

    # the hazard loop's referral is the case now
    ref = cases["referral"]
    assert ref.proposal.referral_id == ctx["hazards"]["a2"].referral.id
    assert ref.source == ProposalSource.REFERRAL and ref.case_no and ready_ids(ref) == ["investigate"]
    assert ctx["hazards"]["a2"].referral.case_number == ref.case_no

    assert ready_ids(cases["filing"]) == ["decide_filing"] and cases["filing"].case_no is None
    assert ready_ids(cases["hearing"]) == ["hold_hearing"]
    assert cases["hearing"].hearings[-1].hearing_on > today

    review = cases["review"]  # waiting for 法制审核, after a hearing held at the party's online request
    assert ready_ids(review) == ["legal_review"] and review.reviews[-1].opinion is None
    assert review.hearings[-1].status == "已举行" and review.statements[0].channel == "企业在线"
    assert gates.checklist(review, today)  # the reviewer's checklist is there to judge

    deciding = cases["deciding"]  # sent back once for 补充调查, the second review passed
    assert ready_ids(deciding) == ["decide"]
    assert [r.opinion for r in deciding.reviews] == ["more", "agree"] and deciding.review_passed

    overdue = cases["overdue"]
    assert overdue.payment_due < today and not overdue.payments and overdue.paid_on is None
    owed = balance(overdue, today)
    assert owed.surcharge is not None and owed.surcharge.days == (today - overdue.payment_due).days
    assert 0 < owed.surcharge.amount < owed.principal  # running, not yet capped

    closed = cases["closed"]
    assert closed.status == CaseStatus.CLOSED and closed.archive_no and closed.paid_on
    assert casefile.missing(closed) == []
    assert cases["no_penalty"].status == CaseStatus.CLOSED and cases["no_penalty"].outcome == "no_penalty"
    assert cases["transfer"].status == CaseStatus.CLOSED and cases["transfer"].outcome == "transfer"

    # open proposals of several sources, one declined
    open_sources = {
        p.source
        for p in db.session.scalars(select(CaseProposal).where(CaseProposal.status == ProposalStatus.PENDING))
    }
    assert {
        ProposalSource.INSPECTION,
        ProposalSource.REPORT,
        ProposalSource.TRANSFER_IN,
        ProposalSource.ASSIGNED,
    } <= open_sources
    assert proposals["declined"].status == ProposalStatus.DECLINED

    # demo users hold what the gates ask for
    assert users["officer"].cert_valid_on(today) and users["officer2"].cert_valid_on(today)
    assert users["legal"].legal_qualification_no

    # genuine numbers, audit trail and timers
    numbers = [
        c.case_no for c in db.session.scalars(select(PenaltyCase).order_by(PenaltyCase.filed_on)) if c.case_no
    ]
    assert len(set(numbers)) == len(numbers)
    kinds = {e.action for e in db.session.scalars(select(audit.AuditEvent)) if e.action.startswith("case.")}
    assert {"case.filing_decided", "case.legal_reviewed", "case.decided", "case.payment_overdue"} <= kinds
    assert (
        workflow.instance_for(ctx["hazards"]["w1"]) is not None
    )  # the hazard seed's worker timers untouched
    assert audit.verify().ok
    assert elapsed < 30  # the whole demo (hazards included); the case stories are a few seconds of it


def test_every_case_page_and_task_of_the_demo_renders(app, login):
    """Smoke: the case list, each case's page, and each READY case task's page for its candidate role."""
    from app.auth.models import User
    from app.workflow.models import HumanTask
    from tests.factories.auth import PASSWORD

    seed_demo()
    db.session.commit()
    users = {u.username: u for u in db.session.scalars(select(User))}
    for user in users.values():
        user.set_password(PASSWORD)
    db.session.commit()
    clients = {
        role: login(users[name])
        for role, name in (
            ("officer", "officer"),
            ("section_head", "section_head"),
            ("legal_reviewer", "legal"),
            ("leader", "leader"),
        )
    }
    officer = clients["officer"]
    assert officer.get("/cases/").status_code == 200
    for case in db.session.scalars(select(PenaltyCase)):
        assert officer.get(f"/cases/{case.id}").status_code == 200, case.display_no
    seen = set()
    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.status == "ready", HumanTask.subject_type == "penalty_cases")
    ).all()
    by_id = {
        users[name].id: clients[role]
        for role, name in (
            ("officer", "officer"),
            ("section_head", "section_head"),
            ("legal_reviewer", "legal"),
            ("leader", "leader"),
        )
    }
    for task in tasks:  # an assigned task (the hearing's presiding officer) by its assignee, else by its role
        client = by_id[task.assignee_id] if task.assignee_id else clients[task.candidate_role]
        page = client.get(f"/tasks/{task.id}")
        assert page.status_code == 200, task.bpmn_id
        assert f"form-{task.form_name}" in page.get_data(as_text=True), task.bpmn_id
        seen.add(task.bpmn_id)
    assert {"investigate", "decide_filing", "hold_hearing", "legal_review", "decide", "execute"} <= seen
