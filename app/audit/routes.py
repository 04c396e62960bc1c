"""Audit log pages: recent events for supervisors and leaders, chain verification for admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import subjects
from app.audit.models import AuditEvent
from app.audit.service import ACTION_LABELS, record_verification, verify
from app.auth.roles import Role
from app.db import commit_request
from app.errors import require
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100
VIEW_ROLES = (Role.ADMIN, Role.LEADER, Role.SUPERVISOR)


@bp.record_once
def _setup(state) -> None:
    from app import ui
    from app.audit.names import register_platform_subjects

    register_platform_subjects()
    ui.register_nav("audit.index", "全过程记录", VIEW_ROLES, order=75)


def can_view(user) -> bool:
    return user.has_role(*VIEW_ROLES)


@bp.get("/")
@login_required
def index():
    """最近的执法全过程记录, newest first, keyset-paginated with ?before=<id>. Objects are named the way users
    name them (one query per object type on the page)."""
    require(can_view(current_user))
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        query = query.where(AuditEvent.action == action)
    actor = (request.args.get("actor") or "").strip()
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    before = request.args.get("before", type=int)
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    names = subjects.describe((e.object_type, e.object_id) for e in events)
    actions = sorted(ACTION_LABELS.items(), key=lambda kv: kv[0])
    return render_template("audit/index.html", events=events, more=more, action=action, actor=actor,
                           names=names, actions=actions)


@bp.post("/verify")
@login_required
def verify_chain():
    require(current_user.has_role(Role.ADMIN))
    result = verify()
    record_verification(result, actor=current_user)
    commit_request()
    flash(result.message, "success" if result.ok else "danger")
    return redirect(request.form.get("next") if request.form.get("next") == url_for("auth.index")
                    else url_for("audit.index"))
