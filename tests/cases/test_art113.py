"""★ Art.113 counter (3 × 180 days / 4 × one year for a 重大事故隐患, raised once per crossing), linked cases
(逾期未改正 → parent case, stage 2, Art.112 按日连续处罚) and ★ 一事不二罚 (warned at 立案, refused at the
decision, competing norms → the higher fine) — through the operations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.cases import art113, discretion, gates, linked
from app.cases import operations as ops
from app.cases.models import CaseClosureProposal, CaseProposal, ProposalStatus
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications.models import Notification
from tests.factories.cases import UNIT_LINE, Walker

MAJOR_LINE = {"target": "单位", "kinds": ["罚款"], "fine": Decimal("60000")}


def decide(world, walker: Walker, **report) -> None:
    """立案 → 调查 → 告知 (waived) → 呈批 → 法制审核 → (集体讨论) → 决定, all on today's date."""
    case = walker.case
    walker.file().evidence()
    report.setdefault("factors", ["major_hazard"])
    report.setdefault("lines", [dict(MAJOR_LINE if report["factors"] else UNIT_LINE)])
    walker.report(**report).notify().waive()
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    confirmed = [i.key for i in gates.checklist(case, clock.today())]
    ops.legal_review(
        case, {"review_opinion": "agree", "reasons": "事实清楚", "confirmed": confirmed}, actor=world.legal
    )
    if "collective_discussion" in walker.ready:
        ops.collective_discussion(
            case,
            {
                "held_on": clock.today(),
                "place": "局会议室",
                "chair": "周局长",
                "opinions": [
                    {"name": "周局长", "opinion": "同意"},
                    {"name": "吴队长", "opinion": "同意"},
                    {"name": "钱法制", "opinion": "同意"},
                ],
                "conclusion": "同意处罚",
            },
            actor=world.leader,
        )
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    assert case.decided_on == clock.today()


def decided_on(world, make_case, day: date, act_days: int = 3, **report):
    clock.freeze(day)
    w = make_case(act_date=day - timedelta(days=act_days))
    decide(world, w, **report)
    return w.case


def proposals() -> list[CaseClosureProposal]:
    return list(db.session.scalars(select(CaseClosureProposal).order_by(CaseClosureProposal.id)))


def test_three_in_180_days_counts_day_180_not_181(world, make_case):
    d0 = date(2026, 11, 2)
    decided_on(world, make_case, d0)
    decided_on(world, make_case, d0 + timedelta(days=60))
    assert proposals() == []
    # day 181 from the first decision (d0 is day 1): outside the window
    c = art113.counts(world.ent_a.id, d0 + timedelta(days=180))
    assert c[0].rule == "180日内3次" and c[0].count == 1
    # day 180: inside
    assert art113.counts(world.ent_a.id, d0 + timedelta(days=179))[0].count == 2
    third = decided_on(world, make_case, d0 + timedelta(days=179))
    [p] = proposals()
    assert p.rule == "180日内3次" and p.count == 3 and p.trigger_case_id == third.id
    assert p.window_from == d0 and p.status == "待负责人处理"
    notes = db.session.scalars(select(Notification).where(Notification.key.like(f"%closure:{p.id}"))).all()
    assert [n.user_id for n in notes] == [world.leader.id]
    db.session.commit()  # audit events are written with the request's commit
    assert db.session.query(AuditEvent).filter_by(action="case.closure_proposed").count() == 1
    with pytest.raises(PermissionDenied):
        art113.decide_closure(p, {"decision": "submit", "opinion": "x"}, actor=world.officer)
    with pytest.raises(ValidationFailed):
        art113.decide_closure(p, {"decision": "submit", "opinion": ""}, actor=world.leader)
    art113.decide_closure(p, {"decision": "submit", "opinion": "提请县政府关闭"}, actor=world.leader)
    assert p.status == "已提请关闭" and p.decided_by_id == world.leader.id
    with pytest.raises(InvalidState):
        art113.decide_closure(p, {"decision": "dismiss", "opinion": "x"}, actor=world.leader)


def test_third_on_day_181_raises_nothing(world, make_case):
    d0 = date(2026, 11, 2)
    decided_on(world, make_case, d0)
    decided_on(world, make_case, d0 + timedelta(days=60))
    decided_on(world, make_case, d0 + timedelta(days=180))
    assert proposals() == []
    assert art113.counts(world.ent_a.id, d0 + timedelta(days=180))[1].count == 3  # a year: 3 < 4


def test_four_in_a_year_and_once_per_crossing(world, make_case):
    d0 = date(2026, 11, 2)
    for offset in (0, 100, 200):
        decided_on(world, make_case, d0 + timedelta(days=offset))
    assert proposals() == []  # never 3 within 180 days
    # one year = [day − 1 year + 1, day]: 2027-11-01 still counts the 2026-11-02 decision, 2027-11-02 does not
    assert art113.counts(world.ent_a.id, date(2027, 11, 2))[1].count == 2
    fourth = decided_on(world, make_case, date(2027, 11, 1))
    [p] = proposals()
    assert p.rule == "一年内4次" and p.count == 4 and p.trigger_case_id == fourth.id
    assert art113.after_decision(fourth, actor=world.leader) == []  # not raised twice
    # a 5th that day: the year's count passes 4 (no new crossing of that rule), but it is the 3rd within 180
    # days (2027-05-21, 2027-11-01 twice): that rule's crossing, raised once
    fifth = decided_on(world, make_case, date(2027, 11, 1), act_days=4)
    assert [(p.rule, p.count, p.trigger_case_id) for p in proposals()] == [
        ("一年内4次", 4, fourth.id),
        ("180日内3次", 3, fifth.id),
    ]


