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


# --- legal deadlines ------------------------------------------------------------------------------------
# A legal deadline is one local date, the last day (inclusive). It is stored as the instant it runs out,
# 00:00 China time on the next day (`local_midnight_after`): timers fire then and queries compare
# instants. People read it through these helpers only, so every page, document, ledger, API field and
# reminder shows the same last day, and a deadline turns overdue when that day has ended, not before.


def last_day(due: datetime) -> date:
    """The last day (inclusive, China time) of a stored due instant: 00:00 on the 16th reads as the 15th;
    any other instant (17:00 on the 15th) as its own local day. A naive value is UTC, as stored."""
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    return (due.astimezone(TZ) - timedelta(microseconds=1)).date()


def is_past_due(due: datetime, at: datetime | None = None) -> bool:
    """Whether `due` has run out at `at` (default now): from the first moment after the last day on, the
    same moment a timer on `due` fires."""
    return (at if at is not None else now()) >= due


def days_left(due: datetime, at: datetime | None = None) -> int:
    """Whole local days from today (at `at`) to the last day: 0 on the last day, -1 the day after."""
    on = (at if at is not None else now()).astimezone(TZ).date()
    return (last_day(due) - on).days


def fmt_due(due: datetime) -> str:
    """A due instant as text: "2026-12-15 24:00" for the end of the 15th (not "2026-12-16 00:00", which
    reads as a day later than the deadline), "2026-12-15 17:30" otherwise."""
    local = (due if due.tzinfo else due.replace(tzinfo=UTC)).astimezone(TZ)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{last_day(due).isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")
