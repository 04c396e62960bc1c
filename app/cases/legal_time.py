"""A penalty case's legal time (法定期间): deadlines, the decision clock, limitation and 加处罚款.

Everything here is pure (no database) and counts days only through app.calendar (add_days, LegalClock),
so working days follow the State Council holiday schedule (app/calendar/holidays.json) incl. 调休 make-up
days. The periods themselves come from the jurisdiction's RulePack (app.cases.rules), never from code.

Counting conventions (spec §11; 行政处罚法 Art.85; 民法典 Art.200–203; 民事诉讼法 Art.85):
- 期间开始的当日不计入: day 1 is the day after the start date.
- Working-day periods (工作日, 行政处罚法 Art.85 for its 二日/三日/五日/七日) skip rest days and holidays.
- Calendar-day periods whose last day is a rest day or holiday end on the next working day.
- Month and year periods end on the corresponding day of the last month (the month's last day when there is
  none, e.g. 08-31 + 6 months → 02-28/29), then roll forward the same way.
- Pauses are (paused_from, resumed_on | None) pairs, as in LegalClock: paused_from does not count, resumed_on
  counts again; None = still paused.
"""

from __future__ import annotations

import calendar as _months
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.calendar import LegalClock, legal_calendar
from app.cases.rules import Period, RulePack, pack_for

Pauses = list[tuple[date, date | None]]
FEN = Decimal("0.01")


# --- generic period arithmetic -------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """The corresponding day `months` months after `start` (民法典 Art.202: no corresponding day → the
    month's last day). No holiday roll: `period_end` does that. (app.calendar has no month arithmetic.)"""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, _months.monthrange(year, month)[1]))


def period_end(start: date, period: Period, *, roll_forward: bool = True) -> date:
    """Last day of `period` counted from `start` (day 1 = the day after start)."""
    if period.unit in ("calendar", "working"):
        return legal_calendar.add_days(start, period.n, period.unit, roll_forward=roll_forward)
    if period.unit in ("months", "years"):
        end = add_months(start, period.n * (12 if period.unit == "years" else 1))
        return legal_calendar.next_working_day(end) if roll_forward else end
    raise ValueError(f"期间单位 {period.unit} 不能按日期计算")


def _pack(pack: RulePack | None, on: date) -> RulePack:
    return pack if pack is not None else pack_for("", on)


# --- 办案期限 (行政处罚法 Art.60) ------------------------------------------------------------------


def decision_clock(filed_on: date, pauses: Pauses, extra_days: int, pack: RulePack) -> LegalClock:
    """The 办案期限 clock: `pack.decision_period` (90 calendar days, 行政处罚法 Art.60; spec §1.3, §11) from
    立案 on `filed_on`, plus `extra_days` granted by approved extensions (spec §2.2; at most
    pack.max_decision_days in total). Periods of 鉴定/听证/公告 etc. in `pauses` do not count; an open pause
    (end None) stops the clock, so its deadline() is None.

    Raises ValueError (Chinese message) for a negative or excessive extension or inconsistent pauses."""
    if extra_days < 0:
        raise ValueError("延长天数不能为负数")
    period = pack.decision_period
    if period.n + extra_days > pack.max_decision_days:
        raise ValueError(
            f"办案期限延长后不得超过 {pack.max_decision_days} 日（{pack.plain_source_of('decision_extensions')}）"
        )
    clock = LegalClock(filed_on, period.n + extra_days, period.kind)
    for i, (start, end) in enumerate(sorted(pauses, key=lambda p: p[0])):
        if end is None and i != len(pauses) - 1:
            raise ValueError("只有最后一个中止期间可以尚未结束")
        clock.pause(start)  # raises ClockError (a ValueError) for bad or overlapping dates
        if end is not None:
            clock.resume(end)
    return clock


def decision_due(filed_on: date, pauses: Pauses, extra_days: int, pack: RulePack) -> date | None:
    """The last day to decide (see decision_clock); None while a pause is open."""
    return decision_clock(filed_on, pauses, extra_days, pack).deadline()


# --- 时效 (行政处罚法 Art.36) ----------------------------------------------------------------------


def limitation_ends(act_ended_on: date, five_years: bool, pack: RulePack | None = None) -> date:
    """Last day on which the violation may be discovered (行政处罚法 Art.36; spec §1.1): 2 years, or 5 years
    when it involves life/health safety and caused harm (`five_years`, a reviewer's judgement, M:med),
    counted from the day the act ended (continuing acts: the day they ended). Not rolled over holidays:
    discovery is a fact, not an act a party must perform by a deadline. `pack` defaults to the national
    pack in force on `act_ended_on`."""
    p = _pack(pack, act_ended_on)
    return period_end(act_ended_on, p.limitation_extended if five_years else p.limitation, roll_forward=False)


