"""Registry operations: enterprises and departments. Each takes `actor`, validates, flushes, audits.

Never commits: the route (or CLI) commits once. Validation failures raise `ValidationFailed` with
`field_errors` {field: Chinese message}, which forms render next to the inputs.
"""

from __future__ import annotations

from typing import Any, NoReturn

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.auth.models import User
from app.auth.permissions import in_scope
from app.errors import ValidationFailed
from app.extensions import db
from app.org.models import CATEGORIES, Department, Enterprise, Region
from app.org.schemas import ENTERPRISE_LABELS, EnterpriseSchema, first_errors

ENTERPRISE_FIELDS = [f for f in ENTERPRISE_LABELS if f != "region_id"]
# labels for history pages: the schema's labels plus the 属地 shown by name
ENTERPRISE_HISTORY_LABELS = {**ENTERPRISE_LABELS, "region": "属地"}
DEPARTMENT_KINDS = ("局", "科室", "大队", "中队", "站")

_enterprise_schema = EnterpriseSchema()

audit.register_action_labels({
    "enterprise.created": "登记企业",
    "enterprise.updated": "修改企业信息",
    "enterprise.imported": "Excel 导入企业",
    "enterprise.import_batch": "Excel 批量导入企业",
    "enterprise.category_changed": "调整分类分级",
    "department.created": "新增单位",
    "department.updated": "修改单位",
})


# --- helpers -------------------------------------------------------------------------------------------
def _fail(errors: dict[str, str], message: str = "提交的内容有误，请按提示修改") -> NoReturn:
    raise ValidationFailed(message, field_errors=errors)


def _display(value: Any) -> Any:
    if isinstance(value, Region):
        return value.full_name()
    if isinstance(value, Department):
        return value.name
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """audit.diff with regions and departments shown by name."""
    return audit.diff(before, after, _display)


def check_enterprise_region(region_id: int | None, *, actor: User) -> Region:
    region = db.session.get(Region, region_id) if region_id else None
    if region is None or region.level not in ("town", "village"):
        _fail({"region_id": "请选择乡镇/街道或村/社区"})
    if not in_scope(actor, region.path):
        _fail({"region_id": "所选属地不在您的管辖范围内"})
    return region


def credit_code_owner(code: str, *, exclude_id: int | None = None) -> Enterprise | None:
    stmt = select(Enterprise).where(Enterprise.credit_code == code)
    if exclude_id is not None:
        stmt = stmt.where(Enterprise.id != exclude_id)
    return db.session.scalar(stmt)


