import json
import logging
from datetime import date

import pytest

from app.calendar import ClockError, LegalClock, legal_calendar
from app.calendar.legal_calendar import parse_calendar

D = date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 30), True),
        (D(2025, 10, 1), False),
        (D(2025, 10, 6), False),  # 中秋
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),  # 周六调休上班
        (D(2025, 10, 12), False),
        (D(2025, 9, 28), True),  # 周日调休上班
        (D(2025, 1, 26), True),
        (D(2025, 2, 8), True),
        (D(2025, 4, 27), True),
        (D(2025, 5, 5), False),
        (D(2025, 5, 31), False),
        (D(2026, 1, 2), False),
        (D(2026, 1, 4), True),  # 周日调休上班
        (D(2026, 2, 14), True),
        (D(2026, 2, 16), False),
        (D(2026, 2, 23), False),  # 周一，春节假期最后一天
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        (D(2026, 11, 23), True),
        (D(2026, 11, 22), False),
    ],
)
def test_is_working_day(day, working):
    assert legal_calendar.is_working_day(day) is working
    assert legal_calendar.is_holiday(day) is not working


def test_holiday_names():
    assert legal_calendar.holiday_name(D(2025, 10, 3)) == "国庆节、中秋节"
    assert legal_calendar.holiday_name(D(2026, 2, 14)) == "春节调休上班"
    assert legal_calendar.holiday_name(D(2026, 3, 3)) is None


def test_five_working_days_across_national_day_2025():
    # 9/28 (Sunday make-up) is before the start; 10/1–10/8 off; 10/9, 10/10, 10/11 (Saturday make-up),
    # 10/13, 10/14
    assert legal_calendar.add_days(D(2025, 9, 30), 5, "working") == D(2025, 10, 14)


def test_sunday_make_up_day_counts_as_working_day():
    assert legal_calendar.add_days(D(2025, 9, 26), 1, "working") == D(2025, 9, 28)
    assert legal_calendar.add_days(D(2025, 9, 26), 2, "working") == D(2025, 9, 29)


def test_working_days_across_spring_festival_2026():
    # 2/13 Fri, 2/14 Sat (make-up), then 2/15–2/23 off, 2/24 Tue
    assert legal_calendar.add_days(D(2026, 2, 12), 3, "working") == D(2026, 2, 24)
    # 7 working days to publish a decision made 2026-02-10: 11, 12, 13, 14(六), 24, 25, 26
    assert legal_calendar.add_days(D(2026, 2, 10), 7, "working") == D(2026, 2, 26)
    # 2/28 is a Saturday make-up day
    assert legal_calendar.add_days(D(2026, 2, 26), 2, "working") == D(2026, 2, 28)


def test_calendar_deadline_on_a_holiday_rolls_to_next_working_day():
    assert legal_calendar.add_days(D(2025, 9, 16), 15) == D(2025, 10, 9)
    assert legal_calendar.add_days(D(2025, 9, 16), 15, roll_forward=False) == D(2025, 10, 1)
    # 15-day payment window ending in the 2026 Spring Festival
    assert legal_calendar.add_days(D(2026, 2, 1), 15, "calendar") == D(2026, 2, 24)


def test_calendar_deadline_on_weekend_rolls_but_make_up_saturday_does_not():
    assert legal_calendar.add_days(D(2026, 3, 2), 5) == D(2026, 3, 9)  # 3/7 Saturday -> Monday
    assert legal_calendar.add_days(D(2025, 10, 1), 10) == D(2025, 10, 11)  # make-up Saturday: working


