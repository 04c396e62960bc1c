"""Login, logout, and the 首页 (an overview by role, or the inbox)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import func, select

from app import audit, clock, is_safe_next
from app.auth import home
from app.auth.models import LoginAttempt, User
from app.auth.roles import ROLE_LABELS, Role
from app.db import commit_request, utcnow
from app.extensions import db

bp = Blueprint("auth", __name__)


def _recent_failures(username: str, ip: str | None) -> tuple[int, int]:
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    q = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at >= since, LoginAttempt.success.is_(False))
    by_user = db.session.scalar(q.where(LoginAttempt.username == username)) or 0
    by_ip = db.session.scalar(q.where(LoginAttempt.ip == ip)) or 0 if ip else 0
    return by_user, by_ip


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
    error = None
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        ip = request.remote_addr
        max_failures = current_app.config["LOGIN_MAX_FAILURES"]
        by_user, by_ip = _recent_failures(username, ip)
        if by_user >= max_failures or by_ip >= max_failures * 4:
            error = f"登录失败次数过多，账号已临时锁定，请{current_app.config['LOGIN_LOCK_MINUTES']}分钟后再试"
            status = 429
        else:
            user = db.session.scalar(select(User).where(User.username == username)) if username else None
            ok = user is not None and user.is_active and user.check_password(password)
            db.session.add(LoginAttempt(username=username[:50], ip=ip, success=ok, at=utcnow()))
            if ok:
                user.last_login_at = utcnow()
                _audit_login(user)
                commit_request()
                login_user(user)
                return redirect(next_url if is_safe_next(next_url) else url_for("auth.index"))
            commit_request()
            remaining = max_failures - by_user - 1
            error = "用户名或密码错误" + (f"，再失败{remaining}次将临时锁定" if 0 < remaining < 3 else "")
            if remaining <= 0:
                error = f"登录失败次数过多，账号已临时锁定，请{current_app.config['LOGIN_LOCK_MINUTES']}分钟后再试"
            status = 401
        return render_template("auth/login.html", error=error, username=username, next=next_url), status
    return render_template("auth/login.html", error=None, username=username, next=next_url)


def _audit_login(user: User) -> None:
    audit.record(user, "auth.login", user, summary=f"{user.name} 登录系统")


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))
