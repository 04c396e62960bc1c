"""双随机 pages: a section head defines, commits and draws a batch through the pages; the public record and
the replay page answer without sign-in (no cookie) and recompute the draw; denials."""

from __future__ import annotations

import json

import pytest

from app.errors import PermissionDenied
from app.inspections.models import DrawBatch, DrawStatus
from tests.factories.inspections_draw import DRAW_PLANNED_ON


def test_section_head_defines_commits_and_draws(world, login, spot_item, db):
    c = login(world.section_head)
    assert c.get("/inspections/draws/new").status_code == 200
    r = c.post(
        "/inspections/draws/new",
        data={
            "title": "第四季度双随机抽查",
            "item_id": spot_item.id,
            "strata": "*,*,2",
            "inspectors_per_target": "2",
            "exclude_recent_days": "90",
            "exclude_at_cap": "1",
            "planned_on": DRAW_PLANNED_ON.isoformat(),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    batch = db.session.scalars(db.select(DrawBatch)).one()
    assert "检查对象名录库 <strong>" not in c.get(f"/inspections/draws/{batch.id}").get_data(as_text=True)
    page = c.get(f"/inspections/draws/{batch.id}?preview=1").get_data(as_text=True)
    assert "检查对象名录库 <strong>3</strong> 户" in page
    assert c.post(f"/inspections/draws/{batch.id}/commit").status_code == 302
    db.session.refresh(batch)
    assert batch.status == DrawStatus.COMMITTED
    anon = world_client = c.client.application.test_client()
    rec = anon.get(f"/gongshi/draws/{batch.id}")
    text = rec.get_data(as_text=True)
    assert rec.status_code == 200 and batch.pool_hash in text and batch.seed_commitment in text
    assert batch.seed not in text and "抽取时公开" in text
    assert "Set-Cookie" not in rec.headers
    assert c.post(f"/inspections/draws/{batch.id}/draw").status_code == 302
    db.session.refresh(batch)
    assert batch.status == DrawStatus.DRAWN and len(batch.targets) == 2
    # drawing again through the page changes nothing
    c.post(f"/inspections/draws/{batch.id}/draw")
    db.session.refresh(batch)
    assert len(batch.targets) == 2
    text = world_client.get(f"/gongshi/draws/{batch.id}").get_data(as_text=True)
    assert batch.seed in text and batch.targets[0].enterprise.name in text
    replay = world_client.post(f"/gongshi/draws/replay?batch={batch.id}", data={"inputs": ""})
    body = replay.get_data(as_text=True)
    assert replay.status_code == 200 and "复核一致" in body and "Set-Cookie" not in replay.headers
    inputs = json.loads(world_client.get(f"/gongshi/draws/{batch.id}/inputs.json").get_data(as_text=True))
    assert (
        world_client.post("/gongshi/draws/replay", data={"inputs": json.dumps(inputs)})
        .get_data(as_text=True)
        .count("复核一致")
        == 1
    )
    inputs["pool"] = inputs["pool"][1:]
    body = world_client.post("/gongshi/draws/replay", data={"inputs": json.dumps(inputs)}).get_data(
        as_text=True
    )
    assert "复核不一致" in body
    assert "JSON格式不正确" in world_client.post("/gongshi/draws/replay", data={"inputs": "{"}).get_data(
        as_text=True
    )


def test_public_pages_hide_drafts_and_list_items(world, app, new_batch, spot_item):
    batch = new_batch()
    anon = app.test_client()
    assert anon.get(f"/gongshi/draws/{batch.id}").status_code == 404
    assert anon.get(f"/gongshi/draws/{batch.id}/inputs.json").status_code == 404
    replay = anon.get("/gongshi/draws/replay").get_data(as_text=True)
    assert "抽取算法 v1" in replay and "HMAC(&#34;team|企业ID|#j&#34;)" in replay  # the rules, in Chinese
    items = anon.get("/gongshi/draws/items").get_data(as_text=True)
    assert spot_item.name in items


def test_denials(world, login, new_batch):
    batch = new_batch("committed")
    assert login(world.officer).get("/inspections/draws/new").status_code == 403
    assert login(world.officer).post(f"/inspections/draws/{batch.id}/draw").status_code == 403
    assert login(world.manager_a).get("/inspections/draws/").status_code == 403
    assert login(world.other_officer).get(f"/inspections/draws/{batch.id}").status_code == 404
    assert login(world.officer).get(f"/inspections/draws/{batch.id}").status_code == 200
    assert batch.status == DrawStatus.COMMITTED


def test_officer_declares_a_conflict_and_manager_sees_it(world, login, db):
    c = login(world.officer)
    r = c.post(
        "/inspections/draws/conflicts",
        data={"enterprise_id": world.ent_a.id, "relation": "堂兄在该企业任车间主任"},
    )
    assert r.status_code == 302
    page = login(world.section_head).get("/inspections/draws/conflicts").get_data(as_text=True)
    assert "堂兄在该企业任车间主任" in page and world.officer.name in page
    assert "堂兄在该企业任车间主任" not in login(world.officer2).get("/inspections/draws/conflicts").get_data(
        as_text=True
    )
    r = login(world.officer2).post(
        "/inspections/draws/conflicts",
        data={"user_id": world.officer.id, "enterprise_id": world.ent_b.id, "relation": "x"},
    )
    assert r.status_code == 403


def test_items_page_publishes(world, login, db):
    c = login(world.section_head)
    r = c.post(
        "/inspections/draws/items",
        data={"code": "AJ-9", "name": "粉尘涉爆企业检查", "basis": "安全生产法", "subject_scope": "工贸企业",
              "method": "现场检查", "ratio": "5%", "frequency": "每年一次"},
    )  # fmt: skip
    assert r.status_code == 302
    from app.inspections.models import SpotCheckItem

    item = db.session.scalars(db.select(SpotCheckItem)).one()
    assert c.post(f"/inspections/draws/items/{item.id}/publish").status_code == 302
    assert "粉尘涉爆企业检查" in c.client.application.test_client().get("/gongshi/draws/items").get_data(
        as_text=True
    )
    assert login(world.officer).post("/inspections/draws/items", data={"code": "x"}).status_code == 403


def test_recusal_and_supplement_through_the_task_pages(world, login, new_batch, db):
    from app import workflow
    from app.auth.models import User
    from app.inspections.models import DrawEventKind
    from app.inspections.operations import draw as ops

    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    member = db.session.get(User, next(u for u in target.team if u != world.section_head.id))
    c = login(member)
    assert "申请回避" in c.get(f"/inspections/draws/{batch.id}").get_data(as_text=True)
    assert (
        c.post(
            f"/inspections/draws/targets/{target.id}/recusal", data={"reason": "妻弟在该企业任职"}
        ).status_code
        == 302
    )
    ev = next(e for e in batch.events if e.kind == DrawEventKind.RECUSAL_REQUESTED)
    task = workflow.ready_tasks(workflow.instance_for(ev, ops.RECUSAL_PROCESS))[0]
    head = login(world.section_head)
    page = head.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "妻弟在该企业任职" in page
    r = head.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "同意"})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:1000]
    db.session.expire_all()
    target = db.session.get(type(target), target.id)
    assert member.id not in target.team
    # 补抽: requested on the page, approved by the leader on the task page; the section head cannot approve
    assert (
        login(world.section_head)
        .post(f"/inspections/draws/{batch.id}/supplement", data={"count": "1", "reason": "抽中企业已停产"})
        .status_code
        == 302
    )
    db.session.expire_all()
    batch = db.session.get(type(batch), batch.id)
    sev = next(e for e in batch.events if e.kind == DrawEventKind.SUPPLEMENT_REQUESTED)
    stask = workflow.ready_tasks(workflow.instance_for(sev, ops.SUPPLEMENT_PROCESS))[0]
    denied = login(world.section_head).post(f"/tasks/{stask.id}", data={"decision": "approve"})
    assert denied.status_code in (403, 404)
    db.session.expire_all()
    assert len(db.session.get(type(batch), batch.id).targets) == 1
    r = login(world.leader).post(f"/tasks/{stask.id}", data={"decision": "approve", "opinion": "同意"})
    assert r.status_code in (302, 303)
    db.session.expire_all()
    assert len(db.session.get(type(batch), batch.id).targets) == 2
    body = login(world.leader).get(f"/gongshi/draws/replay?batch={batch.id}").get_data(as_text=True)
    assert "复核双随机抽取结果" in body
    replay = c.client.application.test_client().post(
        f"/gongshi/draws/replay?batch={batch.id}", data={"inputs": ""}
    )
    text = replay.get_data(as_text=True)
    assert "复核一致" in text and "回避替换：一致" in text and "补抽：一致" in text


