"""Who may see and do what. Every scoped query and every object check goes through here."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, false, true

from app.auth.models import User
from app.auth.roles import Role
from app.org.models import Enterprise

_PATH_RE = re.compile(r"^[/0-9]+$")  # region paths are codes and slashes: nothing to escape


def scope_clause(user: User, region_path_col, enterprise_id_col=None) -> ColumnElement[bool]:
    """SQL condition limiting rows to what `user` may see.

    Staff see their department's jurisdiction subtree; enterprise users see only their enterprise;
    an admin without a department sees everything.
    """
    if user.is_enterprise_user:
        if enterprise_id_col is None or user.enterprise_id is None:
            return false()
        return enterprise_id_col == user.enterprise_id
    prefix = user.scope_path
    if prefix is None:
        return false()
    if prefix == "":
        return true()
    return path_prefix(region_path_col, prefix)


def path_prefix(path_col, prefix: str) -> ColumnElement[bool]:
    """`path_col` lies under the region path `prefix` (a scope, a 乡镇/街道 filter). A real path becomes a
    bound 'prefix%' pattern (no SQL concatenation), which SQLite (case_sensitive_like) and PostgreSQL (C
    collation) answer from an index as a range; `startswith(…, autoescape=True)` compiles to
    `LIKE ? || '%'`, which no planner can, so a 乡镇 filter read every row in scope. Anything else is escaped."""
    if _PATH_RE.match(prefix):
        return path_col.like(prefix + "%")
    return path_col.startswith(prefix, autoescape=True)


def in_scope(user: User, region_path: str | None, enterprise_id: int | None = None) -> bool:
    """Python twin of scope_clause for a single loaded object."""
    if user.is_enterprise_user:
        return enterprise_id is not None and enterprise_id == user.enterprise_id
    prefix = user.scope_path
    if prefix is None:
        return False
    return prefix == "" or (region_path or "").startswith(prefix)


def can_view_enterprise(user: User, enterprise: Enterprise) -> bool:
    return in_scope(user, enterprise.region_path, enterprise.id)


def can_manage_registry(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_manage_users(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_reassign(user: User) -> bool:
    return user.has_role(Role.SECTION_HEAD, Role.ADMIN)


def can_export_ledgers(user: User) -> bool:
    return user.has_role(Role.SUPERVISOR, Role.SECTION_HEAD, Role.LEADER, Role.ADMIN)
