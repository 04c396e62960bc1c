"""Reading a form's values inside an operation (whatever called it: a page, /api/v1, a task): text within its
length, ids within the Integer column's range. Each refusal is a Chinese message on the field (app.errors.invalid)."""

from __future__ import annotations

from typing import Any

from app.errors import invalid


def text(data: dict, field: str, label: str, *, required: bool = True, max_length: int = 2000) -> str | None:
    """The field's text, stripped; None when empty and not required."""
    raw = data.get(field)
    value = raw.strip() if isinstance(raw, str) else ("" if raw is None else None)
    if value is None:
        raise invalid(field, f"{label}格式不正确")
    if not value:
        if required:
            raise invalid(field, f"请填写{label}")
        return None
    if len(value) > max_length:
        raise invalid(field, f"{label}不能超过{max_length}字")
    return value


def int_id(value: Any, field: str, message: str) -> int:
    """An id: a positive integer within the Integer column's range (beyond it SQLite raises OverflowError
    and PostgreSQL a DataError: a 500 instead of the field's message)."""
    from app.params import MAX_INT

    try:
        n = int(value)
    except (TypeError, ValueError):
        raise invalid(field, message) from None
    if not 0 < n <= MAX_INT:
        raise invalid(field, message)
    return n


def ids(value: Any, field: str, message: str = "人员编号不正确") -> list[int]:
    """A list of ids (a list, or a comma-separated string), each once, in the order given."""
    if value in (None, ""):
        return []
    if isinstance(value, (str, int)):
        value = [v for v in str(value).replace("，", ",").split(",") if v.strip()]
    out: list[int] = []
    for v in value:
        i = int_id(v, field, message)
        if i not in out:
            out.append(i)
    return out
