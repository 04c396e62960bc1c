"""双随机 operations: define → commit (freeze, hashes, commitment, 公示) → draw (seed revealed, inspections
created) — once; exclusions (非在业, cap, recent, 回避 pairs); 回避 replacement approved by the section head;
补抽 only with the leader's approval; every path of the three workflows; denials."""

from __future__ import annotations

import pytest

from app import publication, workflow
from app.errors import InvalidState, PermissionDenied, ValidationFailed
from app.inspections import conflicts
from app.inspections import draw as algo
from app.inspections.models import DrawEventKind, DrawStatus, Inspection, InspectionSource
from app.inspections.operations import draw as ops
from app.org.models import EnterpriseStatus
from tests.factories.inspections_draw import batch_data


def _tasks(subject, process):
    return sorted(t.bpmn_id for t in workflow.ready_tasks(workflow.instance_for(subject, process)))


def test_commit_freezes_pool_publishes_hashes_and_hides_the_seed(world, new_batch):
    batch = new_batch()
    assert batch.status == DrawStatus.DRAFT and _tasks(batch, ops.PROCESS) == ["commit_batch"]
    ops.commit_batch(batch, {}, actor=world.section_head)
    assert batch.status == DrawStatus.COMMITTED and _tasks(batch, ops.PROCESS) == ["run_draw"]
    assert batch.number == "萧双随机〔2026〕1号"
    pool_ids = [e["id"] for e in batch.pool]
    assert pool_ids == sorted([world.ent_a.id, world.ent_a2.id, world.ent_b.id])  # not the other county
    towns = {e["id"]: e["town"] for e in batch.pool}
    assert towns[world.ent_a.id] == "龙城镇" and towns[world.ent_b.id] == "黄口镇"
    assert world.other_officer.id not in batch.inspectors and world.officer.id in batch.inspectors
    assert world.legal.id not in batch.inspectors  # not an officer
    assert batch.pool_hash == algo.pool_hash(batch.pool, batch.inspectors, batch.strata, 2)
    assert batch.exclusions_hash == algo.exclusions_hash(batch.exclusions)
    assert batch.seed_commitment == algo.commitment(batch.seed)
    entry = publication.current_for(batch, "draw_record")
    fields = dict(entry.fields)
    assert fields["对象库SHA-256"] == batch.pool_hash
    assert fields["随机种子承诺值SHA-256"] == batch.seed_commitment
    assert batch.seed not in str(entry.fields)  # secret until the draw
    with pytest.raises(InvalidState):
        ops.commit_batch(batch, {}, actor=world.section_head)
    with pytest.raises(InvalidState):
        ops.update_batch(batch, batch_data(batch.item), actor=world.section_head)


def test_draw_reveals_seed_creates_inspections_and_matches_a_replay(world, new_batch, db):
    batch = new_batch("committed")
    ops.draw_batch(batch, {}, actor=world.section_head)
    assert batch.status == DrawStatus.DRAWN and _tasks(batch, ops.PROCESS) == ["close_batch"]
    assert len(batch.targets) == 2
    assert batch.result == algo.run("v1", ops.inputs_of(batch))  # the same inputs, the same result
    for t in batch.targets:
        insp = db.session.get(Inspection, t.inspection_id)
        assert insp.source == InspectionSource.RANDOM and insp.source_ref == batch.number
        assert insp.lead_officer_id == t.team[0] and sorted(insp.officer_ids) == sorted(t.team)
        assert insp.enterprise_id == t.enterprise_id
    entry = publication.current_for(batch, "draw_record")
    assert dict(entry.fields)["随机种子"] == batch.seed
    assert len(publication.history_for(batch, "draw_record")) == 2  # the commit's entry withdrawn, kept
    outcome = ops.replay(ops.published_inputs(batch), published=batch)
    assert outcome.ok and outcome.commitment_ok and outcome.pool_hash_ok and outcome.result_ok


