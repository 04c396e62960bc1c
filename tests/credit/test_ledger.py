"""严重失信主体名单台账 (reports/credit_listings.json, spec §10.5): the rows are exactly the list's rows for each
reader (same filters, same scope), every column of the definition is filled by the source, and a listing
taken through the real procedure carries its documents' numbers, its publication, push and measures."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from app import clock
from app.credit import ledger, queries
from app.credit.models import ListingStatus
from app.ledgers import definitions
from tests.factories.credit import make_listing_fixture  # noqa: F401 - the walker fixture (make_listing)
from tests.factories.credit_web import listing_at
from tests.factories.db import commit


def _rows(user, **args) -> list[dict]:
    extract = ledger.extract(ledger.LEDGER, user, MultiDict(args), attachment_base="", today=clock.today())
    return list(extract.rows)


def _list_ids(login, user, **args) -> set[int]:
    html = login(user).get("/credit/", query_string=args).get_data(as_text=True)
    return {int(x) for x in re.findall(r'data-listing-id="(\d+)"', html)}


def _world(world):
    made = {
        "proposed": listing_at(world),
        "listed": listing_at(
            world, ListingStatus.LISTED, person_name="张主要", person_id_no="341322197001011234"
        ),
        "other_ent": listing_at(world, ListingStatus.REMOVED, enterprise=world.ent_b),
        "other_county": listing_at(world, ListingStatus.LISTED, enterprise=world.ent_other),
    }
    commit()
    return made


def test_rows_are_the_lists_rows_for_each_reader(login, world):
    made = _world(world)
    by_id = {v.id: v for v in made.values()}
    for user in (world.officer, world.leader, world.supervisor, world.other_officer, world.town_officer):
        listed_ids = _list_ids(login, user)
        rows = _rows(user)
        names = sorted(r["name"].split("；")[0] for r in rows)
        assert names == sorted(by_id[i].enterprise.name for i in listed_ids), user.username
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    # under a filter too
    for args in ({"status": "已列入"}, {"enterprise_id": str(world.ent_b.id)}, {"criterion": "6"}):
        assert len(_rows(world.officer, **args)) == len(_list_ids(login, world.officer, **args))


def test_the_ledger_is_staff_only(world):
    assert ledger.can_export(world.officer) and ledger.can_export(world.supervisor)
    assert not ledger.can_export(world.manager_a) and not ledger.can_export(world.manager_b)


def test_every_column_is_filled_by_the_source(world):
    _world(world)
    keys = [c.key for c in definitions.get(ledger.LEDGER).columns]
    for row in _rows(world.officer):
        assert set(row) == set(keys)


def test_a_listing_through_the_procedure(world, make_listing, frozen):
    from app.credit import effects

    w = make_listing(criterion="6")
    w.listed()
    if not w.listing.pushes:  # serve_decision takes effect through effects.take_effect
        effects.take_effect(w.listing, actor=world.officer)
    commit()
    [row] = [r for r in _rows(world.officer) if r["name"].startswith(world.ent_a.name)]
    assert row["subject_kind"] == "单位、个人"
    assert "341322197001011234" in row["id_number"]  # the internal ledger reads the ID in full
    assert "信告" in row["notice"] and "信列" in row["decision_no"]
    assert row["decided_on"] == w.listing.decided_on
    assert row["term"].startswith(w.listing.term_start.isoformat())
    assert "列入" in row["pushed"] and row["publication"]
    assert row["measures"] and row["agency"] == world.bureau.name
    assert "放弃陈述申辩" in row["statement"]


def test_the_ledgers_page_shows_the_credit_section(login, world):
    _world(world)
    html = login(world.officer).get("/ledgers").get_data(as_text=True)
    assert 'data-testid="ledger-credit"' in html
    assert '<strong data-testid="ledger-credit-total">3</strong>' in html
    assert 'data-testid="ledger-credit"' not in login(world.manager_a).get("/ledgers").get_data(as_text=True)


def test_a_filter_outside_the_scope_is_refused(world):
    import pytest

    from app.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        ledger.extract(
            ledger.LEDGER,
            world.officer,
            MultiDict({"enterprise_id": str(world.ent_other.id)}),
            attachment_base="",
            today=clock.today(),
        )
    assert queries.ListingFilters.from_args(MultiDict({"status": "已列入"})).status == "已列入"
