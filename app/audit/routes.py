"""Audit log pages: recent events for supervisors and leaders, chain verification for admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.service import verify
from app.auth.roles import Role
from app.errors import require
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 100
VIEW_ROLES = (Role.ADMIN, Role.LEADER, Role.SUPERVISOR)


@bp.get("/")
@login_required
def index():
    """最近的执法全过程记录, newest first, keyset-paginated with ?before=<id>."""
    require(current_user.has_role(*VIEW_ROLES))
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    actor = (request.args.get("actor") or "").strip()
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    before = request.args.get("before", type=int)
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    return render_template("audit/index.html", events=events, more=more, action=action, actor=actor)


@bp.post("/verify")
@login_required
def verify_chain():
    require(current_user.has_role(Role.ADMIN))
    result = verify()
    flash(result.message, "success" if result.ok else "danger")
    return redirect(url_for("audit.index"))
