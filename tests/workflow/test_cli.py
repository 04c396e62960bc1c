"""flask workflow check / tick."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import clock
from app.workflow.models import Timer
from tests.factories.workflow import complete


def test_check_lists_every_file(app):
    result = app.test_cli_runner().invoke(args=["workflow", "check"])
    assert result.exit_code == 0, result.output
    assert "✓ test_simple.bpmn" in result.output and "0 个问题" in result.output


def test_check_fails_on_a_bad_file(app, tmp_path):
    (tmp_path / "t_bad.bpmn").write_text("<nope", encoding="utf-8")
    app.config["WORKFLOW_DIR"] = str(tmp_path)
    try:
        result = app.test_cli_runner().invoke(args=["workflow", "check"])
    finally:
        app.config.pop("WORKFLOW_DIR")
    assert result.exit_code == 1
    assert "✗ t_bad.bpmn" in result.output and "XML 格式错误" in result.output


def test_tick_command_fires_due_timers(app, db, world, simple):
    inst = simple()
    complete("register", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    clock.freeze(date(2026, 11, 10))
    result = app.test_cli_runner().invoke(args=["workflow", "tick"])
    assert result.exit_code == 0, result.output
    assert "已触发定时事件 1 个" in result.output
    db.session.expire_all()
    fired = db.session.scalars(select(Timer).where(Timer.status == "fired")).all()
    assert [t.bpmn_id for t in fired] == ["rectify_reminder"]