def test_no_redraw(world, new_batch):
    batch = new_batch("drawn")
    result = dict(batch.result)
    with pytest.raises(InvalidState, match="不能重新抽取"):
        ops.draw_batch(batch, {}, actor=world.section_head)
    assert batch.result == result and len(batch.targets) == 2


def test_draft_cannot_be_drawn(world, new_batch):
    batch = new_batch()
    with pytest.raises(InvalidState, match="尚未提交"):
        ops.draw_batch(batch, {}, actor=world.section_head)


def test_exclusions_not_operating_recent_and_conflict_pairs(world, new_batch, new_inspection, db):
    world.ent_b.status = EnterpriseStatus.SUSPENDED
    new_inspection(enterprise=world.ent_a2)  # planned within 90 days of the draw
    conflicts.declare(world.officer, world.ent_a, "配偶在该企业任职", actor=world.officer)
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "ratio": "1"}])
    reasons = {e["id"]: e["reason"] for e in batch.exclusions["enterprises"]}
    assert reasons[world.ent_b.id].startswith("经营状态为停产")
    assert reasons[world.ent_a2.id].startswith("近90日内已检查")
    assert [world.officer.id, world.ent_a.id] in batch.exclusions["conflicts"]
    assert [t.enterprise_id for t in batch.targets] == [world.ent_a.id]
    assert world.officer.id not in batch.targets[0].team


def test_at_cap_enterprises_are_excluded(world, new_batch, new_inspection):
    from app.inspections.caps import budget

    while budget(world.ent_b, 2026).remaining > 0:
        new_inspection(enterprise=world.ent_b, planned_on="2026-03-02")  # long before: not "recent"
    batch = new_batch("committed", strata=[{"industry": None, "town": None, "ratio": "1"}])
    reasons = {e["id"]: e["reason"] for e in batch.exclusions["enterprises"]}
    assert "年度检查上限" in reasons[world.ent_b.id]


def test_any_change_after_commit_shows_in_the_hash(world, new_batch):
    batch = new_batch("committed")
    tampered = [dict(e) for e in batch.pool]
    tampered[0]["industry"] = "商贸"
    assert algo.pool_hash(tampered, batch.inspectors, batch.strata, 2) != batch.pool_hash
    data = ops.published_inputs(batch)
    data["seed"] = "0" * 64
    data["pool"] = tampered
    outcome = ops.replay(data)
    assert not outcome.ok and outcome.pool_hash_ok is False and outcome.commitment_ok is False


def test_recusal_replacement_is_deterministic_and_logged(world, new_batch, db):
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    out = target.team[1]
    officer = db.session.get(type(world.officer), out)
    expected = algo.replacement_v1(batch.seed, target.enterprise_id, batch.inspectors, batch.exclusions["conflicts"],
                                   target.team)  # fmt: skip
    ev = ops.request_recusal(target, {"reason": "表弟在该企业任安全员"}, actor=officer)
    assert _tasks(ev, ops.RECUSAL_PROCESS) == ["decide_recusal"]
    with pytest.raises(PermissionDenied):
        ops.decide_recusal(
            ev, {"decision": "approve"}, actor=world.officer2 if out != world.officer2.id else world.officer
        )
    ops.decide_recusal(
        ev,
        {"decision": "approve", "opinion": "同意"},
        actor=world.section_head if out != world.section_head.id else world.leader,
    )
    assert out not in target.team and expected in target.team
    insp = db.session.get(Inspection, target.inspection_id)
    assert sorted(insp.officer_ids) == sorted(target.team)
    log = [e for e in batch.events if e.kind == DrawEventKind.RECUSAL]
    assert log and log[0].data["out"] == out and log[0].data["in"] == expected
    assert ops.replay(ops.published_inputs(batch), published=batch).ok
    assert _tasks(ev, ops.RECUSAL_PROCESS) == []


