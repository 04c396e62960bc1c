"""Registry of dynamic choice providers, for fields declared with "choices_from".

    @forms.register_choices("users.officers_in_scope", label=lambda value: user_name(value))
    def officers_in_scope(actor, context) -> list[tuple[int, str]]:
        ...

A provider returns the choices this actor may pick in this context (validation only accepts those).
The optional `label(value) -> str | None` names a stored value for read-only pages, whoever looks.
The optional `search` names an endpoint answering ?q= with {"items": [{"id", "name", …}], "more"}: a field
with such choices (a county's thousands of enterprises) is rendered as a searchable picker
(forms/_picker.html, static/picker.js) instead of a <select> listing every choice.
The optional `check(actor, context, value) -> [(value, label)]` answers for one submitted value (the pair if
the provider would offer it, else []): validating a submit then reads that one row, not every choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Provider = Callable[[object, dict | None], list]


@dataclass(frozen=True)
class _Entry:
    fn: Provider
    label: Callable[[object], str | None] | None
    search: str | None = None  # endpoint of the picker's search
    check: Provider | None = None  # (actor, context, value) -> the value's pair if offered, else []


_providers: dict[str, _Entry] = {}


def register_choices(name: str, fn: Provider | None = None, *, label=None, search: str | None = None,
                     check=None):
    """Register fn(actor, context) -> [(value, label), ...]. Usable as a decorator."""

    def deco(f: Provider) -> Provider:
        _providers[name] = _Entry(f, label, search, check)
        return f

    return deco(fn) if fn is not None else deco


def is_registered(name: str) -> bool:
    return name in _providers


def registered() -> list[str]:
    return sorted(_providers)


def resolve(name: str, actor, context: dict | None) -> list[tuple[object, str]]:
    entry = _providers.get(name)
    if entry is None:
        raise LookupError(f"choices provider {name!r} is not registered (forms.register_choices)")
    return [(v, str(lbl)) for v, lbl in entry.fn(actor, context)]


def checks_one(name: str | None) -> bool:
    """Whether the provider answers for one submitted value (`check`) instead of listing every choice."""
    entry = _providers.get(name) if name else None
    return entry is not None and entry.check is not None


def offered(name: str, actor, context: dict | None, value) -> list[tuple[object, str]]:
    """The choices validation needs for one submitted `value`: the provider's `check` of that value when it
    has one (a single plain value), else every choice (`resolve`)."""
    entry = _providers.get(name)
    if entry is not None and entry.check is not None and isinstance(value, str | int):
        return [(v, str(lbl)) for v, lbl in entry.check(actor, context, value)]
    return resolve(name, actor, context)


def search_endpoint(name: str | None) -> str | None:
    """The search endpoint of a provider registered with `search=`, else None."""
    entry = _providers.get(name) if name else None
    return entry.search if entry is not None else None


def label_of(name: str, value) -> str | None:
    entry = _providers.get(name)
    if entry is None or entry.label is None:
        return None
    return entry.label(value)
