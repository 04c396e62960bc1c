"""Instances of the test process test_simple (test_simple.bpmn) and helpers to find, complete and time
out its tasks.

test_simple: 'register' (officer) -> 'rectify' (enterprise; reminder and overdue timers, the overdue
one leading to 'handle_overdue') -> 'review' (officer) -> closed when passed, back to 'rectify' if not."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app import clock, workflow
from app.extensions import db as _db
from tests.factories.clock import START, at


@pytest.fixture
def simple(db, world, frozen):
    """simple(**data): a started test_simple instance for ent_a, registered by the officer (title
    测试隐患：消防通道堵塞; data officer_id plus `data`)."""

    def _start(**data):
        inst = workflow.start(
            "test_simple",
            subject=world.ent_a,
            title="测试隐患：消防通道堵塞",
            region_path=world.ent_a.region_path,
            enterprise_id=world.ent_a.id,
            data={"officer_id": world.officer.id, **data},
            actor=world.officer,
        )
        db.session.commit()
        return inst

    return _start


@pytest.fixture
def started(db, world):
    """started(enterprise=ent_a): a test_simple instance for that enterprise (title 测试隐患：<name>),
    its first task 'register' waiting for an officer. Freezes the clock at START."""
    clock.freeze(START)

    def _start(enterprise=None):
        ent = enterprise or world.ent_a
        inst = workflow.start("test_simple", subject=ent, title=f"测试隐患：{ent.name}", region_path=ent.region_path,
                              enterprise_id=ent.id, data={"officer_id": world.officer.id}, actor=world.officer)
        db.session.commit()
        return inst

    return _start


def ready(inst, bpmn_id):
    """The instance's one READY task with this BPMN id."""
    [task] = [t for t in workflow.ready_tasks(inst) if t.bpmn_id == bpmn_id]
    return task


def complete(bpmn_id: str, inst, data: dict, actor):
    """Complete the instance's READY task `bpmn_id` with `data` and commit; returns the task."""
    task = ready(inst, bpmn_id)
    workflow.complete_task(task, data, actor=actor)
    _db.session.commit()
    return task


def tick_at(d: date | datetime, hour: int = 9) -> int:
    """Move the clock and fire due timers (commits, like the worker)."""
    when = d if isinstance(d, datetime) else at(d, hour)
    clock.freeze(when)
    fired = workflow.tick()
    _db.session.expire_all()
    return fired
