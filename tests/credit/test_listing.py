"""The gates of the listing procedure (app.credit.gates), each refused at the operation level and through the
generic task page (POST /tasks/<id>), whoever calls: the 列入决定 before the 告知 window closes, a decider
who is not a 负责人 of the jurisdiction or who handled the listing, a statement by anyone but the listed
enterprise's own account or an officer in scope, service dates in the future or before issue, the unit
listed without its head where the criterion says so; and who may open the listing's documents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock, documents
from app.auth.models import User
from app.auth.roles import Role
from app.credit import gates
from app.credit.models import CreditListing, ListingStatus
from app.credit.operations import listing as ops
from app.documents import documents_for
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from tests.factories.credit import PERSON, SERVE, make_listing_fixture  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("frozen")


def commit():
    db.session.commit()


def reload(w) -> CreditListing:
    db.session.expire_all()
    w.listing = db.session.get(CreditListing, w.listing.id)
    return w.listing


def make_user(world, username, dept, *roles) -> User:
    from tests.factories.org import _user

    user = _user(username, username, list(roles), dept)
    db.session.flush()
    return user


# ---- unit and head together ------------------------------------------------------------------------------


def test_criterion_listing_the_head_refuses_a_notice_without_the_person(make_listing):
    w = make_listing(criterion="6")
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_notice(
            w.listing, {"notice_decision": "notify", "reasons": "无证生产"}, actor=w.world.officer
        )
    assert "person_name" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.issue_notice(
            w.listing,
            {"notice_decision": "notify", "reasons": "无证生产", "person_name": "张主要"},
            actor=w.world.officer,
        )
    assert "person_id_no" in exc.value.field_errors
    assert w.ready == ["prepare_notice"] and documents_for(w.listing) == []


def test_criterion_without_the_head_needs_no_person(make_listing):
    w = make_listing(criterion="9")
    w.notify()
    assert w.listing.person_name is None and w.ready == ["serve_notice"]


def test_head_required_through_the_task_page(make_listing, login):
    w = make_listing(criterion="6")
    commit()
    task = w.task("prepare_notice")
    client = login(w.world.officer)
    r = client.post(f"/tasks/{task.id}", data={"notice_decision": "notify", "reasons": "无证生产"})
    assert r.status_code == 422
    assert "主要负责人" in r.get_data(as_text=True)
    r = client.post(f"/tasks/{task.id}", data={"notice_decision": "notify", "reasons": "无证生产", **PERSON})
    assert r.status_code == 302
    assert reload(w).status == ListingStatus.NOTICE and reload(w).person_name == "张主要"


def test_decision_refused_when_the_person_is_missing(make_listing):
    w = make_listing(criterion="6").to_decide()
    w.listing.person_name = None  # e.g. data changed after the 告知
    with pytest.raises(InvalidState, match="主要负责人"):
        w.decide()


# ---- service dates ---------------------------------------------------------------------------------------


def test_service_date_in_the_future_or_before_issue_is_refused(make_listing):
    w = make_listing().notify()
    for served_on in (clock.today() + timedelta(days=1), clock.today() - timedelta(days=1)):
        with pytest.raises(ValidationFailed) as exc:
            ops.serve_notice(w.listing, {**SERVE, "served_on": served_on}, actor=w.world.officer)
        assert "served_on" in exc.value.field_errors
    assert w.ready == ["serve_notice"] and w.listing.notice_served_on is None


def test_decision_service_date_before_issue_is_refused(make_listing):
    w = make_listing().to_decide()
    clock.freeze(clock.today() + timedelta(days=10))
    w.decide()
    with pytest.raises(ValidationFailed, match="不能早于"):
        ops.serve_decision(
            w.listing, {**SERVE, "served_on": clock.today() - timedelta(days=1)}, actor=w.world.officer
        )
    assert w.listing.status == ListingStatus.SERVING and w.listing.term_start is None


def test_service_date_gates_through_the_task_page(make_listing, login):
    w = make_listing().notify()
    commit()
    task = w.task("serve_notice")
    client = login(w.world.officer)
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    r = client.post(f"/tasks/{task.id}", data={**SERVE, "served_on": yesterday})
    assert r.status_code == 422 and "不能早于文书制发日期" in r.get_data(as_text=True)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    assert client.post(f"/tasks/{task.id}", data={**SERVE, "served_on": tomorrow}).status_code == 422
    assert reload(w).notice_served_on is None


# ---- the statement -----------------------------------------------------------------------------------------


def test_statement_only_by_the_listed_enterprise_or_an_officer_in_scope(make_listing):
    w = make_listing().notify().serve()
    for outsider in (w.world.manager_b, w.world.other_officer, w.world.leader):
        with pytest.raises(PermissionDenied):
            ops.submit_statement(w.listing, {"statement_kind": "放弃陈述申辩"}, actor=outsider)
    assert w.ready == ["state_case"] and w.listing.statements == []
    w.waive(actor=w.world.manager_a)
    assert w.listing.statements[0].channel == gates.CHANNEL_ONLINE


def test_statement_after_the_window_is_refused_even_before_the_timer_ran(make_listing):
    w = make_listing().notify().serve()
    clock.freeze(w.listing.statement_due + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="届满"):
        w.state()
    # an officer recording a paper statement received in time may still do so
    w.listing.statements  # noqa: B018
    ops.submit_statement(
        w.listing,
        {"statement_kind": "陈述申辩", "text": "书面陈述", "received_on": w.listing.statement_due},
        actor=w.world.officer,
    )
    assert w.ready == ["verify"]


def test_another_company_cannot_state_through_the_task_page(make_listing, login):
    w = make_listing().notify().serve()
    commit()
    task = w.task("state_case")
    r = login(w.world.manager_b).post(f"/tasks/{task.id}", data={"statement_kind": "放弃陈述申辩"})
    assert r.status_code == 404  # another company's task is not even shown
    r = login(w.world.manager_a).post(
        f"/tasks/{task.id}", data={"statement_kind": "陈述申辩", "text": "已整改"}
    )
    assert r.status_code == 302
    assert reload(w).status == ListingStatus.VERIFYING


# ---- the 列入决定: window and decider --------------------------------------------------------------------------


def test_listing_before_the_notice_window_closes_is_refused(make_listing):
    w = make_listing().notify()
    with pytest.raises(InvalidState, match="尚未送达"):
        gates.require_window_closed(w.listing)
    w.serve()
    with pytest.raises(InvalidState, match="尚未届满"):
        gates.require_window_closed(w.listing)
    # an API or timer calling the decision while the window runs: refused where the procedure stands
    with pytest.raises(InvalidState):
        ops.decide(w.listing, {"decision": "list"}, actor=w.world.leader)
    assert w.listing.decided_on is None
    gates.require_window_closed(w.listing, w.listing.statement_due + timedelta(days=1))  # passes after it


def test_window_gate_holds_at_the_decision_itself(make_listing, login):
    """Even with decide READY, a listing without a verified statement whose window still runs is refused —
    at the operation and through the task page."""
    w = make_listing().to_decide()
    w.listing.verification = None  # nothing verified: only the window could open the gate
    with pytest.raises(InvalidState, match="尚未届满"):
        w.decide()
    commit()
    task = w.task("decide")
    r = login(w.world.leader).post(f"/tasks/{task.id}", data={"decision": "list"})
    assert r.status_code == 409
    assert reload(w).status == ListingStatus.DECIDING and w.listing.decided_on is None
    clock.freeze(w.listing.statement_due + timedelta(days=1))
    r = login(w.world.leader).post(f"/tasks/{task.id}", data={"decision": "list"})
    assert r.status_code == 302
    assert reload(w).status == ListingStatus.SERVING


def test_an_officer_cannot_decide(make_listing, login):
    w = make_listing().to_decide()
    for who in (w.world.officer, w.world.section_head, w.world.other_officer):
        with pytest.raises(PermissionDenied):
            w.decide(actor=who)
    commit()
    task = w.task("decide")
    assert login(w.world.officer).post(f"/tasks/{task.id}", data={"decision": "list"}).status_code == 403
    assert reload(w).decided_on is None


def test_a_leader_of_another_county_cannot_decide(make_listing, world, login):
    other_leader = make_user(world, "other_leader", world.other_bureau, Role.LEADER)
    w = make_listing().to_decide()
    with pytest.raises(PermissionDenied, match="负责人"):
        w.decide(actor=other_leader)
    commit()
    task = w.task("decide")
    # another county's task is not even shown
    assert login(other_leader).post(f"/tasks/{task.id}", data={"decision": "list"}).status_code == 404
    assert reload(w).decided_on is None


def test_the_leader_who_proposed_or_verified_cannot_decide(make_listing, world, login):
    w = make_listing(proposed_by_id=world.leader.id).to_decide()
    with pytest.raises(PermissionDenied, match="不能作出列入决定"):
        w.decide(actor=world.leader)
    # an officer who is also a 负责人 verified this one: not the decider either
    both = make_user(world, "deputy", world.bureau, Role.OFFICER, Role.LEADER)
    w2 = make_listing().notify().serve().waive().verify(actor=both)
    commit()
    task = w2.task("decide")
    r = login(both).post(f"/tasks/{task.id}", data={"decision": "list"})
    assert r.status_code == 403
    assert reload(w2).decided_on is None
    w2.decide(actor=world.leader)
    assert w2.listing.status == ListingStatus.SERVING


def test_decline_and_return_need_reasons_and_unknown_measures_are_refused(make_listing):
    w = make_listing().to_decide()
    for decision in ("decline", "return"):
        with pytest.raises(ValidationFailed) as exc:
            ops.decide(w.listing, {"decision": decision, "reasons": ""}, actor=w.world.leader)
        assert "reasons" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        ops.decide(w.listing, {"decision": "list", "measure_codes": ["NO-SUCH"]}, actor=w.world.leader)
    assert "measure_codes" in exc.value.field_errors
    assert w.ready == ["decide"]


# ---- who handles the steps --------------------------------------------------------------------------------


def test_other_county_and_enterprise_cannot_handle_the_listing(make_listing):
    w = make_listing()
    for who in (w.world.other_officer, w.world.manager_a, w.world.leader):
        with pytest.raises(PermissionDenied):
            w.notify(actor=who)
    w.drop()
    with pytest.raises(PermissionDenied):  # only a section head confirms a drop
        ops.confirm_drop(w.listing, {"drop_decision": "agree"}, actor=w.world.officer)
    assert w.ready == ["confirm_drop"]


def test_open_listing_twice_or_out_of_order_is_refused(make_listing):
    w = make_listing()
    with pytest.raises(InvalidState, match="已启动"):
        ops.open_listing(w.listing)
    w.listed()
    with pytest.raises(InvalidState):
        ops.open_listing(w.listing)


def test_steps_out_of_order_are_refused(make_listing):
    w = make_listing()
    with pytest.raises(InvalidState):
        ops.serve_notice(w.listing, {**SERVE, "served_on": clock.today()}, actor=w.world.officer)
    with pytest.raises(InvalidState):
        ops.verify(w.listing, {"verification": "x", "proposal": "list"}, actor=w.world.officer)
    with pytest.raises(InvalidState):
        ops.serve_decision(w.listing, {**SERVE, "served_on": clock.today()}, actor=w.world.officer)


# ---- documents ---------------------------------------------------------------------------------------------


def test_enterprise_opens_only_its_served_outward_documents(make_listing, world):
    w = make_listing().notify()
    [notice] = documents_for(w.listing)
    assert documents.can_view(world.officer, notice)
    assert not documents.can_view(world.manager_a, notice)  # not yet served: the listing is internal
    w.serve()
    assert documents.can_view(world.manager_a, notice)
    assert not documents.can_view(world.manager_b, notice)
    assert not documents.can_view(world.other_officer, notice)
    w.waive().verify().decide()
    decision = documents_for(w.listing, doc_type="credit_decision")[0]
    assert not documents.can_view(world.manager_a, decision)  # issued, not served
    w.serve_decision()
    assert documents.can_view(world.manager_a, decision)
    for joint in documents_for(w.listing, doc_type="credit_joint"):
        assert not documents.can_view(world.manager_a, joint)  # addressed to departments
        assert documents.can_view(world.leader, joint)


def test_documents_print(make_listing, world, login):
    w = make_listing(criterion="6").listed()
    commit()
    client = login(world.officer)
    for doc in documents_for(w.listing)[:2]:
        r = client.get(f"/documents/{doc.id}")
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        html = r.get_data(as_text=True)
        assert doc.number.text in html and world.ent_a.name in html and "张主要" in html
    decision = documents_for(w.listing, doc_type="credit_decision")[0]
    html = client.get(f"/documents/{decision.id}").get_data(as_text=True)
    assert "60日" in html and "6个月" in html and "3年" in html
