"""Logging in and out, and user administration: create, edit, (de)activate, reset or change a password.
Each takes `actor` (or is the actor's own login), flushes, audits.

Sessions: logging out, a password change or reset, a change of roles or unit, and deactivation end every
existing session of the user (end_sessions: the session version in each session's user id).

Rules (checked server-side, messages in Chinese):
- at least one role; 企业安全管理人员 cannot be combined with staff roles;
- 企业安全管理人员 must be bound to an enterprise in the actor's scope, staff must not be bound to one;
- staff need a department in the actor's scope; 执法人员 need a 执法证号;
- passwords: see `password_problem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, update

from app import audit, clock
from app.auth import throttle
from app.auth.models import LoginAttempt, User, check_password_of_nobody
from app.auth.permissions import in_scope
from app.auth.roles import ROLE_LABELS, STAFF_ROLES, Role
from app.errors import ValidationFailed, require
from app.extensions import db
from app.org.models import Department, Enterprise

USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{2,49}$")
CERT_RE = re.compile(r"^[0-9A-Za-z\-]{4,30}$")
PHONE_RE = re.compile(r"^[0-9][0-9\-+()（）\s转]{4,29}$")
QUALIFICATION_RE = re.compile(r"^[0-9A-Za-z]{6,40}$")  # 法律职业资格证书编号 (A + 年份 + 地区 + 序号)
MIN_PASSWORD_LENGTH = 8
COMMON_PASSWORDS = {
    "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwerty123", "abc12345",
    "admin123", "admin@123", "p@ssw0rd", "passw0rd", "11111111", "88888888", "a1234567", "aa123456",
}

audit.register_action_labels({
    "auth.logout": "退出系统",
    "auth.login_throttled": "登录受限（失败次数过多）",
    "user.password_changed": "修改密码",
    "user.created": "新增用户",
    "user.updated": "修改用户",
    "user.activated": "启用账号",
    "user.deactivated": "停用账号",
    "user.password_reset": "重置密码",
})

USER_LABELS = {
    "username": "用户名", "name": "姓名", "phone": "手机号", "roles": "角色", "department": "所属单位",
    "enterprise": "所属企业", "cert_no": "执法证号", "is_active": "启用",
    "cert_expires_on": "执法证有效期至", "legal_qualification_no": "法律职业资格证书编号",
}


def password_problem(password: str, *, username: str | None = None) -> str | None:
    """None if the password is strong enough, else the reason in Chinese.

    At least 8 characters with at least three of: upper-case, lower-case, digits, symbols (等保 2.0
    practice); not a well-known password and not containing the user name.
    """
    if not password:
        return "请填写密码"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}位"
    if len(password) > 128:
        return "密码不能超过128位"
    classes = sum(
        bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    if classes < 3:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    if password.lower() in COMMON_PASSWORDS:
        return "密码过于常见，请更换"
    if username and len(username) >= 3 and username.lower() in password.lower():
        return "密码不能包含用户名"
    return None


# --- logging in and out ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginResult:
    """authenticate()'s answer: the user, or the message for the login page and its HTTP status."""

    user: User | None
    message: str | None = None
    status: int = 200


def authenticate(username: str, password: str, *, source: str | None) -> LoginResult:
    """A login attempt from the address `source` (request.remote_addr). Throttled per (user name, source)
    and per source (app/auth/throttle.py); an unknown user name costs the same password check as a known
    one and gets the same answers, so neither timing nor messages tell which user names exist.
    Call it first in a transaction and commit after (the login view does): throttle.admit counts the
    attempt on a connection of its own and must not wait for this session's writes."""
    username = username.strip()
    if not username or not password:
        return LoginResult(None, "请输入用户名和密码", 401)
    admission = throttle.admit(username, source)
    if not admission.allowed:
        return LoginResult(None, throttle.refused_message(admission.until, whole_source=admission.whole_source), 429)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None:
        ok = user.check_password(password) and user.is_active
    else:
        ok = check_password_of_nobody(password)
    now = clock.now()
    db.session.add(LoginAttempt(username=username[:50], ip=source, success=ok, at=now))
    if ok and user is not None:
        throttle.record_success(admission)
        user.last_login_at = now
        audit.record(user, "auth.login", user, summary=f"{user.name} 登录系统")
        return LoginResult(user)
    failure = throttle.record_failure(admission)
    if failure.until is not None:
        origin = f"来自 {source or '未知地址'} 的"
        summary = (f"{origin}登录失败次数过多（不限用户名），该地址暂停登录" if failure.whole_source
                   else f"用户名“{admission.username}”{origin}登录失败次数过多，该地址暂停以此用户名登录")
        audit.record(None, "auth.login_throttled", user if not failure.whole_source else None,
                     summary=f"{summary}至 {throttle.retry_at(failure.until)}",
                     data={"username": admission.username, "source": source, "until": failure.until,
                           "whole_source": failure.whole_source})
        message = "用户名或密码错误。" + throttle.refused_message(failure.until, whole_source=failure.whole_source)
        return LoginResult(None, message, 401)
    hint = f"，再失败{failure.remaining}次将暂停登录" if 0 < failure.remaining < 3 else ""
    return LoginResult(None, "用户名或密码错误" + hint, 401)


