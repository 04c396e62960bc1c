"""Form definitions: forms/<name>.json parsed into FormDef / FieldDef, checked strictly.

The format is documented in forms/README.md. Parsing collects every problem it finds (for deploy
checks, `validate_definition`) instead of stopping at the first one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from app.clock import to_utc

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "datetime",
    "select",
    "radio",
    "checkbox",
    "multiselect",
    "file",
    "hidden",
    "repeat",
)
CHOICE_TYPES = ("select", "radio", "multiselect")
LIST_TYPES = ("multiselect", "file", "repeat")
FORM_KEYS = {"name", "title", "description", "fields", "confirm", "submit_label"}
COMMON_KEYS = {"name", "label", "type", "required", "help", "placeholder", "default", "show_if", "col"}
TYPE_KEYS = {
    "text": {"max_length", "min_length", "pattern", "pattern_message"},
    "textarea": {"max_length", "min_length", "rows"},
    "integer": {"min", "max", "unit"},
    "decimal": {"min", "max", "places", "unit"},
    "date": {"min", "max"},
    "datetime": {"min", "max"},
    "select": {"choices", "choices_from"},
    "radio": {"choices", "choices_from", "inline"},
    "checkbox": set(),
    "multiselect": {"choices", "choices_from", "min_items", "max_items", "inline"},
    "file": {"accept", "multiple", "max_files", "max_size_mb"},
    "hidden": {"max_length"},
    "repeat": {"fields", "min_items", "max_items", "add_label"},
}
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000, "hidden": 500}
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
REPEAT_SUBFIELD_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "datetime",
    "select",
    "radio",
    "checkbox",
    "multiselect",
)
DATE_BOUND_RE = re.compile(r"^today(?:([+-])(\d{1,4}))?$")
RESERVED = {"csrf_token"}


class FormDefinitionError(ValueError):
    def __init__(self, name: str, problems: list[str]):
        super().__init__(f"form {name!r} is invalid: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ShowIf:
    field: str
    values: tuple[str, ...]  # normalised strings (see norm_value)

    def matches(self, raw) -> bool:
        return norm_value(raw) in self.values


@dataclass(frozen=True)
class Bound:
    """A min/max: a number, a fixed date/datetime, or relative to today / now."""

    value: object = None  # Decimal | int | date | datetime | None
    today_offset: int | None = None  # for "today", "today+7"
    now: bool = False  # for datetime "now"

    def resolve(self):
        from app import clock

        if self.today_offset is not None:
            return clock.today() + timedelta(days=self.today_offset)
        if self.now:
            return clock.now()
        return self.value

    def describe(self) -> str:
        """Words for messages: 今天 / 当前时间 / 2026-05-01 / 0."""
        if self.today_offset == 0:
            return "今天"
        if self.now:
            return "当前时间"
        v = self.resolve()
        if isinstance(v, datetime):
            from app.ui import fmt_dt

            return fmt_dt(v)
        if isinstance(v, date):
            return v.isoformat()
        return str(v)


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: str
    required: bool = False
    help: str | None = None
    placeholder: str | None = None
    default: object = None
    show_if: ShowIf | None = None
    col: int = 12
    # text / textarea / hidden
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    rows: int = 4
    # numbers, dates
    min: Bound | None = None
    max: Bound | None = None
    places: int | None = None
    unit: str | None = None
    # choices
    choices: tuple[tuple[object, str], ...] | None = None
    choices_from: str | None = None
    inline: bool = False
    min_items: int | None = None
    max_items: int | None = None
    # files
    accept: tuple[str, ...] | None = None
    multiple: bool = False
    max_files: int = 1
    max_size_mb: float | None = None
    # repeat
    fields: tuple[FieldDef, ...] = ()
    add_label: str = "添加一项"

    @property
    def is_list(self) -> bool:
        return self.type in LIST_TYPES

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES

    def empty_value(self):
        if self.is_list:
            return []
        if self.type == "checkbox":
            return False
        return None


def norm_value(value) -> str:
    """The string a show_if compares: booleans as "true"/"false", everything else str()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


