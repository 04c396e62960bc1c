"""Login, logout, and the 首页 (an overview by role, or the inbox)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from app import clock, is_safe_next
from app.auth import home
from app.auth import operations as user_ops
from app.auth.roles import ROLE_LABELS, Role
from app.db import commit_request
from app.errors import ValidationFailed
from app.extensions import db

bp = Blueprint("auth", __name__)


@bp.record_once
def _setup(state) -> None:
    from app.auth import home_sections

    home_sections.register()


@bp.get("/")
def index():
    """首页: an overview for the roles that decide and oversee (app.auth.home); the inbox for the others."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    user = current_user._get_current_object()
    sections = [(s.key, s.title, Markup(s.render(user))) for s in home.sections_for(user)]
    if not sections:
        return redirect(url_for("inbox.index"))
    roles = "、".join(ROLE_LABELS[r] for r in Role if r in user.roles)
    return render_template("auth/home.html", sections=sections, roles=roles, today=clock.today())


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(next_url if is_safe_next(next_url) else url_for("auth.index"))
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        # the client address: the TCP peer, or what exactly SAFELOOP_PROXY_HOPS trusted proxies say (ProxyFix)
        result = user_ops.authenticate(username, request.form.get("password") or "", source=request.remote_addr)
        commit_request()
        if result.user is not None:
            login_user(result.user)
            return redirect(next_url if is_safe_next(next_url) else url_for("auth.index"))
        return render_template("auth/login.html", error=result.message, username=username,
                               next=next_url), result.status
    return render_template("auth/login.html", error=None, username=username, next=next_url)


@bp.post("/logout")
@login_required
def logout():
    """退出: ends every session of the user, on every device (a copied cookie stops working too)."""
    user = current_user._get_current_object()
    user_ops.log_out(user, actor=user)
    commit_request()
    logout_user()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """修改密码: every other session of the user ends; this one is issued again and goes on."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        user = current_user._get_current_object()
        try:
            user_ops.change_password(user, request.form.get("current_password") or "",
                                     request.form.get("password") or "", request.form.get("password_confirm") or "",
                                     actor=user)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.field_errors
        else:
            commit_request()
            login_user(user)  # the new session version: this session goes on, every other one has ended
            flash("密码已修改，其他设备上的登录已失效", "success")
            return redirect(url_for("auth.index"))
    return render_template("auth/password.html", errors=errors), 422 if errors else 200
