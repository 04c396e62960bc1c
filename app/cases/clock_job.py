"""The daily 办案期限 job: `refresh_decision_clocks` (app.cases.operations.deadline) run by a Periodic loop.

`flask case-clock sweep` runs one pass (for cron: once a day after midnight); `flask case-clock worker`
loops (default every hour: the pass is idempotent, a notice goes out once per case and deadline). There is
also a sweep registered with app.periodic: the timer worker (`flask workflow worker`, the demo server's
ticker) runs it hourly beside the BPMN timers, so production needs no extra process."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask
from flask.cli import AppGroup

from app import periodic
from app.extensions import db
from app.periodic import Periodic

DEFAULT_INTERVAL = 3600.0


class DecisionClockJob(Periodic):
    thread_name = "safeloop-case-clock"
    failure_message = "办案期限计算失败，将在下次检查时重试"

    def __init__(
        self, app: Flask, interval: float = DEFAULT_INTERVAL, *, say: Callable[[str], object] | None = None
    ):
        super().__init__(app, interval, say=say)

    def work(self) -> int:
        from app.cases.operations.deadline import refresh_decision_clocks

        result = refresh_decision_clocks()
        db.session.commit()
        if result.newly_overdue or result.notices:
            self.say(
                f"办案期限：检查 {result.checked} 件，新逾期 {len(result.newly_overdue)} 件，发出提醒 {result.notices} 条"
            )
        return result.checked


def init_app(app: Flask) -> None:
    group = AppGroup("case-clock", help="行政处罚案件办案期限（每日计算、提醒、逾期标记）")

    @group.command("sweep")
    def sweep_command() -> None:
        """计算一次所有未决案件的办案期限并发出提醒。"""
        DecisionClockJob(app, say=click.echo).run_once()

    @group.command("worker")
    @click.option("--interval", default=DEFAULT_INTERVAL, show_default=True, help="检查间隔（秒）")
    def worker_command(interval: float) -> None:
        """持续运行办案期限任务。"""
        DecisionClockJob(app, interval, say=click.echo).run_in_foreground("办案期限任务")

    app.cli.add_command(group)
    periodic.register_sweep("cases.decision_clock", _sweep, every=DEFAULT_INTERVAL)


def _sweep() -> str | None:
    """The timer worker's hourly pass (app.periodic.register_sweep): idempotent, one notice per case and date."""
    from app.cases.operations.deadline import refresh_decision_clocks

    result = refresh_decision_clocks()
    if result.newly_overdue or result.notices:
        return f"办案期限：检查 {result.checked} 件，新逾期 {len(result.newly_overdue)} 件，发出提醒 {result.notices} 条"
    return None
