"""Store maintenance: prove evidence files are intact, and remove bytes nobody refers to.

flask attachments verify        # re-hash every stored file against its Attachment rows
flask attachments gc --days 7   # delete store files with no Attachment row older than N days
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.attachments.models import Attachment
from app.attachments.storage import CHUNK, SHA_RE, blob_path, upload_root
from app.extensions import db


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt


def verify_store() -> VerifyReport:
    """Every sha256 referenced by an Attachment exists and still hashes to its name."""
    report = VerifyReport()
    for sha in db.session.scalars(select(Attachment.sha256).distinct()):
        report.checked += 1
        path = blob_path(sha)
        if not path.is_file():
            report.missing.append(sha)
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            report.corrupt.append(sha)
    return report


def collect_garbage(older_than_days: float = 7) -> list[str]:
    """Delete store files no Attachment row refers to (uploads of abandoned forms) and stale temp files.

    Only files older than the grace period go: a form re-rendered with kept uploads refers to its
    files by token for up to FORMS_UPLOAD_TOKEN_MAX_AGE (3 days by default).
    """
    root = upload_root()
    cutoff = time.time() - older_than_days * 86400
    known = set(db.session.scalars(select(Attachment.sha256).distinct()))
    removed = []
    if not root.is_dir():
        return removed
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            is_temp = os.path.basename(dirpath) == ".tmp"
            if not is_temp and (not SHA_RE.match(name) or name in known):
                continue
            if os.stat(path).st_mtime < cutoff:
                os.unlink(path)
                removed.append(path)
    return removed


def register_cli(app) -> None:
    group = AppGroup("attachments", help="附件存储维护 (content-addressed store).")

    @group.command("verify")
    def verify_command():
        """Re-hash every stored file; exit 1 if any is missing or altered."""
        report = verify_store()
        for sha in report.missing:
            click.echo(f"缺失: {sha}", err=True)
        for sha in report.corrupt:
            click.echo(f"内容被改动: {sha}", err=True)
        click.echo(f"已校验 {report.checked} 个文件：" + ("全部完好" if report.ok else "发现问题"))
        raise SystemExit(0 if report.ok else 1)

    @group.command("gc")
    @click.option("--days", default=7.0, show_default=True, help="grace period for unreferenced files")
    def gc_command(days: float):
        """Delete stored files that no attachment refers to."""
        removed = collect_garbage(days)
        click.echo(f"已删除 {len(removed)} 个无引用文件")

    if "attachments" not in app.cli.commands:
        app.cli.add_command(group)
