"""行政处罚信息公示期限 (国家发改委令第58号): a published penalty decision stays public for the longest period of
its kind (general 1 year, serious 3 years) and then leaves the public pages by itself; a general one may leave
earlier on the party's application after its 3-month minimum, once the penalty is paid."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock, publication
from app.cases import operations as case_ops
from app.cases.operations.execution import balance
from app.cases.publicity import expires_on
from app.credit.models import ListingStatus
from app.credit.operations import info_repair
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.publication import Publication
from app.publication.queries import public_query
from tests.cases.walk import to_execution

pytestmark = pytest.mark.usefixtures("frozen")


def published(world, make_case):
    case = to_execution(world, make_case).case
    entry = publication.current_for(case, "penalty_decision")
    assert entry is not None
    return case, entry


def pay_all(world, case):
    principal = balance(case).owed_principal
    case_ops.record_payment(
        case, {"paid_on": clock.today(), "amount": principal, "receipt_no": "PJ1"}, actor=world.officer
    )
    rest = balance(case).owed
    if rest > 0:
        case_ops.record_payment(
            case, {"paid_on": clock.today(), "amount": rest, "receipt_no": "PJ2"}, actor=world.officer
        )
    assert balance(case).owed == 0


def shown_ids(today: date) -> set[int]:
    return set(db.session.scalars(public_query(today=today).with_only_columns(Publication.id)))


def test_a_general_penalty_is_public_for_one_year_then_leaves_by_itself(world, make_case):
    case, entry = published(world, make_case)
    terms = info_repair.publication_terms(case)
    assert not terms.serious
    assert (
        entry.expires_on
        == terms.max_end
        == date(case.decided_on.year + 1, case.decided_on.month, case.decided_on.day)
    )
    assert terms.min_end == date(2027, 2, case.decided_on.day)
    assert entry.id in shown_ids(entry.expires_on)
    assert entry.id not in shown_ids(date(2027, 11, 3))


def test_a_serious_penalty_is_public_for_three_years(world, make_case):
    case, entry = published(world, make_case)
    case.lines[0].decided_kinds = ["罚款", "责令停产停业整顿"]
    d = case.decided_on
    assert expires_on(case) == date(d.year + 3, d.month, d.day)
    assert info_repair.publication_terms(case).serious


def test_a_listing_on_the_case_makes_it_serious_and_extends_its_publication(world, make_case, listed):
    case, entry = published(world, make_case)
    listing = listed()
    listing.case_id = case.id
    db.session.flush()
    assert info_repair.extend_for_listing(listing, actor=world.officer)
    d = case.decided_on
    assert entry.expires_on == date(d.year + 3, d.month, d.day)
    assert info_repair.extend_for_listing(listing, actor=world.officer) is False  # once
    clock.freeze(date(2027, 3, 1))
    pay_all(world, case)
    with pytest.raises(InvalidState, match="严重失信"):
        info_repair.apply_info_repair(case, {"statement": "已整改"}, actor=world.manager_a)
    listing.status = ListingStatus.REVOKED  # an overturned listing no longer makes it serious
    assert not info_repair.publication_terms(case).serious


def test_repair_after_the_minimum_period_ends_the_publication_early(world, make_case):
    case, entry = published(world, make_case)
    min_end = info_repair.publication_terms(case).min_end
    clock.freeze(min_end - timedelta(days=1))
    pay_all(world, case)
    with pytest.raises(InvalidState, match="最短公示期为3个月"):
        info_repair.apply_info_repair(case, {"statement": "已整改"}, actor=world.manager_a)
    clock.freeze(min_end)
    for stranger in (world.manager_b, world.other_officer):
        with pytest.raises(PermissionDenied):
            info_repair.apply_info_repair(case, {"statement": "已整改"}, actor=stranger)
    with pytest.raises(ValidationFailed):
        info_repair.apply_info_repair(case, {"statement": " "}, actor=world.manager_a)
    row = info_repair.apply_info_repair(
        case, {"statement": "罚款已缴清，违法行为已纠正"}, actor=world.manager_a
    )
    assert row.publication_id == entry.id and row.decision is None
    with pytest.raises(InvalidState, match="尚未办结"):
        info_repair.apply_info_repair(case, {"statement": "再次"}, actor=world.officer)
    for wrong in (world.officer, world.manager_a):
        with pytest.raises(PermissionDenied):
            info_repair.decide_info_repair(row, {"decision": "grant", "reason": "符合"}, actor=wrong)
    info_repair.decide_info_repair(row, {"decision": "grant", "reason": "符合修复条件"}, actor=world.leader)
    assert row.decision == "准予" and row.decided_on == min_end
    assert publication.current_for(case, "penalty_decision") is None
    assert entry.id not in shown_ids(min_end)
    with pytest.raises(InvalidState, match="已于"):
        info_repair.decide_info_repair(row, {"decision": "refuse", "reason": "x"}, actor=world.leader)


def test_unpaid_penalty_cannot_be_repaired_and_a_refusal_keeps_it_public(world, make_case):
    case, entry = published(world, make_case)
    clock.freeze(info_repair.publication_terms(case).min_end)
    with pytest.raises(InvalidState, match="尚欠"):
        info_repair.apply_info_repair(case, {"statement": "申请"}, actor=world.manager_a)
    pay_all(world, case)
    row = info_repair.apply_info_repair(
        case, {"statement": "申请"}, actor=world.officer
    )  # a paper application
    info_repair.decide_info_repair(row, {"decision": "refuse", "reason": "影响尚未消除"}, actor=world.leader)
    assert row.decision == "不予" and publication.current_for(case, "penalty_decision") is not None
    rows = db.session.scalars(select(Publication).where(Publication.id == entry.id)).all()
    assert rows[0].status == "已公示"
