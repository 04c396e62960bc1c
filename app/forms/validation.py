"""forms.validate(): POST data -> typed dict of the declared fields, or FormInvalid with Chinese messages."""

from __future__ import annotations

import re
import threading

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from app.errors import ValidationFailed
from app.forms import choices as choice_registry
from app.forms.definition import FieldDef, FormDefBase
from app.forms.fields import CnRepeat, build_field, build_row_schema, clean_text
from app.forms.files import Accepted, Chosen, FileListField, token_for

TRUTHY = {"1", "on", "true", "y", "yes", "True", "是"}


# The key of an error about the whole form (an operation's rule naming no field of it): shown at the top.
FORM_ERROR = "__form__"


class FormInvalid(ValidationFailed):
    """The submitted form has errors. `errors` {field: 中文消息} (repeat rows: "items-0-kind"; FORM_ERROR
    for the form as a whole), `values` the submitted raw values to re-render the form with (file fields:
    keep-tokens). `status` is 422, or the status of the operation's rejection it stands for."""

    def __init__(
        self,
        errors: dict[str, str],
        values: dict,
        formdef: FormDefBase | None = None,
        *,
        message: str = "提交的内容未通过校验，请按提示修改",
        status: int | None = None,
    ):
        super().__init__(message, status=status, field_errors=errors)
        self.errors = errors
        self.values = values
        self.formdef = formdef


def _multidict(data) -> MultiDict:
    if data is None:
        return MultiDict()
    if isinstance(data, MultiDict):
        return data
    md = MultiDict()
    for k, v in dict(data).items():
        for item in v if isinstance(v, list | tuple) else [v]:
            md.add(k, item)
    return md


# --- extraction: raw values of the declared fields only ----------------------------------------------


def _raw_of(fdef: FieldDef, formdata: MultiDict, key: str, files: MultiDict | None):
    t = fdef.type
    if t == "checkbox":
        return formdata.get(key) in TRUTHY
    if t == "multiselect":
        return list(dict.fromkeys(v for v in (clean_text(x).strip() for x in formdata.getlist(key)) if v))
    if t == "file":
        new = [fs for fs in (files.getlist(key) if files is not None else []) if fs and fs.filename]
        return {"keep": [t for t in formdata.getlist(key + "__keep") if t], "new": new}
    if t == "repeat":
        return _rows(fdef, formdata, key)
    return clean_text(formdata.get(key, ""))


def _rows(fdef: FieldDef, formdata: MultiDict, key: str) -> list[dict]:
    rx = re.compile(re.escape(key) + r"-(\d{1,4})-")
    indexes = sorted({int(m.group(1)) for k in formdata.keys() if (m := rx.match(k))})
    rows = []
    for i in indexes:
        row = {sub.name: _raw_of(sub, formdata, f"{key}-{i}-{sub.name}", None) for sub in fdef.fields}
        if any(not _is_empty(v) for v in row.values()):
            rows.append(row)
    return rows


def _is_empty(value) -> bool:
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, dict):
        return not value.get("keep") and not value.get("new")
    return not value


def _loadable(fdef: FieldDef, raw):
    """The schema input for one raw value; marshmallow.missing-like omission is signalled by None."""
    if fdef.type == "checkbox":
        return raw
    if _is_empty(raw):
        return None
    if fdef.type == "repeat":
        return [
            {s.name: v for s in fdef.fields if (v := _loadable(s, row[s.name])) is not None} for row in raw
        ]
    if isinstance(raw, str):
        return raw.strip()
    return raw


def is_shown(formdef: FormDefBase, fdef: FieldDef, raw: dict, _depth: int = 0) -> bool:
    """show_if evaluated on submitted (or pre-filled) values; a field under a hidden field is hidden."""
    cond = fdef.show_if
    if cond is None:
        return True
    ctrl = formdef.field(cond.field)
    if _depth > 20 or not is_shown(formdef, ctrl, raw, _depth + 1):
        return False
    value = raw.get(cond.field)
    if isinstance(value, str):
        value = value.strip()
    return cond.matches(value)


# --- validation -------------------------------------------------------------------------------------


