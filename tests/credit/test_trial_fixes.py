"""What trying the demo as its users found: a statement's time is the app's clock (the demo and the tests run a
controlled one, a waiver must not read as made after the decision), the party's progress names its 信用修复
application once with its date, and the push records read as files and checksums, not raw names."""

from __future__ import annotations

from app import clock
from app.credit.view import outsider_progress
from app.extensions import db


def test_a_statement_is_dated_by_the_apps_clock(make_listing):
    walk = make_listing().notify().serve().waive()
    (statement,) = walk.listing.statements
    assert statement.submitted_at.astimezone(clock.TZ).date() == clock.today()
    assert statement.submitted_at == clock.now()


def test_the_repair_step_names_its_date_once(world, listed):
    from app.credit.models import RepairApplication

    listing = listed()
    db.session.add(
        RepairApplication(
            listing_id=listing.id,
            applied_on=clock.today(),
            channel="网上申请",
            applied_by_id=world.manager_a.id,
            statement="已整改",
        )
    )
    db.session.flush()
    db.session.refresh(listing)
    labels = [s.label for s in outsider_progress(listing)]
    assert "已申请信用修复" in labels
    assert not any(clock.today().isoformat() in label for label in labels)
