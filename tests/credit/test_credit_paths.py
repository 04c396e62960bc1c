"""Every path through credit_listing at the operation level (issue #14): 列入告知 → 送达 → 陈述申辩 (stated,
waived, lapsed by the timer, recorded by an officer) → 核查 → 决定 (list, decline, return) → 送达; and the
drop paths (confirmed / returned). Each asserts the status the workflow gives, the documents issued and
the dates computed from the parameter pack through app.calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from app.calendar import legal_calendar
from app.credit.models import ListingStatus
from app.credit.rules import credit_pack
from app.documents import documents_for
from app.extensions import db
from tests.factories.credit import make_listing_fixture  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("frozen")


def doc_types(listing) -> list[str]:
    return [d.doc_type for d in documents_for(listing)]


def test_proposed_listing_waits_for_the_officer(make_listing):
    w = make_listing()
    assert w.ready == ["prepare_notice"]
    assert w.listing.status == ListingStatus.PROPOSED


def test_waived_statement_path_to_listed(make_listing, world):
    w = make_listing(criterion="6")  # unit and head together
    w.notify()
    assert w.listing.status == ListingStatus.NOTICE and w.ready == ["serve_notice"]
    assert w.listing.person_name == "张主要"
    w.serve()
    due = legal_calendar.add_days(clock.today(), 5, kind="working")
    assert w.listing.notice_served_on == clock.today() and w.listing.statement_due == due
    assert w.ready == ["state_case"]
    w.waive()
    assert w.listing.status == ListingStatus.VERIFYING and w.ready == ["verify"]
    assert [s.kind for s in w.listing.statements] == ["放弃陈述申辩"]
    assert w.listing.statements[0].channel == "网上提交"
    w.verify()
    assert w.listing.status == ListingStatus.DECIDING and w.ready == ["decide"]
    w.decide()
    assert w.listing.status == ListingStatus.SERVING and w.ready == ["serve_decision"]
    assert w.listing.decided_by_id == world.leader.id and w.listing.decided_on == clock.today()
    assert w.listing.measure_codes  # the library's defaults
    w.serve_decision()
    listing = w.listing
    assert listing.status == ListingStatus.LISTED
    assert w.ready == []
    pack = credit_pack(listing.region_path, clock.today())
    assert listing.term_start == listing.decision_served_on == clock.today()
    assert listing.term_end == date(clock.today().year + 3, clock.today().month, clock.today().day)
    assert listing.publish_due == legal_calendar.add_days(
        clock.today(), pack.publish_period.n, kind="working"
    )
    types = doc_types(listing)
    assert types[:2] == ["credit_notice", "credit_decision"]
    assert set(types[2:]) <= {"credit_joint"}  # effects: one 联合惩戒通知 per department
    notice, decision = documents_for(listing)[:2]
    assert "信告" in notice.number.text and "信列" in decision.number.text
    assert notice.locked and decision.locked
    assert decision.content["person"]["name"] == "张主要"
    assert decision.content["reconsideration_label"] == "60日"
    assert decision.content["litigation_label"] == "6个月"
    assert decision.content["term_label"] == "3年"


def test_stated_path_keeps_the_statement_and_answers_it(make_listing):
    w = make_listing()
    w.notify().serve().state("我单位已全部整改")
    [s] = w.listing.statements
    assert (s.kind, s.text, s.channel) == ("陈述申辩", "我单位已全部整改", "网上提交")
    w.verify().decide()
    decision = documents_for(w.listing, doc_type="credit_decision")[0]
    assert decision.content["verification"].startswith("经核查")
    assert "提出了陈述、申辩" in decision.content["statement_summary"]


def test_officer_records_a_paper_statement(make_listing, world):
    w = make_listing()
    w.notify().serve()
    w.state("书面陈述：已整改", actor=world.officer)
    [s] = w.listing.statements
    assert s.channel == "执法人员记录" and s.submitted_by_id == world.officer.id
    assert w.ready == ["verify"]


def test_silence_lapses_by_the_timer_then_listing_proceeds(make_listing):
    w = make_listing()
    w.notify().serve()
    due = w.listing.statement_due
    db.session.commit()
    from tests.factories.clock import at
    from tests.factories.credit import _tick

    assert _tick(at(due, 23)) == 0  # the last day still counts
    assert w.ready == ["state_case"]
    assert w.lapse() == 1
    assert w.ready == ["verify"]
    assert w.listing.status == ListingStatus.VERIFYING
    assert w.listing.statements == []
    w.verify().decide()
    decision = documents_for(w.listing, doc_type="credit_decision")[0]
    assert "未提出陈述、申辩" in decision.content["statement_summary"]
    w.serve_decision()
    assert w.listing.status == ListingStatus.LISTED
    assert w.listing.term_start == clock.today()


def test_decline_ends_not_listed(make_listing):
    w = make_listing()
    w.to_decide().decide("decline")
    assert w.listing.status == ListingStatus.DECLINED
    assert w.listing.declined_reason == "情节较轻"
    assert w.ready == []
    assert doc_types(w.listing) == ["credit_notice"]


def test_return_sends_back_to_verify_then_list(make_listing):
    w = make_listing()
    w.to_decide().decide("return", reasons="请补充核查整改情况")
    assert w.ready == ["verify"] and w.listing.status == ListingStatus.VERIFYING
    w.verify().decide().serve_decision()
    assert w.listing.status == ListingStatus.LISTED


def test_drop_confirmed_ends_not_listed(make_listing, world):
    from app.credit.operations import listing as ops

    w = make_listing()
    w.drop("事实不清")
    assert w.ready == ["confirm_drop"] and w.listing.status == ListingStatus.PROPOSED
    ops.confirm_drop(w.listing, {"drop_decision": "agree", "opinion": "同意"}, actor=world.section_head)
    assert w.listing.status == ListingStatus.DECLINED
    assert w.listing.declined_reason == "事实不清"
    assert w.ready == [] and doc_types(w.listing) == []


def test_drop_returned_goes_back_to_prepare_notice(make_listing, world):
    from app.credit.operations import listing as ops

    w = make_listing()
    w.drop()
    ops.confirm_drop(
        w.listing, {"drop_decision": "return", "opinion": "证据充分，应当告知"}, actor=world.section_head
    )
    assert w.ready == ["prepare_notice"] and w.listing.declined_reason is None
    w.listed()
    assert w.listing.status == ListingStatus.LISTED


def test_statement_window_counts_working_days_over_a_holiday(make_listing):
    # served on Tuesday 2026-09-29, just before 国庆: the 5 working days skip the holiday week
    clock.freeze(date(2026, 9, 29))
    w = make_listing()
    w.notify().serve(date(2026, 9, 29))
    assert w.listing.statement_due == legal_calendar.add_days(date(2026, 9, 29), 5, kind="working")
    assert w.listing.statement_due > date(2026, 9, 29) + timedelta(days=7)