def within_limitation(
    act_ended_on: date, discovered_on: date, five_years: bool, pack: RulePack | None = None
) -> bool:
    """Whether a violation discovered on `discovered_on` can still be penalised (Art.36)."""
    if discovered_on < act_ended_on:
        raise ValueError("发现日期不能早于违法行为终了日期")
    return discovered_on <= limitation_ends(act_ended_on, five_years, pack)


# --- 告知, 听证, 审核 ------------------------------------------------------------------------------


def statement_until(served_on: date, pack: RulePack) -> date:
    """Last day for 陈述申辩 after the 告知书 is served (Art.44–45; legacy 办法 3 days, spec §2.2, M:med)."""
    return period_end(served_on, pack.statement_window)


def hearing_request_until(served_on: date, pack: RulePack) -> date:
    """Last day to request a hearing: 5 working days after 告知 (行政处罚法 Art.64(一), 85; spec §1.5)."""
    return period_end(served_on, pack.hearing_request)


def earliest_hearing_day(notice_served_on: date, pack: RulePack) -> date:
    """Earliest day a hearing may be held: the notice must be served 7 working days before it (Art.64(二),
    85; spec §1.5). Convention: the hearing day is at least the 7th working day after service
    (working_days_between(notice_served_on, hearing) ≥ 7)."""
    return period_end(notice_served_on, pack.hearing_notice)


def review_due(submitted_on: date, pack: RulePack) -> date:
    """Last day of 法制审核 after submission (Art.58; period is local practice, M:low, spec §12-5)."""
    return period_end(submitted_on, pack.legal_review_period)


# --- 送达, 缴纳, 执行 (Art.61, 67, 72–73; 行政强制法 Art.53–54) --------------------------------------

SERVICE_METHODS = {
    "直接": "直接送达",
    "留置": "留置送达",
    "委托": "委托送达",
    "转交": "转交送达",
    "邮寄": "邮寄送达",
    "电子": "电子送达",
    "公告": "公告送达",
}


def service_effective_on(method: str, served_on: date, pack: RulePack) -> date:
    """Day the service takes effect (Art.61; 民事诉讼法 2021 Art.95; spec §1.7): 公告送达 is deemed served
    when 30 calendar days have passed since the notice was published (no holiday roll: it is a deemed fact,
    not a deadline); every other method on `served_on` (for 邮寄/电子, pass the receipt date).
    `method` is e.g. "公告" or "公告送达"."""
    name = SERVICE_METHODS.get(method.removesuffix("送达")) if method else None
    if name is None:
        raise ValueError(f"未知的送达方式：{method!r}")
    if name == "公告送达":
        return period_end(served_on, pack.public_notice_service, roll_forward=False)
    return served_on


def service_due(decided_on: date, pack: RulePack) -> date:
    """Last day to serve the 决定书 when the party was absent at its announcement: 7 working days (Art.61,
    85)."""
    return period_end(decided_on, pack.absent_service)


def payment_due(served_on: date, pack: RulePack) -> date:
    """Last day to pay the fine: 15 calendar days from receipt (Art.67; spec §1.7, §11). `served_on` is the
    day service took effect (see service_effective_on)."""
    return period_end(served_on, pack.payment)


def remedy_window_closes(served_on: date, pack: RulePack) -> date:
    """The later of the 复议 (60 days) and 诉讼 (6 months) windows after service (spec §1.7)."""
    return max(period_end(served_on, pack.reconsideration), period_end(served_on, pack.litigation))


def enforcement_window(
    served_on: date, pack: RulePack, *, dunning_served_on: date | None = None
) -> tuple[date | None, date]:
    """(opens_on, closes_on) for applying to a court for enforcement (行政强制法 Art.53–54; spec §1.7, §11).

    closes_on: within 3 months after the 复议/诉讼 window closes (remedy_window_closes). opens_on: the day
    after that window closed, but not before the 催告书 has been served for 10 days (opens the day after the
    10th day); None while no 催告书 has been served — the 催告 is mandatory before applying."""
    remedy = remedy_window_closes(served_on, pack)
    closes_on = period_end(remedy, pack.enforcement_application)
    if dunning_served_on is None:
        return None, closes_on
    after_dunning = period_end(dunning_served_on, pack.dunning_wait, roll_forward=False) + timedelta(days=1)
    return max(remedy + timedelta(days=1), after_dunning), closes_on