def test_draw_gates_hold_through_the_page_the_task_page_and_the_api(world, login, new_batch, db):
    """No draw before the commit, no second draw, no 补抽 without a 负责人 other than its requester (page, task
    page, API), no 回避 replacement once the team is on site."""
    from app import workflow
    from app.auth.models import User
    from app.inspections.models import DrawBatch, DrawEventKind, DrawStatus, DrawTarget, Inspection
    from app.inspections.operations import draw as ops
    from app.inspections.operations import inspection as onsite
    from tests.factories.inspections_onsite import start_data

    def fresh(batch):
        db.session.expire_all()
        return db.session.get(DrawBatch, batch.id)

    head = login(world.section_head)
    # a draw before the commit: refused, nothing drawn (no run_draw task exists to reach by /tasks or the API)
    draft = new_batch()
    r = head.post(f"/inspections/draws/{draft.id}/draw", follow_redirects=True)
    assert "批次尚未提交冻结，不能抽取" in r.get_data(as_text=True)
    draft = fresh(draft)
    assert draft.status == DrawStatus.DRAFT and not draft.targets
    # a second draw (a silent redraw): refused, the result unchanged
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    drawn = [(t.enterprise_id, list(t.team)) for t in batch.targets]
    r = head.post(f"/inspections/draws/{batch.id}/draw", follow_redirects=True)
    assert "批次已抽取，不能重新抽取" in r.get_data(as_text=True)
    assert [(t.enterprise_id, list(t.team)) for t in fresh(batch).targets] == drawn
    # 补抽 asked by a 负责人: nobody approves it but another 负责人 — not the requester, not a section head,
    # not an officer, not another county — through the task page or the API
    batch = fresh(batch)
    ev = ops.request_supplement(batch, {"count": 1, "reason": "抽中企业已注销"}, actor=world.leader)
    db.session.commit()
    task = workflow.ready_tasks(workflow.instance_for(ev, ops.SUPPLEMENT_PROCESS))[0]
    for who in ("leader", "section_head", "officer", "other_officer", "manager_a"):
        client = login(getattr(world, who))
        r = client.post(f"/tasks/{task.id}", data={"decision": "approve", "opinion": "同意"})
        assert r.status_code in (403, 404), (who, r.status_code)
        r = client.api(
            "POST",
            f"/api/v1/tasks/{task.id}/complete",
            json={"data": {"decision": "approve", "opinion": "同意"}},
        )
        assert r.status_code in (403, 404), (who, r.status_code)
    assert len(fresh(batch).targets) == 1
    with pytest.raises(PermissionDenied, match="不能审批本人申请的补抽"):
        ops.decide_supplement(db.session.get(type(ev), ev.id), {"decision": "approve"}, actor=world.leader)
    db.session.rollback()
    # 回避 once the drawn team is on site: refused on the page, the team unchanged
    target = fresh(batch).targets[0]
    insp = db.session.get(Inspection, target.inspection_id)
    if "prepare_scheme" in onsite.ready_ids(insp):
        from tests.factories.inspections_onsite import scheme_data

        onsite.prepare_scheme(insp, scheme_data(scheduled_on=insp.planned_on.isoformat()),
                              actor=db.session.get(User, insp.lead_officer_id))  # fmt: skip
    onsite.start_onsite(insp, start_data(world), actor=db.session.get(User, insp.lead_officer_id))
    db.session.commit()
    member = db.session.get(User, target.team[1])
    r = login(member).post(f"/inspections/draws/targets/{target.id}/recusal", data={"reason": "妻弟在该企业任职"},
                           follow_redirects=True)  # fmt: skip
    assert "不能再申请回避替换" in r.get_data(as_text=True)
    target = db.session.get(DrawTarget, target.id)
    assert member.id in target.team and not any(
        e.kind == DrawEventKind.RECUSAL_REQUESTED for e in fresh(batch).events
    )


