"""Which domain serves which ledger (台账): a domain registers a `LedgerSource` for the reports/*.json
ledgers it fills; the platform pages (/ledgers, /ledgers/<name>.xlsx) never name a domain.

    ledgers.register_source(LedgerSource(key="…", ledgers=("…_ledger",), can_export=…, section=…, rows=…))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict


@dataclass(frozen=True)
class Extract:
    """What one export writes: the rows, and the words for the ledger's header rows."""

    rows: Iterable[dict]
    filters: str  # 筛选条件 in words
    period: str  # 统计区间
    filter_args: dict  # the filter as query arguments (recorded in the audit trail)
    total: Callable[[], int] | None = None  # how many rows, when the source can count them cheaply


@dataclass(frozen=True)
class LedgerSource:
    key: str
    ledgers: tuple[str, ...]  # reports/<name>.json names this source fills
    can_export: Callable[[object], bool]  # user -> may export these ledgers (data scope applies to rows)
    section: Callable[[object, MultiDict], str]  # (user, request args) -> HTML of its part of /ledgers
    # (name, user, args, *, attachment_base, today) -> Extract; `rows` an iterator, read only when written
    # (an export request builds the Extract to check the filter, the jobs worker reads the rows)
    rows: Callable[..., Extract]
    order: int = 100


_sources: dict[str, LedgerSource] = {}


def register_source(source: LedgerSource) -> None:
    for other in _sources.values():
        clash = set(other.ledgers) & set(source.ledgers) if other.key != source.key else set()
        if clash:
            raise ValueError(f"台账 {', '.join(sorted(clash))} 已由 {other.key} 提供")
    _sources[source.key] = source


def sources() -> list[LedgerSource]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.key))


def source_of(name: str) -> LedgerSource | None:
    return next((s for s in _sources.values() if name in s.ledgers), None)


def exportable(user) -> list[LedgerSource]:
    return [s for s in sources() if s.can_export(user)]


__all__ = ["Extract", "LedgerSource", "exportable", "register_source", "source_of", "sources"]