def end_sessions(user: User) -> None:
    """End every existing session of the user: the next request with any of their session (or remember)
    cookies is anonymous. A session that must go on is issued again afterwards (login_user)."""
    db.session.execute(  # atomic: two ends at once never count as one
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_version"])


def log_out(user: User, *, actor: User) -> None:
    """退出: ends every session of the user (a copied cookie stops working too)."""
    end_sessions(user)
    audit.record(actor, "auth.logout", user, summary=f"{user.name} 退出系统")


def change_password(user: User, current: str, password: str, confirm: str, *, actor: User) -> User:
    """修改密码 by the user themself: the current password first. Ends every session of the user; the
    route issues the one it answers again."""
    require(actor.id == user.id, "只能修改自己的密码")
    if not user.check_password(current):
        _fail({"current_password": "当前密码不正确"}, "当前密码不正确")
    problem = password_problem(password, username=user.username)
    if problem:
        _fail({"password": problem}, problem)
    if password != confirm:
        _fail({"password_confirm": "两次输入的密码不一致"}, "两次输入的密码不一致")
    if user.check_password(password):
        _fail({"password": "新密码不能与当前密码相同"}, "新密码不能与当前密码相同")
    user.set_password(password)
    end_sessions(user)
    audit.record(actor, "user.password_changed", user, summary=f"{user.name} 修改了自己的密码")
    return user


# --- user administration -----------------------------------------------------------------------------
def _fail(errors: dict[str, str], message: str = "提交的内容有误，请按提示修改") -> None:
    raise ValidationFailed(message, field_errors=errors)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _roles(raw: dict) -> list[str]:
    roles = raw.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    return list(roles)


def user_in_scope(actor: User, user: User) -> bool:
    """May `actor` (an admin) manage `user`? By the user's department jurisdiction or bound enterprise."""
    prefix = actor.scope_path
    if prefix is None:
        return False
    if prefix == "":
        return True
    if user.department is not None:
        return in_scope(actor, user.department.region.path)
    if user.enterprise is not None:
        return in_scope(actor, user.enterprise.region_path)
    return False


def _user_values(raw: dict, *, actor: User, user: User | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = (raw.get("name") or "").strip()
    phone = (raw.get("phone") or "").strip() or None
    cert_no = (raw.get("cert_no") or "").strip() or None
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 50:
        errors["name"] = "姓名不能超过50个字符"
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = "手机号/电话格式不正确"

    roles: set[Role] = set()
    for r in _roles(raw):
        try:
            roles.add(Role(r))
        except ValueError:
            errors["roles"] = f"未知角色：{r}"
    if not roles and "roles" not in errors:
        errors["roles"] = "请至少选择一个角色"
    is_enterprise = Role.ENTERPRISE in roles
    is_staff = bool(roles & STAFF_ROLES)
    if is_enterprise and is_staff:
        errors["roles"] = "企业安全管理人员不能同时拥有执法部门角色"

    department = enterprise = None
    dept_id, ent_id = _int(raw.get("department_id")), _int(raw.get("enterprise_id"))
    if is_enterprise and not is_staff:
        if not ent_id:
            errors["enterprise_id"] = "企业安全管理人员必须绑定所属企业"
        else:
            enterprise = db.session.get(Enterprise, ent_id)
            if enterprise is None or not in_scope(actor, enterprise.region_path):
                errors["enterprise_id"] = "请选择管辖范围内的企业"
                enterprise = None
        if dept_id:
            errors["department_id"] = "企业账号不属于执法部门，请勿选择所属单位"
    elif is_staff:
        if ent_id:
            errors["enterprise_id"] = "执法部门人员不能绑定企业"
        if not dept_id:
            errors["department_id"] = "请选择所属单位"
        else:
            department = db.session.get(Department, dept_id)
            if department is None or not in_scope(actor, department.region.path):
                errors["department_id"] = "请选择管辖范围内的单位"
                department = None
            elif not department.is_active:
                errors["department_id"] = "该单位已停用"
    if Role.OFFICER in roles:
        if not cert_no:
            errors["cert_no"] = "执法人员须填写执法证号"
        elif not CERT_RE.match(cert_no):
            errors["cert_no"] = "执法证号应为4–30位字母、数字或“-”"
    elif cert_no and not CERT_RE.match(cert_no):
        errors["cert_no"] = "执法证号应为4–30位字母、数字或“-”"

    cert_expires_on = None
    expiry = (raw.get("cert_expires_on") or "").strip()
    if expiry:
        try:
            cert_expires_on = date.fromisoformat(expiry)
        except ValueError:
            errors["cert_expires_on"] = "执法证有效期至应为日期，格式 YYYY-MM-DD"
        else:
            if not cert_no:
                errors["cert_expires_on"] = "填写执法证有效期的，须同时填写执法证号"
    qualification = (raw.get("legal_qualification_no") or "").strip() or None
    if qualification:
        if Role.LEGAL_REVIEWER not in roles:
            errors["legal_qualification_no"] = "法律职业资格证书编号仅适用于法制审核人员，请勾选该角色或清空此项"
        elif not QUALIFICATION_RE.match(qualification):
            errors["legal_qualification_no"] = "法律职业资格证书编号应为6–40位字母或数字"

    if user is not None and user.id == actor.id and Role.ADMIN not in roles:
        errors["roles"] = "不能取消自己的系统管理员角色"
    if errors:
        _fail(errors)
    return {"name": name, "phone": phone, "cert_no": cert_no, "roles": roles, "department": department,
            "enterprise": enterprise, "cert_expires_on": cert_expires_on, "legal_qualification_no": qualification}


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.name,
        "phone": user.phone,
        "roles": "、".join(ROLE_LABELS[r] for r in Role if r in user.roles),
        "department": user.department.name if user.department else None,
        "enterprise": user.enterprise.name if user.enterprise else None,
        "cert_no": user.cert_no,
        "cert_expires_on": user.cert_expires_on.isoformat() if user.cert_expires_on else None,
        "legal_qualification_no": user.legal_qualification_no,
        "is_active": user.is_active,
    }


def create_user(raw: dict, *, actor: User) -> User:
    """新增用户. raw: username, name, phone, roles[], department_id, enterprise_id, cert_no, cert_expires_on,
    legal_qualification_no, password, password_confirm."""
    errors: dict[str, str] = {}
    username = (raw.get("username") or "").strip()
    if not USERNAME_RE.match(username):
        errors["username"] = "用户名应为3–50位字母、数字、下划线、点或“-”，以字母开头"
    elif db.session.scalar(select(func.count()).select_from(User).where(func.lower(User.username) == username.lower())):
        errors["username"] = "该用户名已被使用"
    password = raw.get("password") or ""
    problem = password_problem(password, username=username)
    if problem:
        errors["password"] = problem
    elif password != (raw.get("password_confirm") or ""):
        errors["password_confirm"] = "两次输入的密码不一致"
    try:
        values = _user_values(raw, actor=actor, user=None)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        _fail(errors)
    user = User(username=username, name=values["name"], phone=values["phone"], cert_no=values["cert_no"],
                department=values["department"], enterprise=values["enterprise"],
                cert_expires_on=values["cert_expires_on"], legal_qualification_no=values["legal_qualification_no"])
    user.set_roles(values["roles"])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, summary=f"新增用户“{user.name}”（{user.username}）",
                 changes=audit.diff({}, _snapshot(user)))
    return user


