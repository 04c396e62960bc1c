"""Query parameters: one marshmallow schema per list, shared by its page, its /api/v1 route and its export,
both documents (OpenAPI, via `app.api.doc(..., query=...)`) and validates the query string. A bad value is
answered 422 with a Chinese message naming the parameter (pages: the error page; API: JSON), never a 500
from the database (an integer beyond the column's range) or from a writer (a control character in an
Excel cell).

    class ThingArgsSchema(QuerySchema):
        q = text("关键词", max_length=100)
        enterprise_id = integer("企业ID", minimum=1)
        page = integer(PAGE_DESCRIPTION, minimum=1, default=1)

    values = params.check(ThingArgsSchema, request.args)   # raises ValidationFailed (422)

Every request is also refused (400) before its view runs if any query value holds a control character
(`refuse_control_characters`, installed by `init_app`), so a route that reads a parameter outside a schema
still never passes one on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask import Flask, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.errors import DomainError, ValidationFailed

# ids, page numbers and keyset cursors are compared with Integer columns: PostgreSQL's `integer` (SQLite
# raises OverflowError past 2^63-1 already); a page number times a page size stays far below bigint
MAX_INT = 2**31 - 1
# C0 controls (NUL, tab, newline...) and DEL and the C1 controls: no filter value needs one, Excel cells
# refuse most of them and PostgreSQL refuses NUL in text
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "查询参数含有不允许的控制字符，请检查链接或重新输入筛选条件"
PAGE_DESCRIPTION = "页码，从 1 开始"


class QuerySchema(Schema):
    """The query parameters of a GET route, one field a parameter (name, type, Chinese description,
    enum or format): `api.doc(..., query=...)` lists them in the OpenAPI document and `check` validates a
    request's values against them. The route reads the values as the page does (the same filter
    object); an empty value counts as absent, as from a form's empty select, and unknown names are
    ignored."""

    class Meta:
        unknown = EXCLUDE

    @validates_schema
    def _one_direction(self, data, **_kwargs):
        """A keyset page goes one way: after a cursor (next) or before one (previous), never both."""
        if data.get("after") and data.get("before"):
            raise ValidationError("after 与 before 只能用一个", field_name="before")

    def present(self, args) -> dict[str, str]:
        """The non-empty values of the schema's parameters in the query string (the first of each name);
        other names are not read."""
        out = {}
        for name, field in self.fields.items():
            key = field.data_key or name
            value = args.get(key)
            if value is not None and str(value).strip():
                out[key] = str(value)
        return out


def _default(value) -> dict:
    """load_default only when there is one (a None default would make the field nullable)."""
    return {} if value is None else {"load_default": value}


def _no_control_characters(value: str) -> None:
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError("不能含有控制字符")


def text(description: str, *, max_length: int | None = None) -> fields.Str:
    checks = [validate.Length(max=max_length, error="不能超过 {max} 个字符")] if max_length else []
    return fields.Str(validate=[_no_control_characters, *checks], metadata={"description": description})


def integer(
    description: str, *, minimum: int | None = None, default: int | None = None, maximum: int = MAX_INT
) -> fields.Int:
    """An integer within the range of an Integer column (ids, page numbers, cursors)."""
    error = "应为 {min} 至 {max} 之间的整数" if minimum is not None else "不能大于 {max}"
    checks = [validate.Range(min=minimum, max=maximum, error=error)]
    return fields.Int(
        strict=False,
        validate=checks,
        error_messages={"invalid": "应为整数"},
        metadata={"description": description},
        **_default(default),
    )


def one_of(
    description: str, choices: Mapping[str, str] | Iterable[str], *, default: str | None = None
) -> fields.Str:
    """A parameter with fixed values (enum); a mapping's labels explain each value in the description."""
    values = list(choices)
    if isinstance(choices, Mapping):
        description += "：" + "、".join(f"{v}（{choices[v]}）" for v in values)
    return fields.Str(
        validate=validate.OneOf(values, error="应为以下之一：{choices}"),
        metadata={"description": description},
        **_default(default),
    )


def day(description: str) -> fields.Date:
    return fields.Date(
        format="iso",
        error_messages={"invalid": "应为日期，格式 YYYY-MM-DD"},
        metadata={"description": f"{description}（YYYY-MM-DD）"},
    )


