"""Attachments: evidence files (photos, PDFs, video) stored by SHA-256, never overwritten.

    att = attachments.store(request.files["photo"], actor=current_user)   # type/size checked
    attachments.link(att, subject, "photos")                               # after the subject has an id
    attachments.attachments_for(subject, "photos")                         # -> [Attachment]
    attachments.register_access("<table>", lambda user, subject_id: ...)   # who may download

Download: GET /attachments/<id> (login required; 404 unless `can_access`). Operations flush, never
commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app import audit, subjects
from app.attachments.access import can_access, register_access
from app.attachments.models import Attachment, AttachmentLink
from app.attachments.storage import (
    TYPE_LABELS,
    Blob,
    allowed_types,
    blob_path,
    put,
    sniff,
)
from app.extensions import db

__all__ = [
    "Attachment",
    "AttachmentLink",
    "Blob",
    "TYPE_LABELS",
    "allowed_types",
    "attachments_for",
    "blob_path",
    "can_access",
    "create",
    "get_many",
    "link",
    "put",
    "register_access",
    "sniff",
    "store",
]


def store(file_storage, *, actor, accept=None, max_bytes: int | None = None) -> Attachment:
    """Check and store one uploaded file (werkzeug FileStorage); returns the flushed Attachment.

    Raises app.errors.ValidationFailed ("文件类型不支持：仅允许 JPG、PNG、PDF", "文件过大：最大20MB").
    """
    blob = put(file_storage.stream, file_storage.filename, allowed=allowed_types(accept), max_bytes=max_bytes)
    return create(blob, actor=actor)


def create(blob: Blob, *, actor) -> Attachment:
    """The Attachment row for bytes already in the store (see `put`)."""
    att = Attachment(
        sha256=blob.sha256,
        size=blob.size,
        mime=blob.mime,
        original_name=blob.original_name,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(att)
    db.session.flush()
    _audit(
        actor,
        "attachment.uploaded",
        att,
        summary=f"上传附件“{att.original_name}”",
        data={"sha256": att.sha256, "size": att.size, "mime": att.mime, "name": att.original_name},
    )
    return att


def link(attachment: Attachment | int, obj, field: str = "") -> AttachmentLink:
    """Attach to a business object (idempotent). The object must have an id (flushed)."""
    att_id = attachment if isinstance(attachment, int) else attachment.id
    if getattr(obj, "id", None) is None:
        db.session.flush()
    subject_type = subjects.type_of(obj)
    existing = db.session.scalar(
        select(AttachmentLink).where(
            AttachmentLink.attachment_id == att_id,
            AttachmentLink.subject_type == subject_type,
            AttachmentLink.subject_id == obj.id,
            AttachmentLink.field == (field or ""),
        )
    )
    if existing is not None:
        return existing
    row = AttachmentLink(
        attachment_id=att_id, subject_type=subject_type, subject_id=obj.id, field=field or ""
    )
    db.session.add(row)
    db.session.flush()
    return row


def link_all(ids: Iterable[int | Attachment], obj, field: str = "") -> list[AttachmentLink]:
    return [link(a, obj, field) for a in ids or ()]


def attachments_for(obj, field: str | None = None) -> list[Attachment]:
    """Attachments linked to obj (optionally in one field), in the order they were linked."""
    q = (
        select(Attachment)
        .join(AttachmentLink, AttachmentLink.attachment_id == Attachment.id)
        .where(AttachmentLink.subject_type == subjects.type_of(obj), AttachmentLink.subject_id == obj.id)
        .order_by(AttachmentLink.id)
    )
    if field is not None:
        q = q.where(AttachmentLink.field == field)
    seen, out = set(), []
    for att in db.session.scalars(q):
        if att.id not in seen:
            seen.add(att.id)
            out.append(att)
    return out


def get_many(ids: Iterable) -> list[Attachment]:
    """Attachments by id, in the given order; unknown ids are skipped."""
    wanted = []
    for i in ids or ():
        try:
            wanted.append(int(i))
        except (TypeError, ValueError):
            continue
    if not wanted:
        return []
    rows = {a.id: a for a in db.session.scalars(select(Attachment).where(Attachment.id.in_(wanted)))}
    return [rows[i] for i in wanted if i in rows]


ACTION_LABELS = {
    "attachment.uploaded": "上传附件",
    "attachment.downloaded": "查看/下载附件原件",
    "attachment.viewed": "浏览附件（页面缩略图）",
}


def _audit(actor, action: str, obj, *, summary: str, data: dict | None = None) -> None:
    """Record the event in the audit trail (same transaction)."""
    audit.record(actor, action, obj, summary=summary, data=data)
