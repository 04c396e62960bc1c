"""Take a consistent backup of the database and the evidence files it refers to; restore it.

Why the pair is consistent although the app keeps writing: the attachment store is content-addressed and
write-once (app/attachments/storage.py), and a file is in the store before its Attachment row commits.
So the backup first takes a snapshot of the database, reads the SHA-256 list *inside that snapshot*, and
only then copies exactly those files: every row in the snapshot has its file, whatever was written after.

- SQLite: sqlite3's online backup API into `database.sqlite3` (a consistent copy while others write).
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot (pg_export_snapshot); `pg_dump
  --snapshot` dumps exactly that state into `database.dump` while the same transaction lists the files.

A backup is a directory `safeloop-backup-<UTC time>/` with the database, `attachments/` (same layout as
UPLOAD_DIR) and `manifest.json` (what it holds, with the SHA-256 of the database file).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.attachments.storage import SHA_RE, blob_path
from app.extensions import db

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message is for the operator (Chinese)."""


@dataclass
class BackupResult:
    path: Path
    files: int
    missing: list[str]


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url(url) -> str:
    """The URL as pg_dump / pg_restore take it (no SQLAlchemy driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sha_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _snapshot_sqlite(url, dest: Path) -> set[str]:
    src = sqlite3.connect(url.database)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)
    finally:
        src.close()
    try:
        return {row[0] for row in out.execute("SELECT DISTINCT sha256 FROM attachments")}
    finally:
        out.close()


def _snapshot_postgres(url, dest: Path) -> set[str]:
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            shas = set(conn.execute(text("SELECT DISTINCT sha256 FROM attachments")).scalars())
            run = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 f"--file={dest}", _libpq_url(url)],
                capture_output=True, text=True,
            )
            if run.returncode:
                raise BackupError(f"pg_dump 失败：{run.stderr.strip()}")
    return shas


def create_backup(target_dir: str | Path) -> BackupResult:
    """Write a new backup directory under target_dir and return it with what it holds."""
    url = _url()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(target_dir) / f"safeloop-backup-{stamp}"
    path.mkdir(parents=True)
    db.session.remove()  # no open transaction of ours holds locks during the copy
    if url.get_backend_name() == "sqlite":
        db_file = path / SQLITE_FILE
        shas = _snapshot_sqlite(url, db_file)
    elif url.get_backend_name() == "postgresql":
        db_file = path / PG_FILE
        shas = _snapshot_postgres(url, db_file)
    else:
        raise BackupError(f"不支持的数据库：{url.get_backend_name()}")
    missing = []
    for sha in sorted(shas):
        src = blob_path(sha)
        if not src.is_file():
            missing.append(sha)
            continue
        dst = path / "attachments" / sha[:2] / sha[2:4] / sha
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "database": url.get_backend_name(),
        "database_file": db_file.name,
        "database_sha256": _sha_file(db_file),
        "attachments": len(shas) - len(missing),
        "missing_attachments": missing,
    }
    (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupResult(path, len(shas) - len(missing), missing)


def read_manifest(path: str | Path) -> dict:
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} 不是 SafeLoop 备份目录（缺少或无法读取 {MANIFEST}）") from exc
    db_file = path / manifest["database_file"]
    if not db_file.is_file() or _sha_file(db_file) != manifest["database_sha256"]:
        raise BackupError("备份中的数据库文件缺失或与清单中的 SHA-256 不符，备份已损坏")
    return manifest


def restore_backup(path: str | Path) -> dict:
    """Replace the configured database with the backup's and add its files to the store.

    Stop the web and timer services first: a restore replaces every row.
    """
    path = Path(path)
    manifest = read_manifest(path)
    url = _url()
    if manifest["database"] != url.get_backend_name():
        raise BackupError(f"备份来自 {manifest['database']}，当前配置的数据库是 {url.get_backend_name()}")
    db.session.remove()
    db.engine.dispose()
    db_file = path / manifest["database_file"]
    if url.get_backend_name() == "sqlite":
        target = Path(url.database)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        src = sqlite3.connect(db_file)
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
        finally:
            src.close()
            out.close()
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        tmp.replace(target)
    else:
        run = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             f"--dbname={_libpq_url(url)}", str(db_file)],
            capture_output=True, text=True,
        )
        if run.returncode:
            raise BackupError(f"pg_restore 失败：{run.stderr.strip()}")
    store = path / "attachments"
    copied = 0
    if store.is_dir():
        for src in store.rglob("*"):
            if src.is_file() and SHA_RE.match(src.name):
                dst = blob_path(src.name)
                if not dst.is_file():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dst)
                    copied += 1
    return {**manifest, "copied": copied}