def validate(formdef: FormDefBase, formdata, files=None, *, actor, context=None) -> dict:
    return validate_keeping_values(formdef, formdata, files, actor=actor, context=context)[0]


def validate_keeping_values(
    formdef: FormDefBase, formdata, files=None, *, actor, context=None
) -> tuple[dict, dict]:
    """validate(), plus the values to re-render the form with should an operation then reject the data:
    the submitted raw values, and a keep-token per uploaded file (its bytes stay in the store when the
    transaction that wrote its Attachment row is rolled back)."""
    return _run(formdef, formdata, files, actor=actor, context=context)


def check(
    formdef: FormDefBase, formdata, files=None, *, actor, context=None, chosen: bool = False
) -> tuple[dict, dict]:
    """The form's own rules (required, formats, choices, file rules) and nothing more: no Attachment row
    is written, no operation runs. Returns ({} or {field: 中文消息}, the values to re-render with).
    `chosen`: file fields come as the browser's report of the files selected (`<field>__chosen`, see
    files.Chosen) instead of their bytes; a file field so reported counts as filled in."""
    try:
        _data, values = _run(
            formdef, formdata, files, actor=actor, context=context, store=False, chosen=chosen
        )
    except FormInvalid as exc:
        return exc.errors, exc.values
    return {}, values


def _chosen_files(formdef: FormDefBase, formdata: MultiDict) -> MultiDict:
    out = MultiDict()
    for f in formdef.fields:
        if f.type == "file":
            for text in formdata.getlist(f.name + "__chosen"):
                if (item := Chosen.parse(text)) is not None:
                    out.add(f.name, item)
    return out


def _run(formdef: FormDefBase, formdata, files=None, *, actor, context=None, store=True, chosen=False):
    formdata, files = _multidict(formdata), _multidict(files) if files is not None else None
    if chosen:
        files = _chosen_files(formdef, formdata)
    raw = {f.name: _raw_of(f, formdata, f.name, files) for f in formdef.fields}
    shown = {f.name for f in formdef.fields if is_shown(formdef, f, raw)}

    cache: dict[str, list] = {}

    def choices_for(f: FieldDef):
        if f.choices is not None:
            return f.choices
        if f.name in raw and f.type in ("select", "radio") and choice_registry.checks_one(f.choices_from):
            # a top-level single choice of a provider that checks one value: that value decides
            return choice_registry.offered(f.choices_from, actor, context, raw[f.name])
        if f.choices_from not in cache:  # every choice, read once for all the fields that offer them
            cache[f.choices_from] = choice_registry.resolve(f.choices_from, actor, context)
        return cache[f.choices_from]

    data = {}
    for f in formdef.fields:
        if f.name in shown and (value := _loadable(f, raw[f.name])) is not None:
            data[f.name] = value
    file_fields: dict[str, FileListField] = {}
    reusable = _static(formdef.fields)
    schema = formdef._schemas.get(frozenset(shown)) if reusable else None
    # A form whose only per-submit part is its file fields (the uploader, the files accepted so far) reuses
    # its schema too, one per thread: building it costs more than validating a submit (0.5-0.8 ms).
    per_thread = not reusable and _static(formdef.fields, files=True)
    if per_thread:
        cache = _thread_schemas.__dict__.setdefault(id(formdef), (formdef, {}))[1]
        if (hit := cache.get(frozenset(shown))) is not None:
            schema, file_fields = hit
            for file_field in file_fields.values():
                file_field.reset(actor)
    if schema is None:
        mapping = {}
        for f in formdef.fields:
            if f.name not in shown:
                continue
            if f.type == "file":
                file_fields[f.name] = mapping[f.name] = FileListField(f, actor, required=f.required)
            elif f.type == "repeat":
                mapping[f.name] = CnRepeat(f, build_row_schema(f, choices_for), required=f.required)
            else:
                mapping[f.name] = build_field(
                    f, required=f.required, choices=choices_for(f) if f.has_choices else None
                )
        schema = Schema.from_dict(mapping, name=f"{formdef.name}_schema")()
        if reusable:
            formdef._schemas[frozenset(shown)] = schema
        elif per_thread:  # the schema's own (bound) fields: those it loads with
            cache[frozenset(shown)] = (schema, {name: schema.fields[name] for name in file_fields})
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        errors = _flatten(exc.messages)
        order = {f.name: i for i, f in enumerate(formdef.fields)}
        errors = dict(
            sorted(errors.items(), key=lambda kv: (order.get(kv[0].split("-")[0], 999), _row_key(kv[0])))
        )
        raise FormInvalid(errors, _values_for_rerender(formdef, raw, file_fields, actor), formdef) from None

    values = _values_for_rerender(formdef, raw, file_fields, actor)
    if not store:
        return {}, values
    result = {}
    for f in formdef.fields:
        value = loaded.get(f.name) if f.name in shown else None
        if f.type == "file" and value:
            value = [_store(item, actor) for item in value]
        if f.type == "repeat" and value:
            value = [{s.name: row.get(s.name, s.empty_value()) for s in f.fields} for row in value]
        result[f.name] = f.empty_value() if value is None else value
    return result, values


