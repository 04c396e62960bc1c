"""`flask audit verify`: prove the 执法全过程记录 chain is intact; `flask audit anchor`: write the signed
chain head outside the database (app/audit/anchors.py)."""

from __future__ import annotations

import json
import logging

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)

audit_cli = AppGroup("audit", help="执法全过程记录（审计链）")


@audit_cli.command("verify")
@click.option("--chunk-size", default=5000, show_default=True, help="每批读取的记录数")
@click.option("--anchors", "anchors_path", default=None, help="锚点文件（默认 AUDIT_ANCHOR_FILE）")
def verify_command(chunk_size: int, anchors_path: str | None) -> None:
    """校验审计哈希链（每一条记录、密钥签名与外部锚点）；断裂时以非零状态退出。"""
    from app.audit.service import record_verification, verify
    from app.extensions import db

    result = verify(chunk_size=chunk_size, anchors_path=anchors_path or True)
    record_verification(result)  # the check itself goes on record (系统), as the page's does
    db.session.commit()
    if result.ok:
        click.echo(result.message)
        return
    for problem in result.problems or (result.message,):
        click.echo(problem, err=True)
    raise SystemExit(1)


@audit_cli.command("anchor")
@click.option("--out", default=None, help="追加到的锚点文件（默认 AUDIT_ANCHOR_FILE；“-”表示只打印）")
def anchor_command(out: str | None) -> None:
    """把当前审计链头（序号、哈希、时间）以密钥签名，追加到锚点文件并打印（供日志与纸质留存）。

    与上一个锚点矛盾（链头落后、哈希不同、锚定的记录不在）时仍写入，并以非零状态退出。"""
    from app.audit import anchors

    path = current_app.config.get("AUDIT_ANCHOR_FILE") if out is None else (None if out == "-" else out)
    record = anchors.current()
    previous = anchors.load(path)[0] if path else []
    problem = anchors.contradiction(record, previous[-1] if previous else None)
    if path:
        anchors.append(path, record)
    where = f"，已追加到 {path}" if path else "（未写入文件）"
    click.echo(f"审计链锚点：第 {record['seq']} 条，哈希 {record['hash']}，{record['at']}{where}")
    click.echo(json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
    if problem:
        log.error("audit anchor: %s", problem)
        click.echo(problem, err=True)
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    app.cli.add_command(audit_cli)
