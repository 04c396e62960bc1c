"""Template helpers: local time, navigation by role, badges. One place for presentation rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user

from app.auth.roles import Role

TZ = ZoneInfo("Asia/Shanghai")


def local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(TZ)


def fmt_dt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def fmt_date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def cn_date(value) -> str:
    """2026年11月22日 — the form used on official documents."""
    if value is None:
        return "　　年　月　日"
    if isinstance(value, datetime):
        value = local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


# (endpoint, label, roles that see it; None = every logged-in user)
NAV = [
    ("inbox.index", "我的待办", None),
    ("inbox.done", "已办", None),
    ("hazards.index", "隐患治理", None),
    ("dashboard.index", "统计分析", {Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN}),
    ("ledgers.index", "台账导出", {Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN}),
    ("org.enterprises", "企业名录", {Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.SECTION_HEAD,
                                     Role.SUPERVISOR, Role.ADMIN}),
    ("org.my_enterprise", "本企业信息", {Role.ENTERPRISE}),
    ("admin.users", "系统管理", {Role.ADMIN}),
]


def nav_items() -> list[tuple[str, str, bool]]:
    if not current_user.is_authenticated:
        return []
    from flask import current_app

    items = []
    for endpoint, label, roles in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if endpoint == "org.my_enterprise" and not current_user.is_enterprise_user:
            continue
        if roles is not None and not current_user.has_role(*roles):
            continue
        items.append((url_for(endpoint), label, request.endpoint == endpoint))
    return items


# Chinese names of fields that appear in many objects' change history (audit timeline); object
# pages may pass their own `labels`, which win.
FIELD_LABELS = {
    "status": "状态", "deadline": "整改期限", "assignee": "办理人", "is_overdue": "是否逾期",
    "name": "名称", "phone": "电话", "address": "地址", "roles": "角色", "department": "单位",
    "enterprise": "所属企业", "is_active": "启用", "cert_no": "执法证号", "closed_on": "销号日期",
    "level": "隐患等级", "round": "整改轮次",
}

STATUS_BADGES = {
    "overdue": "danger",
    "逾期": "danger",
    "已销号": "success",
    "已完成": "success",
    "completed": "success",
    "ready": "primary",
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["dt"] = fmt_dt
    app.jinja_env.filters["d"] = fmt_date
    app.jinja_env.filters["cn_date"] = cn_date
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["FIELD_LABELS"] = FIELD_LABELS

    @app.context_processor
    def inject():
        return {"agency_name": app.config["AGENCY_NAME"], "status_badges": STATUS_BADGES}
