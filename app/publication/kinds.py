"""Kinds of 公示 (a domain registers each: its field labels in the published order, which of them hold
personal numbers, and how long an entry stays on the public pages)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from app.calendar import legal_calendar


@dataclass(frozen=True)
class PublicationKind:
    """`code` (stored on each row), `name` (shown: 行政处罚决定), `fields` (labels in the 双公示 order),
    `mask` (labels whose values hold ID or phone numbers, masked by app.publication.masking),
    `term_days` (calendar days an entry stays shown, counted from the decision date) or `term`
    (decided_on, fields -> 公示截止期, or None: no end), used when `publish` is given no `expires_on`;
    `title` (fields -> the entry's title; default "<name>：<first field>")."""

    code: str
    name: str
    fields: tuple[str, ...]
    mask: frozenset[str] = frozenset()
    term_days: int | None = None
    term: Callable[[date, Mapping[str, object]], date | None] | None = None
    title: Callable[[Mapping[str, object]], str] | None = None
    description: str = field(default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "mask", frozenset(self.mask))
        if not self.code or len(self.code) > 40:
            raise ValueError("公示种类代码不能为空，且不超过40个字符")
        if not self.fields or len(set(self.fields)) != len(self.fields):
            raise ValueError(f"公示种类 {self.code} 的公示项不能为空或重复")
        unknown = self.mask - set(self.fields)
        if unknown:
            raise ValueError(f"公示种类 {self.code} 的脱敏项不在公示项中：{'、'.join(sorted(unknown))}")
        if self.term_days is not None and self.term is not None:
            raise ValueError(f"公示种类 {self.code} 只能设 term_days 或 term 之一")

    def expiry(self, decided_on: date, values: Mapping[str, object]) -> date | None:
        """The 公示截止期 by the kind's term (None: shown until withdrawn)."""
        if self.term is not None:
            return self.term(decided_on, values)
        if self.term_days is not None:
            return legal_calendar.add_days(decided_on, self.term_days, "calendar", roll_forward=False)
        return None

    def make_title(self, values: Mapping[str, object]) -> str:
        if self.title is not None:
            return self.title(values)
        first = values.get(self.fields[0])
        return f"{self.name}：{first}" if first not in (None, "") else self.name


_kinds: dict[str, PublicationKind] = {}


def register_kind(kind: PublicationKind) -> PublicationKind:
    """Register (or re-register, e.g. in tests) a kind of 公示; returns it."""
    _kinds[kind.code] = kind
    return kind


def get_kind(code: str) -> PublicationKind:
    try:
        return _kinds[code]
    except KeyError:
        raise ValueError(f"未登记的公示种类：{code}") from None


def find_kind(code: str) -> PublicationKind | None:
    return _kinds.get(code)


def registered_kinds() -> list[PublicationKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)
