"""Who may download an attachment: whoever may see one of the objects it is attached to.

Domains register a check per subject type (app.subjects: the table name) in their init_app::

    attachments.register_access("<table>", lambda user, subject_id: <may user see that object>)

An attachment not linked to anything yet is visible to its uploader only. Unregistered subject types
grant nothing (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from app.extensions import db

AccessCheck = Callable[..., bool]  # (user, subject_id) or, registered by_field, (user, subject_id, field)
_checks: dict[str, AccessCheck] = {}
_by_field: set[str] = set()


def register_access(subject_type: str, check: AccessCheck, *, by_field: bool = False) -> AccessCheck:
    """Register `check(user, subject_id) -> bool` for attachments linked to `subject_type` objects.
    `by_field=True`: the check is called `check(user, subject_id, field)` with the link's field, for an
    object whose files are not all equally visible (e.g. internal evidence beside the party's own files)."""
    _checks[subject_type] = check
    if by_field:
        _by_field.add(subject_type)
    else:
        _by_field.discard(subject_type)
    return check


def can_access(user, attachment) -> bool:
    from app.attachments.models import AttachmentLink

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    links = db.session.execute(
        select(AttachmentLink.subject_type, AttachmentLink.subject_id, AttachmentLink.field).where(
            AttachmentLink.attachment_id == attachment.id
        )
    ).all()
    if not links:
        return attachment.uploaded_by_id is not None and attachment.uploaded_by_id == user.id
    for subject_type, subject_id, field in links:
        check = _checks.get(subject_type)
        if check is None:
            continue
        try:
            allowed = (
                check(user, subject_id, field or "")
                if subject_type in _by_field
                else check(user, subject_id)
            )
            if allowed:
                return True
        except Exception:  # a broken check must not leak files; log and deny
            current_app.logger.exception("attachment access check %s failed", subject_type)
    return False
