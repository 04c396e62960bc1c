"""`flask jobs worker | run | gc`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.jobs import operations as ops
from app.jobs.worker import JobWorker, new_worker_id, run_pending

jobs_cli = AppGroup("jobs", help="后台任务：导出等耗时工作的工作进程与清理")


@jobs_cli.command("worker")
@click.option("--interval", default=1.0, show_default=True, help="轮询间隔（秒）")
def worker_command(interval: float) -> None:
    """Run queued jobs as they come (any number of workers may run side by side)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not the proxy
    JobWorker(app, interval, say=click.echo).run_in_foreground("后台任务进程")


@jobs_cli.command("run")
def run_command() -> None:
    """Run the jobs queued now, then exit."""
    click.echo(f"已完成后台任务 {run_pending(new_worker_id())} 个")


@jobs_cli.command("gc")
@click.option("--days", type=float, default=None, help="保留天数（默认 JOBS_RETENTION_DAYS）")
def gc_command(days: float | None) -> None:
    """Remove result files older than the retention period."""
    removed = ops.remove_expired_files(days=days)
    click.echo(f"已清理 {removed} 个任务的过期导出文件")


def register_cli(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
