"""Who saw which evidence (执法全过程记录), without one audit row per thumbnail.

A page that shows attachments as thumbnails asks `thumbnail_url(att)` for each (the attachment macro does).
That notes the attachment as shown on this page and returns a thumbnail address carrying a signed token
for this user and attachment. When the page is sent, ONE event `attachment.viewed` lists every attachment
the page showed (`record_page_view`, an after-request hook). The thumbnail requests that follow write
nothing: their token proves the page view is on record. A thumbnail address without a valid token (old,
forged, another user's) is served as the original is, and recorded as such. Opening or downloading the
original (`/attachments/<id>`) always writes its own `attachment.downloaded` event.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import audit, subjects
from app.attachments.models import Attachment

VIEWED = "attachment.viewed"
_SHOWN = "_attachments_shown"
_SALT = "attachment-thumbnail"
TOKEN_MAX_AGE = 12 * 3600  # a page left open for a working day still loads its (lazy) thumbnails
MAX_NAMES_IN_SUMMARY = 10


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def thumbnail_url(att) -> str:
    """The thumbnail address of `att` for the current user; notes it as shown on the page being rendered."""
    if not getattr(current_user, "is_authenticated", False):  # nobody to put on record: the original's link
        return url_for("attachments.download", attachment_id=att.id)
    shown = g.setdefault(_SHOWN, {})
    shown.setdefault(att.id, att)
    token = _serializer().dumps([int(current_user.id), int(att.id)])
    return url_for("attachments.thumbnail", attachment_id=att.id, t=token)


def token_is_valid(token: str | None, attachment_id: int) -> bool:
    if not token or not getattr(current_user, "is_authenticated", False):
        return False
    try:
        user_id, att_id = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return False
    return user_id == current_user.id and att_id == attachment_id


def forget_shown() -> None:
    """Start each request with nothing shown (an app context can outlive one request: tests, CLI)."""
    g.pop(_SHOWN, None)


def record_page_view(response):
    """After a page that showed thumbnails: one event naming them all (same transaction, committed here)."""
    shown = g.pop(_SHOWN, None) if has_request_context() else None
    if not shown or response.status_code >= 500 or not response.mimetype == "text/html":
        return response
    if not getattr(current_user, "is_authenticated", False):
        return response
    from app.db import commit_request
    from app.extensions import db

    shown_ids = list(shown)
    file_names = [a.original_name for a in shown.values()]
    # the event commits alone: whatever the request left uncommitted (a form re-rendered after a rejected
    # operation) was not meant to be kept. A route that keeps its changes has committed them already.
    db.session.rollback()
    refs = [subjects.SubjectRef(subjects.type_of(Attachment), i) for i in shown_ids]
    names = subjects.describe(refs)
    owners: list[str] = []
    for r in refs:
        context = names[r].context
        if context and context not in owners:
            owners.append(context)
    listed = "、".join(file_names[:MAX_NAMES_IN_SUMMARY])
    if len(file_names) > MAX_NAMES_IN_SUMMARY:
        listed += f" 等{len(file_names)}个"
    where = f"{'、'.join(owners)}的" if owners else ""
    actor = current_user._get_current_object()
    audit.record(
        actor, VIEWED, None,
        summary=f"{actor.name} 查看{where}附件{len(file_names)}个：{listed}",
        data={"attachments": shown_ids, "names": file_names, "page": request.path},
    )
    commit_request()
    return response
