"""`flask audit verify`: prove the 执法全过程记录 chain is intact."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="执法全过程记录（审计链）")


@audit_cli.command("verify")
@click.option("--chunk-size", default=5000, show_default=True, help="每批读取的记录数")
def verify_command(chunk_size: int) -> None:
    """校验审计哈希链；断裂时以非零状态退出。"""
    from app.audit.service import record_verification, verify
    from app.extensions import db

    result = verify(chunk_size=chunk_size)
    record_verification(result)  # the check itself goes on record (系统), as the page's does
    db.session.commit()
    if result.ok:
        click.echo(result.message)
        return
    click.echo(result.message, err=True)
    raise SystemExit(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(audit_cli)
