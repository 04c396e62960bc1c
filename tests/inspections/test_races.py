"""Two people acting on one inspection at once (the steps no workflow task serialises take the inspection's row
lock and read the row again with it): one wins, the other is told what happened — never a second 指令书, never a
second start of the visit."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.hazards.models import RectificationOrder
from app.inspections.operations import results as ops
from tests.factories.concurrency import together
from tests.factories.inspections_onsite import start_data


def _together(calls):
    """The calls' (status, Location), run at the same moment."""
    return [(r.status_code, r.headers.get("Location", "")) for r in together(calls)]


def _one_winner(results, page: str, clients) -> str:
    """The winner is sent on to the inspection; the loser (a 409 on a form post) back with the reason flashed:
    the text of the page the loser lands on."""
    assert all(code in (302, 303) for code, _ in results), results
    won = [i for i, (_, where) in enumerate(results) if where.startswith(page)]
    assert len(won) == 1, results
    lost = 1 - won[0]
    return clients[lost].get(results[lost][1] or "/", follow_redirects=True).get_data(as_text=True)


def test_two_officers_issuing_the_order_at_once_make_one(world, recorded_inspection, login):
    insp = recorded_inspection({})
    form = {f"category-{f.id}": "物" for f in ops.to_order(ops.findings_of(insp))}
    url = f"/inspections/{insp.id}/results/order"
    officer, officer2 = login(world.officer), login(world.officer2)
    forms = [{**form, "co_officer_id": world.officer2.id}, {**form, "co_officer_id": world.officer.id}]
    db.session.commit()
    results = _together([lambda: officer.post(url, forms[0]), lambda: officer2.post(url, forms[1])])
    loser = _one_winner(results, f"/inspections/{insp.id}", [officer, officer2])
    assert "已下达责令限期整改指令书，不能重复下达" in loser
    db.session.expire_all()
    orders = db.session.scalar(
        select(func.count()).select_from(RectificationOrder).where(RectificationOrder.status == "issued")
    )
    assert orders == 1


def test_two_officers_starting_the_visit_at_once_one_is_told_who_and_when(world, new_inspection, login):
    from app.inspections.operations import inspection as onsite
    from tests.factories.inspections_onsite import scheme_data

    insp = new_inspection()
    onsite.prepare_scheme(insp, scheme_data(), actor=world.officer)
    db.session.commit()
    url = f"/inspections/{insp.id}/start"
    data = {k: v for k, v in start_data(world).items() if v is not None}
    officer, officer2 = login(world.officer), login(world.officer2)
    results = _together([lambda: officer.post(url, data), lambda: officer2.post(url, data)])
    loser = _one_winner(results, f"/inspections/{insp.id}", [officer, officer2])
    assert "现场检查已由" in loser and "开始" in loser


def test_the_lock_reads_the_row_again_and_keeps_only_what_still_holds(world, new_inspection):
    """lock() reads the inspection's columns as they stand once the lock is held: a many-to-one read before (the
    enterprise) is kept while its key still names it, one whose key another writer changed (the lead) is read
    again, and collections (the team) are read again."""
    from sqlalchemy import update

    from app.inspections.models import Inspection, InspectionMember
    from app.inspections.operations.inspection import lock

    insp = new_inspection()
    db.session.commit()
    enterprise, lead, team = insp.enterprise, insp.lead_officer, list(insp.members)
    assert lead.id == world.officer.id and len(team) == 2
    # another writer, straight to the tables: a new lead, and the team without its second member
    db.session.execute(update(Inspection).where(Inspection.id == insp.id).values(lead_officer_id=world.officer2.id))
    db.session.execute(InspectionMember.__table__.delete().where(InspectionMember.id == team[1].id))
    lock(insp)
    assert insp.lead_officer_id == world.officer2.id and insp.lead_officer.id == world.officer2.id
    assert insp.__dict__["enterprise"] is enterprise  # kept: enterprise_id unchanged
    assert [m.id for m in insp.members] == [team[0].id]
    db.session.rollback()
