"""`flask workflow tick | worker | check`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.workflow.ticks import Ticker, tick

workflow_cli = AppGroup("workflow", help="工作流：定时器与流程定义校验")


@workflow_cli.command("tick")
@click.option("--limit", default=500, show_default=True, help="本次最多处理的流程实例数")
def tick_command(limit: int) -> None:
    """Fire every due timer once (commits per instance)."""
    fired = tick(limit=limit)
    click.echo(f"已触发定时事件 {fired} 个")


@workflow_cli.command("worker")
@click.option("--interval", default=30.0, show_default=True, help="轮询间隔（秒）")
@click.option("--limit", default=500, show_default=True)
def worker_command(interval: float, limit: int) -> None:
    """Run `tick` in a loop (any number of workers may run side by side)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not the proxy
    Ticker(app, interval, limit=limit, say=click.echo).run_in_foreground("工作流定时器进程")


@workflow_cli.command("check")
def check_command() -> None:
    """Validate every *.bpmn of WORKFLOW_DIR and EXTRA_WORKFLOW_DIRS (test_*.bpmn too); exit 1 on problems."""
    from app import forms
    from app.workflow.definitions import definition_files, validate_bpmn, workflow_dirs

    directories = workflow_dirs(current_app.config)
    form_dirs = forms.dirs_from_config(current_app.config)
    paths, duplicated = definition_files(directories)
    problems = len(duplicated)
    for error in duplicated:
        click.echo(f"✗ {error}")
    for path in paths:
        if len(directories) > 1 and path.parent != directories[0]:
            label = f"{path.name}（{path.parent}）"
        else:
            label = path.name
        errors = validate_bpmn(path, forms_dirs=form_dirs)
        problems += len(errors)
        click.echo(f"{'✗' if errors else '✓'} {label}")
        for error in errors:
            click.echo(f"    {error}")
    click.echo(f"共 {len(paths)} 个流程文件，{problems} 个问题")
    if problems:
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(workflow_cli)
