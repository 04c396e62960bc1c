"""Issue #10 item 16: the timer worker in a background thread (`Ticker`, run by `flask demo-serve` and
`flask workflow worker`): it fires due timers on its own, says so in Chinese, and stops cleanly."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app import clock
from app.cli import serve_demo
from app.workflow.models import Timer
from app.workflow.ticks import Ticker
from tests.factories.workflow import complete

CN = clock.TZ


def _wait_for(predicate, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _ticker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "safeloop-ticker"]


@pytest.fixture
def reminder_due(db, world, simple):
    """A test_simple instance whose reminder is due now and whose overdue timer is not."""
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    clock.freeze(datetime(2026, 11, 10, 8, 0, tzinfo=CN))
    db.session.commit()
    return inst


def _statuses(db) -> dict[str, str]:
    db.session.expire_all()
    return {t.bpmn_id: t.status for t in db.session.scalars(select(Timer))}


def test_background_ticker_fires_due_timers_says_so_and_stops(app, db, reminder_due):
    said: list[str] = []
    ticker = Ticker(app, 0.05, say=said.append).start()
    try:
        _wait_for(lambda: said)
        time.sleep(0.2)  # several more passes: nothing fires twice
    finally:
        ticker.stop(timeout=10)
    assert not ticker.running and not _ticker_threads()
    assert said == ["定时任务：已触发 1 个到期定时事件（整改到期提醒 1 个）"]
    assert _statuses(db) == {"rectify_reminder": "fired", "rectify_overdue": "waiting"}

    # later passes pick up what comes due later, on the same thread loop
    clock.freeze(datetime(2026, 11, 11, 0, 0, tzinfo=CN))
    ticker = Ticker(app, 0.05, say=said.append).start()
    try:
        _wait_for(lambda: len(said) == 2)
    finally:
        ticker.stop(timeout=10)
    assert said[1] == "定时任务：已触发 1 个到期定时事件（整改逾期 1 个）"
    assert _statuses(db)["rectify_overdue"] == "fired"


def test_a_failing_pass_is_logged_and_the_ticker_keeps_going(app, db, reminder_due, monkeypatch, caplog):
    from app.workflow import ticks

    calls = []
    real_tick = ticks.tick

    def flaky(now=None, *, limit=500):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("数据库暂时不可用")
        return real_tick(now, limit=limit)

    monkeypatch.setattr(ticks, "tick", flaky)
    said: list[str] = []
    ticker = Ticker(app, 0.05, say=said.append).start()
    try:
        _wait_for(lambda: said)
    finally:
        ticker.stop(timeout=10)
    assert "定时任务执行失败" in caplog.text and "数据库暂时不可用" in caplog.text
    assert said[0].startswith("定时任务：已触发 1 个") and _statuses(db)["rectify_reminder"] == "fired"


def test_interval_must_be_positive(app):
    with pytest.raises(ValueError):
        Ticker(app, 0)


def test_demo_server_runs_the_ticker_beside_the_web_server_and_stops_it(app, db, reminder_due, capsys):
    served = []

    def serve(host, port, wsgi_app, **options):
        # the server is up: the ticker thread runs beside it and fires what is due
        assert _ticker_threads()
        _wait_for(lambda: _statuses(db)["rectify_reminder"] == "fired")
        served.append((host, port, wsgi_app, options))

    with app.app_context():
        serve_demo("127.0.0.1", 5055, 0.05, serve=serve)
    assert served == [("127.0.0.1", 5055, app, {"threaded": True})]
    assert not _ticker_threads()  # stopped when the server returned
    out = capsys.readouterr().out
    assert "定时任务已在后台启动：每 0.05 秒检查一次" in out
    assert "定时任务：已触发 1 个到期定时事件" in out


def test_demo_server_without_ticker_says_how_to_run_timers(app, capsys):
    with app.app_context():
        serve_demo("127.0.0.1", 5055, 0, serve=lambda *a, **k: None)
    assert not _ticker_threads()
    assert "flask workflow worker" in capsys.readouterr().out


def test_demo_serve_command_is_registered(app):
    result = app.test_cli_runner().invoke(args=["demo-serve", "--help"])
    assert result.exit_code == 0 and "--tick-interval" in result.output
