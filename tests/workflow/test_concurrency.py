"""Two people submitting the same task at the same moment: exactly one wins, the other gets a 409
naming the winner. Runs on SQLite (version-bump write lock) and PostgreSQL (SELECT ... FOR UPDATE)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import select

from app import workflow
from app.errors import Conflict
from app.extensions import db as _db
from app.workflow import operations
from app.workflow.models import HumanTask, WorkflowInstance


@pytest.fixture
def slow_restore(monkeypatch):
    """Hold the instance lock a little longer so the two submissions really overlap."""
    original = operations._restore

    def slow(inst, parsed):
        workflow_ = original(inst, parsed)
        time.sleep(0.3)
        return workflow_

    monkeypatch.setattr(operations, "_restore", slow)


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
