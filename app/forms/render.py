"""FormDef: the parsed definition plus the helpers templates use to render and display it.

The Jinja macros (templates/forms/_macros.html) stay thin: every decision (what value goes into an
input, whether a field starts hidden, how a stored value reads in Chinese) is made here, in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from app.forms import choices as choice_registry
from app.forms.definition import FieldDef, FormDefBase, norm_value

TRUTHY = {"1", "on", "true", "y", "yes", "True", "是"}


def _current_user():
    try:
        from flask_login import current_user

        return current_user if current_user.is_authenticated else None
    except Exception:  # outside a request
        return None


@dataclass
class DisplayItem:
    """One line of a read-only display: label and value (text, attachments or a table of rows)."""

    name: str
    label: str
    type: str
    text: str = ""
    attachments: list = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.text or self.attachments or self.rows)


class FormDef(FormDefBase):
    # --- values for inputs ------------------------------------------------------------------------

    def initial(self, values: dict | None = None) -> dict:
        """values with defaults filled in for fields that have none ("today" / "now" resolved)."""
        from app import clock

        out = dict(values or {})
        for f in self.fields:
            if f.name in out or f.default is None:
                continue
            if f.default == "today" and f.type == "date":
                out[f.name] = clock.today()
            elif f.default == "now" and f.type == "datetime":
                out[f.name] = clock.now()
            else:
                out[f.name] = f.default
        return out

    def is_shown(self, fdef: FieldDef | str, values: dict) -> bool:
        from app.forms.validation import is_shown

        return is_shown(self, self._f(fdef), values or {})

    def input_value(self, fdef: FieldDef | str, values: dict) -> str:
        """The string for value="…" of a text/number/date input."""
        f = self._f(fdef)
        v = (values or {}).get(f.name)
        if v is None:
            return ""
        if isinstance(v, datetime):
            from app.ui import local

            return local(v).strftime("%Y-%m-%dT%H:%M")
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, Decimal):
            return format(v, "f")
        if isinstance(v, bool):
            return "1" if v else ""
        if isinstance(v, list):
            return ", ".join(str(x) for x in v)
        return str(v)

    def selected(self, fdef: FieldDef | str, values: dict) -> set[str]:
        v = (values or {}).get(self._f(fdef).name)
        if v is None:
            return set()
        return {norm_value(x) for x in v} if isinstance(v, list | tuple | set) else {norm_value(v)}

    def checked(self, fdef: FieldDef | str, values: dict) -> bool:
        v = (values or {}).get(self._f(fdef).name)
        return v is True or (isinstance(v, str) and v in TRUTHY)

    def choices(self, fdef: FieldDef | str, context: dict | None = None, actor=None) -> list[tuple[str, str]]:
        """(value as string, label) pairs to render; dynamic ones for the current user and context."""
        f = self._f(fdef)
        if f.choices is not None:
            pairs = f.choices
        else:
            pairs = choice_registry.resolve(f.choices_from, actor or _current_user(), context)
        return [(norm_value(v), label) for v, label in pairs]

    def search_url(self, fdef: FieldDef | str) -> str | None:
        """The search address of a field whose choices are searched, not listed (forms/_picker.html)."""
        from flask import url_for

        endpoint = choice_registry.search_endpoint(self._f(fdef).choices_from)
        return url_for(endpoint) if endpoint else None

    def rows(self, fdef: FieldDef | str, values: dict) -> list[dict]:
        """Rows of a repeat to render: the submitted ones, or empty rows (at least one)."""
        f = self._f(fdef)
        rows = [r for r in ((values or {}).get(f.name) or []) if isinstance(r, dict)]
        return rows or [{} for _ in range(max(1, f.min_items or 0))]

    def kept_files(self, fdef: FieldDef | str, values: dict) -> list[dict]:
        """Files already uploaded for a file field: [{token, name, size, url}] for hidden keep-inputs."""
        from flask import url_for

        from app import attachments
        from app.forms.files import read_token, token_for

        f = self._f(fdef)
        user = _current_user()
        uid = getattr(user, "id", None)
        items, ids = [], []
        for v in (values or {}).get(f.name) or []:
            if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                items.append(("id", int(v)))
                ids.append(int(v))
            elif isinstance(v, str):
                acc = read_token(v, uid)
                if acc is None:
                    continue
                if acc.attachment_id is not None:
                    items.append(("id", acc.attachment_id))
                    ids.append(acc.attachment_id)
                else:
                    items.append(("blob", (v, acc.blob)))
        rows = {a.id: a for a in attachments.get_many(ids)}
        out = []
        for kind, item in items:
            if kind == "id":
                att = rows.get(item)
                if att is None:
                    continue
                out.append(
                    {
                        "token": token_for(item, uid),
                        "name": att.original_name,
                        "size": att.size_label,
                        "url": url_for("attachments.download", attachment_id=att.id),
                    }
                )
            else:
                token, blob = item
                from app.attachments.models import human_size

                out.append(
                    {"token": token, "name": blob.original_name, "size": human_size(blob.size), "url": None}
                )
        return out

    def bound_attr(self, fdef: FieldDef | str, which: str) -> str:
        """min/max HTML attribute for date, datetime and number inputs ("" when none)."""
        f = self._f(fdef)
        bound = f.min if which == "min" else f.max
        if bound is None:
            return ""
        v = bound.resolve()
        if isinstance(v, datetime):
            from app.ui import local

            return local(v).strftime("%Y-%m-%dT%H:%M")
        if isinstance(v, date):
            return v.isoformat()
        return str(v)

    def file_help(self, fdef: FieldDef | str) -> str:
        from app.forms.files import help_text

        return help_text(self._f(fdef))

    def accept_attr(self, fdef: FieldDef | str) -> str:
        from app.attachments.storage import allowed_types

        return ",".join(allowed_types(self._f(fdef).accept))

    def error_label(self, key: str) -> str:
        """Label for an error key: "opinion" -> 复查意见, "items-0-kind" -> 隐患清单第1行·类别."""
        parts = key.split("-")
        try:
            top = self.field(parts[0])
        except KeyError:
            return key
        if len(parts) >= 2 and parts[1].isdigit():
            label = f"{top.label}第{int(parts[1]) + 1}行"
            if len(parts) == 3:
                sub = next((s for s in top.fields if s.name == parts[2]), None)
                label += f"·{sub.label if sub else parts[2]}"
            return label
        return top.label

    # --- read-only display ------------------------------------------------------------------------

    def label_for(self, name: str, value) -> str:
        """Chinese label of a stored value: the choice label, 是/否, or the value itself."""
        f = self.field(name)
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list | tuple):
            return "、".join(self.label_for(name, v) for v in value)
        if f.type == "checkbox" or isinstance(value, bool):
            return "是" if norm_value(value) == "true" else "否"
        if f.choices is not None:
            for v, label in f.choices:
                if norm_value(v) == norm_value(value):
                    return label
            return str(value)
        if f.choices_from:
            label = choice_registry.label_of(f.choices_from, value)
            if label is None and _current_user() is not None:
                try:
                    for v, lbl in choice_registry.resolve(f.choices_from, _current_user(), None):
                        if norm_value(v) == norm_value(value):
                            label = lbl
                            break
                except Exception:  # a provider needing context; fall back to the raw value
                    label = None
            return label if label is not None else str(value)
        return str(value)

    def format_value(self, name: str, value) -> str:
        """Any stored value as display text (dates, local times, units, choice labels)."""
        f = self.field(name)
        if value is None or value == "" or value == []:
            return ""
        if f.has_choices or f.type == "checkbox":
            return self.label_for(name, value)
        if f.type == "datetime":
            from app.ui import fmt_dt

            if isinstance(value, str):
                try:
                    value = datetime.fromisoformat(value)
                except ValueError:
                    return value
            return fmt_dt(value)
        if f.type == "date":
            return value.isoformat() if isinstance(value, date) else str(value)
        if f.type in ("integer", "decimal"):
            text = format(value, "f") if isinstance(value, Decimal) else str(value)
            return f"{text}{f.unit or ''}"
        return str(value)

    def display(self, data: dict | None) -> list[DisplayItem]:
        """Lines for render_values(): skips hidden fields and fields whose show_if was not met."""
        from app import attachments

        data = data or {}
        items = []
        for f in self.fields:
            if f.type == "hidden" or not self.is_shown(f, data):
                continue
            value = data.get(f.name)
            item = DisplayItem(name=f.name, label=f.label, type=f.type)
            if f.type == "file":
                ids = value if isinstance(value, list) else ([value] if value else [])
                item.attachments = attachments.get_many(ids)
            elif f.type == "repeat":
                item.columns = [s.label for s in f.fields]
                for row in value or []:
                    if isinstance(row, dict):
                        item.rows.append(
                            [self.format_value(f"{f.name}.{s.name}", row.get(s.name)) for s in f.fields]
                        )
            else:
                item.text = self.format_value(f.name, value)
            items.append(item)
        return items

    # --- JSON description (API clients, /api/v1/tasks/<id>) ------------------------------------------

    def to_dict(self, actor=None, context: dict | None = None) -> dict:
        """The definition as plain JSON data; dynamic choices resolved for actor (default: current user)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "confirm": self.confirm,
            "submit_label": self.submit_label,
            "fields": [self._field_dict(f, actor, context) for f in self.fields],
        }

    def _field_dict(self, f: FieldDef, actor, context) -> dict:
        out: dict = {"name": f.name, "label": f.label, "type": f.type, "required": f.required}
        for key in (
            "help",
            "placeholder",
            "unit",
            "max_length",
            "min_length",
            "pattern",
            "places",
            "min_items",
            "max_items",
            "choices_from",
        ):
            value = getattr(f, key)
            if value is not None:
                out[key] = value
        if f.default is not None:
            out["default"] = f.default
        for key in ("min", "max"):
            bound = getattr(f, key)
            if bound is not None:
                value = bound.resolve()
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        if f.show_if is not None:
            out["show_if"] = {"field": f.show_if.field, "in": list(f.show_if.values)}
        if f.has_choices:
            try:
                out["choices"] = [list(c) for c in self.choices(f, context, actor)]
            except Exception:  # a provider that needs a context it did not get
                out["choices"] = []
        if f.type == "file":
            from app.attachments.storage import allowed_types

            out.update(accept=list(allowed_types(f.accept)), multiple=f.multiple, max_files=f.max_files)
        if f.type == "repeat":
            out["fields"] = [self._field_dict(s, actor, context) for s in f.fields]
        return out

    def _f(self, fdef: FieldDef | str) -> FieldDef:
        return fdef if isinstance(fdef, FieldDef) else self.field(fdef)
