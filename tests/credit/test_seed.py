"""The demo seed leaves listings in every state the pages show, built by the real operations (documents,
publication, pushes, measures, tasks, timers, audit): a proposal waiting, a listing in force with one
department's feedback overdue, a 信用修复 application under review (the enterprise's own online application),
a listing removed when its term ended, and an accident in the register."""

from __future__ import annotations

from sqlalchemy import select

from app import clock, publication, workflow
from app.credit.models import (
    Accident,
    CreditListing,
    FeedbackStatus,
    ListingEnd,
    ListingStatus,
    RepairStatus,
)
from app.documents import documents_for
from app.extensions import db
from app.seed import seed_demo
from tests.factories.auth import PASSWORD


def test_demo_listings_in_every_state(app, login):
    ctx = seed_demo()
    db.session.commit()
    users, made = ctx["users"], ctx["credit"]
    today = clock.today()

    waiting = made["waiting"]
    assert waiting.status == ListingStatus.PROPOSED
    inst = workflow.instance_for(waiting, "credit_listing")
    assert [t.bpmn_id for t in workflow.ready_tasks(inst)] == ["prepare_notice"]

    listed = made["listed"]
    assert listed.status == ListingStatus.LISTED and listed.person_name
    assert listed.term_start < today < listed.term_end
    statuses = [m.status for m in listed.measures if not m.internal]
    assert statuses.count(FeedbackStatus.OVERDUE) == 1 and FeedbackStatus.RECEIVED in statuses
    assert {d.doc_type for d in documents_for(listed)} >= {"credit_notice", "credit_decision", "credit_joint"}
    assert [p.action for p in listed.pushes] == ["列入"]
    assert publication.current_for(listed, "credit_listing") is not None

    rep = made["repair"]
    assert rep.status == ListingStatus.LISTED
    [application] = rep.repairs
    assert application.status == RepairStatus.VERIFYING and application.applied_by_id == users["qiye2"].id
    assert (today - rep.term_start).days >= 365

    expired = made["expired"]
    assert expired.status == ListingStatus.REMOVED and expired.end_kind == ListingEnd.EXPIRED
    assert expired.ended_on is not None and expired.ended_on <= today
    assert publication.current_for(expired, "credit_listing") is None
    assert [p.action for p in expired.pushes] == ["列入", "移出"]

    assert db.session.scalar(select(Accident).where(Accident.id == ctx["credit_accident"].id)) is not None

    # the pages show them: the officer's list, the enterprise's own listing and its progress
    for user in users.values():
        user.set_password(PASSWORD)
    db.session.commit()
    officer = login(users["officer"])
    html = officer.get("/credit/").get_data(as_text=True)
    for lst in (waiting, listed, rep, expired):
        assert f'data-listing-id="{lst.id}"' in html
    qiye2 = login(users["qiye2"])
    own = qiye2.get("/credit/").get_data(as_text=True)
    assert f'data-listing-id="{rep.id}"' in own and f'data-listing-id="{listed.id}"' not in own
    page = qiye2.get(f"/credit/{rep.id}").get_data(as_text=True)
    assert "信用修复申请审查中" in page
    dash = officer.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="credit-feedback-overdue">1<' in dash and 'data-testid="credit-repairs">1<' in dash
    assert qiye2.get(f"/credit/{waiting.id}").status_code == 404
    # every listing page and the accident page render for the officer and the leader
    leader = login(users["leader"])
    for lst in db.session.scalars(select(CreditListing)):
        assert officer.get(f"/credit/{lst.id}").status_code == 200
        assert leader.get(f"/credit/{lst.id}").status_code == 200
    assert officer.get(f"/credit/accidents/{ctx['credit_accident'].id}").status_code == 200