def page_number(description: str = PAGE_DESCRIPTION) -> fields.Int:
    """The page number of a keyset list (app.paging): only the first pages are reachable by number."""
    from app.paging import MAX_OFFSET_PAGE

    message = f"应为 1 至 {MAX_OFFSET_PAGE} 之间的整数：更后面的页请用“下一页”继续翻，或缩小筛选范围"
    return fields.Int(
        strict=False,
        validate=[validate.Range(min=1, max=MAX_OFFSET_PAGE, error=message)],
        error_messages={"invalid": "应为整数"},
        metadata={"description": f"{description}（最多 {MAX_OFFSET_PAGE} 页；更深请用 after 游标）"},
        load_default=1,
    )


def cursor(description: str) -> fields.Str:
    """A keyset cursor (app.paging.Key): given back by the list, passed back unchanged."""
    from app.paging import CURSOR_DESCRIPTION, CURSOR_RE

    return fields.Str(
        validate=validate.Regexp(CURSOR_RE, error="格式不正确，应原样使用列表给出的翻页链接"),
        metadata={"description": f"{description}。{CURSOR_DESCRIPTION}"},
    )


class PageArgsSchema(QuerySchema):
    """A list whose only parameter is its page number."""

    page = integer(PAGE_DESCRIPTION, minimum=1, default=1)


def _label(schema: Schema, name: str) -> str:
    """「企业ID」: the first words of the parameter's description, for a page's message (users read no
    parameter names); the name itself only for a parameter without a description."""
    field = schema.fields.get(name)
    description = (field.metadata.get("description") if field else "") or ""
    words = re.split(r"[：，（(]", description, maxsplit=1)[0]
    return f"「{words}」" if words else name


def _words(messages) -> str:
    if isinstance(messages, dict):  # a field given twice or nested: flatten
        return "；".join(_words(m) for m in messages.values())
    return "；".join(map(str, messages)) if isinstance(messages, list) else str(messages)


_instances: dict[type, QuerySchema] = {}


def _schema(schema_cls: type[QuerySchema]) -> QuerySchema:
    schema = _instances.get(schema_cls)
    if schema is None:
        schema = _instances[schema_cls] = schema_cls()
    return schema


def check(schema_cls: type[QuerySchema], args) -> dict:
    """The loaded values of `args` (a request's query string or a filter's stored arguments) under the
    schema; ValidationFailed (422) naming each bad parameter in Chinese when any value is invalid."""
    schema = _schema(schema_cls)
    try:
        return schema.load(schema.present(args))
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        raise ValidationFailed(
            "查询参数有误：" + "；".join(f"{_label(schema, n)} {_words(m)}" for n, m in errors.items()),
            field_errors={name: _words(msgs) for name, msgs in errors.items()},
        ) from None


def lenient(schema_cls: type[QuerySchema], args) -> dict:
    """The valid values of `args` under the schema, the invalid ones left out: for a parameter that only
    adds to a page (a one-off notice), where a stale or mangled value should just not show."""
    schema = _schema(schema_cls)
    try:
        return schema.load(schema.present(args))
    except ValidationError as exc:
        return exc.valid_data if isinstance(exc.valid_data, dict) else {}


def refuse_control_characters() -> None:
    """before_request: no query name or value may hold a control character (400)."""
    for key, value in request.args.items(multi=True):
        if CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value):
            raise DomainError(CONTROL_MESSAGE, status=400, field_errors={key: "不能含有控制字符"})


def init_app(app: Flask) -> None:
    app.before_request(refuse_control_characters)


__all__ = [
    "MAX_INT",
    "PAGE_DESCRIPTION",
    "PageArgsSchema",
    "QuerySchema",
    "check",
    "cursor",
    "day",
    "init_app",
    "integer",
    "lenient",
    "one_of",
    "page_number",
    "text",
]


class ListFilters:
    """What every list's filter dataclass (a domain's XxxFilters) does with its values: back to query
    arguments for links (the pager, export buttons), without page or cursors, and whether any is set."""

    def as_args(self, **override) -> dict[str, str]:
        from dataclasses import fields as dataclass_fields
        from datetime import date

        values = {f.name: getattr(self, f.name) for f in dataclass_fields(self)}  # type: ignore[arg-type]
        values.update(override)
        out = {}
        for k, v in values.items():
            if v in (None, "") or (k == "page" and v == 1):
                continue
            out[k] = v.isoformat() if isinstance(v, date) else str(v)
        return out

    def filter_args(self) -> dict[str, str]:
        """The filters without the page or cursors (export links, the pager's base)."""
        args = self.as_args()
        for key in ("page", "after", "before"):
            args.pop(key, None)
        return args

    @property
    def active(self) -> bool:
        return bool(self.filter_args())
