"""`flask backup create | restore | check` (README: 备份与恢复)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

backup_cli = AppGroup("backup", help="数据库与附件存储的一致备份和恢复")


def check_state() -> list[str]:
    """What is wrong with the current database and store (empty when the audit chain and files hold)."""
    from app.attachments.maintenance import verify_store
    from app.audit.service import verify

    problems = []
    chain = verify()
    if not chain.ok:
        problems.append(f"审计链校验失败：{chain.message}")
    store = verify_store()
    if store.missing:
        problems.append(f"{len(store.missing)} 个附件记录缺少文件")
    if store.corrupt:
        problems.append(f"{len(store.corrupt)} 个附件文件内容与 SHA-256 不符")
    return problems


@backup_cli.command("create")
@click.option("--to", "target", default=None, help="备份存放目录（默认 instance/backups）")
def create_command(target: str | None) -> None:
    """备份数据库和它引用的全部附件（运行中也可执行）。"""
    from pathlib import Path

    from app.backup.operations import BackupError, create_backup

    target = target or str(Path(current_app.config["UPLOAD_DIR"]).parent / "backups")
    try:
        result = create_backup(target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"备份完成：{result.path}（附件 {result.files} 个）")
    if result.missing:
        click.echo(f"警告：{len(result.missing)} 个附件在存储中缺失，未能备份", err=True)
        raise SystemExit(1)


@backup_cli.command("restore")
@click.argument("path")
@click.option("--yes", is_flag=True, help="确认用备份替换当前数据库（先停止 Web 与定时器服务）")
def restore_command(path: str, yes: bool) -> None:
    """用备份替换当前数据库并补回附件，然后校验审计链与附件。"""
    from app.backup.operations import BackupError, restore_backup

    if not yes:
        raise click.ClickException("恢复会替换当前数据库的全部内容：先停止服务，再加 --yes 执行")
    try:
        manifest = restore_backup(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"已恢复 {manifest['created_at']} 的备份，补回附件 {manifest['copied']} 个")
    problems = check_state()
    if problems:
        raise click.ClickException("恢复后校验未通过：" + "；".join(problems))
    click.echo("恢复后校验通过：审计链完整，每条附件记录都有其文件")


@backup_cli.command("check")
def check_command() -> None:
    """校验当前数据库的审计链和附件文件是否完整。"""
    problems = check_state()
    if problems:
        raise click.ClickException("；".join(problems))
    click.echo("校验通过：审计链完整，每条附件记录都有其文件")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_cli)
