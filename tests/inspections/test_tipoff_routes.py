"""举报 pages and API: 登记 (the query code shown once, on the response, never in an address), the form's
errors next to the fields, 安排核查检查 from the tip-off page, the list's filter, the API with the informant
masked per reader, and the denials (enterprise accounts, another county, roles that may not register)."""

from __future__ import annotations

import re

from app import workflow
from app.extensions import db
from app.inspections.models import Inspection, TipOff, TipOffStatus
from app.inspections.operations import tipoff as ops
from tests.factories.inspections_tipoff import INFORMANT, SECRETS, VISIT_ON

FORM = {
    "channel": "letter",
    "informant_name": INFORMANT["informant_name"],
    "informant_phone": INFORMANT["informant_phone"],
    "content": "该单位粉尘除尘系统长期停用。",
}


def test_register_shows_the_code_once(world, login, frozen):
    client = login(world.officer)
    page = client.get("/inspections/reports/new")
    assert page.status_code == 200 and "登记举报" in page.get_data(as_text=True)
    r = client.post("/inspections/reports/new", data={**FORM, "enterprise_id": str(world.ent_b.id)})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "查询码只显示这一次" in html
    shown = re.search(r'data-testid="query-code">([^<]+)<', html).group(1)
    t = db.session.query(TipOff).one()
    assert ops.find_by_code(shown) is not None and ops.find_by_code(shown).id == t.id
    assert t.channel == "来信" and t.enterprise_id == world.ent_b.id and t.status == TipOffStatus.ASSIGNING
    detail = client.get(f"/inspections/reports/{t.id}").get_data(as_text=True)
    assert shown.replace("-", "") not in detail.replace("-", "")  # never shown again


def test_register_errors_and_denials(world, login, frozen):
    client = login(world.officer)
    r = client.post("/inspections/reports/new", data={**FORM, "content": ""})
    assert r.status_code == 422 and "必填项不能为空" in r.get_data(as_text=True)
    r = client.post("/inspections/reports/new", data={**FORM, "informant_name": ""})
    assert r.status_code == 422 and "匿名" in r.get_data(as_text=True)
    assert db.session.query(TipOff).count() == 0
    assert login(world.manager_a).get("/inspections/reports/new").status_code == 404
    assert login(world.supervisor).get("/inspections/reports/new").status_code == 403
    assert login(world.manager_a).get("/inspections/reports/").status_code == 404


