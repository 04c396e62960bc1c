"""The restricted expression language of BPMN conditions, timers and properties."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app import clock
from app.workflow import timers
from app.workflow.expressions import ExpressionError, evaluate, execute


@pytest.mark.parametrize(
    "source, expected",
    [
        ("passed == True", True),
        ("score >= 60 and not flagged", True),
        ("len(items) + max(1, 2)", 4),
        ("items[0] if items else None", "a"),
        ("level in ['major', 'general']", True),
        ("add_days(deadline, 3)", date(2026, 11, 13)),
        ("add_days('2026-11-10', -1)", date(2026, 11, 9)),
        ("days_between(deadline, '2026-11-20')", 10),
        ("today()", date(2026, 11, 2)),
        ("iso(deadline)", "2026-11-10"),
    ],
)
def test_allowed_expressions(source, expected, frozen):
    data = {
        "passed": True,
        "score": 70,
        "flagged": False,
        "items": ["a", "b"],
        "level": "major",
        "deadline": date(2026, 11, 10),
    }
    assert evaluate(source, data) == expected


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('id')",
        "open('/etc/passwd')",
        "().__class__.__bases__",
        "deadline.year",
        "[x for x in items]",
        "lambda: 1",
        "eval('1')",
        "_secret",
        "getattr(items, 'pop')",
    ],
)
def test_refused_expressions(source):
    with pytest.raises(ExpressionError):
        evaluate(source, {"items": [], "deadline": date(2026, 1, 1), "_secret": 1})


def test_scripts_only_assign_plain_names():
    data = {"rounds": 1}
    execute("rounds = rounds + 1\nescalate = rounds > 2", data)
    assert data == {"rounds": 2, "escalate": False}
    with pytest.raises(ExpressionError):
        execute("import os", data)
    with pytest.raises(ExpressionError):
        execute("data['x'] = 1", {"data": {}})


def test_add_working_days_skips_weekends_at_least(frozen):
    # 2026-11-06 is a Friday; whatever the holiday table says, a working day is never a weekend
    result = evaluate("add_days(d, 1, 'working')", {"d": date(2026, 11, 6)})
    assert result.weekday() < 5 and result > date(2026, 11, 6)


def test_time_date_values_are_legal_days():
    assert timers.resolve_time_date(date(2026, 11, 10)) == clock.local_midnight_after(date(2026, 11, 10))
    assert timers.resolve_time_date("2026-11-10") == clock.local_midnight_after(date(2026, 11, 10))
    assert timers.resolve_time_date("2026-11-10T08:30:00") == datetime(2026, 11, 10, 8, 30, tzinfo=clock.TZ)
    assert timers.literal_timer_value("P3D") == "P3D" and timers.literal_timer_value("deadline") is None
    assert timers.check_timer_literal("timeDuration", "P3X") is not None
    assert timers.check_timer_literal("timeCycle", "R3/PT1H") is None