def test_a_refused_request_comes_back_with_its_message_and_what_was_typed(world, login, new_batch, db):
    from app.auth.models import User
    from app.inspections.models import DrawEventKind

    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    head = login(world.section_head)
    # 补抽: a count out of range — the message next to the count, the reason kept, nothing requested
    r = head.post(
        f"/inspections/draws/{batch.id}/supplement", data={"count": "0", "reason": "抽中企业已停产歇业"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="supplement-count-error"' in html
    assert "补抽户数应在1到1000之间" in html and 'value="抽中企业已停产歇业"' in html
    r = head.post(f"/inspections/draws/{batch.id}/supplement", data={"count": "2", "reason": " "})
    assert r.status_code == 422 and 'data-testid="supplement-reason-error"' in r.get_data(as_text=True)
    assert 'value="2"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert not [
        e for e in db.session.get(DrawBatch, batch.id).events if e.kind == DrawEventKind.SUPPLEMENT_REQUESTED
    ]
    # 回避: no reason — the message next to that target's reason field
    target = batch.targets[0]
    member = db.session.get(User, next(u for u in target.team if u != world.section_head.id))
    r = login(member).post(f"/inspections/draws/targets/{target.id}/recusal", data={"reason": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="recusal-error"' in html and "请填写回避理由" in html
    # a bad 事项 id is not found, never a server error
    assert head.post("/inspections/draws/items", data={"item_id": "9" * 26, "code": "x"}).status_code == 404
    assert head.post("/inspections/draws/items", data={"item_id": "abc", "code": "x"}).status_code == 404


def test_a_refused_conflict_declaration_keeps_what_was_typed(world, login, db):
    from app.inspections.models import ConflictDeclaration

    c = login(world.officer)
    page = c.get("/inspections/draws/conflicts").get_data(as_text=True)
    assert (
        'data-testid="conflict-enterprise-picker"' in page
    )  # the registry's search picker, not the first 500
    # no enterprise picked: the message next to the picker, the relation kept
    r = c.post("/inspections/draws/conflicts", data={"enterprise_id": "", "relation": "表弟在该企业任安全员"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="conflict-enterprise-error"' in html
    assert 'value="表弟在该企业任安全员"' in html
    # a 26-digit id is no enterprise, never a 500
    r = c.post("/inspections/draws/conflicts", data={"enterprise_id": "9" * 26, "relation": "表弟"})
    assert r.status_code == 422 and "请选择企业" in r.get_data(as_text=True)
    # no relation: the message next to it, the enterprise still chosen
    r = c.post("/inspections/draws/conflicts", data={"enterprise_id": str(world.ent_a.id), "relation": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="conflict-relation-error"' in html
    assert world.ent_a.name in html
    assert db.session.query(ConflictDeclaration).count() == 0


def test_a_refused_batch_form_says_why_next_to_each_field_and_keeps_it(world, login, spot_item, db):
    head = login(world.section_head)
    data = {
        "title": "2026年第四季度粉尘涉爆企业抽查",
        "item_id": str(spot_item.id),
        "strata": "工贸,*,abc",
        "inspectors_per_target": "1",
        "exclude_recent_days": "90",
        "planned_on": "2026-11-20",
        "towns": "",
    }
    r = head.post("/inspections/draws/new", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    # both wrong fields are named at once (trial: one a reply, the second learnt only after sending again)
    assert 'data-testid="error-inspectors_per_target"' in html and 'data-testid="error-strata"' in html
    assert "2026年第四季度粉尘涉爆企业抽查" in html and "工贸,*,abc" in html  # nothing typed lost
    assert db.session.query(DrawBatch).count() == 0
    # a date out of order: the message next to 应完成日期
    r = head.post("/inspections/draws/new", data={**data, "strata": "工贸,*,2", "inspectors_per_target": "2",
                                                  "due_on": "2026-11-01"})  # fmt: skip
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="error-due_on"' in html and 'value="2026-11-01"' in html


def test_an_empty_batch_form_names_every_missing_field_next_to_it(world, login, spot_item, db):
    """The form is checked by the server (novalidate: no browser bubble in the browser's own language)."""
    head = login(world.section_head)
    page = head.get("/inspections/draws/new").get_data(as_text=True)
    assert 'data-testid="draw-define" novalidate' in page
    r = head.post("/inspections/draws/new", data={"strata": "危险化学品,*,5", "inspectors_per_target": "2"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    for name in ("title", "item_id", "planned_on"):
        assert f'data-testid="error-{name}"' in html, name
    assert "请填写批次名称" in html and "危险化学品,*,5" in html
    assert db.session.query(DrawBatch).count() == 0
