"""User trial: a 暗访 team must not include an officer of a unit whose jurisdiction is narrower than the agency's and
covers a target's place (龙城镇安监站 on a visit to an enterprise in 龙城镇) — the town must learn nothing. Refused at
creation and at a team change, through the operation and through the page, with the reason next to the team field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.extensions import db
from app.inspections.models.covert import CovertVisit
from app.inspections.operations import covert as ops
from tests.factories.inspections_covert import make_visit, visit_data


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(CovertVisit)) or 0


@pytest.mark.parametrize("as_lead", [False, True])
def test_a_town_officer_of_the_targets_town_is_refused_at_creation(world, frozen, as_lead):
    over = (
        {"lead_id": world.town_officer.id, "member_ids": [world.officer.id]}
        if as_lead
        else {"member_ids": [world.officer.id, world.officer2.id, world.town_officer.id]}
    )
    with pytest.raises(ValidationFailed) as exc:
        ops.create_visit(visit_data(world, **over), actor=world.leader)
    db.session.rollback()
    errors = exc.value.field_errors
    field = "lead_id" if as_lead else "member_ids"
    assert field in errors and world.town_officer.name in errors[field]
    assert "龙城镇" in errors[field] and "属地" in errors[field]
    assert _count() == 0


def test_a_town_officer_may_join_a_visit_to_another_town(world, frozen):
    """ent_b is in 黄口镇: 龙城镇安监站 has no say there, so its officer may be of the team."""
    visit = make_visit(
        world,
        enterprise_ids=[world.ent_b.id],
        member_ids=[world.officer.id, world.town_officer.id],
    )
    assert world.town_officer.id in visit.member_ids


def test_a_town_officer_is_refused_at_a_team_change(world, frozen):
    visit = make_visit(world)  # ent_a, in 龙城镇 (城东村)
    with pytest.raises(ValidationFailed) as exc:
        ops.change_team(
            visit,
            {"lead_id": world.officer.id, "member_ids": [world.officer.id, world.town_officer.id]},
            actor=world.leader,
        )
    db.session.rollback()
    assert world.town_officer.name in exc.value.field_errors["member_ids"]
    db.session.expire_all()
    assert world.town_officer.id not in db.session.get(CovertVisit, visit.id).member_ids


def test_the_team_page_names_the_reason_next_to_the_team_field(world, frozen, login):
    visit = make_visit(world)
    r = login(world.leader).post(
        f"/inspections/covert/{visit.id}/team",
        data={
            "lead_id": str(world.officer.id),
            "member_ids": [str(world.officer.id), str(world.town_officer.id)],
        },
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "属地人员不得参加暗访" in html and world.town_officer.name in html
    db.session.expire_all()
    assert world.town_officer.id not in db.session.get(CovertVisit, visit.id).member_ids
