"""Two people submitting the same task at the same moment: exactly one wins, the other gets a 409
naming the winner; two branches of one case submitted at once both land. Runs on SQLite (database write
lock) and PostgreSQL (row locks)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import select

from app import audit, workflow
from app.audit.models import AuditEvent
from app.errors import Conflict
from app.extensions import db as _db
from app.workflow import codec, locking
from app.workflow.models import HumanTask, WorkflowInstance
from tests.factories.db import sql_log


@pytest.fixture
def slow_restore(monkeypatch):
    """Hold the instance lock a little longer so the two submissions really overlap."""
    original = codec.loads

    def slow(state, parsed):
        workflow_ = original(state, parsed)
        time.sleep(0.3)
        return workflow_

    monkeypatch.setattr(codec, "loads", slow)


def test_simultaneous_completion_one_wins_one_conflict(db, world, simple, in_threads, slow_restore):
    inst = simple()
    [task] = workflow.ready_tasks(inst)
    task_id, users = task.id, [world.officer.id, world.officer2.id]
    names = {world.officer.id: "王执法", world.officer2.id: "赵执法"}

    def submit(i):
        from app.auth.models import User

        actor = _db.session.get(User, users[i])
        mine = _db.session.get(HumanTask, task_id)
        workflow.complete_task(mine, {"deadline": date(2026, 11, 10 + i)}, actor=actor)
        return actor.id

    results = in_threads(submit, n=2)
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    [loser] = losers
    assert isinstance(loser, Conflict) and loser.status == 409
    assert loser.message == f"该任务已由{names[winners[0]]}于2026-11-02 09:00办理，无需重复提交"

    db.session.expire_all()
    rows = list(
        db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id).order_by(HumanTask.id))
    )
    assert [(r.bpmn_id, r.status) for r in rows] == [("register", "completed"), ("rectify", "ready")]
    assert rows[0].completed_by_id == winners[0]
    assert db.session.get(WorkflowInstance, inst.id).version == 2  # one step, one version bump
    assert len(workflow.history(inst)) == 1


def test_many_parallel_submissions_complete_once(db, world, simple, in_threads):
    inst = simple()
    [task] = workflow.ready_tasks(inst)
    task_id, officer_id = task.id, world.officer.id

    def submit(i):
        from app.auth.models import User

        workflow.complete_task(
            _db.session.get(HumanTask, task_id),
            {"deadline": date(2026, 11, 10)},
            actor=_db.session.get(User, officer_id),
        )
        return "ok"

    results = in_threads(submit, n=4)
    assert results.count("ok") == 1
    assert all(isinstance(r, Conflict) for r in results if r != "ok"), results
    db.session.expire_all()
    assert workflow.ready_task_names(inst) == ["rectify"]
    assert len(list(db.session.scalars(select(HumanTask).where(HumanTask.bpmn_id == "rectify")))) == 1


@pytest.fixture
def lock_calls(monkeypatch):
    """The instance ids `lock_instance` is called with (it still locks)."""
    calls: list[int] = []
    original = locking.lock_instance
    monkeypatch.setattr(locking, "lock_instance",
                        lambda instance_id: calls.append(instance_id) or original(instance_id))
    return calls


def test_step_on_an_unchanged_instance_is_one_statement_without_the_lock(db, world, simple, monkeypatch):
    inst = simple()
    [task] = workflow.ready_tasks(inst)

    def no_lock(instance_id):
        raise AssertionError("the instance did not change since it was read: no lock needed")

    monkeypatch.setattr(locking, "lock_instance", no_lock)
    with sql_log() as log:
        workflow.complete_task(task, {"deadline": date(2026, 11, 10)}, actor=world.officer)
        db.session.commit()
    instance_writes = [s for s in log if s.lstrip().upper().startswith("UPDATE WORKFLOW_INSTANCES")]
    assert len(instance_writes) == 1  # state stored and version bumped by the same statement
    db.session.expire_all()
    assert db.session.get(WorkflowInstance, inst.id).version == 2
    assert workflow.ready_task_names(inst) == ["rectify"]


PARALLEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_t_parallel" targetNamespace="http://safeloop.example/bpmn">
<bpmn:process id="t_parallel" name="并行会签" isExecutable="true">
  <bpmn:laneSet id="LaneSet_t_parallel"><bpmn:lane id="lane_officer" name="执法人员">
    <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>split</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>b</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>join</bpmn:flowNodeRef><bpmn:flowNodeRef>after</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
  </bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
  <bpmn:parallelGateway id="split"><bpmn:incoming>f0</bpmn:incoming>
    <bpmn:outgoing>fa</bpmn:outgoing><bpmn:outgoing>fb</bpmn:outgoing></bpmn:parallelGateway>
  <bpmn:userTask id="a" name="甲会签">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formName" value="test_review" /><spiffworkflow:property name="generic" value="true" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:incoming>fa</bpmn:incoming><bpmn:outgoing>fa2</bpmn:outgoing></bpmn:userTask>
  <bpmn:userTask id="b" name="乙会签">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formName" value="test_review" /><spiffworkflow:property name="generic" value="true" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:incoming>fb</bpmn:incoming><bpmn:outgoing>fb2</bpmn:outgoing></bpmn:userTask>
  <bpmn:parallelGateway id="join"><bpmn:incoming>fa2</bpmn:incoming><bpmn:incoming>fb2</bpmn:incoming>
    <bpmn:outgoing>f3</bpmn:outgoing></bpmn:parallelGateway>
  <bpmn:userTask id="after" name="汇总">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formName" value="test_review" /><spiffworkflow:property name="generic" value="true" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
  <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
  <bpmn:sequenceFlow id="fa" sourceRef="split" targetRef="a" />
  <bpmn:sequenceFlow id="fb" sourceRef="split" targetRef="b" />
  <bpmn:sequenceFlow id="fa2" sourceRef="a" targetRef="join" />
  <bpmn:sequenceFlow id="fb2" sourceRef="b" targetRef="join" />
  <bpmn:sequenceFlow id="f3" sourceRef="join" targetRef="after" />
  <bpmn:sequenceFlow id="f4" sourceRef="after" targetRef="end" />
</bpmn:process></bpmn:definitions>
"""