def test_recusal_only_by_the_drawn_officer_and_refusal_needs_reason(world, new_batch, db):
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    outsider = next(u for u in (world.officer, world.officer2, world.town_officer, world.section_head)
                    if u.id not in target.team)  # fmt: skip
    with pytest.raises(PermissionDenied):
        ops.request_recusal(target, {"reason": "x"}, actor=outsider)
    with pytest.raises(PermissionDenied):
        ops.request_recusal(target, {"reason": "x"}, actor=world.manager_a)
    member = db.session.get(type(world.officer), target.team[0])
    with pytest.raises(ValidationFailed):
        ops.request_recusal(target, {"reason": ""}, actor=member)
    ev = ops.request_recusal(target, {"reason": "曾在该企业任职"}, actor=member)
    approver = world.section_head if member.id != world.section_head.id else world.leader
    with pytest.raises(ValidationFailed):
        ops.decide_recusal(ev, {"decision": "refuse"}, actor=approver)
    team = list(target.team)
    ops.decide_recusal(ev, {"decision": "refuse", "opinion": "理由不属于回避情形"}, actor=approver)
    assert target.team == team
    assert any(e.kind == DrawEventKind.RECUSAL_REFUSED for e in batch.events)


def test_supplement_needs_the_leader(world, new_batch, db):
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    with pytest.raises(PermissionDenied):
        ops.request_supplement(batch, {"count": 1, "reason": "抽中企业已停产"}, actor=world.officer)
    ev = ops.request_supplement(batch, {"count": 1, "reason": "抽中企业已停产"}, actor=world.section_head)
    assert _tasks(ev, ops.SUPPLEMENT_PROCESS) == ["approve_supplement"]
    with pytest.raises(PermissionDenied, match="负责人"):
        ops.decide_supplement(ev, {"decision": "approve"}, actor=world.section_head)
    with pytest.raises(InvalidState, match="待审批"):
        ops.close_batch(batch, {}, actor=world.section_head)
    ops.decide_supplement(ev, {"decision": "approve", "opinion": "同意补抽"}, actor=world.leader)
    assert len(batch.targets) == 2 and batch.targets[1].supplement
    first = batch.targets[0].enterprise_id
    assert batch.targets[1].enterprise_id != first
    insp = db.session.get(Inspection, batch.targets[1].inspection_id)
    assert insp.source == InspectionSource.RANDOM
    sup = [e for e in batch.events if e.kind == DrawEventKind.SUPPLEMENT][0]
    assert sup.approver_id == world.leader.id and sup.reason == "抽中企业已停产"
    assert "补抽" in dict(publication.current_for(batch, "draw_record").fields)["补抽与回避"]
    assert ops.replay(ops.published_inputs(batch), published=batch).ok
    ops.close_batch(batch, {}, actor=world.section_head)
    assert batch.status == DrawStatus.DONE


def test_supplement_refused(world, new_batch):
    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    ev = ops.request_supplement(batch, {"count": 1, "reason": "增加抽查"}, actor=world.section_head)
    ops.decide_supplement(ev, {"decision": "refuse", "opinion": "无必要"}, actor=world.leader)
    assert len(batch.targets) == 1
    assert any(e.kind == DrawEventKind.SUPPLEMENT_REFUSED for e in batch.events)


def test_denials(world, new_batch, spot_item):
    with pytest.raises(PermissionDenied):
        ops.create_batch(batch_data(spot_item), actor=world.officer)
    with pytest.raises(PermissionDenied):
        ops.create_batch(batch_data(spot_item), actor=world.manager_a)
    batch = new_batch()
    with pytest.raises(PermissionDenied):
        ops.commit_batch(batch, {}, actor=world.officer)
    with pytest.raises(PermissionDenied):  # another county's officer
        ops.commit_batch(batch, {}, actor=world.other_officer)
    world.other_officer.set_roles(["officer", "section_head"])  # another county's section head: out of scope
    with pytest.raises(PermissionDenied):
        ops.commit_batch(batch, {}, actor=world.other_officer)
    with pytest.raises(PermissionDenied):
        ops.draw_batch(batch, {}, actor=world.other_officer)
    with pytest.raises(ValidationFailed):
        ops.create_batch(batch_data(spot_item, inspectors_per_target=1), actor=world.section_head)
    with pytest.raises(ValidationFailed):
        ops.create_batch(
            batch_data(spot_item, strata=[{"industry": None, "town": None}]), actor=world.section_head
        )