def _flush_unique(field: str, message: str) -> None:
    """Flush inside a savepoint so a concurrent duplicate becomes a field error, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        _fail({field: message})


# --- enterprises ---------------------------------------------------------------------------------------
def enterprise_snapshot(enterprise: Enterprise) -> dict[str, Any]:
    snap = {f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS}
    snap["region"] = enterprise.region
    return snap


def validate_enterprise(raw: dict, *, actor: User, enterprise: Enterprise | None = None) -> tuple[dict, Region]:
    """Every check for one enterprise record; collects field errors from the schema and the database."""
    errors: dict[str, str] = {}
    try:
        values = _enterprise_schema.load(raw)
    except ValidationError as exc:
        errors = first_errors(exc.messages_dict)
        values = None
    region = None
    if "region_id" not in errors:
        try:
            region = check_enterprise_region((values or {}).get("region_id") or _int(raw.get("region_id")),
                                             actor=actor)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    if values is not None and "credit_code" not in errors:
        owner = credit_code_owner(values["credit_code"], exclude_id=enterprise.id if enterprise else None)
        if owner is not None:
            errors["credit_code"] = f"该统一社会信用代码已登记为“{owner.name}”"
    if errors:
        order = list(ENTERPRISE_LABELS)
        _fail(dict(sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))))
    assert region is not None  # no errors: the region was found
    return values, region


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def new_enterprise(values: dict, region: Region) -> Enterprise:
    """Build and add (no audit, no flush): shared by create_enterprise and the Excel importer."""
    enterprise = Enterprise(**{f: values.get(f) for f in ENTERPRISE_FIELDS})
    enterprise.set_region(region)
    db.session.add(enterprise)
    return enterprise


def create_enterprise(raw: dict, *, actor: User) -> Enterprise:
    """登记企业. `raw` is form/API input (strings are fine)."""
    values, region = validate_enterprise(raw, actor=actor)
    enterprise = new_enterprise(values, region)
    _flush_unique("credit_code", "该统一社会信用代码已登记")
    audit.record(
        actor, "enterprise.created", enterprise,
        summary=f"登记企业“{enterprise.name}”（{enterprise.credit_code}）",
        changes=diff({}, enterprise_snapshot(enterprise)),
    )
    return enterprise


def update_enterprise(enterprise: Enterprise, raw: dict, *, actor: User) -> Enterprise:
    """修改企业信息 from a full record (as the edit form sends it; absent optional fields become empty).

    The actor must be able to see the enterprise now and the new 属地.
    """
    if not in_scope(actor, enterprise.region_path):
        _fail({"region_id": "该企业不在您的管辖范围内"}, "该企业不在您的管辖范围内")
    values, region = validate_enterprise(raw, actor=actor, enterprise=enterprise)
    before = enterprise_snapshot(enterprise)
    for f in ENTERPRISE_FIELDS:
        setattr(enterprise, f, values.get(f))
    if region.id != enterprise.region_id:
        enterprise.set_region(region)
    changes = diff(before, enterprise_snapshot(enterprise))
    if not changes:
        return enterprise
    _flush_unique("credit_code", "该统一社会信用代码已登记")
    labels = "、".join(ENTERPRISE_LABELS.get(k, "属地") for k in changes)
    audit.record(actor, "enterprise.updated", enterprise,
                 summary=f"修改企业“{enterprise.name}”：{labels}", changes=changes)
    return enterprise


def change_category(enterprise: Enterprise, category: str, *, reason: str, actor: User | None) -> str:
    """调整分类分级: set the enterprise's A–D class for a stated reason (a measure that raises the class for
    more inspections, its lifting that restores it), one audit record with the before and after. Returns the
    previous class. A user acting must have the enterprise in scope; None is the system (a timer)."""
    if category not in CATEGORIES:
        _fail({"category": f"分类分级应为：{'、'.join(CATEGORIES)}"})
    reason = (reason or "").strip()
    if not reason:
        _fail({"reason": "请说明调整分类分级的原因"})
    if actor is not None and (actor.is_enterprise_user or not in_scope(actor, enterprise.region_path)):
        _fail({"category": "该企业不在您的管辖范围内"}, "该企业不在您的管辖范围内")
    previous = enterprise.category
    if previous == category:
        return previous
    enterprise.category = category
    db.session.flush()
    audit.record(
        actor,
        "enterprise.category_changed",
        enterprise,
        summary=f"企业“{enterprise.name}”分类分级由{previous}类调整为{category}类：{reason}",
        changes={"category": [previous, category]},
        data={"reason": reason},
    )
    return previous


# --- departments ---------------------------------------------------------------------------------------
DEPARTMENT_LABELS = {
    "name": "名称", "short_name": "简称", "kind": "类型", "parent": "上级单位", "region": "管辖区域",
    "phone": "电话", "is_active": "启用",
}


def _department_values(raw: dict, *, actor: User, department: Department | None) -> dict:
    errors: dict[str, str] = {}
    name = (raw.get("name") or "").strip()
    short_name = (raw.get("short_name") or "").strip() or None
    kind = (raw.get("kind") or "").strip()
    phone = (raw.get("phone") or "").strip() or None
    if not name:
        errors["name"] = "请填写单位名称"
    elif len(name) > 100:
        errors["name"] = "单位名称不能超过100个字符"
    if short_name and len(short_name) > 20:
        errors["short_name"] = "简称不能超过20个字符"
    if kind not in DEPARTMENT_KINDS:
        errors["kind"] = f"请选择类型：{'、'.join(DEPARTMENT_KINDS)}"
    if kind == "局" and not short_name:
        errors["short_name"] = "局须填写发文机关简称（用于文号，如“萧”）"
    if phone and len(phone) > 30:
        errors["phone"] = "电话不能超过30个字符"

    region = db.session.get(Region, _int(raw.get("region_id"))) if _int(raw.get("region_id")) else None
    if region is None:
        errors["region_id"] = "请选择管辖区域"
    elif region.level == "village":
        errors["region_id"] = "管辖区域应为区县或乡镇/街道"
    elif not in_scope(actor, region.path):
        errors["region_id"] = "所选管辖区域不在您的管辖范围内"

    parent = None
    parent_id = _int(raw.get("parent_id"))
    if parent_id:
        parent = db.session.get(Department, parent_id)
        if parent is None or not in_scope(actor, parent.region.path):
            errors["parent_id"] = "请选择有效的上级单位"
        elif department is not None:
            node: Department | None = parent
            while node is not None:
                if node.id == department.id:
                    errors["parent_id"] = "上级单位不能是本单位或其下级单位"
                    break
                node = node.parent
        if parent is not None and region is not None and "parent_id" not in errors and "region_id" not in errors:
            if not region.path.startswith(parent.region.path):
                errors["region_id"] = f"管辖区域应在上级单位“{parent.name}”的管辖区域内"
    elif kind and kind != "局":
        errors["parent_id"] = "内设机构和派出机构须选择上级单位"
    if errors:
        _fail(errors)
    is_active = raw.get("is_active")
    active = True if is_active is None else str(is_active).lower() in ("1", "true", "on", "y", "yes")
    return {"name": name, "short_name": short_name, "kind": kind, "parent": parent, "region": region,
            "phone": phone, "is_active": active}


def _department_snapshot(d: Department) -> dict[str, Any]:
    return {k: getattr(d, k) for k in DEPARTMENT_LABELS}


def create_department(raw: dict, *, actor: User) -> Department:
    values = _department_values(raw, actor=actor, department=None)
    department = Department(**values)
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "department.created", department, summary=f"新增单位“{department.name}”",
                 changes=diff({}, _department_snapshot(department)))
    return department


def update_department(department: Department, raw: dict, *, actor: User) -> Department:
    if not in_scope(actor, department.region.path):
        _fail({"name": "该单位不在您的管辖范围内"}, "该单位不在您的管辖范围内")
    values = _department_values(raw, actor=actor, department=department)
    before = _department_snapshot(department)
    for k, v in values.items():
        setattr(department, k, v)
    changes = diff(before, _department_snapshot(department))
    if changes:
        db.session.flush()
        labels = "、".join(DEPARTMENT_LABELS[k] for k in changes)
        audit.record(actor, "department.updated", department, summary=f"修改单位“{department.name}”：{labels}",
                     changes=changes)
    return department