def test_day_of_start_is_not_counted_and_zero_and_negative():
    assert legal_calendar.add_days(D(2026, 3, 2), 1) == D(2026, 3, 3)
    assert legal_calendar.add_days(D(2026, 3, 2), 0, "working") == D(2026, 3, 2)
    # hearing on 2025-10-14: 7 working days back: 10/13, 10/11(六), 10/10, 10/9, 9/30, 9/29, 9/28(日)
    assert legal_calendar.add_days(D(2025, 10, 14), -7, "working") == D(2025, 9, 28)
    assert legal_calendar.add_days(D(2025, 10, 9), -1, "working") == D(2025, 9, 30)
    assert legal_calendar.add_days(D(2025, 10, 5), -2) == D(2025, 10, 3)  # no roll backwards


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="未知的期间类型"):
        legal_calendar.add_days(D(2026, 3, 2), 1, "weeks")
    assert legal_calendar.add_days(D(2025, 9, 30), 5, "工作日") == D(2025, 10, 14)


def test_working_days_between_and_next_working_day():
    assert legal_calendar.working_days_between(D(2025, 9, 30), D(2025, 10, 14)) == 5
    assert legal_calendar.next_working_day(D(2025, 10, 1)) == D(2025, 10, 9)
    assert legal_calendar.next_working_day(D(2025, 10, 9)) == D(2025, 10, 9)
    assert legal_calendar.next_working_day(D(2025, 10, 9), inclusive=False) == D(2025, 10, 10)


def test_legal_clock_pause_and_resume_extend_the_deadline():
    clock = LegalClock(D(2026, 3, 2), 30, "calendar")
    assert clock.deadline() == D(2026, 4, 1)
    assert clock.remaining(D(2026, 3, 5)) == 27
    clock.pause(D(2026, 3, 10))  # 3/10 … 3/19 do not count
    assert clock.paused and clock.deadline() is None
    assert clock.remaining(D(2026, 3, 15)) == 23  # frozen while suspended (3/3–3/9 ran)
    assert clock.remaining(D(2026, 3, 19)) == 23
    clock.resume(D(2026, 3, 20))
    assert not clock.paused
    assert clock.remaining(D(2026, 3, 20)) == 22
    # 4/1 + 10 suspended days = 4/11 (Saturday) -> Monday 4/13
    assert clock.deadline() == D(2026, 4, 13)
    assert clock.remaining(D(2026, 4, 13)) == 0
    assert not clock.is_overdue(D(2026, 4, 13))
    assert clock.remaining(D(2026, 4, 15)) == -2 and clock.is_overdue(D(2026, 4, 15))


def test_working_day_clock_with_suspension_across_national_day():
    clock = LegalClock(D(2025, 9, 25), 5, "working")
    assert clock.deadline() == D(2025, 10, 9)  # 9/26, 9/28(日), 9/29, 9/30, 10/9
    clock.pause(D(2025, 9, 29))
    clock.resume(D(2025, 10, 10))
    assert clock.deadline() == D(2025, 10, 13)  # 9/26, 9/28, 10/10, 10/11(六), 10/13
    assert clock.remaining(D(2025, 10, 10)) == 2
    assert clock.remaining(D(2025, 10, 15)) == -2


def test_pause_after_expiry_keeps_the_old_deadline():
    clock = LegalClock(D(2026, 3, 2), 5)
    clock.pause(D(2026, 3, 20))
    assert clock.deadline() == D(2026, 3, 9)


def test_clock_rejects_invalid_pause_resume():
    clock = LegalClock(D(2026, 3, 2), 30)
    with pytest.raises(ClockError):
        clock.resume(D(2026, 3, 5))
    clock.pause(D(2026, 3, 5))
    with pytest.raises(ClockError):
        clock.pause(D(2026, 3, 6))
    with pytest.raises(ClockError):
        clock.resume(D(2026, 3, 4))
    clock.resume(D(2026, 3, 5))  # same day: no effect
    assert clock.deadline() == D(2026, 4, 1)
    with pytest.raises(ClockError):
        clock.pause(D(2026, 3, 1))


