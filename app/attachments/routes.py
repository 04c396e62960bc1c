"""GET /attachments/<id>: download or view an attachment, if the user may see what it belongs to."""

from __future__ import annotations

from flask import Blueprint, current_app, request, send_file
from flask_login import current_user, login_required

from app import audit
from app.attachments import _audit, viewing
from app.attachments.access import can_access
from app.attachments.models import Attachment
from app.attachments.storage import blob_path, served_name
from app.db import commit_request
from app.errors import NotFound
from app.extensions import db

bp = Blueprint("attachments", __name__, url_prefix="/attachments")

# Shown in the browser when opened; every other type (video) is a download. Each is served under a
# sandbox CSP: whatever it holds, it runs no script in our origin.
INLINE_TYPES = ("image/", "application/pdf")
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"


@bp.record_once
def _setup(state) -> None:
    # app.forms has no blueprint of its own: its template helpers and CLI are installed with this one.
    from app import forms
    from app.attachments import ACTION_LABELS, maintenance

    forms.init_app(state.app)
    maintenance.register_cli(state.app)
    audit.register_action_labels(ACTION_LABELS)
    # thumbnails: one page-view event per page (app.attachments.viewing), none per thumbnail
    state.app.jinja_env.globals["attachment_thumbnail_url"] = viewing.thumbnail_url
    state.app.before_request(viewing.forget_shown)
    state.app.after_request(viewing.record_page_view)


@bp.get("/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """The original file: every first fetch is recorded (查看/下载附件原件)."""
    return _send(_attachment_or_404(attachment_id), record=True)


@bp.get("/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(attachment_id: int):
    """A thumbnail on a page whose view is on record (its token says so): no event of its own. Without a
    valid token it is served and recorded as the original is."""
    att = _attachment_or_404(attachment_id)
    on_record = att.is_image and viewing.token_is_valid(request.args.get("t"), att.id)
    return _send(att, record=not on_record, inline=on_record)


def _attachment_or_404(attachment_id: int) -> Attachment:
    att = db.session.get(Attachment, attachment_id)
    # same answer for "does not exist" and "not yours": do not reveal which ids exist
    if att is None or not can_access(current_user, att):
        raise NotFound("附件不存在，或您无权查看")
    return att


def _send(att: Attachment, *, record: bool, inline: bool = False):
    path = blob_path(att.sha256)
    if not path.is_file():
        current_app.logger.error("attachment %s: file %s missing from the store", att.id, path)
        raise NotFound("附件文件缺失，请联系系统管理员")

    as_attachment = not inline and (request.args.get("download") == "1" or not att.mime.startswith(INLINE_TYPES))
    response = send_file(
        path,
        mimetype=att.mime,
        as_attachment=as_attachment,
        download_name=served_name(att.original_name, att.mime),  # the detected type's extension
        conditional=True,
        etag=att.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"  # (Cache-Control: no-store, app/security_headers.py)
    # PDFs too (issue #11 item 6): Chromium's viewer shows them sandboxed (tests/browser/test_csp_journey.py)
    response.headers["Content-Security-Policy"] = SANDBOX_CSP

    if record and request.method == "GET" and _is_first_fetch(response):
        _audit(
            current_user,
            "attachment.downloaded",
            att,
            summary=f"{current_user.name} 查看/下载附件“{att.original_name}”",
            data={"sha256": att.sha256, "name": att.original_name},
        )
        commit_request()
    return response


def _is_first_fetch(response) -> bool:
    """Log a view once: not for cache revalidations (304) nor for later byte ranges of a video."""
    if response.status_code == 304:
        return False
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")
        return content_range.startswith("bytes 0-")
    return True