def update_user(user: User, raw: dict, *, actor: User) -> User:
    """修改用户信息和角色 (not the user name, not the password)."""
    if not user_in_scope(actor, user):
        _fail({"name": "该用户不在您的管辖范围内"}, "该用户不在您的管辖范围内")
    values = _user_values(raw, actor=actor, user=user)
    before = _snapshot(user)
    user.name, user.phone, user.cert_no = values["name"], values["phone"], values["cert_no"]
    user.cert_expires_on, user.legal_qualification_no = values["cert_expires_on"], values["legal_qualification_no"]
    user.department, user.enterprise = values["department"], values["enterprise"]
    user.set_roles(values["roles"])
    changes = audit.diff(before, _snapshot(user))
    if changes.keys() & {"roles", "department", "enterprise"}:
        end_sessions(user)  # what the user may do or see changed: every session logs in again
    if changes:
        db.session.flush()
        labels = "、".join(USER_LABELS[k] for k in changes)
        audit.record(actor, "user.updated", user, summary=f"修改用户“{user.name}”（{user.username}）：{labels}",
                     changes=changes)
    return user


def set_user_active(user: User, active: bool, *, actor: User) -> User:
    """停用/启用账号. Deactivated users cannot log in and their sessions end; their records stay."""
    if not user_in_scope(actor, user):
        _fail({}, "该用户不在您的管辖范围内")
    if user.id == actor.id and not active:
        _fail({}, "不能停用自己的账号")
    if user.is_active_flag == active:
        return user
    user.is_active_flag = active
    if not active:
        end_sessions(user)  # reactivating the account later must not bring old sessions back
    db.session.flush()
    verb = "启用" if active else "停用"
    audit.record(actor, "user.activated" if active else "user.deactivated", user,
                 summary=f"{verb}用户“{user.name}”（{user.username}）", changes={"is_active": [not active, active]})
    return user


def reset_password(user: User, password: str, confirm: str, *, actor: User) -> User:
    """重置密码: ends every session of the user and lifts every login pause of their user name (from every
    address). The audit event never contains the password or its hash."""
    if not user_in_scope(actor, user):
        _fail({}, "该用户不在您的管辖范围内")
    problem = password_problem(password, username=user.username)
    if problem:
        _fail({"password": problem}, problem)
    if password != confirm:
        _fail({"password_confirm": "两次输入的密码不一致"}, "两次输入的密码不一致")
    user.set_password(password)
    end_sessions(user)
    throttle.lift(user.username)
    audit.record(actor, "user.password_reset", user, summary=f"重置用户“{user.name}”（{user.username}）的密码")
    return user
