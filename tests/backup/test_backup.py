"""Backup and restore of the database and the attachment store together (issue #11 item 7).

The backup is taken while another thread keeps writing audited rows and uploading evidence; restored into
a fresh database and an empty store, the audit chain verifies and every attachment row has its file.
"""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import attachments, create_app
from app.audit.service import verify
from app.backup.cli import check_state
from app.backup.operations import MANIFEST, BackupError, create_backup, read_manifest, restore_backup
from app.config import TestConfig
from app.extensions import db as _db
from tests.factories.db import commit, is_postgres
from tests.factories.files import JPEG, file_storage


def _writer(app, user_id: int, stop: threading.Event, written: list[int]) -> None:
    """Upload distinct evidence files (each an audited write) until told to stop."""
    from app.auth.models import User

    with app.app_context():
        actor = _db.session.get(User, user_id)
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            att = attachments.store(file_storage(JPEG + f"-{uuid.uuid4()}".encode(), f"现场{n}.jpg"), actor=actor)
            _db.session.commit()
            written.append(att.id)
        _db.session.remove()


@pytest.fixture
def restore_target(app, tmp_path):
    """A second app on an empty database and an empty store, where the backup is restored."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"safeloop_restore_{uuid.uuid4().hex[:8]}"
    admin = None
    if is_postgres(app):
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target_url = url.set(database=name).render_as_string(hide_password=False)
    else:
        target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    other = create_app({**config, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": target_url,
                        "UPLOAD_DIR": str(tmp_path / "restored-store")})
    yield other
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_taken_during_writes_restores_to_a_verified_state(app, world, tmp_path, restore_target):
    for i in range(5):
        attachments.store(file_storage(JPEG + f"before-{i}".encode()), actor=world.officer)
    commit()
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(app, world.officer.id, stop, written))
    writer.start()
    try:
        while len(written) < 5:  # the backup starts while writes are under way
            threading.Event().wait(0.02)
        result = create_backup(tmp_path / "backups")
        during = len(written)
    finally:
        stop.set()
        writer.join(60)
    assert not result.missing
    assert len(written) > 5 and during >= 5
    manifest = json.loads((result.path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["attachments"] == result.files >= 10

    with restore_target.app_context():
        restored = restore_backup(result.path)
        assert restored["copied"] == result.files
        assert check_state() == []
        assert verify().ok
        count = _db.session.execute(text("SELECT count(*) FROM attachments")).scalar_one()
        assert 10 <= count <= 5 + len(written)


def test_restore_detects_a_damaged_backup(app, world, tmp_path):
    attachments.store(file_storage(JPEG), actor=world.officer)
    commit()
    result = create_backup(tmp_path / "b")
    db_file = result.path / json.loads((result.path / MANIFEST).read_text())["database_file"]
    with open(db_file, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(BackupError, match="损坏"):
        read_manifest(result.path)
    with pytest.raises(BackupError, match="备份目录"):
        read_manifest(tmp_path)


def test_check_reports_a_missing_evidence_file(app, world):
    att = attachments.store(file_storage(JPEG + b"gone"), actor=world.officer)
    commit()
    from app.attachments.storage import blob_path

    blob_path(att.sha256).unlink()
    assert check_state() == ["1 个附件记录缺少文件"]


def test_cli_restore_refuses_without_yes(app, tmp_path):
    run = app.test_cli_runner().invoke(args=["backup", "restore", str(tmp_path)])
    assert run.exit_code != 0
    assert "--yes" in run.output
