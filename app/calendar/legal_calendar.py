"""Legal time (法定期间): calendar and working days under the State Council holiday schedule.

Rules implemented
- 期间开始的当日不计入: day 1 is the day after `start`.
- Working days (工作日) skip Saturdays, Sundays and 放假 dates, but count 调休上班 make-up days.
- Calendar-day periods: if the last day is a 法定节假日 (a holiday or a rest weekend), the period ends
  on the first working day after it (行政处罚法 / 民事诉讼法 rule) — `roll_forward=True`.
- LegalClock: a running period that may be suspended (中止) and resumed; suspended days do not count.

Holiday data comes from a JSON file (app/calendar/holidays.json, or app.config["LEGAL_CALENDAR_FILE"]),
re-read whenever the file changes. Years missing from the file, or marked "confirmed": false, are
provisional: results that touch them are logged as warnings and reported by `is_confirmed()` /
`LegalClock.provisional`, so a page can show "按临时节假日安排推算".
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).with_name("holidays.json")


class DayKind(StrEnum):
    CALENDAR = "calendar"  # 自然日
    WORKING = "working"  # 工作日


_KIND_ALIASES = {"calendar": DayKind.CALENDAR, "自然日": DayKind.CALENDAR, "日": DayKind.CALENDAR,
                 "working": DayKind.WORKING, "工作日": DayKind.WORKING}


def _kind(kind: str) -> DayKind:
    try:
        return _KIND_ALIASES[str(kind)]
    except KeyError:
        raise ValueError(f"未知的期间类型：{kind!r}（应为 calendar 或 working）") from None


# --- the data file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearInfo:
    year: int
    confirmed: bool
    source: str = ""
    note: str = ""


@dataclass
class HolidayCalendar:
    holidays: dict[date, str] = field(default_factory=dict)  # 放假日期 -> 节日名
    workdays: dict[date, str] = field(default_factory=dict)  # 调休上班日 -> 说明
    years: dict[int, YearInfo] = field(default_factory=dict)

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def is_confirmed(self, year: int) -> bool:
        info = self.years.get(year)
        return bool(info and info.confirmed)


def parse_calendar(raw: dict) -> HolidayCalendar:
    """Build a HolidayCalendar from the JSON structure; raises ValueError with a Chinese message."""
    cal = HolidayCalendar()
    years = raw.get("years")
    if not isinstance(years, dict):
        raise ValueError("节假日文件缺少 years")
    for key, spec in years.items():
        try:
            year = int(key)
        except ValueError:
            raise ValueError(f"节假日文件年份无效：{key!r}") from None
        cal.years[year] = YearInfo(year, bool(spec.get("confirmed", False)), spec.get("source", ""),
                                   spec.get("note", ""))
        for item in spec.get("holidays", []):
            start, end = _date(item["start"], year), _date(item.get("end", item["start"]), year)
            if end < start:
                raise ValueError(f"{year}年假期“{item.get('name', '')}”结束日期早于开始日期")
            d = start
            while d <= end:
                cal.holidays[d] = item.get("name", "法定节假日")
                d += timedelta(days=1)
        for item in spec.get("workdays", []):
            d = _date(item["date"] if isinstance(item, dict) else item, year)
            cal.workdays[d] = item.get("name", "调休上班") if isinstance(item, dict) else "调休上班"
    both = sorted(set(cal.holidays) & set(cal.workdays))
    if both:
        raise ValueError(f"日期既是放假日又是调休上班日：{', '.join(map(str, both))}")
    return cal


def _date(value: str, year: int) -> date:
    try:
        d = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{year}年节假日数据中的日期无效：{value!r}") from None
    if abs(d.year - year) > 1:
        raise ValueError(f"{year}年节假日数据中的日期 {value} 不属于该年度")
    return d


_cache: dict[str, tuple[int, HolidayCalendar, float]] = {}  # path -> (mtime, calendar, checked at)
_lock = threading.Lock()
_warned_years: set[int] = set()


def calendar_file() -> Path:
    if has_app_context() and current_app.config.get("LEGAL_CALENDAR_FILE"):
        return Path(current_app.config["LEGAL_CALENDAR_FILE"])
    return DEFAULT_FILE


RECHECK_SECONDS = 2.0  # how often a cached calendar's file is stat()ed for changes


def get_calendar(path: str | os.PathLike | None = None) -> HolidayCalendar:
    """The holiday calendar from `path` (default: the configured file), re-read when the file changes
    (checked at most every RECHECK_SECONDS: deadline expressions call this several times per step)."""
    p = Path(path) if path is not None else calendar_file()
    key = str(p)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[2] < RECHECK_SECONDS:
            return hit[1]
    mtime = p.stat().st_mtime_ns
    with _lock:
        if hit is not None and hit[0] == mtime:
            _cache[key] = (mtime, hit[1], now)
            return hit[1]
    with p.open(encoding="utf-8") as fh:
        cal = parse_calendar(json.load(fh))
    with _lock:
        _cache[key] = (mtime, cal, now)
    return cal


def _note_provisional(cal: HolidayCalendar, first: date, last: date) -> bool:
    """Log (once per year per process) when a computation relies on an unconfirmed year."""
    lo, hi = min(first, last), max(first, last)
    provisional = False
    for year in range(lo.year, hi.year + 1):
        if cal.is_confirmed(year):
            continue
        provisional = True
        if year not in _warned_years:
            _warned_years.add(year)
            why = "未收录" if year not in cal.years else "为临时推算（confirmed=false）"
            log.warning("法定期间计算涉及 %s 年，该年度节假日安排%s，结果仅供参考", year, why)
    return provisional


# --- public functions ----------------------------------------------------------------------------


def is_working_day(d: date) -> bool:
    """工作日: Monday–Friday unless a 放假 date, plus 调休上班 weekend days."""
    return get_calendar().is_working_day(d)


def is_holiday(d: date) -> bool:
    """True on a rest day (放假 date or an ordinary weekend that is not a 调休上班 day)."""
    return not is_working_day(d)


def holiday_name(d: date) -> str | None:
    """节日名 for a 放假 date, '调休上班' note for a make-up day, else None."""
    cal = get_calendar()
    return cal.holidays.get(d) or cal.workdays.get(d)


def is_confirmed(year: int) -> bool:
    """Whether the file holds the official (not provisional) schedule for `year`."""
    return get_calendar().is_confirmed(year)


def confirmed_between(start: date, end: date) -> bool:
    cal = get_calendar()
    return all(cal.is_confirmed(y) for y in range(min(start, end).year, max(start, end).year + 1))


def next_working_day(d: date, *, inclusive: bool = True) -> date:
    """The first working day on or after d (after d if inclusive=False)."""
    cal = get_calendar()
    if not inclusive:
        d += timedelta(days=1)
    while not cal.is_working_day(d):
        d += timedelta(days=1)
    return d


def add_days(start: date, n: int, kind: str = "calendar", *, roll_forward: bool = True) -> date:
    """The last day of a period of n days (kind "calendar" 自然日 or "working" 工作日) after start.

    Day 1 is the day after start. For calendar days with roll_forward, a last day that is a holiday
    or rest day moves to the next working day. Negative n counts backwards (no roll), e.g. the last
    day to send a hearing notice ≥7 working days before the hearing: add_days(hearing, -7, "working").
    """
    k = _kind(kind)
    cal = get_calendar()
    if n == 0:
        return start
    step = timedelta(days=1 if n > 0 else -1)
    if k is DayKind.CALENDAR:
        end = start + timedelta(days=n)
        if roll_forward and n > 0:
            while not cal.is_working_day(end):
                end += step
    else:
        end, counted = start, 0
        while counted < abs(n):
            end += step
            if cal.is_working_day(end):
                counted += 1
    _note_provisional(cal, start, end)
    return end


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end] — how many working days of a period have run by `end`."""
    cal = get_calendar()
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if cal.is_working_day(d):
            count += 1
    return count


