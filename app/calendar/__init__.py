"""Legal calendar (法定期间): working days under the State Council holiday schedule, suspendable periods.

    from app.calendar import legal_calendar
    legal_calendar.add_days(date(2025, 9, 30), 5, "working")   # 2025-10-14
"""

from app.calendar import legal_calendar
from app.calendar.legal_calendar import (
    ClockError,
    DayKind,
    LegalClock,
    add_days,
    confirmed_between,
    holiday_name,
    is_confirmed,
    is_holiday,
    is_working_day,
    next_working_day,
    working_days_between,
)

__all__ = [
    "ClockError",
    "DayKind",
    "LegalClock",
    "add_days",
    "confirmed_between",
    "holiday_name",
    "is_confirmed",
    "is_holiday",
    "is_working_day",
    "legal_calendar",
    "next_working_day",
    "working_days_between",
]