def test_only_major_hazard_penalties_count(world, make_case):
    d0 = date(2026, 11, 2)
    for offset in (0, 10, 20):
        decided_on(world, make_case, d0 + timedelta(days=offset), factors=[])
    assert proposals() == [] and art113.counts(world.ent_a.id, d0 + timedelta(days=20))[0].count == 0


# ---- linked cases ----------------------------------------------------------------------------------------


def test_a_second_referral_after_a_penalty_is_a_linked_stage_2_case(world, make_case, monkeypatch):
    parent = decided_on(world, make_case, date(2026, 11, 2), factors=[])
    parent_fine = sum(ln.decided_fine for ln in parent.lines)
    clock.freeze(date(2026, 12, 2))

    class Referral:  # the hazard domain's referral row, as its signal hands it over
        id = None
        enterprise_id = world.ent_a.id
        region_path = world.ent_a.region_path
        facts = "逾期未改正"
        evidence = "复查意见书"
        provisions = parent.provisions
        referred_at = clock.now()
        referred_by_id = world.officer.id

    proposal = ops.receive_referral(Referral())
    assert proposal.parent_case_id == parent.id
    data = {
        "name": "逾期未改正案",
        "facts": proposal.facts,
        "provisions": proposal.provisions,
        "act_date": clock.today() - timedelta(days=1),
        "officer_ids": [world.officer.id, world.officer2.id],
    }
    case = ops.submit_filing(proposal, data, actor=world.officer)
    assert case.parent_case_id == parent.id
    w = Walker(world, case).file().evidence()
    entry = discretion.entry("AQSCF-97-5")
    assert linked.stage_for(case, entry) == 2
    with pytest.raises(ValidationFailed, match="法定"):  # 60000 is below stage 2's statutory minimum
        w.report(lines=[dict(MAJOR_LINE)])
    w.report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": Decimal("150000")}], continuing_fine=True)
    line = case.lines[0]
    assert (line.tier, line.band_min, line.band_max) == ("一般", Decimal(140000), Decimal(160000))
    days = (date(2026, 12, 2) - date(2026, 11, 2)).days
    assert case.continuing_fine["days"] == days == 30
    assert Decimal(case.continuing_fine["amount"]) == parent_fine * days
    assert case.continuing_fine["from"] == "2026-11-03"


def test_no_parent_for_another_provision_and_art112_needs_a_parent(world, make_case):
    decided_on(world, make_case, date(2026, 11, 2), factors=[])
    assert linked.parent_for(world.ent_a.id, None, "《安全生产法》第九十九条") is None
    assert linked.parent_for(world.ent_b.id, None, "《安全生产法》第四十一条第二款") is None
    w = make_case().file().evidence()
    with pytest.raises(ValidationFailed) as exc:
        w.report(continuing_fine=True)
    assert "continuing_fine" in exc.value.field_errors


# ---- 一事不二罚 ---------------------------------------------------------------------------------------------


def test_same_act_warned_at_filing_and_refused_at_decision(world, make_case):
    first = decided_on(world, make_case, date(2026, 11, 2), factors=[])
    act = first.act_date
    w = make_case(act_date=act)
    db.session.commit()
    warned = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.filing_submitted").order_by(AuditEvent.id.desc())
    ).first()
    assert first.display_no in warned.summary and "不得重复罚款" in warned.summary
    assert gates.same_act_open(w.case) == [first]
    with pytest.raises(ValidationFailed, match="一事不二罚"):
        decide(world, w, factors=[])


def test_competing_norms_take_the_higher_fine(world, make_case):
    w = make_case().file().evidence()
    w.report(violation_codes=["AQSCF-97-5", "AQSCF-99-3"], violation_code=None, factors=[])
    expected = discretion.higher_norm(["AQSCF-97-5", "AQSCF-99-3"])
    assert w.case.violation_code == expected
    assert discretion.higher_norm(["AQSCF-99-3", "AQSCF-97-5"]) == expected  # order does not matter here


def test_a_major_hazard_referral_counts_through_the_hazard_domain(world, make_hazard, upload):
    from app.hazards import operations as hazard_ops
    from app.hazards.queries import referred_hazard
    from tests.factories.hazards import rect_data, review_data

    h = make_hazard()
    hazard_ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    hazard_ops.review_hazards(
        [(h, review_data(world, result="未整改", decision="refer", facts="拒不整改"))], actor=world.officer
    )
    proposal = db.session.scalars(select(CaseProposal).where(CaseProposal.referral_id == h.referral.id)).one()
    assert referred_hazard(h.referral.id).major is False
    case = ops.decide_on_the_spot(
        proposal,
        {
            "officer_ids": [world.officer.id, world.officer2.id],
            "kinds": ["罚款"],
            "fine": Decimal("3000"),
            "facts": "拒不整改重大事故隐患",
            "provisions": proposal.provisions,
            "party_signed": True,
        },
        actor=world.officer,
    )
    assert proposal.status == ProposalStatus.SIMPLE and case.factors == []
    assert art113.is_major_hazard_case(case) is False
    assert art113.counts(world.ent_a.id, clock.today())[0].case_ids == []
    # the same referral had it been a 重大 hazard (test data set directly: the major-hazard loop to a referral
    # is tested in tests/hazards/test_major_flow.py)
    h.level = "重大"
    db.session.flush()
    assert referred_hazard(h.referral.id).major is True
    assert art113.is_major_hazard_case(case) is True
    assert art113.counts(world.ent_a.id, clock.today())[0].case_ids == [case.id]
