"""系统管理 (admin only): users and departments. Every other role gets 403 on every page here."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from app import params
from app.auth import operations as user_ops
from app.auth.models import User, UserRole
from app.auth.permissions import can_manage_users, in_scope
from app.auth.roles import ROLE_LABELS, Role
from app.db import commit_request
from app.errors import NotFound, ValidationFailed, require
from app.extensions import db, login_manager
from app.org import operations as org_ops
from app.org.models import Department, Enterprise, Region
from app.org.queries import PER_PAGE, departments_in_scope, jurisdiction_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admin_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(can_manage_users(current_user), "仅系统管理员可以访问系统管理")
    return None


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


# --- users -----------------------------------------------------------------------------------------------
def _users_query(actor: User, *, q: str, role: str, active: str) -> Select:
    stmt = (
        select(User)
        .outerjoin(Department, User.department_id == Department.id)
        .outerjoin(Region, Department.region_id == Region.id)
        .outerjoin(Enterprise, User.enterprise_id == Enterprise.id)
        .options(selectinload(User.department), selectinload(User.enterprise))
    )
    prefix = actor.scope_path
    if prefix is None:
        stmt = stmt.where(User.id.is_(None))
    elif prefix:
        stmt = stmt.where(
            or_(
                Region.path.startswith(prefix, autoescape=True),
                Enterprise.region_path.startswith(prefix, autoescape=True),
            )
        )
    if q:
        stmt = stmt.where(
            or_(User.username.contains(q, autoescape=True), User.name.contains(q, autoescape=True),
                Enterprise.name.contains(q, autoescape=True))
        )
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if active in ("1", "0"):
        stmt = stmt.where(User.is_active_flag.is_(active == "1"))
    return stmt.order_by(User.enterprise_id.is_not(None), Region.path, Department.id, User.username)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user_ops.user_in_scope(current_user, user):
        raise NotFound("该用户不存在，或不在您的管辖范围内")
    return user


def _keep_own_session(user: User) -> None:
    """Editing one's own roles or password ends one's sessions like anyone's (operations.end_sessions):
    the one making the change goes on, with a session of the new version."""
    if user.id == current_user.id:
        login_user(user)


def _role_options() -> list[tuple[str, str]]:
    return [(r.value, ROLE_LABELS[r]) for r in Role]


class UserArgsSchema(params.QuerySchema):
    """The filters of 用户管理."""

    q = params.text("关键词：用户名、姓名或所属企业", max_length=50)
    role = params.one_of("角色", {r.value: ROLE_LABELS[r] for r in Role})
    active = params.one_of("状态", {"1": "启用", "0": "停用"})
    page = params.integer(params.PAGE_DESCRIPTION, minimum=1, default=1)


@bp.get("/users")
def users():
    given = params.check(UserArgsSchema, request.args)
    q = (given.get("q") or "").strip()
    role = given.get("role", "")
    active = given.get("active", "")
    page = given["page"]
    pagination = db.paginate(_users_query(current_user, q=q, role=role, active=active), page=page,
                             per_page=PER_PAGE, error_out=False)
    args = {k: v for k, v in {"q": q, "role": role, "active": active}.items() if v}
    return render_template("admin/users.html", pagination=pagination, q=q, role=role, active=active, args=args,
                           role_options=_role_options())


def _user_form_values(user: User | None) -> dict:
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in
                  ("username", "name", "phone", "department_id", "enterprise_id", "cert_no", "cert_expires_on",
                   "legal_qualification_no", "password", "password_confirm")}
        values["roles"] = request.form.getlist("roles")
        return values
    if user is None:
        return {"roles": []}
    return {
        "username": user.username, "name": user.name, "phone": user.phone or "", "cert_no": user.cert_no or "",
        "cert_expires_on": user.cert_expires_on.isoformat() if user.cert_expires_on else "",
        "legal_qualification_no": user.legal_qualification_no or "",
        "department_id": user.department_id or "", "enterprise_id": user.enterprise_id or "",
        "roles": sorted(user.roles),
    }


def _render_user_form(user, values, errors, status=200):
    departments = departments_in_scope(current_user, active_only=True)
    return render_template(
        "admin/user_form.html", user=user, values=values, errors=errors, role_options=_role_options(),
        department_options=[(d.id, d.name + (f"（{d.region.name}）" if d.kind == "站" else "")) for d in departments],
        enterprise_role=Role.ENTERPRISE.value, officer_role=Role.OFFICER.value,
    ), status


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    values = _user_form_values(None)
    if request.method == "POST":
        try:
            user = user_ops.create_user(values, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_user_form(None, values, exc.field_errors, 422)
        commit_request()
        flash(f"已新增用户“{user.name}”（{user.username}）", "success")
        return redirect(url_for("admin.users"))
    return _render_user_form(None, values, {})


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    values = _user_form_values(user)
    if request.method == "POST":
        try:
            user_ops.update_user(user, values, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            values["username"] = user.username
            return _render_user_form(user, values, exc.field_errors, 422)
        commit_request()
        _keep_own_session(user)
        flash(f"用户“{user.name}”已保存", "success")
        return redirect(url_for("admin.users"))
    return _render_user_form(user, values, {})


@bp.post("/users/<int:user_id>/active")
def user_set_active(user_id: int):
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        user_ops.set_user_active(user, active, actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("admin.user_edit", user_id=user_id), 303)
    commit_request()
    flash(f"已{'启用' if active else '停用'}用户“{user.name}”", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id), 303)


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    user = _user_or_404(user_id)
    try:
        user_ops.reset_password(user, request.form.get("password", ""), request.form.get("password_confirm", ""),
                                actor=current_user)
    except ValidationFailed as exc:
        db.session.rollback()
        user = _user_or_404(user_id)
        return _render_user_form(user, _user_form_values(user) | {"password": ""},
                                 {f"reset_{k}": v for k, v in exc.field_errors.items()}, 422)
    commit_request()
    _keep_own_session(user)
    flash(f"已重置用户“{user.name}”的密码，请通知本人登录后妥善保管", "success")
    return redirect(url_for("admin.user_edit", user_id=user_id), 303)


# --- departments -----------------------------------------------------------------------------------------
def _department_or_404(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None or not in_scope(current_user, department.region.path):
        raise NotFound("该单位不存在，或不在您的管辖范围内")
    return department


@bp.get("/departments")
def departments():
    items = departments_in_scope(current_user)
    counts = dict(
        db.session.execute(
            select(User.department_id, db.func.count(User.id))
            .where(User.department_id.in_([d.id for d in items] or [0]))
            .group_by(User.department_id)
        ).all()
    )
    return render_template("admin/departments.html", departments=items, counts=counts)


def _department_form_values(department: Department | None) -> dict:
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("name", "short_name", "kind", "parent_id", "region_id", "phone")}
        values["is_active"] = "1" if request.form.get("is_active") else "0"
        return values
    if department is None:
        return {"kind": "科室", "is_active": "1"}
    return {
        "name": department.name, "short_name": department.short_name or "", "kind": department.kind,
        "parent_id": department.parent_id or "", "region_id": department.region_id, "phone": department.phone or "",
        "is_active": "1" if department.is_active else "0",
    }


def _render_department_form(department, values, errors, status=200):
    parents = [d for d in departments_in_scope(current_user) if department is None or d.id != department.id]
    return render_template(
        "admin/department_form.html", department=department, values=values, errors=errors,
        kind_options=[(k, k) for k in org_ops.DEPARTMENT_KINDS],
        parent_options=[(d.id, d.name) for d in parents],
        region_options=[(r.id, f"{r.full_name()}（{r.level_label}）") for r in jurisdiction_choices(current_user)],
    ), status


@bp.route("/departments/new", methods=["GET", "POST"])
def department_new():
    values = _department_form_values(None)
    if request.method == "POST":
        try:
            department = org_ops.create_department(values, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_department_form(None, values, exc.field_errors, 422)
        commit_request()
        flash(f"已新增单位“{department.name}”", "success")
        return redirect(url_for("admin.departments"))
    return _render_department_form(None, values, {})


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
def department_edit(department_id: int):
    department = _department_or_404(department_id)
    values = _department_form_values(department)
    if request.method == "POST":
        try:
            org_ops.update_department(department, values, actor=current_user)
        except ValidationFailed as exc:
            db.session.rollback()
            return _render_department_form(_department_or_404(department_id), values, exc.field_errors, 422)
        commit_request()
        flash(f"单位“{department.name}”已保存", "success")
        return redirect(url_for("admin.departments"))
    return _render_department_form(department, values, {})