def test_conflict_declarations(world, db):
    with pytest.raises(PermissionDenied):
        conflicts.declare(world.officer2, world.ent_a, "亲属", actor=world.officer)
    d = conflicts.declare(world.officer2, world.ent_a, "亲属", actor=world.section_head)
    assert conflicts.conflicted([world.officer.id, world.officer2.id], world.ent_a.id) == {world.officer2.id}
    assert conflicts.conflict_pairs([world.officer2.id], [world.ent_a.id, world.ent_b.id]) == {
        (world.officer2.id, world.ent_a.id)
    }
    with pytest.raises(InvalidState):
        conflicts.declare(world.officer2, world.ent_a, "亲属", actor=world.officer2)
    with pytest.raises(PermissionDenied):
        conflicts.declare(world.other_officer, world.ent_a, "亲属", actor=world.other_officer)
    with pytest.raises(PermissionDenied):
        conflicts.withdraw(d, "已离职", actor=world.officer)
    conflicts.withdraw(d, "亲属已离职", actor=world.officer2)
    assert conflicts.conflicted([world.officer2.id], world.ent_a.id) == set()
    assert [x.id for x in conflicts.declarations_for(world.section_head, include_withdrawn=True)] == [d.id]
    assert conflicts.declarations_for(world.officer) == []


def test_result_notice_after_the_inspections(world, new_batch, db, login):
    from app.documents.models import OfficialDocument

    batch = new_batch("drawn")
    with pytest.raises(InvalidState, match="尚未完成现场检查"):
        ops.issue_result_notice(batch, {}, actor=world.section_head)
    first, second = (db.session.get(Inspection, t.inspection_id) for t in batch.targets)
    # the inspections' own steps belong to the onsite tests: here only their end states matter
    first.status = "已完成"
    second.status = "已取消"
    second.cancelled_reason = "企业已停产"
    with pytest.raises(PermissionDenied):
        ops.issue_result_notice(batch, {}, actor=world.officer)
    doc = ops.issue_result_notice(batch, {"remark": "特此公告"}, actor=world.section_head)
    assert isinstance(doc, OfficialDocument) and "抽公" in doc.number.text
    rows = doc.content["rows"]
    assert [r["enterprise"] for r in rows] == [t.enterprise.name for t in batch.targets]
    assert rows[0]["result"] == "未发现问题" and rows[1]["result"] == "未检查（企业已停产）"
    with pytest.raises(InvalidState, match="已制发"):
        ops.issue_result_notice(batch, {}, actor=world.section_head)
    db.session.commit()
    page = login(world.section_head).get(f"/documents/{doc.id}")
    assert page.status_code == 200 and batch.targets[0].enterprise.name in page.get_data(as_text=True)
    assert login(world.manager_a).get(f"/documents/{doc.id}").status_code in (403, 404)


