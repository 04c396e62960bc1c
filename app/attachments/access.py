"""Who may download an attachment: whoever may see one of the objects it is attached to.

Domains register a check per subject type, e.g. in app/hazards/__init__.py or routes.py::

    attachments.register_access("hazards", lambda user, hazard_id: can_view_hazard_id(user, hazard_id))

An attachment not linked to anything yet is visible to its uploader only. Unregistered subject types
grant nothing (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from app.extensions import db

AccessCheck = Callable[[object, int], bool]
_checks: dict[str, AccessCheck] = {}


def register_access(subject_type: str, check: AccessCheck) -> AccessCheck:
    """Register `check(user, subject_id) -> bool` for attachments linked to `subject_type` objects."""
    _checks[subject_type] = check
    return check


def subject_type_of(obj) -> str:
    """The subject type stored in links: like app.audit, `obj.audit_type` if set, else its table name."""
    value = getattr(obj, "audit_type", None) or getattr(obj, "__tablename__", None)
    if not value:
        raise TypeError(f"{type(obj).__name__} has no audit_type / __tablename__")
    return str(value)


def can_access(user, attachment) -> bool:
    from app.attachments.models import AttachmentLink

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    links = db.session.execute(
        select(AttachmentLink.subject_type, AttachmentLink.subject_id).where(
            AttachmentLink.attachment_id == attachment.id
        )
    ).all()
    if not links:
        return attachment.uploaded_by_id is not None and attachment.uploaded_by_id == user.id
    for subject_type, subject_id in links:
        check = _checks.get(subject_type)
        if check is None:
            continue
        try:
            if check(user, subject_id):
                return True
        except Exception:  # a broken check must not leak files; log and deny
            current_app.logger.exception("attachment access check %s failed", subject_type)
    return False
