"""Review of the tip-off's gates and forms: the reward is the county 负责人's alone through every channel (the
generic task page, the API, another county); the 安排核查检查 form picks the enterprise with the registry's
picker (never a numeric id), keeps what was typed and puts each message next to its field; the section head
arranging it does not put themself in the team as its lead."""

from __future__ import annotations

import pytest

from app import workflow
from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.models.tipoff import TipOff, TipOffStatus
from app.inspections.operations import tipoff as ops
from tests.factories.inspections_tipoff import VISIT_ON


def _task(t):
    (task,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    return task


@pytest.mark.parametrize("who", ["officer", "officer2", "section_head", "other_officer", "manager_a"])
def test_only_the_countys_leader_decides_the_reward_through_any_channel(world, login, tipoffs, who):
    t, _ = tipoffs.to_reward(major=True)
    db.session.commit()
    task = _task(t)
    assert task.bpmn_id == "decide_reward"
    client = login(getattr(world, who))
    grant = {"reward_decision": "grant", "major_hazard": "y", "reason": "举报重大事故隐患属实"}
    assert client.post(f"/tasks/{task.id}", data=grant).status_code in (403, 404)
    r = client.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": grant})
    assert r.status_code in (403, 404)
    db.session.expire_all()
    t = db.session.get(TipOff, t.id)
    assert t.status == TipOffStatus.REWARD and t.reward_decision is None and t.reward_document_id is None


def test_the_leader_decides_through_the_api_and_a_second_submission_is_told_it_is_done(world, login, tipoffs):
    t, _ = tipoffs.to_reward(major=True)
    db.session.commit()
    task = _task(t)
    leader = login(world.leader)
    data = {"reward_decision": "none", "reason": "举报人系企业安全管理人员，依职责应当报告"}
    r = leader.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": data})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    db.session.expire_all()
    t = db.session.get(TipOff, t.id)
    assert t.status == TipOffStatus.CLOSED and t.reward_decision == "不予奖励"
    r = leader.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": data})
    assert r.status_code == 409 and world.leader.name in r.get_data(as_text=True)


def test_the_arrange_form_picks_the_enterprise_and_keeps_what_was_typed(world, login, tipoffs):
    t, _ = tipoffs.receive(enterprise_id=None)
    tipoffs.accept(t)  # officer2 verifies
    db.session.commit()
    client = login(world.officer2)
    page = client.get(f"/inspections/reports/{t.id}").get_data(as_text=True)
    assert 'data-testid="tipoff-enterprise-picker"' in page and "企业ID" not in page
    # no enterprise chosen: refused next to the field; the date and the team ticked stay
    r = client.post(
        f"/inspections/reports/{t.id}/inspection",
        data={"planned_on": VISIT_ON.isoformat(), "member_ids": [str(world.officer.id)]},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'data-testid="error-enterprise_id"' in html and "请选择核查的单位" in html
    assert f'value="{VISIT_ON.isoformat()}"' in html
    assert f'value="{world.officer.id}" id="m{world.officer.id}" checked' in html
    # another county's enterprise: refused, the choice shown back in the picker
    r = client.post(
        f"/inspections/reports/{t.id}/inspection",
        data={
            "planned_on": VISIT_ON.isoformat(),
            "enterprise_id": str(world.ent_other.id),
            "member_ids": [str(world.officer.id), str(world.officer2.id)],
        },
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="error-enterprise_id"' in html
    assert f'<option value="{world.ent_other.id}" selected>' in html
    assert world.ent_other.name not in html  # an id posted from outside the scope reveals no name
    db.session.expire_all()
    assert db.session.get(TipOff, t.id).inspection_id is None


def test_the_section_head_arranging_it_leaves_the_assigned_officer_as_lead(world, tipoffs):
    t, _ = tipoffs.receive()
    tipoffs.accept(t)  # assigned to officer2
    insp = ops.open_inspection(
        t,
        {"planned_on": VISIT_ON.isoformat(), "member_ids": [world.officer.id, world.officer2.id]},
        actor=world.section_head,
    )
    insp = db.session.get(Inspection, insp.id)
    assert insp.lead_officer_id == world.officer2.id
    assert sorted(insp.officer_ids) == sorted([world.officer.id, world.officer2.id])


def test_bad_ids_are_told_next_to_the_field(world, tipoffs):
    from app.errors import ValidationFailed

    t, _ = tipoffs.receive()
    tipoffs.accept(t)
    with pytest.raises(ValidationFailed) as e:
        ops.open_inspection(
            t, {"planned_on": VISIT_ON.isoformat(), "member_ids": ["x"]}, actor=world.officer2
        )
    assert "member_ids" in e.value.field_errors
    with pytest.raises(ValidationFailed) as e:
        ops.open_inspection(
            t,
            {"planned_on": VISIT_ON.isoformat(), "member_ids": [world.officer.id], "lead_officer_id": "张三"},
            actor=world.officer2,
        )
    assert "lead_officer_id" in e.value.field_errors


def test_a_higher_levels_leader_reads_the_informant_masked(world, tipoffs, login):
    """保护举报人: the identity is for the receiving agency's 负责人, not a city leader whose scope covers it."""
    from app.auth.roles import Role
    from app.inspections import tipoff_access
    from app.org.models import Department
    from tests.factories.inspections_tipoff import SECRETS
    from tests.factories.org import _user

    t, _ = tipoffs.receive()
    city = Department(name="宿州市应急管理局", short_name="宿", kind="局", region=world.county.parent)
    db.session.add(city)
    db.session.flush()
    city_leader = _user("city_leader", "宿州局长", [Role.LEADER], city)
    db.session.commit()
    assert tipoff_access.can_view(city_leader, t)  # the city reads its counties' tip-offs …
    assert not tipoff_access.may_see_informant(city_leader, t)  # … but not who made them
    assert tipoff_access.may_see_informant(world.leader, t)
    html = login(city_leader).get(f"/inspections/reports/{t.id}").get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in html