def rejection_errors(formdef: FormDefBase, exc: Exception) -> dict[str, str]:
    """{field: message} for a rule an operation broke after the form validated (app.errors.invalid,
    require, a ValidationFailed, InvalidState or marshmallow ValidationError): each message goes next
    to the field it names when that field is on the form, otherwise to the top (FORM_ERROR)."""
    names = {f.name for f in formdef.fields}
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {FORM_ERROR: exc.messages}
        field_errors, message = _flatten(messages), ""
    else:
        field_errors, message = (
            dict(getattr(exc, "field_errors", None) or {}),
            getattr(exc, "message", str(exc)),
        )
    errors: dict[str, str] = {}
    top: list[str] = []
    for key, msg in field_errors.items():
        if key.split("-")[0] in names and key != FORM_ERROR:
            errors[key] = msg
        elif msg not in top:
            top.append(msg)
    if not errors and not top and message:
        top.append(message)
    return {FORM_ERROR: "；".join(top)} | errors if top else errors


def _static(fdefs, *, files: bool = False) -> bool:
    """True when the schema depends on the definition alone: file fields hold the uploader and choices_from
    resolve per user and object, so forms with either get a fresh schema on every submit (`files`: file
    fields allowed, their state is reset per submit)."""
    return all(
        (files or f.type != "file") and f.choices_from is None and _static(f.fields, files=files)
        for f in fdefs
    )


# Schemas with file fields, per thread (a field holds the submit's uploader and accepted files while it
# loads): {id(formdef): (formdef, {shown fields: (schema, its file fields)})}. The formdef is kept with
# its entry so that its id is never another object's.
_thread_schemas = threading.local()


def _store(item: Accepted, actor) -> int:
    from app import attachments

    if item.attachment_id is not None:
        return item.attachment_id
    return attachments.create(item.blob, actor=actor).id


def _values_for_rerender(formdef: FormDefBase, raw: dict, file_fields: dict, actor) -> dict:
    values = {}
    uid = getattr(actor, "id", None)
    for f in formdef.fields:
        if f.type == "file":
            field = file_fields.get(f.name)
            values[f.name] = [token_for(item, uid) for item in field.accepted] if field is not None else []
        else:
            values[f.name] = raw[f.name]
    return values


def _row_key(key: str) -> int:
    parts = key.split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1


def _flatten(messages: dict) -> dict[str, str]:
    """marshmallow's nested messages -> {"field": msg, "items-0-kind": msg}."""
    out: dict[str, str] = {}

    def first(v):
        if isinstance(v, list):
            return str(v[0]) if v else "输入内容无效"
        return str(v)

    for name, msg in messages.items():
        if isinstance(msg, dict):  # repeat: {row_index: {sub: [..]}}
            for idx, sub_msgs in msg.items():
                if isinstance(sub_msgs, dict):
                    for sub, m in sub_msgs.items():
                        out[f"{name}-{idx}-{sub}"] = first(m)
                else:
                    out[f"{name}-{idx}"] = first(sub_msgs)
        else:
            out[name] = first(msg)
    return out
