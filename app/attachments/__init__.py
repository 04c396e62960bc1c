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
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import make_transient_to_detached

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
from app.db import Precompiled, utcnow
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


_ATTACHMENTS = cast(Table, Attachment.__table__)
_LINKS = cast(Table, AttachmentLink.__table__)
_LINK_KEY = ("attachment_id", "subject_type", "subject_id", "field")
# Built once. Each step stores and links its uploads: as plain statements these cost a fraction of a
# unit-of-work flush each (the rows are then put in the session as they are in the database).
_INSERT_ATTACHMENT = _ATTACHMENTS.insert().returning(_ATTACHMENTS.c.id)
_INSERT_LINK = Precompiled(
    lambda insert: insert(_LINKS)
    .on_conflict_do_nothing(index_elements=list(_LINK_KEY))
    .returning(_LINKS.c.id)
)


def _persistent(obj):
    """An object built from a row just inserted by a plain statement, made a persistent member of the
    session (as if loaded), without a flush."""
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


def _flush_pending() -> None:
    """What the ORM's autoflush did before each of our statements: new objects (the subject a file is
    linked to, an attachment added by hand) reach the database first, foreign keys and all."""
    if db.session.new:
        db.session.flush()


def create(blob: Blob, *, actor) -> Attachment:
    """The Attachment row for bytes already in the store (see `put`)."""
    _flush_pending()
    values = dict(
        sha256=blob.sha256,
        size=blob.size,
        mime=blob.mime,
        original_name=blob.original_name,
        uploaded_by_id=getattr(actor, "id", None),
        created_at=utcnow(),
    )
    att_id = db.session.connection().execute(_INSERT_ATTACHMENT, values).scalar_one()
    att = _persistent(Attachment(id=att_id, **values))
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
    _flush_pending()
    values = dict(
        attachment_id=att_id,
        subject_type=subjects.type_of(obj),
        subject_id=obj.id,
        field=field or "",
        created_at=utcnow(),
    )
    link_id = _INSERT_LINK.execute(db.session.connection(), values).scalar()
    if link_id is None:  # linked already (ON CONFLICT DO NOTHING)
        return db.session.scalars(
            select(AttachmentLink).where(*(getattr(AttachmentLink, k) == values[k] for k in _LINK_KEY))
        ).one()
    return _persistent(AttachmentLink(id=link_id, **values))


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


def attachments_for_many(objs: Iterable, field: str | None = None) -> dict[int, list[Attachment]]:
    """attachments_for of several objects of one type in one query: {obj.id: [attachments]} (lists of items,
    e.g. a case's evidence, without a query per item)."""
    objs = list(objs)
    out: dict[int, list[Attachment]] = {o.id: [] for o in objs}
    if not objs:
        return out
    q = (
        select(AttachmentLink.subject_id, Attachment)
        .join(AttachmentLink, AttachmentLink.attachment_id == Attachment.id)
        .where(
            AttachmentLink.subject_type == subjects.type_of(objs[0]), AttachmentLink.subject_id.in_(list(out))
        )
        .order_by(AttachmentLink.id)
    )
    if field is not None:
        q = q.where(AttachmentLink.field == field)
    for subject_id, att in db.session.execute(q):
        items = out[int(subject_id)]
        if all(a.id != att.id for a in items):
            items.append(att)
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
