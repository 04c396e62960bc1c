"""Trial (issue #14): the 信用修复 form is offered only when the application can be accepted. Before 满12个月
the listed enterprise (and its officer) read why and from which day they may apply, instead of filling in
the application and uploading the 信用承诺书 only to be refused."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.credit.rules import credit_pack
from tests.credit.test_routes import _in_force, _repair_form, _text
from tests.factories.credit import make_listing_fixture  # noqa: F401 - the walker fixture (make_listing)

FORM = 'data-testid="form-credit_repair_apply"'
NOTE = 'data-testid="repair-unavailable"'


def test_repair_form_waits_for_twelve_months_and_says_when(login, world, listed, frozen):
    listing = _in_force(world, listed)
    opens = credit_pack(listing.region_path, listing.term_start).repair_opens_on(listing.term_start)
    page_url, url = f"/credit/{listing.id}", f"/credit/{listing.id}/repairs"

    clock.freeze(opens - timedelta(days=1))  # the last day before 满12个月
    for user in (world.manager_a, world.officer):
        page = _text(login(user).get(page_url))
        assert FORM not in page
        assert NOTE in page and f"{opens:%Y年%m月%d日}起可以申请" in page
    # the same reason refuses a post that does not use the page
    r = login(world.manager_a).post(url, data=_repair_form(), content_type="multipart/form-data")
    assert r.status_code == 409 and f"{opens:%Y年%m月%d日}起可以申请" in _text(r)
    # nobody else is told about the enterprise's repair: no note for another enterprise or the leader
    assert NOTE not in _text(login(world.leader).get(page_url))

    clock.freeze(opens)  # the first day: the form, no note
    page = _text(login(world.manager_a).get(page_url))
    assert FORM in page and NOTE not in page
