"""Legal time of a penalty case, on the real holiday file (app/calendar/holidays.json):
2026 国庆 10-01..10-07 off, 09-20 (Sun) and 10-10 (Sat) make-up working days;
2026 春节 02-15..02-23 off, 02-14 and 02-28 (Sat) make-up days; 2027 春节 (provisional) 02-05..02-14 off,
01-31 (Sun) and 02-20 (Sat) make-up days."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.calendar import ClockError, legal_calendar
from app.cases import legal_time as lt
from app.cases.rules import pack_for

D = date


@pytest.fixture
def pack():
    return pack_for("", D(2026, 3, 1))


# --- holidays.json really is what these tests assume ----------------------------------------------


def test_calendar_assumptions():
    assert not legal_calendar.is_working_day(D(2026, 10, 1))
    assert not legal_calendar.is_working_day(D(2026, 10, 7))
    assert legal_calendar.is_working_day(D(2026, 10, 8))
    assert legal_calendar.is_working_day(D(2026, 10, 10))  # Saturday make-up
    assert legal_calendar.is_working_day(D(2026, 2, 14))
    assert not legal_calendar.is_working_day(D(2026, 2, 23))
    assert not legal_calendar.is_working_day(D(2027, 2, 12))
    assert legal_calendar.is_working_day(D(2027, 2, 20))


# --- National Day 2026 ----------------------------------------------------------------------------


def test_working_day_deadlines_across_national_day_2026(pack):
    # 9/30 (1), 10/1–10/7 off, 10/8 (2), 10/9 (3), 10/10 Sat make-up (4), 10/12 (5)
    assert lt.hearing_request_until(D(2026, 9, 29), pack) == D(2026, 10, 12)
    # 3 working days ending on the make-up Saturday
    assert lt.statement_until(D(2026, 9, 30), pack) == D(2026, 10, 10)
    # notice on Mon 9/28: 9/29, 9/30, 10/8, 10/9, 10/10, 10/12, 10/13 → hearing on 10/13 at the earliest
    assert lt.earliest_hearing_day(D(2026, 9, 28), pack) == D(2026, 10, 13)
    assert legal_calendar.working_days_between(D(2026, 9, 28), D(2026, 10, 13)) == 7
    assert lt.review_due(D(2026, 9, 30), pack) == D(2026, 10, 13)
    assert lt.publication_due(D(2026, 9, 30), pack) == D(2026, 10, 15)
    assert lt.preservation_due(D(2026, 9, 30), pack) == D(2026, 10, 15)
    assert lt.service_due(D(2026, 9, 30), pack) == D(2026, 10, 15)
    assert lt.withdrawal_due(D(2026, 9, 30), pack) == D(2026, 10, 10)


def test_sunday_make_up_day_counts(pack):
    # 9/19 Sat: 9/20 is a Sunday make-up working day → day 1
    assert lt.withdrawal_due(D(2026, 9, 19), pack) == D(2026, 9, 22)


def test_calendar_day_deadlines_across_national_day_2026(pack):
    # 15 calendar days from 9/20 end on 10/5, a holiday → first working day after it
    assert lt.payment_due(D(2026, 9, 20), pack) == D(2026, 10, 8)
    # 9/25 is 中秋 (9/25–9/27 off) → 9/28; counted in working days the same 15 would run to 10/8+
    assert lt.payment_due(D(2026, 9, 10), pack) == D(2026, 9, 28)
    assert lt.payment_due(D(2026, 9, 1), pack) == D(2026, 9, 16)  # an ordinary Wednesday
    # the calendar 15 days and a working 7 days from the same day differ (§11 day kinds)
    assert lt.publication_due(D(2026, 9, 20), pack) == D(2026, 9, 30)  # 9/25 中秋 skipped
    assert lt.simple_filing_due(D(2026, 9, 28), pack) == D(2026, 10, 8)  # 10/3 → 10/8
    assert lt.late_filing_due(D(2026, 9, 26), pack) == D(2026, 10, 8)  # 10/1 → 10/8
    assert lt.transfer_decision_due(datetime(2026, 9, 29, 10, 0), pack) == D(2026, 10, 8)  # 10/2 → 10/8
    assert lt.transfer_decision_due(D(2026, 9, 20), pack) == D(2026, 9, 23)


def test_public_notice_service_takes_30_days_and_is_not_rolled(pack):
    # deemed served on 10/1 (a holiday): a deemed fact, not a deadline
    assert lt.service_effective_on("公告", D(2026, 9, 1), pack) == D(2026, 10, 1)
    assert lt.service_effective_on("公告送达", D(2026, 9, 1), pack) == D(2026, 10, 1)
    # the payment period runs from then: 10/16 (Fri)
    assert lt.payment_due(lt.service_effective_on("公告", D(2026, 9, 1), pack), pack) == D(2026, 10, 16)
    for method in ("直接", "留置送达", "邮寄", "电子送达", "委托"):
        assert lt.service_effective_on(method, D(2026, 10, 3), pack) == D(2026, 10, 3)
    with pytest.raises(ValueError, match="未知的送达方式"):
        lt.service_effective_on("飞鸽传书", D(2026, 10, 3), pack)


def test_transfer_within_24_hours(pack):
    decided = datetime(2026, 9, 30, 16, 30)
    assert lt.transfer_due(decided, pack) == datetime(2026, 10, 1, 16, 30)  # hours: holidays do not stop it
    with pytest.raises(TypeError):
        lt.transfer_due(D(2026, 9, 30), pack)


# --- Spring Festival 2026 and 2027 ----------------------------------------------------------------


def test_deadlines_across_spring_festival_2026(pack):
    # 2/13 (1), 2/14 Sat make-up (2), 2/15–2/23 off, 2/24 (3), 2/25 (4), 2/26 (5)
    assert lt.hearing_request_until(D(2026, 2, 12), pack) == D(2026, 2, 26)
    assert lt.statement_until(D(2026, 2, 13), pack) == D(2026, 2, 25)
    assert lt.payment_due(D(2026, 2, 1), pack) == D(2026, 2, 24)  # 2/16 in the holiday → 2/24
    assert lt.publication_due(D(2026, 2, 10), pack) == D(2026, 2, 26)


def test_deadlines_across_spring_festival_2027_provisional(pack):
    # 2/4 (1), 2/5–2/14 off, 2/15 (2) … 2/18 (5)
    assert lt.hearing_request_until(D(2027, 2, 3), pack) == D(2027, 2, 18)
    assert lt.earliest_hearing_day(D(2027, 2, 1), pack) == D(2027, 2, 18)
    assert lt.payment_due(D(2027, 1, 25), pack) == D(2027, 2, 15)  # 2/9 in the holiday
    # 2/15–2/19 (5), 2/20 Sat make-up (6), 2/22 (7)
    assert lt.publication_due(D(2027, 2, 10), pack) == D(2027, 2, 22)


# --- decision clock (Art.60) ----------------------------------------------------------------------


def test_decision_due_90_calendar_days(pack):
    # 3/2 + 90 = 5/31, a Sunday → 6/1
    assert lt.decision_due(D(2026, 3, 2), [], 0, pack) == D(2026, 6, 1)


def test_decision_clock_with_closed_and_open_pause(pack):
    closed = (D(2026, 4, 1), D(2026, 4, 11))  # 鉴定: 4/1–4/10 do not count
    assert lt.decision_due(D(2026, 3, 2), [closed], 0, pack) == D(2026, 6, 10)
    clock = lt.decision_clock(D(2026, 3, 2), [closed, (D(2026, 5, 1), None)], 0, pack)  # 听证 under way
    assert clock.paused
    assert clock.deadline() is None
    assert lt.decision_due(D(2026, 3, 2), [(D(2026, 5, 1), None), closed], 0, pack) is None  # any order
    # days run: 3/3–3/31 (29) + 4/11–4/30 (20); nothing after 5/1 counts
    assert clock.elapsed(D(2026, 6, 15)) == 49
    assert clock.remaining(D(2026, 6, 15)) == 41
    # the hearing ends 5/21: 10 + 20 paused days → 3/2 + 120 = 6/30
    assert lt.decision_due(D(2026, 3, 2), [closed, (D(2026, 5, 1), D(2026, 5, 21))], 0, pack) == D(
        2026, 6, 30
    )


def test_decision_extension_limits(pack):
    assert pack.max_decision_days == 180
    # 3/2 + 180 = 8/29, a Saturday → Monday 8/31
    assert D(2026, 3, 2) + timedelta(days=180) == D(2026, 8, 29)
    assert lt.decision_due(D(2026, 3, 2), [], 90, pack) == D(2026, 8, 31)
    with pytest.raises(ValueError, match="不得超过 180 日"):
        lt.decision_clock(D(2026, 3, 2), [], 91, pack)
    with pytest.raises(ValueError, match="不能为负数"):
        lt.decision_clock(D(2026, 3, 2), [], -1, pack)


def test_decision_clock_rejects_bad_pauses(pack):
    with pytest.raises(ClockError):
        lt.decision_clock(D(2026, 3, 2), [(D(2026, 3, 1), D(2026, 3, 5))], 0, pack)  # before 立案
    with pytest.raises(ClockError):
        lt.decision_clock(
            D(2026, 3, 2), [(D(2026, 4, 1), D(2026, 4, 20)), (D(2026, 4, 10), D(2026, 4, 30))], 0, pack
        )  # overlapping
    with pytest.raises(ValueError, match="最后一个"):
        lt.decision_clock(D(2026, 3, 2), [(D(2026, 4, 1), None), (D(2026, 5, 1), D(2026, 5, 5))], 0, pack)


# --- limitation (Art.36) --------------------------------------------------------------------------


def test_limitation():
    assert lt.limitation_ends(D(2024, 3, 10), False) == D(2026, 3, 10)
    assert lt.limitation_ends(D(2024, 3, 10), True) == D(2029, 3, 10)
    assert lt.limitation_ends(D(2024, 2, 29), False) == D(2026, 2, 28)  # no 2/29 → last day of February
    assert lt.limitation_ends(D(2024, 10, 1), False) == D(2026, 10, 1)  # not rolled over the holiday
    assert lt.within_limitation(D(2024, 3, 10), D(2026, 3, 10), False)
    assert not lt.within_limitation(D(2024, 3, 10), D(2026, 3, 11), False)
    assert lt.within_limitation(D(2024, 3, 10), D(2026, 3, 11), True)
    assert not lt.within_limitation(D(2021, 8, 1), D(2026, 8, 2), True)
    with pytest.raises(ValueError, match="发现日期不能早于"):
        lt.within_limitation(D(2026, 3, 10), D(2026, 3, 9), False)


def test_add_months_clamps_to_month_end():
    assert lt.add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert lt.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert lt.add_months(D(2027, 12, 15), 1) == D(2028, 1, 15)


# --- court enforcement window (行政强制法 Art.53–54) ----------------------------------------------


def test_enforcement_window(pack):
    served = D(2026, 3, 2)
    # 复议 60 days → 5/1 (劳动节) → 5/6; 诉讼 6 months → 9/2: the later one closes the remedy window
    assert lt.remedy_window_closes(served, pack) == D(2026, 9, 2)
    # no 催告书 yet: cannot apply, but the last day is known (9/2 + 3 months = 12/2)
    assert lt.enforcement_window(served, pack) == (None, D(2026, 12, 2))
    # 催告书 served 9/1: 10 days run to 9/11, application from 9/12
    assert lt.enforcement_window(served, pack, dunning_served_on=D(2026, 9, 1)) == (
        D(2026, 9, 12),
        D(2026, 12, 2),
    )
    # 催告书 served early: the remedy window is what holds the application back
    assert lt.enforcement_window(served, pack, dunning_served_on=D(2026, 8, 1)) == (
        D(2026, 9, 3),
        D(2026, 12, 2),
    )


# --- 加处罚款 (Art.72–73) -------------------------------------------------------------------------

P = Decimal("30000")
DUE = D(2026, 3, 16)


@pytest.mark.parametrize(
    ("today", "days", "amount", "capped"),
    [
        (D(2026, 3, 15), 0, "0.00", False),  # before the due date
        (DUE, 0, "0.00", False),  # the due date itself is still in time
        (D(2026, 3, 17), 1, "900.00", False),
        (D(2026, 4, 18), 33, "29700.00", False),
        (D(2026, 4, 19), 34, "30000.00", True),  # 30600 would exceed the principal
        (D(2026, 4, 25), 40, "30000.00", True),
    ],
)
def test_surcharge_overdue_days(today, days, amount, capped):
    s = lt.surcharge(P, DUE, today, [])
    assert (s.days, s.amount, s.capped) == (days, Decimal(amount), capped)
    assert s.accrual_from == D(2026, 3, 17)
    assert s.paused_days == 0
    assert s.amount.as_tuple().exponent == -2


def test_surcharge_paused_during_review():
    # 复议 from 3/20, decided 4/1: 3/20–3/31 (12 days) do not accrue
    s = lt.surcharge(P, DUE, D(2026, 4, 25), [(D(2026, 3, 20), D(2026, 4, 1))])
    assert (s.days, s.paused_days, s.amount, s.capped) == (28, 12, Decimal("25200.00"), False)
    # litigation still pending: only 3/17–3/19 accrued
    s = lt.surcharge(P, DUE, D(2026, 4, 25), [(D(2026, 3, 20), None)])
    assert (s.days, s.paused_days, s.amount) == (3, 37, Decimal("2700.00"))
    # a review applied for before the due date: only its part after the due date matters
    s = lt.surcharge(P, DUE, D(2026, 3, 22), [(D(2026, 3, 10), D(2026, 3, 20))])
    assert (s.days, s.paused_days, s.amount) == (3, 3, Decimal("2700.00"))
    # a pause that ended before accrual began changes nothing
    assert lt.surcharge(P, DUE, D(2026, 3, 17), [(D(2026, 3, 1), D(2026, 3, 10))]).amount == Decimal("900.00")


def test_surcharge_stops_on_payment():
    s = lt.surcharge(P, DUE, D(2026, 4, 25), [], paid_on=D(2026, 3, 18))
    assert (s.days, s.amount) == (2, Decimal("1800.00"))
    assert lt.surcharge(P, DUE, D(2026, 4, 25), [], paid_on=DUE).amount == Decimal("0.00")  # paid in time


def test_surcharge_rounding_and_rate():
    assert lt.surcharge(Decimal("333.33"), DUE, D(2026, 3, 17), []).amount == Decimal("10.00")  # 9.9999
    assert lt.surcharge(Decimal("0.50"), DUE, D(2026, 3, 17), []).amount == Decimal("0.02")  # 0.015 half up
    s = lt.surcharge(P, DUE, D(2026, 3, 17), [], rate=Decimal("0.01"))
    assert s.amount == Decimal("300.00")
    assert lt.surcharge(Decimal("0"), DUE, D(2026, 4, 25), []).capped is False
    with pytest.raises(ValueError):
        lt.surcharge(Decimal("-1"), DUE, D(2026, 4, 25), [])