def test_arrange_the_inspection_from_the_page(world, login, tipoffs):
    t, _ = tipoffs.receive()
    tipoffs.accept(t)
    db.session.commit()
    page = login(world.officer2).get(f"/inspections/reports/{t.id}").get_data(as_text=True)
    assert "安排核查检查" in page
    assert "安排核查检查" not in login(world.officer).get(f"/inspections/reports/{t.id}").get_data(
        as_text=True
    )
    assert (
        login(world.officer)
        .post(f"/inspections/reports/{t.id}/inspection", data={"member_ids": []})
        .status_code
        == 403
    )
    client = login(world.officer2)
    r = client.post(f"/inspections/reports/{t.id}/inspection", data={"planned_on": VISIT_ON.isoformat()})
    assert r.status_code == 422 and "不得少于" in r.get_data(as_text=True)  # the team needs two
    r = client.post(
        f"/inspections/reports/{t.id}/inspection",
        data={
            "planned_on": VISIT_ON.isoformat(),
            "member_ids": [str(world.officer2.id), str(world.officer.id)],
        },
    )
    assert r.status_code == 302
    t = db.session.get(TipOff, t.id)
    insp = db.session.get(Inspection, t.inspection_id)
    assert insp.source == "举报" and not insp.counts_against_cap and insp.planned_on == VISIT_ON
    html = client.get(f"/inspections/reports/{t.id}?done=inspection").get_data(as_text=True)
    assert "核查检查已安排" in html and insp.code in html
    (task,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    assert f"/tasks/{task.id}" in html  # the verifier's task is linked


def test_list_filter(world, login, tipoffs):
    t1, _ = tipoffs.receive()
    t2, _ = tipoffs.receive(anonymous=True)
    tipoffs.accept(t2)
    db.session.commit()
    client = login(world.section_head)
    html = client.get("/inspections/reports/?status=核查中").get_data(as_text=True)
    assert t2.no in html and t1.no not in html
    assert client.get("/inspections/reports/?status=乱写").status_code == 422


def test_api_masks_per_reader(world, login, tipoffs):
    t, _ = tipoffs.receive()
    db.session.commit()
    for user, sees in (
        (world.officer, True),
        (world.leader, True),
        (world.section_head, False),
        (world.supervisor, False),
    ):
        client = login(user)
        listing = client.get("/api/v1/inspection-reports").get_json()
        (item,) = [i for i in listing["items"] if i["id"] == t.id]
        one = client.get(f"/api/v1/inspection-reports/{t.id}").get_json()
        for body in (item, one):
            text = str(body)
            assert body["no"] == t.no and body["informant"]["visible"] == sees
            assert all(s in text for s in SECRETS[:3]) if sees else not [s for s in SECRETS if s in text]
    for user in (world.manager_a, world.other_officer):
        client = login(user)
        assert client.get(f"/api/v1/inspection-reports/{t.id}").status_code == 404
        assert client.get("/api/v1/inspection-reports").get_json()["items"] == []


ONLINE = {
    "informant_name": INFORMANT["informant_name"],
    "informant_phone": INFORMANT["informant_phone"],
    "enterprise_name": "萧县黄口建材有限公司",
    "content": "厂区配电房无人值守，电缆裸露。",
}


def _public(app):
    client = app.test_client()
    page = client.get("/inspections/reports/online")
    assert page.status_code == 200
    from tests.factories.auth import csrf_from

    return client, csrf_from(page.get_data(as_text=True))


def test_online_submission_by_the_informant(app, world, login, frozen):
    """网上举报: no login, CSRF-checked; the registered enterprise named exactly is linked; no 受理人, so the
    identity is the 负责人's only; the verifying officer feeds back through the query code."""
    client, token = _public(app)
    assert (
        client.post("/inspections/reports/online", data={**ONLINE, "agency_id": world.bureau.id}).status_code
        == 400
    )
    r = client.post(
        "/inspections/reports/online", data={**ONLINE, "agency_id": world.bureau.id, "csrf_token": token}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "查询码只显示这一次" in html
    code = re.search(r'data-testid="query-code">([^<]+)<', html).group(1)
    t = db.session.query(TipOff).one()
    assert t.channel == "网上" and t.received_by_id is None and t.enterprise_id == world.ent_b.id
    assert t.agency_id == world.bureau.id and t.region_path == world.ent_b.region_path
    assert ops.find_by_code(code).id == t.id
    from app.inspections import tipoff_access as access

    assert access.may_see_informant(world.leader, t)
    for user in (world.officer, world.officer2, world.section_head):
        assert not access.may_see_informant(user, t)
    page = login(world.section_head).get(f"/inspections/reports/{t.id}").get_data(as_text=True)
    assert "举报人网上自行提交" in page and not [s for s in SECRETS if s in page]
    assert INFORMANT["informant_phone"] in login(world.leader).get(f"/inspections/reports/{t.id}").get_data(
        as_text=True
    )
    # the flow: the verifying officer feeds back through the code (cannot phone: cannot see the number)
    t = db.session.get(TipOff, t.id)
    ops.assign(t, {"decision": "accept", "assignee_id": world.officer2.id}, actor=world.section_head)
    from tests.factories.inspections_tipoff import visit

    insp = ops.open_inspection(
        t,
        {"planned_on": VISIT_ON.isoformat(), "member_ids": [world.officer2.id, world.officer.id]},
        actor=world.officer2,
    )
    visit(insp)
    ops.verify(
        t, {"verified": "false", "verification": "配电房已上锁，电缆已规范敷设。"}, actor=world.officer2
    )
    (task,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    assert task.bpmn_id == "feedback" and task.assignee_id == world.officer2.id
    import pytest

    from app.errors import PermissionDenied, ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        ops.feed_back(t, {"method": "phone", "feedback": "经核查不属实"}, actor=world.officer2)
    assert "method" in e.value.field_errors
    with pytest.raises(PermissionDenied):
        ops.feed_back(t, {"method": "code", "feedback": "经核查不属实"}, actor=world.officer)
    ops.feed_back(t, {"method": "code", "feedback": "经核查，举报事项不属实。"}, actor=world.officer2)
    assert t.status == TipOffStatus.CLOSED and ops.public_status(t)["feedback"] == "经核查，举报事项不属实。"


def test_online_submission_rules_and_rate_limit(app, world, frozen):
    client, token = _public(app)
    r = client.post("/inspections/reports/online", data={**ONLINE, "agency_id": "999", "csrf_token": token})
    assert r.status_code == 422 and "受理举报的应急管理部门" in r.get_data(as_text=True)
    r = client.post(
        "/inspections/reports/online",
        data={**ONLINE, "agency_id": world.bureau.id, "content": "", "csrf_token": token},
    )
    assert r.status_code == 422 and ONLINE["enterprise_name"] in r.get_data(
        as_text=True
    )  # what was typed is kept
    r = client.post(
        "/inspections/reports/online",
        data={**ONLINE, "agency_id": world.bureau.id, "enterprise_name": "不存在的公司", "csrf_token": token},
    )
    assert r.status_code == 200
    t = db.session.query(TipOff).one()
    assert t.enterprise_id is None and t.place.startswith("不存在的公司")  # an unknown name stays in the text
    statuses = [
        client.post(
            "/inspections/reports/online",
            data={**ONLINE, "agency_id": world.bureau.id, "anonymous": "1", "csrf_token": token},
        ).status_code
        for _ in range(app.config["LOGIN_MAX_FAILURES"])
    ]
    assert statuses[-1] == 429 and db.session.query(TipOff).count() < 1 + app.config["LOGIN_MAX_FAILURES"]


def test_steps_through_the_generic_task_page(world, login, tipoffs):
    """分派 and 奖励决定 submitted on /tasks/<id>: the forms validate, the same operations run (the amount left
    empty is the computed one)."""
    t, _ = tipoffs.receive()
    db.session.commit()
    (task,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    head = login(world.section_head)
    r = head.post(f"/tasks/{task.id}", data={"decision": "accept"})
    assert r.status_code == 422  # the officer is required when accepting
    r = head.post(
        f"/tasks/{task.id}", data={"decision": "accept", "assignee_id": str(world.other_officer.id)}
    )
    assert r.status_code == 422  # not an officer of the jurisdiction
    r = head.post(f"/tasks/{task.id}", data={"decision": "accept", "assignee_id": str(world.officer2.id)})
    assert r.status_code in (302, 303)
    t = db.session.get(TipOff, t.id)
    assert t.status == TipOffStatus.VERIFYING and t.assigned_to_id == world.officer2.id
    from tests.factories.inspections_tipoff import visit

    visit(tipoffs.inspect(t))
    tipoffs.verify(t, major=True)
    tipoffs.feed(t)
    db.session.commit()
    (task,) = workflow.ready_tasks(workflow.instance_for(t, ops.PROCESS))
    assert login(world.section_head).post(
        f"/tasks/{task.id}", data={"reward_decision": "none", "reason": "x"}
    ).status_code in (403, 404)
    r = login(world.leader).post(
        f"/tasks/{task.id}",
        data={"reward_decision": "grant", "major_hazard": "y", "reason": "举报重大事故隐患属实"},
    )
    assert r.status_code in (302, 303)
    t = db.session.get(TipOff, t.id)
    assert t.status == TipOffStatus.CLOSED and str(t.reward_amount) == "3000.00" and t.reward_document_id
