"""Art.112 按日连续处罚 is a part of the unit's penalty line of its own: the original fine × the days, beside the
line's fine (which alone meets the 裁量基准 band), printed in the 告知书 and the 决定书 as
“按日连续处罚人民币X元（原罚款数额A元×N日）”, counted in the notified total and in the principal due."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from app import clock
from app.cases import gates, linked
from app.cases import operations as ops
from app.cases.models import TargetKind
from app.cases.operations.execution import balance
from app.documents import documents_for
from app.errors import ValidationFailed
from tests.cases.test_art113 import decided_on
from tests.factories.cases import Walker
from tests.factories.db import commit


@pytest.fixture(autouse=True)
def _unlink_after(db):
    """The tables are emptied after each test in an order that does not know a proposal's or a case's
    parent_case_id (a cycle with case_proposals): committed links are undone first."""
    yield
    db.session.rollback()
    db.session.execute(text("UPDATE case_proposals SET parent_case_id = NULL"))
    db.session.execute(text("UPDATE penalty_cases SET parent_case_id = NULL"))
    db.session.commit()


STAGE2_LINE = {
    "target": "单位",
    "kinds": ["罚款"],
    "fine": Decimal("150000"),
}  # stage 2 band 一般 140000–160000


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def _linked_case(world, make_case) -> tuple[Walker, Decimal]:
    """A decided parent (30000 on the unit, 2026-11-02), then its 逾期未改正 referral 30 days later."""
    parent = decided_on(world, make_case, date(2026, 11, 2), factors=[])
    original = sum(ln.decided_fine for ln in parent.lines if ln.target == TargetKind.UNIT)
    clock.freeze(date(2026, 12, 2))

    class Referral:
        id = None
        enterprise_id = world.ent_a.id
        region_path = world.ent_a.region_path
        facts = "逾期未改正"
        evidence = "复查意见书"
        provisions = parent.provisions
        referred_at = clock.now()
        referred_by_id = world.officer.id

    proposal = ops.receive_referral(Referral())
    data = {
        "name": "逾期未改正案",
        "facts": proposal.facts,
        "provisions": proposal.provisions,
        "act_date": clock.today() - timedelta(days=1),
        "officer_ids": [world.officer.id, world.officer2.id],
    }
    case = ops.submit_filing(proposal, data, actor=world.officer)
    return Walker(world, case).file().evidence(), original


def _decide_and_serve(world, w: Walker) -> None:
    case = w.case
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    ops.legal_review(
        case,
        {
            "review_opinion": "agree",
            "reasons": "事实清楚，证据确凿，程序合法",
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=world.legal,
    )
    if "collective_discussion" in w.ready:
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
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    commit()


def _doc_text(login, world, case, *codes) -> str:
    (doc,) = [d for d in documents_for(case, include_voided=False) if d.doc_type in codes]
    r = login(world.officer).get(f"/documents/{doc.id}")
    assert r.status_code == 200
    return _text(r.get_data(as_text=True))


def test_the_continuing_fine_is_the_units_own_part_in_documents_and_balance(login, world, make_case):
    w, original = _linked_case(world, make_case)
    assert original == Decimal("30000")
    w.report(lines=[dict(STAGE2_LINE)], continuing_fine=True)
    case = w.case
    (line,) = case.lines
    days = (date(2026, 12, 2) - date(2026, 11, 2)).days
    assert days == 30 and case.continuing_fine["days"] == days
    part = original * days
    assert part == Decimal("900000")

    # kept apart: the line's fine is the proposed 150000 inside its band; the part sits beside it
    assert line.proposed_fine == Decimal("150000") and line.band_min <= line.proposed_fine <= line.band_max
    assert linked.continuing_amount(line, "proposed") == part
    assert linked.line_total(line, "proposed") == Decimal("1050000")
    assert linked.continuing_amount(line, "notified") == 0  # not notified yet

    w.notify().waive()
    commit()
    notice = case.notices[-1]
    assert notice.total_fine == Decimal("1050000")
    assert line.notified_fine == Decimal("150000")
    text = _doc_text(login, world, case, "penalty_notice", "hearing_notice")
    assert "处罚款人民币150,000.00元（大写：壹拾伍万元整）" in text, text
    assert "按日连续处罚人民币900,000.00元（原罚款数额30,000.00元×30日）" in text
    assert "合计人民币1,050,000.00元（大写：壹佰零伍万元整）" in text

    _decide_and_serve(world, w)
    assert line.decided_fine == Decimal("150000")  # the decided fine itself is unchanged
    text = _doc_text(login, world, case, "penalty_decision")
    assert (
        "本机关决定给予你单位罚款人民币150,000.00元（大写：壹拾伍万元整）、按日连续处罚人民币900,000.00元"
        "（原罚款数额30,000.00元×30日）的行政处罚，合计人民币1,050,000.00元（大写：壹佰零伍万元整）。" in text
    ), text

    b = balance(case)
    assert b.principal == Decimal("1050000") and b.owed == Decimal("1050000")
    ops.record_payment(
        case,
        {"paid_on": clock.today(), "amount": Decimal("150000"), "receipt_no": "PJ1"},
        actor=world.officer,
    )
    assert balance(case).owed == Decimal("900000")
    assert case.paid_on is None  # the 按日连续处罚 is still owed
    commit()
    api = login(world.officer).get(f"/api/v1/cases/{case.id}").get_json()
    assert Decimal(api["balance"]["principal"]) == Decimal("1050000")
    assert api["lines"][0]["decided_fine"] == "150000.00" and api["lines"][0]["continuing_fine"] == "900000"


def test_without_the_continuing_fine_nothing_is_added(world, make_case):
    w, _ = _linked_case(world, make_case)
    w.report(lines=[dict(STAGE2_LINE)])
    (line,) = w.case.lines
    assert w.case.continuing_fine is None
    assert linked.continuing_amount(line, "proposed") == 0
    assert linked.line_total(line, "proposed") == Decimal("150000")


def test_the_continuing_fine_needs_a_line_on_the_unit(world, make_case):
    w, _ = _linked_case(world, make_case)
    person = {
        "target": "个人",
        "kinds": ["罚款"],
        "fine": Decimal("30000"),
        "party_name": "张三",
        "position": "安全管理人员",
        "id_number": "340000199001011234",
    }
    with pytest.raises(ValidationFailed) as exc:
        w.report(lines=[person], continuing_fine=True)
    assert "continuing_fine" in exc.value.field_errors or "lines" in exc.value.field_errors
