"""marshmallow fields with Chinese messages, and the schema built from a FieldDef.

Inputs arrive as browser strings (already stripped; empty values are left out so `required` fires).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields

from app.clock import to_utc
from app.forms.definition import INT_MAX, INT_MIN, FieldDef

REQUIRED = "必填项不能为空"
BASE_MESSAGES = {"required": REQUIRED, "null": REQUIRED, "validator_failed": "输入内容无效"}
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value) -> str:
    """Browser text without NUL/control characters (PostgreSQL refuses NUL) and with \\n line ends."""
    if value is None:
        return ""
    return CONTROL_RE.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))


def ascii_number(value: str) -> str:
    """Full-width digits/points (１２．５) to ASCII; thousands separators dropped."""
    return unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "")


class CnString(fields.String):
    default_error_messages = {**BASE_MESSAGES, "invalid": "请输入文字"}


class CnInteger(fields.Field):
    default_error_messages = {**BASE_MESSAGES, "invalid": "请输入整数", "too_large": "数值过大"}

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        text = ascii_number(str(value))
        if not re.fullmatch(r"[+-]?\d+", text):
            raise self.make_error("invalid")
        number = int(text)
        if not INT_MIN <= number <= INT_MAX:
            raise self.make_error("too_large")
        return number


class CnDecimal(fields.Field):
    default_error_messages = {
        **BASE_MESSAGES,
        "invalid": "请输入有效数字",
        "places": "最多保留{places}位小数",
        "too_large": "数值过大",
    }

    def __init__(self, places: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        text = ascii_number(str(value))
        if not NUMBER_RE.match(text):
            raise self.make_error("invalid")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if abs(number) >= Decimal(10) ** 15:
            raise self.make_error("too_large")
        if self.places is not None:
            if -number.as_tuple().exponent > self.places:
                raise self.make_error("places", places=self.places)
            number = number.quantize(Decimal(1).scaleb(-self.places))
        return number


class CnDate(fields.Field):
    default_error_messages = {**BASE_MESSAGES, "invalid": "请输入有效日期"}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        text = unicodedata.normalize("NFKC", str(value)).strip()
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        if not m:
            raise self.make_error("invalid")
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise self.make_error("invalid") from exc


class CnDateTime(fields.Field):
    default_error_messages = {**BASE_MESSAGES, "invalid": "请输入有效的日期时间"}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if isinstance(value, datetime):
            return to_utc(value)
        text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "T").replace("/", "-")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        if "T" not in text:  # a bare date is not a date-time
            raise self.make_error("invalid")
        return to_utc(parsed)


class CnChoice(fields.Field):
    """A single choice: the submitted string must be one of the offered values; returns the declared value."""

    default_error_messages = {**BASE_MESSAGES, "invalid": "请选择有效选项", "required": "请选择一项"}

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.by_key = {str(v): v for v, _ in choices}

    def _deserialize(self, value, attr, data, **kwargs):
        key = str(value)
        if key not in self.by_key:
            raise self.make_error("invalid")
        return self.by_key[key]


class CnMultiChoice(CnChoice):
    default_error_messages = {**CnChoice.default_error_messages, "required": "请至少选择一项"}

    def _deserialize(self, value, attr, data, **kwargs) -> list:
        values = value if isinstance(value, list | tuple) else [value]
        out = []
        for v in values:
            typed = super()._deserialize(v, attr, data, **kwargs)
            if typed not in out:
                out.append(typed)
        return out


class CnBool(fields.Field):
    default_error_messages = {**BASE_MESSAGES, "invalid": "请选择是或否"}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        return bool(value)


# --- validators ---------------------------------------------------------------------------------------


def _length(fdef: FieldDef):
    def check(value):
        if fdef.max_length is not None and len(value) > fdef.max_length:
            raise ValidationError(f"长度不能超过{fdef.max_length}个字（当前{len(value)}个字）")
        if fdef.min_length and len(value) < fdef.min_length:
            raise ValidationError(f"长度不能少于{fdef.min_length}个字")

    return check


def _pattern(fdef: FieldDef):
    regex = re.compile(fdef.pattern)

    def check(value):
        if not regex.fullmatch(value):
            raise ValidationError(fdef.pattern_message or "格式不正确")

    return check


def _range(fdef: FieldDef, kind: str):
    """min/max for numbers (数值不能小于…), dates (不能早于今天) and date-times."""
    low_word, high_word = ("数值不能小于", "数值不能大于") if kind == "number" else ("不能早于", "不能晚于")

    def check(value):
        if fdef.min is not None:
            low = fdef.min.resolve()
            if value < low:
                raise ValidationError(f"{low_word}{fdef.min.describe()}")
        if fdef.max is not None:
            high = fdef.max.resolve()
            if value > high:
                raise ValidationError(f"{high_word}{fdef.max.describe()}")

    return check


def _checked(value):
    if value is not True:
        raise ValidationError("请勾选此项")


def _items(fdef: FieldDef, noun: str):
    def check(value):
        if fdef.min_items and len(value) < fdef.min_items:
            raise ValidationError(f"请至少{noun}{fdef.min_items}项")
        if fdef.max_items is not None and len(value) > fdef.max_items:
            raise ValidationError(f"最多{noun}{fdef.max_items}项")

    return check


def build_field(fdef: FieldDef, *, required: bool, choices=None, file_field=None) -> fields.Field:
    """The marshmallow field for one FieldDef. `choices` are resolved ones (static or from a provider)."""
    t = fdef.type
    kw: dict = {"required": required}
    if t in ("text", "textarea", "hidden"):
        validators = [_length(fdef)] + ([_pattern(fdef)] if fdef.pattern else [])
        return CnString(validate=validators, **kw)
    if t == "integer":
        return CnInteger(validate=_range(fdef, "number"), **kw)
    if t == "decimal":
        return CnDecimal(places=fdef.places, validate=_range(fdef, "number"), **kw)
    if t == "date":
        return CnDate(validate=_range(fdef, "date"), **kw)
    if t == "datetime":
        return CnDateTime(validate=_range(fdef, "date"), **kw)
    if t in ("select", "radio"):
        return CnChoice(choices, **kw)
    if t == "multiselect":
        return CnMultiChoice(choices, validate=_items(fdef, "选择"), **kw)
    if t == "checkbox":
        return CnBool(validate=_checked if required else None, required=False)
    if t == "file":
        return file_field
    raise ValueError(f"no marshmallow field for type {t}")


def build_row_schema(fdef: FieldDef, choices_for) -> type[Schema]:
    """Schema of one row of a repeat field (sub-fields use their own `required`)."""
    mapping = {
        sub.name: build_field(
            sub, required=sub.required, choices=choices_for(sub) if sub.has_choices else None
        )
        for sub in fdef.fields
    }
    return Schema.from_dict(mapping, name=f"{fdef.name.title()}RowSchema")


class CnRepeat(fields.List):
    default_error_messages = {**BASE_MESSAGES, "invalid": "格式不正确", "required": "请至少填写1项"}

    def __init__(self, fdef: FieldDef, row_schema: type[Schema], **kwargs):
        super().__init__(fields.Nested(row_schema), validate=_items(fdef, "填写"), **kwargs)
