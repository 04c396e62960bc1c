"""Content-addressed storage: type by content, size limit, dedupe, never overwritten."""

from __future__ import annotations

import hashlib
import os

import pytest

from app import attachments
from app.attachments.storage import clean_filename, sniff, upload_root
from app.errors import ValidationFailed
from tests.factories.files import JPEG, PDF, PNG, file_storage


def test_store_writes_content_addressed_file(db, world):
    att = attachments.store(file_storage(JPEG, "现场照片.jpg"), actor=world.officer)
    sha = hashlib.sha256(JPEG).hexdigest()
    assert (att.sha256, att.size, att.mime, att.original_name) == (
        sha,
        len(JPEG),
        "image/jpeg",
        "现场照片.jpg",
    )
    assert att.id is not None and att.uploaded_by_id == world.officer.id
    path = upload_root() / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == JPEG
    assert not list((upload_root() / ".tmp").iterdir())  # no temp files left behind


def test_same_content_is_stored_once_and_never_overwritten(db, world):
    a = attachments.store(file_storage(PNG, "a.png", "image/png"), actor=world.officer)
    path = attachments.blob_path(a.sha256)
    before = os.stat(path)
    b = attachments.store(file_storage(PNG, "另一个名字.png", "image/png"), actor=world.manager_a)
    after = os.stat(path)
    assert a.id != b.id and a.sha256 == b.sha256
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert b.original_name == "另一个名字.png"
    assert len(list(path.parent.iterdir())) == 1


def test_text_renamed_to_jpg_is_refused(db, world):
    with pytest.raises(ValidationFailed) as exc:
        attachments.store(file_storage(b"hello, I am text", "photo.jpg", "image/jpeg"), actor=world.officer)
    assert exc.value.message == "文件类型不支持：仅允许 JPG、PNG、WEBP、PDF、MP4"
    with pytest.raises(ValidationFailed) as exc:
        attachments.store(
            file_storage(b"<html>", "a.jpg"),
            actor=world.officer,
            accept=["image/jpeg", "image/png", "application/pdf"],
        )
    assert exc.value.message == "文件类型不支持：仅允许 JPG、PNG、PDF"


def test_oversize_is_refused_and_leaves_nothing(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
    big = JPEG + b"\0" * (20 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as exc:
        attachments.store(file_storage(big, "大照片.jpg"), actor=world.officer)
    assert exc.value.message == "文件过大：最大20MB"
    assert not attachments.blob_path(hashlib.sha256(big).hexdigest()).exists()
    assert not list((upload_root() / ".tmp").iterdir())


def test_empty_file_is_refused(db, world):
    with pytest.raises(ValidationFailed, match="文件为空"):
        attachments.store(file_storage(b"", "空.jpg"), actor=world.officer)


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00", None),
        (b"GIF89a", None),
        (b"PK\x03\x04", None),
        (b"MZ\x90\x00", None),
    ],
)
def test_sniff(head, mime):
    assert sniff(head[:16]) == mime


def test_clean_filename():
    assert clean_filename("C:\\Users\\王\\照片.jpg") == "照片.jpg"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("a\x00b\n.pdf") == "ab.pdf"
    assert clean_filename("") == "附件"
    long = "长" * 300 + ".pdf"
    assert len(clean_filename(long)) <= 255 and clean_filename(long).endswith(".pdf")


def test_link_is_idempotent_and_attachments_for_filters_by_field(db, world):
    a = attachments.store(file_storage(JPEG), actor=world.officer)
    b = attachments.store(file_storage(PDF, "报告.pdf", "application/pdf"), actor=world.officer)
    ent = world.ent_a
    l1 = attachments.link(a, ent, "photos")
    assert attachments.link(a, ent, "photos") is l1
    attachments.link(b.id, ent, "report")
    assert attachments.attachments_for(ent) == [a, b]
    assert attachments.attachments_for(ent, "report") == [b]
    assert attachments.attachments_for(world.ent_b) == []
    assert attachments.get_many([b.id, 999, "x", a.id]) == [b, a]


def test_upload_is_audited_when_audit_is_available(db, world):
    audit = pytest.importorskip("app.audit")
    if not hasattr(audit, "history"):
        pytest.skip("app.audit not ready")
    att = attachments.store(file_storage(JPEG, "证据.jpg"), actor=world.officer)
    events = audit.history(att)
    assert events and events[-1].action == "attachment.uploaded"
    assert events[-1].data["sha256"] == att.sha256


def test_verify_detects_missing_and_altered_files(db, world):
    from app.attachments.maintenance import verify_store

    good = attachments.store(file_storage(JPEG), actor=world.officer)
    # unique bytes: the store is shared by the whole test session
    bad = attachments.store(file_storage(PNG + b"verify-1", "b.png", "image/png"), actor=world.officer)
    gone = attachments.store(file_storage(PDF + b"verify-2", "c.pdf", "application/pdf"), actor=world.officer)
    assert verify_store().ok
    path = attachments.blob_path(bad.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(PNG + b"tampered")
    attachments.blob_path(gone.sha256).unlink()
    report = verify_store()
    assert report.checked == 3 and report.corrupt == [bad.sha256] and report.missing == [gone.sha256]
    assert good.sha256 not in report.corrupt


def test_gc_removes_only_old_unreferenced_files(db, world):
    import time

    from app.attachments.maintenance import collect_garbage
    from app.attachments.storage import put

    kept = attachments.store(file_storage(JPEG), actor=world.officer)
    orphan = put(file_storage(PNG + b"gc-1").stream, "x.png")  # bytes of a form that was never completed
    fresh = put(file_storage(PDF + b"gc-2").stream, "y.pdf")
    old = time.time() - 30 * 86400
    for sha in (kept.sha256, orphan.sha256):
        os.utime(attachments.blob_path(sha), (old, old))
    removed = collect_garbage(7)
    assert str(attachments.blob_path(orphan.sha256)) in removed
    assert attachments.blob_path(kept.sha256).exists() and attachments.blob_path(fresh.sha256).exists()