def test_a_relation_declared_after_the_commit_is_replaced_at_the_draw(world, new_batch, db):
    from app.auth.models import User

    batch = new_batch("committed", strata=[{"industry": "工贸", "town": "龙城镇", "count": 1}])
    expected = algo.run("v1", ops.inputs_of(batch))
    assert [t["enterprise_id"] for t in expected["targets"]] == [world.ent_a.id]
    out = expected["targets"][0]["team"][1]
    conflicts.declare(db.session.get(User, out), world.ent_a, "其子在该企业任职", actor=world.section_head)
    ops.draw_batch(batch, {}, actor=world.section_head)
    assert batch.result == expected  # the draw itself is what was committed to
    target = batch.targets[0]
    assert out not in target.team and len(target.team) == 2
    auto = [e for e in batch.events if e.kind == DrawEventKind.RECUSAL]
    assert (
        len(auto) == 1 and auto[0].data["out"] == out and auto[0].data["auto"] and auto[0].approver_id is None
    )
    assert "回避关系" in auto[0].reason
    insp = db.session.get(Inspection, target.inspection_id)
    assert sorted(insp.officer_ids) == sorted(target.team)
    outcome = ops.replay(ops.published_inputs(batch), published=batch)
    assert outcome.ok and [c["ok"] for c in outcome.changes] == [True]


def test_a_large_draw_leaves_the_rest_of_its_inspections_to_the_sweep(world, new_batch, db, monkeypatch):
    monkeypatch.setattr(ops, "INLINE_INSPECTIONS", 1)
    batch = new_batch("committed")
    ops.draw_batch(batch, {}, actor=world.section_head)
    assert [t.inspection_id is not None for t in batch.targets] == [True, False]
    with pytest.raises(InvalidState, match="尚未完成现场检查"):
        ops.issue_result_notice(batch, {}, actor=world.section_head)
    with pytest.raises(InvalidState, match="生成中"):
        ops.close_batch(batch, {}, actor=world.section_head)
    assert ops.sweep_draw_inspections() == "双随机抽查：生成检查任务1项"
    assert all(t.inspection_id for t in batch.targets)
    insp = db.session.get(Inspection, batch.targets[1].inspection_id)
    assert insp.created_by_id == world.section_head.id and insp.source_ref == batch.number
    assert ops.sweep_draw_inspections() is None  # idempotent


def test_no_recusal_replacement_once_the_inspection_started(world, new_batch, db):
    from app.auth.models import User

    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    member = db.session.get(User, target.team[-1])
    ev = ops.request_recusal(target, {"reason": "亲属任职"}, actor=member)
    insp = db.session.get(Inspection, target.inspection_id)
    insp.status = "检查中"  # the on-site steps are the onsite tests'; here only the state matters
    approver = world.section_head if member.id != world.section_head.id else world.leader
    with pytest.raises(InvalidState, match="不能再申请回避替换"):
        ops.decide_recusal(ev, {"decision": "approve"}, actor=approver)
    with pytest.raises(InvalidState, match="不能再申请回避替换"):
        ops.request_recusal(target, {"reason": "亲属任职"}, actor=db.session.get(User, target.team[0]))


def test_an_approved_recusal_of_the_lead_goes_through_the_inspections_own_replacement(world, new_batch, db):
    """The drawn inspection's team changes only through onsite's replace_member: audited on the inspection,
    the lead's place and the 检查方案 task taken by the replacement."""
    from app import audit
    from app.inspections.operations import inspection as onsite

    batch = new_batch("drawn", strata=[{"industry": None, "town": None, "count": 1}])
    target = batch.targets[0]
    out = target.team[0]
    insp = db.session.get(Inspection, target.inspection_id)
    assert insp.lead_officer_id == out
    requester = db.session.get(type(world.officer), out)
    ev = ops.request_recusal(target, {"reason": "曾在该企业任安全员"}, actor=requester)
    approver = world.section_head if out != world.section_head.id else world.leader
    ops.decide_recusal(ev, {"decision": "approve", "opinion": "同意"}, actor=approver)
    new = target.team[0]
    assert new != out and insp.lead_officer_id == new and out not in insp.officer_ids
    assert next(m.role for m in insp.members if m.user_id == new) == "主办"
    task = next(t for t in workflow.ready_tasks(onsite.instance_of(insp)) if t.bpmn_id == "prepare_scheme")
    assert task.assignee_id == new
    replaced = [e for e in audit.history(insp) if e.action == "inspection.member_replaced"]
    assert len(replaced) == 1 and replaced[0].actor_id == approver.id
