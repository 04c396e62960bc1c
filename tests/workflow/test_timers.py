"""Timers: stored as rows, fired by tick() on the app clock (not wall time), exactly once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, workflow
from app.workflow import handlers
from app.workflow.models import HumanTask, Timer
from tests.factories.workflow import complete

CN = clock.TZ


@pytest.fixture
def service_calls(monkeypatch):
    """Record (bpmn_id, instance id) of every workflow.set service call; slow enough to overlap threads."""
    calls: list[tuple[str, int]] = []
    lock = threading.Lock()
    original = handlers.HANDLERS["workflow.set"]

    def recording(ctx):
        with lock:
            calls.append((ctx.bpmn_id, ctx.instance.id))
        time.sleep(0.2)
        return original(ctx)

    monkeypatch.setitem(handlers.HANDLERS, "workflow.set", recording)
    return calls


def _timers(db):
    return {t.bpmn_id: t for t in db.session.scalars(select(Timer).order_by(Timer.id))}


def _audit_actions(db):
    from app.audit import AuditEvent

    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def test_waiting_timers_are_stored_with_their_legal_due_times(db, world, simple):
    inst = simple()
    assert _timers(db) == {}
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    timers = _timers(db)
    assert set(timers) == {"rectify_reminder", "rectify_overdue"}
    # reminder: add_days(deadline, -1) -> after 2026-11-09 ends; overdue: after the deadline day ends
    assert timers["rectify_reminder"].due_at == datetime(2026, 11, 10, 0, 0, tzinfo=CN).astimezone(UTC)
    assert timers["rectify_overdue"].due_at == datetime(2026, 11, 11, 0, 0, tzinfo=CN).astimezone(UTC)
    assert timers["rectify_overdue"].name == "整改逾期"
    assert {t.status for t in timers.values()} == {"waiting"}
    assert all(t.instance_id == inst.id for t in timers.values())


def test_tick_fires_at_the_frozen_clock_time_not_before(db, world, simple, service_calls):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)

    clock.freeze(datetime(2026, 11, 9, 23, 59, 59, tzinfo=CN))  # wall time is later: must not matter
    assert workflow.tick() == 0
    assert service_calls == []

    clock.freeze(datetime(2026, 11, 10, 0, 0, tzinfo=CN))  # due time reached exactly
    assert workflow.tick() == 1
    assert service_calls == [("send_reminder", inst.id)]
    timers = _timers(db)
    assert timers["rectify_reminder"].status == "fired" and timers["rectify_reminder"].fired_at == clock.now()
    assert timers["rectify_overdue"].status == "waiting"
    assert workflow.ready_task_names(inst) == ["rectify"]  # non-interrupting: task stays
    assert workflow.tick() == 0  # nothing fires twice

    clock.freeze(datetime(2026, 11, 11, 0, 0, tzinfo=CN))
    assert workflow.tick() == 1
    assert service_calls[-1] == ("mark_overdue", inst.id)
    assert workflow.ready_task_names(inst) == ["handle_overdue"]  # interrupting: rectify cancelled
    statuses = {(t.bpmn_id, t.status) for t in db.session.scalars(select(HumanTask))}
    assert ("rectify", "cancelled") in statuses
    [handle] = workflow.ready_tasks(inst)
    assert handle.assignee_id == world.officer.id  # assignee property: officer_id
    assert _audit_actions(db).count("workflow.timer_fired") == 2


def test_clock_ahead_of_wall_time_fires_due_timers(db, world, simple, service_calls):
    inst = simple()
    complete("register", inst, {"deadline": date(2031, 1, 10)}, world.officer)
    assert workflow.tick() == 0
    clock.freeze(date(2031, 1, 12))
    assert workflow.tick() == 2  # reminder and overdue both due
    assert sorted(c[0] for c in service_calls) == ["mark_overdue", "send_reminder"]
    assert workflow.ready_task_names(inst) == ["handle_overdue"]


def test_tick_now_argument_overrides_the_clock(db, world, simple):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    assert workflow.tick(now=datetime(2026, 11, 9, 12, 0, tzinfo=CN)) == 0
    assert workflow.tick(now=datetime(2026, 11, 10, 12, 0, tzinfo=CN)) == 1
    assert _timers(db)["rectify_reminder"].fired_at == datetime(2026, 11, 10, 12, 0, tzinfo=CN)


def test_duration_timer_counts_from_the_clock(db, world, simple):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    clock.advance(timedelta(hours=1))  # 2026-11-02 10:00
    complete("rectify", inst, {"measures": "清理"}, world.manager_a)
    timer = _timers(db)["review_timer"]
    assert timer.due_at == datetime(2026, 11, 5, 10, 0, tzinfo=CN)  # P3D from when review started
    clock.freeze(datetime(2026, 11, 5, 9, 59, tzinfo=CN))
    assert workflow.tick() == 0
    clock.freeze(datetime(2026, 11, 5, 10, 0, tzinfo=CN))
    assert workflow.tick() == 1
    assert workflow.ready_task_names(inst) == ["review"]


def test_completing_the_task_first_cancels_its_timers(db, world, simple):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    complete("rectify", inst, {"measures": "清理"}, world.manager_a)
    timers = _timers(db)
    assert timers["rectify_reminder"].status == timers["rectify_overdue"].status == "cancelled"
    clock.freeze(date(2026, 11, 12))
    assert workflow.tick() == 1  # only the review reminder
    assert workflow.ready_task_names(inst) == ["review"]


def test_concurrent_ticks_fire_each_timer_once(db, world, simple, service_calls, in_threads):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    clock.freeze(datetime(2026, 11, 10, 8, 0, tzinfo=CN))  # reminder due, overdue not yet

    results = in_threads(lambda i: workflow.tick(), n=3)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [0, 0, 1]
    assert service_calls == [("send_reminder", inst.id)]
    db.session.expire_all()
    timers = _timers(db)
    assert timers["rectify_reminder"].status == "fired"
    assert _audit_actions(db).count("workflow.timer_fired") == 1
    assert workflow.tick() == 0


def test_failing_handler_rolls_back_and_retries_next_tick(db, world, simple, monkeypatch, caplog):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    version = inst.version

    def broken(ctx):
        raise RuntimeError("短信网关不可用")

    monkeypatch.setitem(handlers.HANDLERS, "workflow.set", broken)
    clock.freeze(date(2026, 11, 10))
    assert workflow.tick() == 0
    assert "短信网关不可用" in caplog.text
    db.session.expire_all()
    assert _timers(db)["rectify_reminder"].status == "waiting"
    assert db.session.get(type(inst), inst.id).version == version
    monkeypatch.undo()
    assert workflow.tick() == 1