# --- 公示, 移送, 简易程序, 先行登记保存, 补办立案 ---------------------------------------------------------


def publication_due(decided_on: date, pack: RulePack) -> date:
    """Publish a penalty decision within 7 working days (安全生产法 Art.78; 国办发〔2018〕118号; spec §8.1)."""
    return period_end(decided_on, pack.publication)


def withdrawal_due(changed_on: date, pack: RulePack) -> date:
    """Withdraw published information within 3 working days after the decision is changed, revoked or
    annulled (行政处罚法 Art.48, 85; spec §8.1)."""
    return period_end(changed_on, pack.withdrawal)


def transfer_decision_due(reported_at: date | datetime, pack: RulePack) -> date:
    """正职负责人 decides on a transfer within 3 days of the report (国务院令第310号 Art.5; spec §2.6)."""
    day = reported_at.date() if isinstance(reported_at, datetime) else reported_at
    return period_end(day, pack.transfer_decision)


def transfer_due(decided_at: datetime, pack: RulePack) -> datetime:
    """Hand the case to the public security organ within 24 hours of the approval (国务院令第310号 Art.5)."""
    if not isinstance(decided_at, datetime):
        raise TypeError("移送时限按小时计算，须传入 datetime")
    return decided_at + timedelta(hours=pack.transfer.n)


def simple_filing_due(decided_on: date, pack: RulePack) -> date:
    """File (备案) an on-the-spot decision with the agency (Art.52; legacy 5 days, spec §1.2, §2.2)."""
    return period_end(decided_on, pack.simple_filing)


def preservation_due(approved_on: date, pack: RulePack) -> date:
    """Decide what to do with 先行登记保存 evidence within 7 working days (Art.56, 85; spec §1.3, §2.2)."""
    return period_end(approved_on, pack.preservation_disposal)


def late_filing_due(handled_on: date, pack: RulePack) -> date:
    """补办立案 within 5 days after a violation handled on the spot (legacy 办法, spec §2.2, M:med)."""
    return period_end(handled_on, pack.late_filing)


# --- 加处罚款 (行政处罚法 Art.72–73; 行政强制法 Art.45) -------------------------------------------------


@dataclass(frozen=True)
class Surcharge:
    days: int  # days that accrued (paused days excluded)
    amount: Decimal  # yuan, rounded to the fen
    capped: bool  # True when the cap (the principal) was reached
    accrual_from: date  # the first day that can accrue: due_on + 1
    paused_days: int  # days in the accrual span skipped because of 复议/诉讼


def surcharge(
    principal: Decimal,
    due_on: date,
    today: date,
    pauses: Pauses,
    paid_on: date | None = None,
    rate: Decimal | None = None,
    *,
    pack: RulePack | None = None,
) -> Surcharge:
    """加处罚款 for a fine of `principal` due on `due_on` (行政处罚法 Art.72(一); spec §1.7, §11).

    Counting convention: every calendar day from the day after `due_on` up to and including the earlier of
    `today` and `paid_on` accrues `rate` (default pack.surcharge_rate, 3 %) of the principal — so paying
    or looking one day late gives one day. Days inside `pauses` (复议/诉讼, Art.73; (from, resumed_on|None)
    as in LegalClock) do not accrue. The total never exceeds the principal (行政强制法 Art.45 ¶2); it is
    rounded to the fen, ROUND_HALF_UP. `due_on` is the last day to pay (payment_due), already rolled over
    holidays. `pack` defaults to the national pack in force on `due_on`."""
    if principal < 0:
        raise ValueError("罚款数额不能为负数")
    if rate is None:
        rate = _pack(pack, due_on).surcharge_rate
    accrual_from = due_on + timedelta(days=1)
    end = min(today, paid_on) if paid_on is not None else today
    span = (end - due_on).days
    if span <= 0:
        return Surcharge(0, Decimal("0.00"), False, accrual_from, 0)
    # pauses that began before accrual only matter from accrual_from on
    clipped: Pauses = []
    for start, resumed in sorted(pauses, key=lambda p: p[0]):
        if resumed is not None and resumed <= accrual_from:
            continue
        clipped.append((max(start, accrual_from), resumed))
    clock = LegalClock(due_on, span, "calendar", roll_forward=False, pauses=clipped)
    days = clock.elapsed(end)
    raw = principal * rate * days
    capped = principal > 0 and raw >= principal
    amount = (principal if capped else raw).quantize(FEN, rounding=ROUND_HALF_UP)
    return Surcharge(days, amount, capped, accrual_from, span - days)
