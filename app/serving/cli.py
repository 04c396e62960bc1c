"""`flask serve`: the production command (`make serve`).

Checks the production settings, runs the database migrations, then starts gunicorn (N web workers,
app/serving/gunicorn_conf.py), the BPMN timer worker (`flask workflow worker`) and the jobs worker
(`flask jobs worker`: exports) as child processes and supervises them: when one ends, the others are
stopped and the command exits with its status. SIGTERM / Ctrl+C stop them all gracefully. Under systemd run the pieces as separate units instead
(docs/deploy/).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click
from flask import Flask, current_app

from app.serving.checks import production_problems


def _children_env() -> dict[str, str]:
    env = dict(os.environ)
    env["SAFELOOP_ENV"] = "production"
    env["PYTHONUNBUFFERED"] = "1"  # each log line reaches the console / journal when written, not at exit
    env.setdefault("FLASK_APP", "app:create_app")
    return env


def commands(
    workers: int | None, interval: float, with_timer_worker: bool, with_jobs_worker: bool = True
) -> list[list[str]]:
    """The child processes `flask serve` starts (web first, then the timer and the jobs worker)."""
    web = [sys.executable, "-m", "gunicorn", "-c", "python:app.serving.gunicorn_conf"]
    if workers:
        web += ["--workers", str(workers)]
    web.append("app:create_app()")
    procs = [web]
    if with_timer_worker:
        procs.append([sys.executable, "-m", "flask", "workflow", "worker", "--interval", f"{interval:g}"])
    if with_jobs_worker:  # exports and other long work, off the web workers (app/jobs)
        procs.append([sys.executable, "-m", "flask", "jobs", "worker", "--interval", "1"])
    return procs


def supervise(cmds: list[list[str]], env: dict[str, str]) -> int:
    """Run the commands side by side until one ends or a stop signal comes; stop the rest; its status."""
    children = [subprocess.Popen(cmd, env=env) for cmd in cmds]
    stopping = False

    def stop(signum, frame):  # noqa: ARG001
        nonlocal stopping
        stopping = True

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        status = 0
        while not stopping:
            ended = [c for c in children if c.poll() is not None]
            if ended:
                status = ended[0].returncode or 0
                click.echo(f"子进程 {ended[0].args[2:4]} 已退出（状态 {status}），正在停止其余进程", err=True)
                break
            time.sleep(0.5)
        for c in children:
            if c.poll() is None:
                c.terminate()
        for c in children:
            try:
                c.wait(timeout=35)
            except subprocess.TimeoutExpired:
                c.kill()
        return status
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def register_cli(app: Flask) -> None:
    @app.cli.command("serve")
    @click.option("--workers", type=int, default=None, help="Web 进程数（默认 SAFELOOP_WORKERS 或 2×CPU+1）")
    @click.option("--interval", default=30.0, show_default=True, help="定时器进程轮询间隔（秒）")
    @click.option("--no-timer-worker", is_flag=True, help="不启动定时器进程（已由其他服务运行时）")
    @click.option("--no-jobs-worker", is_flag=True, help="不启动后台任务进程（已由其他服务运行时）")
    def serve_command(workers: int | None, interval: float, no_timer_worker: bool, no_jobs_worker: bool) -> None:
        """生产运行：检查配置、升级数据库、启动 gunicorn、定时器进程与后台任务进程。"""
        from flask_migrate import upgrade

        config = dict(current_app.config, PRODUCTION=True)
        problems = production_problems(config)
        if problems:
            click.echo("生产模式拒绝启动：\n- " + "\n- ".join(problems), err=True)
            raise SystemExit(2)
        if current_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            click.echo("提示：正在使用内置 SQLite 数据库；正式部署请通过 DATABASE_URL 使用 PostgreSQL。", err=True)
        click.echo("升级数据库结构 …")
        upgrade()
        others = [name for name, off in (("定时器进程", no_timer_worker), ("后台任务进程", no_jobs_worker)) if not off]
        click.echo("启动 Web 服务（gunicorn）" + (f"与{'、'.join(others)}" if others else ""))
        cmds = commands(workers, interval, not no_timer_worker, not no_jobs_worker)
        raise SystemExit(supervise(cmds, _children_env()))
