"""The 行政处罚案件台账's 是否列入严重失信 column is answered by the credit domain (app.cases.ledger
register_answered_column): 否 for a case no listing rests on, the listing's state for one that does — in one
statement for the whole export, whatever the number of cases."""

from __future__ import annotations

from app import clock
from app.cases import ledger as case_ledger
from app.cases.queries import CaseFilters
from app.credit.models import ListingEnd, ListingStatus
from app.extensions import db
from tests.factories.credit_effects import make_listed
from tests.factories.db import commit


def _cells(user) -> dict[str, str]:
    rows = case_ledger.case_rows(user, CaseFilters(), attachment_base="http://x/", today=clock.today())
    return {r["case_no"]: r["credit"] for r in rows}


def test_the_column_says_whether_and_how_the_case_led_to_a_listing(world, make_case):
    listed_case = make_case().file().case
    plain = make_case(name="另一案件").file().case
    ended_case = make_case(name="第三案件").file().case
    commit()
    listing = make_listed(world)
    listing.case_id = listed_case.id
    old = make_listed(world, enterprise=world.ent_a2)
    old.case_id = ended_case.id
    old.status, old.end_kind, old.ended_on = ListingStatus.REMOVED, ListingEnd.REPAIRED, clock.today()
    db.session.commit()

    cells = _cells(world.officer)
    assert cells[plain.case_no] == "否"
    assert cells[listed_case.case_no].startswith("是（") and "第七条第一项" in cells[listed_case.case_no]
    assert f"管理期限至{listing.term_end.isoformat()}" in cells[listed_case.case_no]
    assert cells[ended_case.case_no].startswith("曾列入，提前移出")
    # another county's officer reads neither the cases nor their listings
    assert _cells(world.other_officer) == {}


def test_the_answer_is_one_statement_of_the_export(world, make_case):
    main, related = case_ledger.statements(world.officer, CaseFilters())
    assert "answered:credit" in related
    assert "credit_listings" in str(related["answered:credit"])