def test_clock_round_trips_through_json():
    clock = LegalClock(D(2026, 3, 2), 10, "working", roll_forward=False)
    clock.pause(D(2026, 3, 4))
    clock.resume(D(2026, 3, 6))
    clock.pause(D(2026, 3, 9))
    copy = LegalClock.from_dict(json.loads(json.dumps(clock.to_dict())))
    assert copy.to_dict() == clock.to_dict() and copy.paused
    copy.resume(D(2026, 3, 9))
    assert copy.deadline() == LegalClock(D(2026, 3, 2), 10, "working").deadline() + (D(2026, 3, 6) - D(2026, 3, 4))


def test_2027_is_provisional_and_flagged(caplog):
    assert legal_calendar.is_confirmed(2026)
    assert not legal_calendar.is_confirmed(2027)
    assert not legal_calendar.is_working_day(D(2027, 2, 8))  # 春节 (provisional)
    legal_calendar._warned_years.discard(2027)
    with caplog.at_level(logging.WARNING, logger="app.calendar.legal_calendar"):
        assert legal_calendar.add_days(D(2026, 12, 20), 30) == D(2027, 1, 19)
    assert any("2027" in r.getMessage() and "临时推算" in r.getMessage() for r in caplog.records)
    assert LegalClock(D(2026, 12, 20), 30).provisional
    assert not LegalClock(D(2026, 3, 2), 30).provisional
    assert not legal_calendar.confirmed_between(D(2026, 12, 1), D(2027, 1, 5))


def test_year_missing_from_file_uses_weekends_and_warns(caplog):
    legal_calendar._warned_years.discard(2030)
    with caplog.at_level(logging.WARNING, logger="app.calendar.legal_calendar"):
        assert legal_calendar.add_days(D(2030, 1, 4), 1, "working") == D(2030, 1, 7)
    assert any("2030" in r.getMessage() and "未收录" in r.getMessage() for r in caplog.records)


def test_calendar_file_is_configurable_and_reloaded(app, tmp_path, monkeypatch):
    path = tmp_path / "holidays.json"
    data = {"years": {"2026": {"confirmed": True, "holidays": [{"name": "测试假", "start": "2026-03-03",
                                                                  "end": "2026-03-04"}],
                               "workdays": [{"date": "2026-03-07", "name": "测试调休"}]}}}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setitem(app.config, "LEGAL_CALENDAR_FILE", str(path))
    assert not legal_calendar.is_working_day(D(2026, 3, 3))
    assert legal_calendar.is_working_day(D(2026, 3, 7))
    assert legal_calendar.add_days(D(2026, 3, 2), 2, "working") == D(2026, 3, 6)

    data["years"]["2026"]["holidays"] = []
    path.write_text(json.dumps(data), encoding="utf-8")
    import os

    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    # the file is stat()ed at most every RECHECK_SECONDS; once that has passed, the edit is read
    monkeypatch.setattr(legal_calendar, "RECHECK_SECONDS", 0.0)
    assert legal_calendar.is_working_day(D(2026, 3, 3))


def test_bad_calendar_data_is_rejected():
    with pytest.raises(ValueError, match="既是放假日又是调休上班日"):
        parse_calendar({"years": {"2026": {"holidays": [{"start": "2026-03-07", "end": "2026-03-08"}],
                                           "workdays": ["2026-03-07"]}}})
    with pytest.raises(ValueError, match="结束日期早于开始日期"):
        parse_calendar({"years": {"2026": {"holidays": [{"start": "2026-03-08", "end": "2026-03-07"}]}}})
    with pytest.raises(ValueError, match="日期无效"):
        parse_calendar({"years": {"2026": {"workdays": ["2026-02-30"]}}})


def test_shipped_file_is_consistent():
    cal = legal_calendar.get_calendar(legal_calendar.DEFAULT_FILE)
    assert {2025, 2026, 2027} <= set(cal.years)
    for d in cal.workdays:
        assert d.weekday() >= 5  # make-up days are weekends
    assert sum(1 for d in cal.holidays if d.year == 2025) == 28
    assert sum(1 for d in cal.holidays if d.year == 2026) == 33
