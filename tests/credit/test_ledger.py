"""严重失信主体名单台账 (reports/credit_listings.json, spec §10.5): the rows are exactly the list's rows for each
reader (same filters, same scope), every column of the definition is filled by the source, and a listing
taken through the real procedure carries its documents' numbers, its publication, push and measures."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import clock
from app.credit import ledger, queries
from app.credit.models import CreditListing, ListingStatus
from app.errors import ValidationFailed
from app.extensions import db
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


def _more(world) -> None:
    """Listings at other stages, in both towns, under other criteria (the filters have something to tell)."""
    listing_at(world, ListingStatus.NOTICE, enterprise=world.ent_a2, criterion="9")
    listing_at(world, ListingStatus.DECLINED, enterprise=world.ent_b, criterion="9")
    listing_at(world, ListingStatus.REVOKED, enterprise=world.ent_a2)
    listing_at(world, ListingStatus.LISTED, enterprise=world.ent_b, criterion="8")
    commit()


READERS = ("officer", "leader", "supervisor", "other_officer", "town_officer")


def test_rows_are_the_lists_rows_for_each_reader(login, world):
    made = _world(world)
    _more(world)
    by_id = {lst.id: lst for lst in db.session.scalars(select(CreditListing))}
    assert {v.id for v in made.values()} <= set(by_id)
    filters = (
        {},
        {"status": "已列入"},
        {"status": "不予列入"},
        {"enterprise_id": str(world.ent_b.id)},
        {"criterion": "6"},
        {"criterion": "9"},
        {"town": world.town_b.path},
        {"q": "化工"},
    )
    refused = []
    for name in READERS:
        user = getattr(world, name)
        for args in filters:
            if login(user).get("/credit/", query_string=args).status_code == 422:
                # an enterprise outside the reader's scope: refused by the list and the ledger alike
                with pytest.raises(ValidationFailed):
                    _rows(user, **args)
                refused.append((name, tuple(args)))
                continue
            listed = [by_id[i] for i in _list_ids(login, user, **args)]
            rows = _rows(user, **args)
            # the same listings: their subject's name and status, as many times as the list has them
            assert sorted((r["name"].split("；")[0], r["remarks"].split("；")[0]) for r in rows) == sorted(
                (lst.enterprise.name, f"状态：{lst.status}") for lst in listed
            ), (name, args)
            assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    # the filters told the rows apart (the comparison above is not between empty sets)
    assert 0 < len(_rows(world.officer, status="已列入")) < len(_rows(world.officer))
    assert refused == [("other_officer", ("enterprise_id",)), ("town_officer", ("enterprise_id",))]
    assert _rows(world.other_officer) and not _rows(world.other_officer, town=world.town_b.path)


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