@dataclass
class FormDefBase:
    """Parsed definition. Rendering / display helpers live in FormDef (app.forms.render)."""

    name: str
    title: str
    fields: tuple[FieldDef, ...]
    description: str | None = None
    confirm: str | None = None
    submit_label: str | None = None
    path: str | None = None
    _by_name: dict[str, FieldDef] = field(default_factory=dict, repr=False)
    # validation schemas by the set of shown fields, for forms whose schema depends on nothing else
    # (no file fields, no choices_from): built once per definition instead of once per submit
    _schemas: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self._by_name = {f.name: f for f in self.fields}

    def __getitem__(self, name: str) -> FieldDef:
        return self.field(name)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def field(self, name: str) -> FieldDef:
        """A field by name; "items.kind" names a sub-field of the repeat field "items"."""
        if "." in name:
            parent, sub = name.split(".", 1)
            for f in self._by_name[parent].fields:
                if f.name == sub:
                    return f
            raise KeyError(name)
        return self._by_name[name]

    @property
    def labels(self) -> dict[str, str]:
        """{field: label}, sub-fields of repeats as "items.kind"."""
        out = {}
        for f in self.fields:
            out[f.name] = f.label
            for sub in f.fields:
                out[f"{f.name}.{sub.name}"] = sub.label
        return out

    @property
    def has_files(self) -> bool:
        return any(f.type == "file" for f in self.fields)

    @property
    def file_fields(self) -> list[FieldDef]:
        return [f for f in self.fields if f.type == "file"]


# --- parsing ---------------------------------------------------------------------------------------


