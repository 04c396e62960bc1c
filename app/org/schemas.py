"""Marshmallow schemas for the registry: one definition for the admin form, the Excel import and the API.

`EnterpriseSchema().load(raw)` checks formats (required fields, enums, 统一社会信用代码 checksum, phone,
numbers) with Chinese messages. Checks that need the database or the acting user (the region is in the
actor's jurisdiction, the credit code is unused) live in `app.org.operations`.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validates, validates_schema
from marshmallow.validate import Length, OneOf, Range, Regexp

from app.org.credit_code import normalize_credit_code, validate_credit_code
from app.org.models import CATEGORIES, INDUSTRIES, EnterpriseStatus, RiskGrade
from app.org.text import canonical_choice, normalize_text

ENTERPRISE_LABELS = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "industry": "行业",
    "sub_sector": "细分行业",
    "risk_grade": "风险等级",
    "category": "分类分级",
    "region_id": "属地（乡镇/街道、村/社区）",
    "address": "地址",
    "legal_rep": "法定代表人",
    "main_person": "主要负责人",
    "main_person_phone": "主要负责人电话",
    "safety_manager": "安全管理人员",
    "phone": "联系电话",
    "staff_count": "从业人数",
    "status": "经营状态",
    "remarks": "备注",
}

PHONE_RE = r"^[0-9][0-9\-+()（）\s转]{4,29}$"

# fields holding Chinese prose: they keep full-width punctuation (see app.org.text)
PROSE_FIELDS = frozenset({"name", "sub_sector", "address", "legal_rep", "main_person", "safety_manager", "remarks"})
# enumerations: any spelling of a choice (full-width, other case, “C类” for “C”) is stored as the choice
_CHOICES: dict[str, tuple[list[str], str]] = {
    "industry": (list(INDUSTRIES), ""),
    "sub_sector": ([s for subs in INDUSTRIES.values() for s in subs], ""),
    "risk_grade": ([g.value for g in RiskGrade], ""),
    "category": (list(CATEGORIES), "类"),
    "status": ([s.value for s in EnterpriseStatus], ""),
}


def _msgs(label: str, *, choose: bool = False) -> dict[str, str]:
    verb = "请选择" if choose else "请填写"
    return {
        "required": f"{verb}{label}",
        "null": f"{verb}{label}",
        "invalid": f"{label}格式不正确",
    }


def _text(label: str, *, max_len: int, required: bool = False) -> fields.String:
    kw: dict = {"required": True} if required else {"load_default": None, "allow_none": True}
    return fields.String(
        validate=Length(max=max_len, error=f"{label}不能超过{{max}}个字符"), error_messages=_msgs(label), **kw
    )


def _phone(label: str) -> fields.String:
    return fields.String(
        load_default=None,
        allow_none=True,
        validate=Regexp(PHONE_RE, error=f"{label}格式不正确（如 0557-5012345 或 13912345678）"),
        error_messages=_msgs(label),
    )


class EnterpriseSchema(Schema):
    """An enterprise (企业) record. Dump for pages/API; load validates input (form, import, API)."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    id = fields.Integer(dump_only=True)
    name = _text("企业名称", max_len=200, required=True)
    credit_code = fields.String(required=True, error_messages=_msgs("统一社会信用代码"))
    industry = fields.String(
        required=True,
        validate=OneOf(list(INDUSTRIES), error=f"行业应为：{'、'.join(INDUSTRIES)}"),
        error_messages=_msgs("行业", choose=True),
    )
    sub_sector = _text("细分行业", max_len=30)
    risk_grade = fields.String(
        required=True,
        validate=OneOf([g.value for g in RiskGrade], error=f"风险等级应为：{'、'.join(RiskGrade)}"),
        error_messages=_msgs("风险等级", choose=True),
    )
    category = fields.String(
        required=True,
        validate=OneOf(list(CATEGORIES), error=f"分类分级应为：{'、'.join(CATEGORIES)}"),
        error_messages=_msgs("分类分级", choose=True),
    )
    region_id = fields.Integer(
        required=True, strict=False, error_messages=_msgs("属地（乡镇/街道、村/社区）", choose=True)
    )
    region_name = fields.Method("_region_name", dump_only=True)
    town_name = fields.Method("_town_name", dump_only=True)
    address = _text("地址", max_len=300)
    legal_rep = _text("法定代表人", max_len=50)
    main_person = _text("主要负责人", max_len=50)
    main_person_phone = _phone("主要负责人电话")
    safety_manager = _text("安全管理人员", max_len=50)
    phone = _phone("联系电话")
    staff_count = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=Range(min=0, max=1_000_000, error="从业人数应为0至1000000之间的整数"),
        error_messages={"invalid": "从业人数应为整数"},
    )
    status = fields.String(
        load_default=EnterpriseStatus.OPERATING.value,
        validate=OneOf([s.value for s in EnterpriseStatus], error=f"经营状态应为：{'、'.join(EnterpriseStatus)}"),
        error_messages=_msgs("经营状态", choose=True),
    )
    remarks = _text("备注", max_len=2000)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    def _region_name(self, obj) -> str | None:
        return obj.region.full_name() if obj.region is not None else None

    def _town_name(self, obj) -> str | None:
        town = obj.town
        return town.name if town is not None else None

    @pre_load
    def _clean(self, data, **kwargs):
        """Normalise text (NFKC, see app.org.text) and enumerations; treat empty cells/inputs as absent so
        required/defaults apply."""
        if not isinstance(data, dict):
            return data
        out = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = normalize_text(value, prose=key in PROSE_FIELDS)
                if value and key in _CHOICES:
                    choices, suffix = _CHOICES[key]
                    value = canonical_choice(value, choices, suffix=suffix)
            if value is None or value == "":
                continue
            out[key] = value
        if isinstance(out.get("credit_code"), str):
            out["credit_code"] = normalize_credit_code(out["credit_code"])
        return out

    @validates("credit_code")
    def _check_credit_code(self, value: str, **kwargs) -> None:
        error = validate_credit_code(value)
        if error:
            raise ValidationError(error)

    @validates_schema
    def _check_sub_sector(self, data, **kwargs) -> None:
        industry, sub = data.get("industry"), data.get("sub_sector")
        if sub and industry in INDUSTRIES and sub not in INDUSTRIES[industry]:
            raise ValidationError(
                f"“{industry}”的细分行业应为：{'、'.join(INDUSTRIES[industry])}", field_name="sub_sector"
            )


def first_errors(messages: dict) -> dict[str, str]:
    """marshmallow's {field: [msg, ...]} → {field: first message}, for forms and import reports."""
    out: dict[str, str] = {}
    for key, value in messages.items():
        while isinstance(value, (list, tuple)) and value:
            value = value[0]
        if isinstance(value, dict):
            value = next(iter(first_errors(value).values()), "")
        out[key] = str(value)
    return out
