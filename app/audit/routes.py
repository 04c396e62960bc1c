"""Audit log pages: recent events for supervisors and leaders, chain verification for admins."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import params, subjects
from app.audit.models import AuditEvent
from app.audit.service import ACTION_LABELS, forged_ids, record_verification, verify
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


class AuditArgsSchema(params.QuerySchema):
    """The filters of 全过程记录 (/audit/)."""

    action = params.text("操作（事件类型）", max_length=100)
    actor = params.text("操作人姓名", max_length=100)
    before = params.integer("翻页：只列出编号小于此值的记录", minimum=1)


def can_view(user) -> bool:
    return user.has_role(*VIEW_ROLES)


def sees_everything(user) -> bool:
    """Admins (who verify the chain and manage every account) and a viewer without a jurisdiction limit
    read the whole trail, platform events about no object included."""
    return user.has_role(Role.ADMIN) or user.scope_path == ""


def visible_to(user, query):
    """Limit an audit-event query to what `user` may read: a leader or supervisor sees the events about
    objects in their jurisdiction (each subject type's scope, app/subjects.py), nothing else: not other
    towns' enterprises or users, not events about no object."""
    if sees_everything(user):
        return query
    return query.where(subjects.in_scope_clause(user, AuditEvent.object_type, AuditEvent.object_id))


@bp.get("/")
@login_required
def index():
    """最近的执法全过程记录, newest first, keyset-paginated with ?before=<id>. Objects are named the way users
    name them (one query per object type on the page)."""
    require(can_view(current_user))
    query = visible_to(current_user, select(AuditEvent).order_by(AuditEvent.id.desc()))
    args = params.check(AuditArgsSchema, request.args)
    action = (args.get("action") or "").strip()
    if action:
        query = query.where(AuditEvent.action == action)
    actor = (args.get("actor") or "").strip()
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    if before := args.get("before"):
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    names = subjects.describe((e.object_type, e.object_id) for e in events)
    forged = forged_ids(events)  # marked 未通过校验: never shown as if genuine
    actions = sorted(ACTION_LABELS.items(), key=lambda kv: kv[0])
    return render_template("audit/index.html", events=events, more=more, action=action, actor=actor,
                           names=names, actions=actions, forged=forged)


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