def parse(data, name: str, *, path: str | None = None, form_cls=None) -> tuple[FormDefBase | None, list[str]]:
    """Parse a loaded JSON document. Returns (FormDef or None, problems)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return None, ["top level must be an object"]
    for key in sorted(set(data) - FORM_KEYS):
        problems.append(f"unknown key {key!r}")
    if data.get("name") != name:
        problems.append(f"'name' must be {name!r} (the file name), got {data.get('name')!r}")
    if not isinstance(data.get("title"), str) or not data.get("title"):
        problems.append("'title' (中文标题) is required")
    for key in ("description", "confirm", "submit_label"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"{key!r} must be a string")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        problems.append("'fields' must be a non-empty list")
        raw_fields = []
    fields = _parse_fields(raw_fields, "fields", problems, top=True)
    _check_show_if(fields, problems)
    if problems:
        return None, problems
    cls = form_cls or FormDefBase
    return cls(
        name=name,
        title=data["title"],
        fields=tuple(fields),
        description=data.get("description"),
        confirm=data.get("confirm"),
        submit_label=data.get("submit_label"),
        path=path,
    ), []


def _parse_fields(raw_fields: list, where: str, problems: list[str], *, top: bool) -> list[FieldDef]:
    out: list[FieldDef] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_fields):
        fdef = _parse_field(raw, f"{where}[{i}]", problems, top=top)
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str):
            if name in seen:
                problems.append(f"{where}[{i}]: duplicate field name {name!r}")
            seen.add(name)
        if fdef is not None:
            out.append(fdef)
    return out


def _parse_field(raw, where: str, problems: list[str], *, top: bool) -> FieldDef | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object")
        return None
    name, ftype = raw.get("name"), raw.get("type")
    where = f"{where} ({name})"
    bad = len(problems)
    if not isinstance(name, str) or not NAME_RE.match(name) or name in RESERVED or name.endswith("__keep"):
        problems.append(f"{where}: 'name' must match [a-z][a-z0-9_]* (and not be reserved)")
    if ftype not in FIELD_TYPES:
        problems.append(f"{where}: 'type' must be one of {', '.join(FIELD_TYPES)}")
        return None
    if not top and ftype not in REPEAT_SUBFIELD_TYPES:
        problems.append(f"{where}: type {ftype!r} is not allowed inside a repeat")
    if ftype != "hidden" and (not isinstance(raw.get("label"), str) or not raw.get("label")):
        problems.append(f"{where}: 'label' (中文名称) is required")
    for key in sorted(set(raw) - COMMON_KEYS - TYPE_KEYS[ftype]):
        problems.append(f"{where}: unknown key {key!r} for type {ftype}")
    if not top and "show_if" in raw:
        problems.append(f"{where}: show_if is not supported inside a repeat")

    kw: dict = {"name": name, "label": raw.get("label") or name, "type": ftype}
    for key in ("required", "multiple", "inline"):
        if key in raw:
            if not isinstance(raw[key], bool):
                problems.append(f"{where}: {key!r} must be true or false")
            kw[key] = bool(raw[key])
    for key in ("help", "placeholder", "pattern_message", "unit", "add_label", "choices_from"):
        if key in raw:
            if not isinstance(raw[key], str):
                problems.append(f"{where}: {key!r} must be a string")
            kw[key] = raw[key]
    for key, lo, hi in (
        ("col", 1, 12),
        ("max_length", 1, 100000),
        ("min_length", 0, 100000),
        ("rows", 1, 40),
        ("places", 0, 10),
        ("min_items", 0, 1000),
        ("max_items", 1, 1000),
        ("max_files", 1, 100),
    ):
        if key in raw:
            v = raw[key]
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                problems.append(f"{where}: {key!r} must be an integer {lo}..{hi}")
            else:
                kw[key] = v
    if ftype in DEFAULT_MAX_LENGTH:
        kw.setdefault("max_length", DEFAULT_MAX_LENGTH[ftype])
    if "pattern" in raw:
        try:
            re.compile(raw["pattern"])
            kw["pattern"] = raw["pattern"]
        except (re.error, TypeError):
            problems.append(f"{where}: 'pattern' is not a valid regular expression")
    if "max_size_mb" in raw:
        v = raw["max_size_mb"]
        if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
            problems.append(f"{where}: 'max_size_mb' must be a positive number")
        else:
            kw["max_size_mb"] = float(v)
    if "accept" in raw:
        from app.attachments.storage import TYPE_LABELS

        acc = raw["accept"]
        ok = (
            isinstance(acc, list)
            and acc
            and all(isinstance(a, str) and (a in TYPE_LABELS or a in ("image/*", "video/*")) for a in acc)
        )
        if not ok:
            problems.append(
                f"{where}: 'accept' must list MIME types from {', '.join(TYPE_LABELS)} (or image/*)"
            )
        else:
            kw["accept"] = tuple(acc)
    if ftype == "file":
        if kw.get("multiple"):
            kw.setdefault("max_files", 9)
        elif kw.get("max_files", 1) != 1:
            problems.append(f"{where}: 'max_files' > 1 needs \"multiple\": true")
    for key in ("min", "max"):
        if key in raw:
            bound = _parse_bound(raw[key], ftype, f"{where}: {key!r}", problems)
            if bound is not None:
                kw[key] = bound
    if ftype in CHOICE_TYPES:
        has_static, has_dyn = "choices" in raw, "choices_from" in raw
        if has_static == has_dyn:
            problems.append(f"{where}: give exactly one of 'choices' or 'choices_from'")
        if has_static:
            kw["choices"] = _parse_choices(raw["choices"], where, problems)
    if ftype == "repeat":
        subs = raw.get("fields")
        if not isinstance(subs, list) or not subs:
            problems.append(f"{where}: a repeat needs a non-empty 'fields' list")
            subs = []
        kw["fields"] = tuple(_parse_fields(subs, f"{where}.fields", problems, top=False))
        kw.setdefault("max_items", 50)
    if "show_if" in raw and top:
        kw["show_if"] = _parse_show_if(raw["show_if"], where, problems)
    if "default" in raw:
        kw["default"] = _parse_default(raw["default"], ftype, where, problems)
    if len(problems) > bad:
        return None
    return FieldDef(**kw)


def _parse_bound(v, ftype: str, where: str, problems: list[str]) -> Bound | None:
    if ftype in ("integer", "decimal"):
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            problems.append(f"{where} must be a number")
            return None
        try:
            num = Decimal(str(v))
        except InvalidOperation:
            problems.append(f"{where} must be a number")
            return None
        if ftype == "integer":
            if num != num.to_integral_value():
                problems.append(f"{where} must be an integer")
                return None
            return Bound(value=int(num))
        return Bound(value=num)
    if ftype == "date":
        if isinstance(v, str):
            m = DATE_BOUND_RE.match(v)
            if m:
                n = int(m.group(2) or 0)
                return Bound(today_offset=-n if m.group(1) == "-" else n)
            try:
                return Bound(value=date.fromisoformat(v))
            except ValueError:
                pass
        problems.append(f'{where} must be "today", "today+N", "today-N" or YYYY-MM-DD')
        return None
    if ftype == "datetime":
        if v == "now":
            return Bound(now=True)
        if isinstance(v, str):
            try:
                return Bound(value=to_utc(datetime.fromisoformat(v)))
            except ValueError:
                pass
        problems.append(f'{where} must be "now" or an ISO date-time')
        return None
    problems.append(f"{where} is not supported for type {ftype}")
    return None


def _parse_choices(raw, where: str, problems: list[str]) -> tuple | None:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: 'choices' must be a non-empty list of [value, 中文标签]")
        return None
    out, seen = [], set()
    for item in raw:
        if isinstance(item, str):
            item = [item, item]
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not isinstance(item[1], str)
            or isinstance(item[0], bool)
            or not isinstance(item[0], str | int)
            or item[0] == ""
        ):
            problems.append(
                f"{where}: each choice must be [value, label] (value a non-empty string or integer)"
            )
            return None
        if str(item[0]) in seen:
            problems.append(f"{where}: duplicate choice value {item[0]!r}")
        seen.add(str(item[0]))
        out.append((item[0], item[1]))
    return tuple(out)


def _parse_show_if(raw, where: str, problems: list[str]) -> ShowIf | None:
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("field"), str)
        or set(raw) - {"field", "equals", "in"}
    ):
        problems.append(
            f'{where}: show_if must be {{"field": ..., "equals": value}} or {{"field": ..., "in": [...]}}'
        )
        return None
    if ("equals" in raw) == ("in" in raw):
        problems.append(f"{where}: show_if needs exactly one of 'equals' or 'in'")
        return None
    values = [raw["equals"]] if "equals" in raw else raw["in"]
    if not isinstance(values, list) or not values:
        problems.append(f"{where}: show_if 'in' must be a non-empty list")
        return None
    return ShowIf(field=raw["field"], values=tuple(norm_value(v) for v in values))


def _parse_default(v, ftype: str, where: str, problems: list[str]):
    if ftype == "checkbox" and not isinstance(v, bool):
        problems.append(f"{where}: a checkbox default must be true or false")
    elif ftype == "multiselect" and not isinstance(v, list):
        problems.append(f"{where}: a multiselect default must be a list")
    elif ftype in ("file", "repeat"):
        problems.append(f"{where}: type {ftype} takes no default")
    elif ftype == "date" and not (v == "today" or _is_iso_date(v)):
        problems.append(f'{where}: a date default must be "today" or YYYY-MM-DD')
    elif ftype == "datetime" and v != "now":
        problems.append(f'{where}: a datetime default can only be "now"')
    return v


def _is_iso_date(v) -> bool:
    try:
        date.fromisoformat(v)
        return True
    except (TypeError, ValueError):
        return False


def _check_show_if(fields: list[FieldDef], problems: list[str]) -> None:
    by_name = {f.name: f for f in fields}
    for f in fields:
        if f.show_if is None:
            continue
        ctrl = by_name.get(f.show_if.field)
        if ctrl is None:
            problems.append(f"field {f.name!r}: show_if refers to unknown field {f.show_if.field!r}")
            continue
        if ctrl.type not in ("select", "radio", "checkbox", "text", "hidden", "integer"):
            problems.append(
                f"field {f.name!r}: show_if field {ctrl.name!r} must be a select, radio, checkbox, "
                "text, integer or hidden field"
            )
        if ctrl.choices is not None:
            known = {norm_value(v) for v, _ in ctrl.choices}
            for v in f.show_if.values:
                if v not in known:
                    problems.append(f"field {f.name!r}: show_if value {v!r} is not a choice of {ctrl.name!r}")
        # cycles: follow the chain
        seen, cur = {f.name}, ctrl
        while cur is not None and cur.show_if is not None:
            if cur.name in seen or cur.show_if.field in seen:
                problems.append(f"field {f.name!r}: show_if chain forms a cycle")
                break
            seen.add(cur.name)
            cur = by_name.get(cur.show_if.field)


# --- files -------------------------------------------------------------------------------------------


def load_file(path: Path, *, form_cls=None) -> tuple[FormDefBase | None, list[str]]:
    name = path.stem
    if not NAME_RE.match(name):
        return None, [f"{path.name}: file name must be <name>.json with name matching [a-z][a-z0-9_]*"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return None, [f"{path.name}: cannot read ({exc.strerror})"]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, [f"{path.name}: not valid JSON ({exc})"]
    fd, problems = parse(data, name, path=str(path), form_cls=form_cls)
    return fd, [f"{path.name}: {p}" for p in problems]
