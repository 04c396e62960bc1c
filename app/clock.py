"""The one source of 'now' for business logic, so tests can move time (timers, legal deadlines).

Production code calls clock.now() / clock.today(); tests call clock.freeze(...) or clock.advance(...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def now() -> datetime:
    """Aware UTC now (or the frozen test time)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in China (legal deadlines are counted in local days)."""
    return now().astimezone(TZ).date()


def freeze(at: datetime | date) -> None:
    global _frozen
    if isinstance(at, datetime):
        _frozen = (at if at.tzinfo else at.replace(tzinfo=TZ)).astimezone(UTC)
    else:
        _frozen = datetime(at.year, at.month, at.day, 9, 0, tzinfo=TZ).astimezone(UTC)


def advance(delta: timedelta) -> None:
    global _frozen
    _frozen = now() + delta


def unfreeze() -> None:
    global _frozen
    _frozen = None


def to_utc(value: datetime) -> datetime:
    """Aware UTC of a datetime; a naive one means China time (forms, BPMN timer values)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=TZ)
    return value.astimezone(UTC)


def local_midnight_after(d: date) -> datetime:
    """End of the legal day d: 00:00 China time on the next day, as UTC."""
    nxt = d + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=TZ).astimezone(UTC)