# --- a period that can be suspended --------------------------------------------------------------


class ClockError(ValueError):
    """Invalid pause/resume (e.g. resuming a clock that is not suspended)."""


class LegalClock:
    """A legal period of `days` (calendar or working) counted from `start`, with 中止 spans.

    pause(d): the period is suspended from day d (d does not count). resume(d): counting restarts on
    day d (d counts). Suspended days never count towards the period. While suspended, deadline() is
    None (unknown), unless the period had already expired before the suspension began.
    """

    def __init__(self, start: date, days: int, kind: str = "calendar", *, roll_forward: bool = True,
                 pauses: list[tuple[date, date | None]] | None = None):
        if days < 0:
            raise ValueError("期间天数不能为负数")
        self.start = start
        self.days = days
        self.kind = _kind(kind)
        self.roll_forward = roll_forward
        self.pauses: list[tuple[date, date | None]] = list(pauses or [])

    # -- suspension ------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None

    def pause(self, d: date) -> None:
        """中止 from day d."""
        if self.paused:
            raise ClockError("期间已处于中止状态")
        if d <= self.start:
            raise ClockError("中止日期应晚于期间起算日")
        if self.pauses and d < self.pauses[-1][1]:
            raise ClockError("中止日期不能早于上次恢复日期")
        self.pauses.append((d, None))

    def resume(self, d: date) -> None:
        """恢复 counting on day d."""
        if not self.paused:
            raise ClockError("期间未处于中止状态，无需恢复")
        began = self.pauses[-1][0]
        if d < began:
            raise ClockError("恢复日期不能早于中止日期")
        self.pauses[-1] = (began, d)

    def _suspended(self, d: date) -> bool:
        return any(p <= d and (r is None or d < r) for p, r in self.pauses)

    def _counts(self, cal: HolidayCalendar, d: date) -> bool:
        if self._suspended(d):
            return False
        return self.kind is DayKind.CALENDAR or cal.is_working_day(d)

    # -- results ---------------------------------------------------------------------------------
    def deadline(self) -> date | None:
        """期间届满日; None while suspended (unless it expired before the suspension began)."""
        cal = get_calendar()
        open_from = self.pauses[-1][0] if self.paused else None
        d, counted = self.start, 0
        while counted < self.days:
            d += timedelta(days=1)
            if open_from is not None and d >= open_from:
                return None
            if self._counts(cal, d):
                counted += 1
        if self.kind is DayKind.CALENDAR and self.roll_forward and self.days > 0:
            while not cal.is_working_day(d) or self._suspended(d):
                d += timedelta(days=1)
                if open_from is not None and d >= open_from:
                    return None
        _note_provisional(cal, self.start, d)
        return d

    def elapsed(self, today: date) -> int:
        """Days of the period (of its kind, not suspended) that have run in (start, today]."""
        cal = get_calendar()
        d, counted = self.start, 0
        while d < today and counted < self.days:
            d += timedelta(days=1)
            if self._counts(cal, d):
                counted += 1
        return counted

    def remaining(self, today: date) -> int:
        """Days of the period left after `today` (suspended days excluded); 0 on the last day;
        negative = days overdue (of the period's kind) once the deadline has passed."""
        deadline = self.deadline()
        if deadline is not None and today > deadline:
            if self.kind is DayKind.CALENDAR:
                return -(today - deadline).days
            return -working_days_between(deadline, today)
        return max(self.days - self.elapsed(today), 0)

    def is_overdue(self, today: date) -> bool:
        deadline = self.deadline()
        return deadline is not None and today > deadline

    @property
    def provisional(self) -> bool:
        """True if the result depends on a year whose holiday schedule is not confirmed."""
        cal = get_calendar()
        end = self.deadline() or (self.start + timedelta(days=self.days * 2 + 30))
        return any(not cal.is_confirmed(y) for y in range(self.start.year, end.year + 1))

    # -- persistence (e.g. in a JSON column or workflow data) ------------------------------------
    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat(), "days": self.days, "kind": str(self.kind),
            "roll_forward": self.roll_forward,
            "pauses": [[p.isoformat(), r.isoformat() if r else None] for p, r in self.pauses],
        }

    @classmethod
    def from_dict(cls, data: dict) -> LegalClock:
        return cls(
            date.fromisoformat(data["start"]), int(data["days"]), data.get("kind", "calendar"),
            roll_forward=data.get("roll_forward", True),
            pauses=[(date.fromisoformat(p), date.fromisoformat(r) if r else None) for p, r in data.get("pauses", [])],
        )

    def __repr__(self) -> str:
        return f"<LegalClock {self.start} +{self.days} {self.kind} pauses={self.pauses}>"
