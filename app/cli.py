"""`flask demo` (migrate + demo data + accounts), `flask demo-serve` (the demo server with the timer worker
in a background thread) and `flask seed-demo` (demo data only)."""

from __future__ import annotations

import unicodedata

import click
from flask import Flask


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def format_accounts(rows: list[dict], password: str) -> str:
    """The demo accounts as a plain-text table (CJK-aware column widths)."""
    headers = {"username": "用户名", "name": "姓名", "roles": "角色", "unit": "单位/企业", "scope": "数据范围"}
    widths = {k: max([_width(h)] + [_width(str(r[k])) for r in rows]) for k, h in headers.items()}
    lines = [
        f"演示账号（统一密码：{password}）",
        "  ".join(_pad(h, widths[k]) for k, h in headers.items()).rstrip(),
        "  ".join("-" * widths[k] for k in headers),
    ]
    for r in rows:
        line = "  ".join(_pad(str(r[k]), widths[k]) for k in headers)
        lines.append(line.rstrip() + ("" if r["active"] else "  （已停用）"))
    return "\n".join(lines)


def _seed_and_report() -> None:
    from app.extensions import db
    from app.seed import DEMO_PASSWORD, demo_accounts, seed_demo

    ctx = seed_demo()
    if ctx is None:
        click.echo("数据库中已有数据，未重复载入演示数据。")
    else:
        db.session.commit()
        click.echo(
            f"已载入演示数据：{len(ctx['towns'])}个乡镇/街道，{len(ctx['villages'])}个村/社区，"
            f"{len(ctx['departments'])}个单位，{len(ctx['enterprises'])}家企业，{len(ctx['users'])}个账号。"
        )
    rows = demo_accounts()
    if rows:
        click.echo("")
        click.echo(format_accounts(rows, DEMO_PASSWORD + ("" if ctx is not None else "（如未修改）")))


def _tables_missing() -> list[str]:
    from sqlalchemy import inspect

    from app.extensions import db

    have = set(inspect(db.engine).get_table_names())
    return [t for t in ("regions", "departments", "enterprises", "users") if t not in have]


def serve_demo(host: str, port: int, tick_interval: float, *, serve=None) -> None:
    """The demo server with the timer worker in a background thread: reminders, overdue marks and
    escalations appear while the demo runs, from one command. Timers are taken under the instance lock,
    so a `flask workflow worker` started beside it never fires one twice. `serve` (tests) replaces
    the web server."""
    from flask import current_app

    from app.workflow.ticks import Ticker

    flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
    ticker = None
    if tick_interval > 0:
        click.echo(
            f"定时任务已在后台启动：每 {tick_interval:g} 秒检查一次到期的提醒、逾期和复查期限"
            "（与 flask workflow worker 相同；同时运行多个也不会重复触发）。"
        )
        ticker = Ticker(flask_app, tick_interval, say=click.echo).start()
    else:
        click.echo("本进程不运行定时任务；到期提醒和逾期标记需另行运行 flask workflow worker。")
    # exports run as jobs: the demo runs them in a background thread too (as `flask jobs worker` does)
    from app.jobs import JobWorker

    job_worker = JobWorker(flask_app, 1.0, say=click.echo).start()
    try:
        (serve or _serve)(host, port, flask_app, threaded=True)
    finally:
        job_worker.stop()
        if ticker is not None:
            ticker.stop()


def _serve(host: str, port: int, wsgi_app, *, threaded: bool) -> None:
    """werkzeug's development server, announced in Chinese (run_simple prints an English banner)."""
    from werkzeug.serving import make_server

    server = make_server(host, port, wsgi_app, threaded=threaded)
    click.echo(f"演示服务器已启动：http://{host}:{port}/（按 Ctrl+C 退出；生产环境请用 gunicorn 等 WSGI 服务器）")
    server.serve_forever()  # returns on Ctrl+C
    click.echo("演示服务器已退出")


def upgrade_quietly() -> str:
    """`flask db upgrade` without Alembic's English INFO lines ("Context impl SQLiteImpl.", "Running
    upgrade …"); returns what happened, in Chinese. Warnings and errors still show."""
    import logging

    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app
    from flask_migrate import upgrade

    from app.extensions import db

    def heads() -> tuple[str, ...]:
        with db.engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())

    previous = logging.root.manager.disable
    logging.disable(logging.INFO)  # also MigrationContext's own "Context impl …" lines
    try:
        before = heads()
        upgrade()
        after = heads()
    finally:
        logging.disable(previous)
    if after == before:
        return "数据库结构已是最新版本，无需升级。"
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    applied = sum(1 for head in after for _ in script.iterate_revisions(head, before[0] if before else "base"))
    verb = "已创建数据库" if not before else "已升级数据库结构"
    return f"{verb}（执行 {applied} 个数据库迁移），数据库结构为最新版本。"


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command() -> None:
        """升级数据库（flask db upgrade），首次运行时载入演示数据，并列出演示账号。"""
        click.echo(upgrade_quietly())
        missing = _tables_missing()
        if missing:
            click.echo(f"数据库迁移后仍缺少数据表：{'、'.join(missing)}。请检查 migrations/。", err=True)
            raise SystemExit(1)
        _seed_and_report()

    @app.cli.command("demo-serve")
    @click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
    @click.option("--port", default=5000, show_default=True, help="端口")
    @click.option(
        "--tick-interval",
        default=30.0,
        show_default=True,
        help="定时任务（到期提醒、逾期标记、复查超期）的检查间隔（秒）；0 表示本进程不运行定时任务",
    )
    def demo_serve_command(host: str, port: int, tick_interval: float) -> None:
        """启动演示服务器，并在后台按间隔运行定时任务（与 flask workflow worker 相同，可同时运行）。"""
        serve_demo(host, port, tick_interval)

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """载入演示数据（不执行数据库迁移；数据库非空时不做任何改动）。"""
        missing = _tables_missing()
        if missing:
            click.echo(f"缺少数据表：{'、'.join(missing)}。请先执行 flask db upgrade。", err=True)
            raise SystemExit(1)
        _seed_and_report()
