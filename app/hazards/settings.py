"""Legal time limits of the hazard loop. Values marked M:med in the domain spec (§11) are configurable:
set HAZARD_* keys in the app config (environment) to change them without touching code or BPMN."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context

from app import clock
from app.calendar import legal_calendar

DEFAULTS = {
    "HAZARD_REVIEW_DAYS": 10,  # 复查/验收: within 10 days of the report or deadline [M:med]
    "HAZARD_REVIEW_DAY_KIND": "calendar",  # "calendar" | "working"
    "HAZARD_REMIND_BEFORE_DAYS": 3,  # reminder N days before the deadline
    "HAZARD_REMIND_HOUR": 9,  # reminders go out at 09:00 China time
    "HAZARD_PROGRESS_INTERVAL_DAYS": 15,  # 重大隐患 progress report interval
    "HAZARD_MAX_ROUNDS": 2,  # failed 复查 rounds before only referral / leader exception
    "HAZARD_MAX_EXTENSIONS": 2,  # extension requests per hazard (approved or not): bounds the loop
    "HAZARD_EXTENSION_REVIEW_DAYS": 3,  # working days for an officer to decide an extension
    "HAZARD_EXCEPTION_DAYS": 5,  # working days for a leader to decide an exception
    "HAZARD_DECISION_DAYS": 3,  # working days for a leader to decide 挂牌督办
}


def get(name: str):
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def add_days(start: date, n: int, kind: str = "calendar") -> date:
    """The legal calendar's count (holidays and 调休 make-up days for working days); never a fallback."""
    return legal_calendar.add_days(start, n, kind=kind)


def iso_local(d: date, hour: int = 0) -> str:
    """ISO text with the +08:00 offset: what BPMN timer expressions read."""
    return datetime.combine(d, time(hour), tzinfo=clock.TZ).isoformat()


def deadline_vars(deadline: date) -> dict:
    """Task data for the deadline timers: reminders at 09:00 N days before and on the day, overdue
    at 00:00 after the deadline day (the deadline day itself is still within time)."""
    hour = int(get("HAZARD_REMIND_HOUR"))
    before = deadline - timedelta(days=int(get("HAZARD_REMIND_BEFORE_DAYS")))
    return {
        "deadline": deadline.isoformat(),
        "remind_before_at": iso_local(before, hour),
        "remind_due_at": iso_local(deadline, hour),
        "overdue_at": iso_local(deadline + timedelta(days=1), 0),
    }


def review_vars(start: date) -> dict:
    """Task data for the 复查/验收 time limit counted from `start` (report date or deadline)."""
    due = review_due_date(start)
    return {"review_due": due.isoformat(), "review_escalate_at": iso_local(due + timedelta(days=1), 0)}


def review_due_date(start: date) -> date:
    return add_days(start, int(get("HAZARD_REVIEW_DAYS")), str(get("HAZARD_REVIEW_DAY_KIND")))


def working_due(start: date, key: str) -> str:
    return add_days(start, int(get(key)), "working").isoformat()


def progress_cycle(start: date) -> str:
    """ISO 8601 repeating interval for the 重大隐患 progress reminder: first due N days after start."""
    n = int(get("HAZARD_PROGRESS_INTERVAL_DAYS"))
    first = start + timedelta(days=n)
    return f"R/{iso_local(first, int(get('HAZARD_REMIND_HOUR')))}/P{n}D"
