"""The 3-year 管理期限 and its end by itself (credit_expiry): the timer fires at the end of term_end — not a
minute earlier — and the listing leaves the list, its publication and measures with it; `expire` refuses
before that whoever calls it; the timer is cancelled when the listing ends otherwise."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, publication, workflow
from app.credit import effects
from app.credit.models import ListingEnd, ListingStatus
from app.credit.operations import term
from app.errors import InvalidState
from app.extensions import db
from app.workflow.models import InstanceStatus, Timer, TimerStatus
from tests.factories.clock import START
from tests.factories.workflow import tick_at

pytestmark = pytest.mark.usefixtures("frozen")


def _in_force(world, listed, **kw):
    listing = listed(**kw)
    effects.take_effect(listing, actor=world.officer)
    db.session.commit()
    return listing


def test_term_is_three_years_and_the_timer_waits_for_the_end_of_its_last_day(world, listed):
    listing = _in_force(world, listed)
    assert listing.term_start == START and listing.term_end == date(2029, 11, 2)
    inst = term.running_instance(listing)
    assert inst is not None and inst.process_id == term.PROCESS
    [timer] = db.session.scalars(select(Timer).where(Timer.instance_id == inst.id)).all()
    assert timer.status == TimerStatus.WAITING
    assert timer.due_at == clock.local_midnight_after(date(2029, 11, 2))


def test_expiry_fires_at_exactly_three_years(world, listed):
    listing = _in_force(world, listed)
    listing_id = listing.id
    entry = publication.current_for(listing, "credit_listing")
    assert entry is not None
    # the last day of the term, one minute before it ends: still listed, nothing fires
    assert tick_at(datetime(2029, 11, 2, 23, 59, tzinfo=clock.TZ)) == 0
    listing = db.session.get(type(listing), listing_id)
    assert listing.status == ListingStatus.LISTED
    # the term is over: the listing ends by itself
    assert tick_at(datetime(2029, 11, 3, 0, 0, tzinfo=clock.TZ)) == 1
    listing = db.session.get(type(listing), listing_id)
    assert listing.status == ListingStatus.REMOVED
    assert listing.end_kind == ListingEnd.EXPIRED and listing.ended_on == date(2029, 11, 2)
    assert listing.end_reason == term.EXPIRED_REASON
    assert publication.current_for(listing, "credit_listing") is None
    assert all(m.lifted_on is not None for m in listing.measures)
    inst = workflow.instance_for(listing, term.PROCESS)
    assert inst.status == InstanceStatus.COMPLETED
    assert tick_at(datetime(2029, 11, 4, 9, 0, tzinfo=clock.TZ)) == 0  # nothing fires twice


@pytest.mark.parametrize("day", [date(2026, 11, 3), date(2029, 11, 1), date(2029, 11, 2)])
def test_expire_refuses_before_the_term_is_over_whoever_calls(world, listed, day):
    listing = _in_force(world, listed)
    clock.freeze(datetime(day.year, day.month, day.day, 23, 59, tzinfo=clock.TZ))
    for actor in (None, world.leader):
        with pytest.raises(InvalidState, match="期满前不能期满移出"):
            term.expire(listing, actor=actor)
    assert listing.status == ListingStatus.LISTED and term.running_instance(listing) is not None


def test_expire_refuses_a_listing_not_in_force(world, listed):
    listing = _in_force(world, listed)
    effects.end_effects(
        listing, ListingEnd.OVERTURNED, "列入决定经复议撤销", actor=world.leader, on=clock.today()
    )
    clock.freeze(date(2029, 11, 5))
    with pytest.raises(InvalidState, match="不能期满移出"):
        term.expire(listing, actor=None)
    assert listing.end_kind == ListingEnd.OVERTURNED


def test_early_end_cancels_the_timer_and_nothing_fires_later(world, listed):
    listing = _in_force(world, listed)
    inst = term.running_instance(listing)
    effects.end_effects(listing, ListingEnd.REPAIRED, "信用修复", actor=world.leader, on=clock.today())
    db.session.commit()
    assert term.running_instance(listing) is None
    assert db.session.get(type(inst), inst.id).status == InstanceStatus.CANCELLED
    assert tick_at(date(2029, 11, 5)) == 0
    assert db.session.get(type(listing), listing.id).end_kind == ListingEnd.REPAIRED
    assert term.cancel_expiry(listing, actor=world.leader, reason="再次") is False


def test_start_expiry_is_idempotent_and_refuses_what_it_cannot_time(world, listed):
    listing = _in_force(world, listed)
    first = term.running_instance(listing)
    assert term.start_expiry(listing, actor=world.officer).id == first.id
    not_yet = listed(enterprise=world.ent_b)
    not_yet.status = ListingStatus.SERVING
    with pytest.raises(InvalidState, match="不计管理期限"):
        term.start_expiry(not_yet)
    over = listed(enterprise=world.ent_a2, served_on=START - timedelta(days=3 * 366 + 1))
    with pytest.raises(InvalidState, match="已于.*届满"):
        term.start_expiry(over)
    assert term.running_instance(over) is None


def test_a_timer_for_a_listing_ended_meanwhile_does_nothing(world, listed):
    """If a listing ended without its timer being cancelled (data repaired by hand), the timer's step leaves it."""
    listing = _in_force(world, listed)
    listing.status = ListingStatus.REVOKED
    db.session.commit()
    assert tick_at(date(2029, 11, 3)) == 1
    listing = db.session.get(type(listing), listing.id)
    assert listing.status == ListingStatus.REVOKED and listing.end_kind is None
