"""站内消息 pages: my notices (newest first, page by page), opening one, marking them read; the navbar badge.
A user only ever sees and marks their own notices: another user's is a 404."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import params, subjects
from app.db import commit_request, utcnow
from app.notifications.operations import mark_read
from app.notifications.queries import PAGE_SIZE, for_user, get_own, unread_count

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class NoticeArgsSchema(params.QuerySchema):
    """我的消息: the next page starts below this notice id."""

    before = params.integer("翻页：只列出编号小于此值的消息", minimum=1)

BADGE_CAP = 99  # the badge says 99+ beyond this


@bp.get("")
@login_required
def index():
    before = params.check(NoticeArgsSchema, request.args).get("before")
    items = for_user(current_user, limit=PAGE_SIZE + 1, before=before)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    labels = {
        t: view.label for t in {n.subject_type for n in items} if (view := subjects.view_of(t)) is not None
    }
    return render_template("notifications/index.html", items=items, more=more, labels=labels, before=before)


@bp.get("/<int:notification_id>")
@login_required
def open_one(notification_id: int):
    """Open a notice: it is read now, and the browser goes on to its object's page (which checks access)."""
    notice = get_own(current_user, notification_id)
    if notice is None:
        abort(404)
    view = subjects.view_of(notice.subject_type)
    target = view.load(notice.subject_id) if view is not None and notice.subject_id is not None else None
    if notice.read_at is None:
        notice.read_at = utcnow()
        commit_request()
    if target is None or view is None or view.url is None:
        return redirect(url_for("notifications.index"))
    return redirect(view.url(target))


@bp.post("/read")
@login_required
def read():
    """Mark my notices read: those named by `ids` (only mine among them), or all of them."""
    ids = request.form.getlist("ids", type=int) if "ids" in request.form else None
    mark_read(current_user, ids)
    commit_request()
    return redirect(url_for("notifications.index"))


@bp.app_template_global()
def unread_badge() -> str:
    """The navbar badge ("" when nothing is unread, "99+" beyond the cap): one capped COUNT, made only when
    a full page is rendered (never on redirects or JSON)."""
    if not current_user.is_authenticated:
        return ""
    count = unread_count(current_user, cap=BADGE_CAP)
    return "" if count == 0 else f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)