@pytest.fixture
def parallel_case(db, world, workflow_dir, frozen):
    """A started t_parallel case (two branches open) and its READY task ids by BPMN id."""
    workflow_dir.write("t_parallel.bpmn", PARALLEL)
    inst = workflow.start("t_parallel", subject=world.ent_a, title="并行", region_path=world.ent_a.region_path,
                          enterprise_id=world.ent_a.id, data={}, actor=world.officer)
    db.session.commit()
    return inst, {t.bpmn_id: t.id for t in workflow.ready_tasks(inst)}


def test_parallel_branches_completed_at_once_both_land(db, world, parallel_case, in_threads, slow_restore,
                                                       lock_calls):
    """Two people each complete their own branch of the same case at the same moment: both steps are
    kept (the second runs again on the state the first stored), and the join is passed once."""
    inst, tasks = parallel_case
    assert set(tasks) == {"a", "b"}
    users = [world.officer.id, world.officer2.id]

    def submit(i):
        from app.auth.models import User

        task = _db.session.get(HumanTask, tasks["ab"[i]])
        workflow.complete_task(task, {"opinion": f"意见{i}"}, actor=_db.session.get(User, users[i]))
        return "ok"

    assert in_threads(submit, n=2) == ["ok", "ok"]
    assert lock_calls == [inst.id]  # both read the same version; the second to store ran again under the lock
    db.session.expire_all()
    assert workflow.ready_task_names(inst) == ["after"]
    rows = db.session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id).order_by(HumanTask.id))
    assert sorted((r.bpmn_id, r.status) for r in rows) == [("a", "completed"), ("after", "ready"), ("b", "completed")]
    assert db.session.get(WorkflowInstance, inst.id).version == 3


def test_instance_changed_since_read_step_runs_again_under_the_lock(db, world, parallel_case, in_threads,
                                                                  lock_calls):
    inst, tasks = parallel_case
    mine = db.session.get(HumanTask, tasks["a"])
    assert mine.instance.state  # the state as read here: both branches open

    def other_branch(_):  # meanwhile a colleague completes the other branch, in their own session
        from app.auth.models import User

        workflow.complete_task(_db.session.get(HumanTask, tasks["b"]), {"opinion": "同意"},
                               actor=_db.session.get(User, world.officer2.id))
        return "ok"

    assert in_threads(other_branch, n=1) == ["ok"]

    workflow.complete_task(mine, {"opinion": "同意"}, actor=world.officer)
    db.session.commit()
    assert lock_calls == [inst.id]  # the stored state was not the one read: rerun on the fresh one
    db.session.expire_all()
    assert workflow.ready_task_names(inst) == ["after"]  # the join saw both branches: nothing was lost
    assert db.session.get(WorkflowInstance, inst.id).version == 3


side_effects: list[int] = []


@workflow.service("test.side_effect")
def _side_effect(ctx):
    side_effects.append(ctx.instance.id)
    audit.record("定时任务", "test.side_effect", ctx.instance, summary="服务任务的副作用")
    return {"done": True}


@pytest.mark.parametrize("changed_meanwhile", [False, True])
def test_a_step_that_runs_a_service_handler_runs_it_once(db, world, workflow_dir, frozen, changed_meanwhile):
    """The optimistic attempt may be thrown away; a handler's rows and audit events would stay. So a step
    with a handler next runs under the lock, and the handler runs exactly once."""
    from tests.factories.bpmn import linear, service_task, user_task

    workflow_dir.write("t_handler.bpmn", linear("t_handler", [
        user_task("a", "登记", "test_review"), service_task("svc", "通知", "test.side_effect"),
        user_task("b", "复核", "test_review")]))
    inst = workflow.start("t_handler", subject=world.ent_a, title="服务任务", region_path=world.ent_a.region_path,
                          enterprise_id=world.ent_a.id, data={}, actor=world.officer)
    db.session.commit()
    [task] = workflow.ready_tasks(inst)
    assert inst.state
    if changed_meanwhile:  # another store of the instance after it was read here
        with _db.engine.begin() as other:
            other.execute(WorkflowInstance.__table__.update().where(WorkflowInstance.id == inst.id)
                          .values(version=WorkflowInstance.version + 1))
    side_effects.clear()
    workflow.complete_task(task, {"passed": "是"}, actor=world.officer)
    db.session.commit()
    assert side_effects == [inst.id]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.side_effect")).all()
    assert len(events) == 1
    assert workflow.ready_task_names(inst) == ["b"]
