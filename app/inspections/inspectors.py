"""执法检查人员名录库 (双随机 "一单两库", spec §5.1): the officers of a jurisdiction with their 执法证 number,
issue and expiry dates and status — 有效 / 30天内到期 / 已过期 / 未登记. Only an officer holding a certificate
valid on the day may inspect (行政处罚法第四十二条; User.cert_valid_on). An administrator or a section head of
the jurisdiction records the certificate's dates (audited, before/after)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, or_, select

from app import audit, clock
from app.auth.models import User, UserRole
from app.auth.permissions import path_prefix
from app.auth.roles import Role
from app.errors import PermissionDenied, ValidationFailed, require
from app.extensions import db
from app.org.models import Department, Region

EXPIRING_DAYS = 30


class CertStatus(StrEnum):
    VALID = "有效"
    EXPIRING = "30天内到期"
    EXPIRED = "已过期"
    MISSING = "未登记"


def cert_status(user: User, today: date | None = None) -> CertStatus:
    """The certificate's status on `today`: 未登记 without a number or an expiry date on record."""
    today = today or clock.today()
    if not (user.cert_no or "").strip() or user.cert_expires_on is None:
        return CertStatus.MISSING
    if user.cert_expires_on < today:
        return CertStatus.EXPIRED
    if user.cert_expires_on <= today + timedelta(days=EXPIRING_DAYS):
        return CertStatus.EXPIRING
    return CertStatus.VALID


@dataclass(frozen=True)
class Inspector:
    user: User
    department: str
    status: CertStatus


def is_staff(user: User) -> bool:
    return not user.is_enterprise_user and user.scope_path is not None


def may_edit(actor: User, officer: User) -> bool:
    """An administrator, or a section head whose jurisdiction holds the officer's unit."""
    if actor.is_enterprise_user or not actor.has_role(Role.ADMIN, Role.SECTION_HEAD):
        return False
    return officer_in_scope(actor, officer)


def officer_in_scope(viewer: User, officer: User) -> bool:
    """The officer's unit lies in the viewer's jurisdiction (an admin without a department: everywhere)."""
    prefix = viewer.scope_path
    if prefix is None or viewer.is_enterprise_user:
        return False
    if prefix == "":
        return True
    return officer.department is not None and officer.department.region.path.startswith(prefix)


def _officers(viewer: User):
    """Active staff of the viewer's jurisdiction who hold the officer role or a certificate on record."""
    prefix = viewer.scope_path
    stmt = (
        select(User, Department.name)
        .join(Department, Department.id == User.department_id)
        .join(Region, Region.id == Department.region_id)
        .where(
            User.is_active_flag.is_(True),
            or_(
                exists().where(UserRole.user_id == User.id, UserRole.role == Role.OFFICER.value),
                User.cert_no.is_not(None),
            ),
        )
        .order_by(Region.path, Department.id, User.name, User.id)
    )
    if prefix:
        stmt = stmt.where(path_prefix(Region.path, prefix))
    return stmt


def inspectors(viewer: User, status: str = "", today: date | None = None) -> list[Inspector]:
    """The 名录库 the viewer may see (staff of a jurisdiction), optionally one status only."""
    require(is_staff(viewer), "执法检查人员名录库仅供执法机关人员查看")
    today = today or clock.today()
    rows = [Inspector(u, name, cert_status(u, today)) for u, name in db.session.execute(_officers(viewer))]
    if status:
        rows = [r for r in rows if r.status == status]
    return rows


def counts(rows: list[Inspector]) -> dict[str, int]:
    out = {str(s): 0 for s in CertStatus}
    for r in rows:
        out[str(r.status)] += 1
    return out


def set_certificate(officer: User, data: dict[str, Any], *, actor: User) -> User:
    """Record the 执法证's issue and expiry dates (data: cert_issued_on, cert_expires_on; dates). An
    administrator or a section head of the officer's jurisdiction; the expiry after the issue; audited."""
    if not may_edit(actor, officer):
        raise PermissionDenied("只有系统管理员或本辖区的科室负责人可以登记执法证日期")
    issued, expires = data.get("cert_issued_on"), data.get("cert_expires_on")
    errors: dict[str, str] = {}
    if not (officer.cert_no or "").strip():
        errors["__form__"] = "该人员尚未登记执法证号，请先由系统管理员在用户管理中登记证号"
    if expires is None:
        errors["cert_expires_on"] = "请填写执法证有效期至"
    if issued is not None and issued > clock.today():
        errors["cert_issued_on"] = "发证日期不能晚于今天"
    if issued is not None and expires is not None and expires <= issued:
        errors["cert_expires_on"] = "有效期至应晚于发证日期"
    if errors:
        raise ValidationFailed(errors.get("__form__", "提交的内容有误，请按提示修改"), field_errors=errors)
    before = {"cert_issued_on": officer.cert_issued_on, "cert_expires_on": officer.cert_expires_on}
    officer.cert_issued_on = issued
    officer.cert_expires_on = expires
    after = {"cert_issued_on": officer.cert_issued_on, "cert_expires_on": officer.cert_expires_on}
    changes = {k: [_iso(v), _iso(after[k])] for k, v in before.items() if v != after[k]}
    if not changes:
        return officer
    db.session.flush()
    audit.record(
        actor,
        "inspections.certificate_recorded",
        officer,
        summary=(
            f"登记{officer.name}的执法证（{officer.cert_no}）：发证日期{_d(issued)}，有效期至{_d(expires)}"
        ),
        changes=changes,
    )
    return officer


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _d(day: date | None) -> str:
    return day.isoformat() if day else "未填"
