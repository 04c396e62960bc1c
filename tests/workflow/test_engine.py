"""Starting and advancing processes: projections, gateways, loops, service tasks, conflicts, atomicity."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import clock, workflow
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.workflow import codec, parsing, tree
from app.workflow.models import HumanTask, Timer, WorkflowDefinition, WorkflowInstance
from tests.factories.workflow import complete

DEADLINE = date(2026, 11, 10)


def _rows(db, inst):
    return list(
        db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id).order_by(HumanTask.id))
    )


def test_start_projects_first_user_task(db, world, simple):
    inst = simple()
    assert inst.status == "running" and inst.version == 1
    assert inst.subject_type == "enterprises" and inst.subject_id == world.ent_a.id
    assert workflow.ready_task_names(inst) == ["register"]
    [task] = workflow.ready_tasks(inst)
    assert task.name == "登记隐患"
    assert task.lane == "执法人员" and task.candidate_role == "officer"
    assert task.form_name == "test_register"
    assert task.title == "测试隐患：消防通道堵塞"
    assert (task.region_path, task.enterprise_id) == (world.ent_a.region_path, world.ent_a.id)
    assert (task.subject_type, task.subject_id) == ("enterprises", world.ent_a.id)
    assert task.status == "ready" and task.due_at is None and task.assignee_id is None
    assert task.created_at == clock.now()
    assert workflow.instance_for(world.ent_a) == inst
    assert workflow.instance_for(world.ent_b) is None
    definition = db.session.get(WorkflowDefinition, inst.definition_id)
    assert definition.process_id == "test_simple" and definition.name == "测试流程"
    assert len(definition.spec_hash) == 64 and "<bpmn:definitions" in definition.bpmn
    assert workflow.process_names()["test_simple"] == "测试流程"


def test_user_task_chain_gateway_loop_and_service_task(db, world, simple):
    inst = simple()
    complete("register", inst, {"deadline": DEADLINE}, world.officer)
    [rectify] = workflow.ready_tasks(inst)
    assert (
        rectify.bpmn_id == "rectify"
        and rectify.candidate_role == "enterprise_manager"
        and rectify.lane == "企业"
    )
    # dueDate = deadline: end of that legal day, 00:00 China time the next day
    assert rectify.due_at == datetime(2026, 11, 10, 16, 0, tzinfo=UTC)

    complete("rectify", inst, {"measures": "清理通道"}, world.manager_a)
    [review] = workflow.ready_tasks(inst)
    assert review.bpmn_id == "review" and review.candidate_role == "officer"
    assert review.due_at == clock.local_midnight_after(date(2026, 11, 5))  # add_days(today(), 3)

    complete(
        "review", inst, {"passed": False, "opinion": "未整改到位"}, world.officer
    )  # gateway: default flow
    assert workflow.ready_task_names(inst) == ["rectify"]  # looped back
    second = workflow.ready_tasks(inst)[0]
    assert second.id != rectify.id and second.task_guid != rectify.task_guid

    complete("rectify", inst, {"measures": "通道已清空"}, world.manager_a)
    complete("review", inst, {"passed": True}, world.officer)
    db.session.refresh(inst)
    assert inst.status == "completed" and inst.completed_at == clock.now()
    assert workflow.ready_tasks(inst) == []
    state = json.loads(inst.state)
    assert state["data"]["closed"] is True  # service task "workflow.set" ran
    assert state["data"]["closed_on"] == {"value": "2026-11-02", "typename": "date"}

    steps = workflow.history(inst)
    assert [s.bpmn_id for s in steps] == ["register", "rectify", "review", "rectify", "review"]
    assert [s.completed_by.name for s in steps] == ["王执法", "李安全", "王执法", "李安全", "王执法"]
    assert steps[0].data == {"deadline": "2026-11-10"}
    assert steps[2].data == {"passed": False, "opinion": "未整改到位"}
    rows = _rows(db, inst)
    assert len(rows) == 5 and {r.status for r in rows} == {"completed"}
    # every waiting timer was cancelled when its task completed
    assert {t.status for t in db.session.scalars(select(Timer))} == {"cancelled"}


def test_only_given_data_goes_into_the_process(db, world, simple):
    inst = simple(amount=Decimal("12.50"), found_on=date(2026, 11, 1))
    complete("register", inst, {"deadline": DEADLINE}, world.officer)
    parsed = parsing.cached_definition(inst.spec_hash)
    wf = codec.loads(inst.state, parsed)
    [task] = tree.ready_user_tasks(wf)
    assert task.data["amount"] == Decimal("12.50") and task.data["found_on"] == date(2026, 11, 1)
    assert task.data["deadline"] == DEADLINE


def test_spec_is_not_stored_in_instance_state(db, simple):
    inst = simple()
    state = json.loads(inst.state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert '"task_specs"' not in inst.state
    stock = codec.stock_serializer().serialize_json(
        codec.loads(inst.state, parsing.cached_definition(inst.spec_hash))
    )
    assert len(inst.state) < len(stock) * 0.7


def test_stale_completion_is_a_conflict_naming_who_and_when(db, world, simple):
    inst = simple()
    [task] = workflow.ready_tasks(inst)
    workflow.complete_task(task, {"deadline": DEADLINE}, actor=world.officer)
    db.session.commit()
    stale = db.session.get(HumanTask, task.id)
    with pytest.raises(Conflict) as exc:
        workflow.complete_task(stale, {"deadline": DEADLINE}, actor=world.officer2)
    assert exc.value.status == 409
    assert exc.value.message == "该任务已由王执法于2026-11-02 09:00办理，无需重复提交"
    db.session.rollback()
    assert workflow.ready_task_names(inst) == ["rectify"]


def test_rollback_after_complete_leaves_everything_unchanged(db, world, simple):
    inst = simple()
    before = (inst.state, inst.version)
    [task] = workflow.ready_tasks(inst)

    def domain_operation():
        workflow.complete_task(task, {"deadline": DEADLINE}, actor=world.officer)
        raise RuntimeError("文书生成失败")

    with pytest.raises(RuntimeError):
        domain_operation()
    db.session.rollback()
    db.session.expire_all()
    inst = db.session.get(WorkflowInstance, inst.id)
    assert (inst.state, inst.version) == before
    assert [(t.bpmn_id, t.status, t.completed_by_id) for t in _rows(db, inst)] == [
        ("register", "ready", None)
    ]
    assert db.session.scalar(select(func.count()).select_from(Timer)) == 0
    # and the task can still be completed
    complete("register", inst, {"deadline": DEADLINE}, world.officer)
    assert workflow.ready_task_names(inst) == ["rectify"]
    assert db.session.get(WorkflowInstance, inst.id).version == 2


def test_complete_the_ready_task_found_by_bpmn_id(db, world, simple):
    inst = simple()
    [task] = [t for t in workflow.ready_tasks(inst) if t.bpmn_id == "register"]
    assert workflow.complete_task(task, {"deadline": DEADLINE}, actor=world.officer) is task
    assert task.bpmn_id == "register" and task.status == "completed"
    assert workflow.ready_task_names(inst) == ["rectify"]


def test_claim_release_reassign(db, world, simple):
    inst = simple()
    [task] = workflow.ready_tasks(inst)
    workflow.claim(task, world.officer)
    db.session.commit()
    assert task.claimed_by_id == world.officer.id
    with pytest.raises(Conflict, match="王执法"):
        workflow.claim(task, world.officer2)
    with pytest.raises(Conflict, match="认领"):
        workflow.complete_task(task, {"deadline": DEADLINE}, actor=world.officer2)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        workflow.claim(task, world.manager_a)  # not an officer
    with pytest.raises(PermissionDenied):
        workflow.release(task, world.officer2)
    workflow.release(task, world.officer)
    assert task.claimed_by_id is None

    with pytest.raises(PermissionDenied):
        workflow.reassign(task, world.officer2, world.officer)
    with pytest.raises(ValidationFailed):
        workflow.reassign(task, world.manager_a, world.section_head)
    workflow.reassign(task, world.officer2, world.section_head)
    db.session.commit()
    assert task.assignee_id == world.officer2.id
    with pytest.raises(PermissionDenied):
        workflow.claim(task, world.officer)
    complete("register", inst, {"deadline": DEADLINE}, world.officer2)
    with pytest.raises(Conflict, match="赵执法"):
        workflow.claim(task, world.officer2)


def test_subject_reference_is_the_table_name_everywhere(db, world, simple):
    """One subject reference (app.subjects) for workflow, audit, attachments and documents."""
    from app import subjects
    from app.audit import service as audit_service

    class Thing:
        __tablename__ = "inspection_cases"
        id = 7

    class Probe:
        __subject_type__ = "probe"
        id = 8

    assert workflow.subject_key(Thing()) == ("inspection_cases", 7) == subjects.ref(Thing())
    assert workflow.subject_key(Probe()) == ("probe", 8)
    assert workflow.subject_key(world.ent_a) == ("enterprises", world.ent_a.id)
    assert audit_service.object_ref(world.ent_a) == workflow.subject_key(world.ent_a)
    inst = simple()
    assert workflow.instance_for(world.ent_a, "test_simple") == inst
    assert workflow.instance_for(world.ent_a, "other_process") is None


def test_cancel_instance_cancels_tasks_and_timers(db, world, simple):
    inst = simple()
    complete("register", inst, {"deadline": DEADLINE}, world.officer)
    workflow.cancel(inst, actor=world.section_head)
    db.session.commit()
    assert inst.status == "cancelled"
    assert [(t.bpmn_id, t.status) for t in _rows(db, inst)] == [
        ("register", "completed"),
        ("rectify", "cancelled"),
    ]
    assert {t.status for t in db.session.scalars(select(Timer))} == {"cancelled"}


def test_a_domain_rule_moves_open_tasks_through_the_overrides(db, world, simple):
    """rescope / direct / redate: the instance, its READY task rows (in the database and as loaded) and the
    tasks it creates afterwards; a task no longer READY is not moved."""
    from datetime import UTC, datetime

    from app.workflow.models import HumanTask

    inst = simple()
    [task] = workflow.ready_tasks(inst)
    workflow.rescope(inst, region_path=world.ent_other.region_path, enterprise_id=world.ent_other.id)
    assert (task.region_path, task.enterprise_id) == (world.ent_other.region_path, world.ent_other.id)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    assert (row.region_path, row.enterprise_id) == (world.ent_other.region_path, world.ent_other.id)

    due = datetime(2031, 1, 1, 16, 0, tzinfo=UTC)
    workflow.redate(inst, ["register", "not_a_task"], due)
    workflow.redate(inst, ["rectify"], None)  # not ready: nothing moves
    assert row.due_at == due
    workflow.claim(row, world.officer)
    row = workflow.direct(row, world.officer2)
    assert (row.assignee_id, row.claimed_by_id) == (world.officer2.id, None)
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(HumanTask, task.id)
    assert row.due_at == due and row.assignee_id == world.officer2.id

    complete("register", inst, {"deadline": DEADLINE}, world.officer2)
    [nxt] = workflow.ready_tasks(inst)
    assert nxt.region_path == world.ent_other.region_path  # the next task is created where the instance is now
    with pytest.raises(Conflict):
        workflow.direct(row, world.officer)  # completed: no longer READY
