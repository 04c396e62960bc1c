"""A frozen clock: tests run on Monday 2026-11-02, 09:00 China time, unless they move it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app import clock

START = date(2026, 11, 2)  # Monday; clock.freeze(date) = 09:00 China time


@pytest.fixture
def frozen():
    clock.freeze(START)
    return clock


def at(d: date, hour: int = 9, minute: int = 0) -> datetime:
    """That day at that hour, China time."""
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=clock.TZ)
