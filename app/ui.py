"""Template helpers: local time, navigation by role, badges. One place for presentation rules."""

from __future__ import annotations

from dataclasses import dataclass
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


# Navigation: endpoint -> (order, label, roles that see it; None = every logged-in user). Domains add their
# entries with `register_nav` in their init_app; an entry whose endpoint is not registered is not shown.
NAV: dict[str, tuple[int, str, frozenset | None]] = {
    "inbox.index": (10, "我的待办", None),
    "inbox.done": (20, "已办", None),
    "dashboard.index": (
        60,
        "统计分析",
        frozenset({Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN}),
    ),
    "ledgers.index": (
        70,
        "台账导出",
        frozenset({Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN}),
    ),
    "org.enterprises": (
        80,
        "企业名录",
        frozenset(
            {Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.SECTION_HEAD, Role.SUPERVISOR, Role.ADMIN}
        ),
    ),
    "org.my_enterprise": (85, "本企业信息", frozenset({Role.ENTERPRISE})),
    "admin.users": (90, "系统管理", frozenset({Role.ADMIN})),
}
# endpoint -> the menu it folds into (a domain with many pages shows one menu, not a row of links)
NAV_GROUPS: dict[str, str] = {}


def register_nav(endpoint: str, label: str, roles=None, *, order: int = 50, group: str | None = None) -> None:
    """A navigation entry for a domain page (order: 10 待办 … 50 domains … 90 系统管理). Entries with the same
    `group` fold into one drop-down menu of that name, placed where its lowest-ordered entry would be; a group
    with a single visible entry shows as that entry."""
    NAV[endpoint] = (order, label, frozenset(roles) if roles is not None else None)
    if group:
        NAV_GROUPS[endpoint] = group
    else:
        NAV_GROUPS.pop(endpoint, None)


def register_field_labels(labels: dict[str, str]) -> None:
    """Chinese names of a domain's fields in change histories (an object page's own `labels` win)."""
    FIELD_LABELS.update(labels)


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    active: bool
    children: tuple[NavItem, ...] = ()


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    from flask import current_app

    items: list[NavItem] = []
    groups: dict[str, list[NavItem]] = {}
    for endpoint, (_order, label, roles) in sorted(NAV.items(), key=lambda kv: kv[1][0]):
        if endpoint not in current_app.view_functions:
            continue
        if endpoint == "org.my_enterprise" and not current_user.is_enterprise_user:
            continue
        if roles is not None and not current_user.has_role(*roles):
            continue
        entry = NavItem(url_for(endpoint), label, request.endpoint == endpoint)
        group = NAV_GROUPS.get(endpoint)
        if group is None:
            items.append(entry)
            continue
        if group not in groups:
            groups[group] = []
            items.append(NavItem("", group, False))  # its place; filled below
        groups[group].append(entry)
    out: list[NavItem] = []
    for item in items:
        members = groups.get(item.label) if not item.href else None
        if members is None:
            out.append(item)
        elif len(members) == 1:
            out.append(members[0])
        else:
            out.append(NavItem("", item.label, any(m.active for m in members), tuple(members)))
    return out


# Chinese names of fields that appear in many objects' change history (audit timeline); object
# pages may pass their own `labels`, which win.
FIELD_LABELS = {
    "status": "状态",
    "assignee": "办理人",
    "name": "名称",
    "phone": "电话",
    "address": "地址",
    "roles": "角色",
    "department": "单位",
    "enterprise": "所属企业",
    "is_active": "启用",
    "cert_no": "执法证号",
    "username": "用户名",
    "short_name": "简称",
    "kind": "类型",
    "parent": "上级单位",
    "region": "属地",
    "cert_expires_on": "执法证有效期至",
    "legal_qualification_no": "法律职业资格证书编号",
    "category": "分类分级",
    "expires_on": "公示截止期",
}
UNKNOWN_FIELD_LABEL = "其他信息"


def field_label(field: str, labels: dict[str, str] | None = None) -> str:
    """The Chinese name of a field in a change history: the page's own `labels`, else the registered ones.
    Every field an operation records registers its name (tests/audit/test_labels.py walks them)."""
    if labels and field in labels:
        return labels[field]
    return FIELD_LABELS.get(field, UNKNOWN_FIELD_LABEL)


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
    app.jinja_env.globals["field_label"] = field_label
    # Browsers, bookmarks and PDF viewers ask for /favicon.ico by themselves: the same file as the pages'
    # <link rel="icon"> (app/static/favicon.ico), no login needed.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))

    @app.context_processor
    def inject():
        return {"agency_name": app.config["AGENCY_NAME"], "status_badges": STATUS_BADGES}
