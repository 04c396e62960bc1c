"""执行 at the operation level: 加处罚款 to the day through the case (0/1/33/40 days, a 复议 pause, payments
before/after the due date, partial payments), 延期/分期, 催告 and 强制执行申请 windows, 复议/诉讼 outcomes
(撤销 withdraws the publication and ends execution; 变更 changes the lines and republishes), and the
payment_overdue timer through the real tick."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock, publication
from app.calendar import legal_calendar
from app.cases import gates
from app.cases import operations as ops
from app.cases.models import EnforcementStep, PaymentArrangement
from app.cases.operations import execution as ex
from app.errors import DomainError, InvalidState, PermissionDenied, ValidationFailed
from app.extensions import db
from app.notifications import Notification
from app.publication.models import Publication
from tests.factories.clock import START, at
from tests.factories.db import commit
from tests.factories.workflow import tick_at

DUE = date(2026, 11, 17)  # served Mon 2026-11-02 + 15 calendar days (Tue)


def executing(world, make_case, fine: str = "30000"):
    w = make_case()
    case = w.case
    w.file().evidence().report(lines=[{"target": "单位", "kinds": ["罚款"], "fine": Decimal(fine)}])
    w.notify().waive()
    ops.prepare_decision(case, {"opinion": "建议按告知内容处罚"}, actor=world.officer)
    ops.legal_review(
        case,
        {
            "review_opinion": "agree",
            "reasons": "事实清楚，程序合法",
            "confirmed": [i.key for i in gates.checklist(case, clock.today())],
        },
        actor=world.legal,
    )
    ops.decide(case, {"decision": "decide", "opinion": "同意"}, actor=world.leader)
    ops.serve_decision(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    assert w.ready == ["execute"] and case.payment_due == DUE
    return w


def on(d: date) -> None:
    clock.freeze(at(d))


def pay(case, world, amount, paid_on, receipt="PJ"):
    return ops.record_payment(
        case, {"paid_on": paid_on, "amount": Decimal(amount), "receipt_no": receipt}, actor=world.officer
    )


def test_surcharge_to_the_day_through_the_case(world, make_case):
    case = executing(world, make_case).case
    for days, amount, capped in (
        (0, "0.00", False),
        (1, "900.00", False),
        (33, "29700.00", False),
        (40, "30000.00", True),
    ):
        on(DUE + timedelta(days=days))
        s = ex.surcharge_today(case)
        assert s is not None and s.amount == Decimal(amount) and s.capped is capped, days
        assert ex.balance(case).owed == Decimal("30000") + Decimal(amount)
    assert ex.balance(case, DUE + timedelta(days=34)).surcharge.amount == Decimal("30000.00")  # 34*900 capped


def test_payment_on_the_due_date_no_surcharge(world, make_case):
    case = executing(world, make_case).case
    on(DUE)
    pay(case, world, "30000", DUE)
    on(DUE + timedelta(days=30))
    assert ex.surcharge_today(case).amount == Decimal("0.00") and case.paid_on == DUE
    assert ex.balance(case).owed == 0


def test_payment_after_due_stops_the_surcharge_on_the_payment_day(world, make_case):
    late = executing(world, make_case).case
    on(DUE + timedelta(days=20))
    pay(late, world, "30000", DUE + timedelta(days=2))  # paid two days late, recorded later
    assert late.paid_on == DUE + timedelta(days=2)
    assert ex.surcharge_today(late).amount == Decimal("1800.00")  # stops on the day it was paid
    with pytest.raises(ValidationFailed, match="1800"):
        pay(late, world, "2000", clock.today(), "PJ-S")
    pay(late, world, "1800", clock.today(), "PJ-S")
    assert ex.balance(late).owed == 0
    ops.finish_execution(late, {"execution_result": "执行完毕"}, actor=world.officer)


def test_partial_payments_do_not_stop_the_surcharge(world, make_case):
    case = executing(world, make_case).case
    on(DUE + timedelta(days=5))
    pay(case, world, "10000", DUE + timedelta(days=1), "PJ1")
    assert case.paid_on is None
    with pytest.raises(ValidationFailed, match="请分别登记罚款（尚欠20000"):
        pay(case, world, "24000", clock.today(), "PJ2")
    assert ex.balance(case).surcharge.amount == Decimal("4500.00")  # 5 days × 3 % of the fine amount
    pay(case, world, "20000", clock.today(), "PJ2")
    assert case.paid_on == DUE + timedelta(days=5)
    on(DUE + timedelta(days=9))
    b = ex.balance(case)
    assert b.surcharge.amount == Decimal("4500.00") and b.owed == Decimal("4500.00")
    with pytest.raises(ValidationFailed, match="尚有4500"):
        ops.finish_execution(case, {"execution_result": "执行完毕"}, actor=world.officer)


def test_reconsideration_pauses_the_surcharge(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 20))
    remedy = ex.file_remedy(
        case,
        {"kind": "行政复议", "body": "萧县人民政府", "filed_on": date(2026, 11, 20)},
        actor=world.officer,
    )
    on(date(2026, 11, 25))
    # accrued 11-18, 11-19; the filing day and after do not accrue while it runs
    assert ex.surcharge_today(case).days == 2 and ex.surcharge_today(case).amount == Decimal("1800.00")
    with pytest.raises(InvalidState, match="尚未审结"):
        ex.file_remedy(case, {"kind": "行政诉讼", "body": "萧县人民法院"}, actor=world.officer)
    on(date(2026, 11, 30))
    ex.decide_remedy(case, {"outcome": "维持", "outcome_on": date(2026, 11, 30)}, actor=world.officer)
    assert remedy.outcome == "维持"
    on(date(2026, 12, 5))
    s = ex.surcharge_today(case)
    # 11-18..12-05 = 18 days, 11-20..11-29 paused (10) → 8 days
    assert (s.days, s.paused_days, s.amount) == (8, 10, Decimal("7200.00"))
    assert publication.current_for(case, "penalty_decision") is not None  # 维持: stays published


def test_deferral_moves_the_due_date_and_the_surcharge_start(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 10))
    with pytest.raises(ValidationFailed, match="应晚于现缴款期限2026年11月17日"):
        ex.apply_arrangement(
            case, {"kind": "延期", "reason": "资金困难", "new_due": DUE}, actor=world.manager_a
        )
    with pytest.raises(DomainError):  # another enterprise's account
        ex.apply_arrangement(
            case, {"kind": "延期", "reason": "x", "new_due": date(2026, 12, 31)}, actor=world.manager_b
        )
    a = ex.apply_arrangement(
        case, {"kind": "延期", "reason": "资金周转困难", "new_due": date(2026, 12, 31)}, actor=world.manager_a
    )
    with pytest.raises(DomainError):
        ex.decide_arrangement(case, {"approved": "yes"}, actor=world.officer2)
    with pytest.raises(ValidationFailed, match="理由"):
        ex.decide_arrangement(case, {"approved": "no"}, actor=world.section_head)
    ex.decide_arrangement(case, {"approved": "yes", "opinion": "同意延期"}, actor=world.section_head)
    assert a.approved and a.document_id is not None and case.payment_due == date(2026, 12, 31)
    on(date(2027, 1, 1))
    assert ex.surcharge_today(case).amount == Decimal("900.00")  # accrual starts after the new date
    assert ex.balance(case, date(2026, 12, 31)).surcharge.amount == Decimal("0.00")
    # the deferral ends before the remedy windows close: they still start the 3 months
    assert ex.enforcement_window(case)[1] == legal_time_closes_enforcement(case)


def test_long_deferral_moves_the_court_enforcement_period(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 10))
    ex.apply_arrangement(
        case, {"kind": "延期", "reason": "困难", "new_due": date(2027, 6, 30)}, actor=world.manager_a
    )
    ex.decide_arrangement(case, {"approved": "yes", "opinion": "同意"}, actor=world.leader)
    assert legal_time_closes(case) < date(2027, 6, 30)
    _opens, closes = ex.enforcement_window(case)
    assert closes == date(2027, 9, 30)  # 3 months after the deferral ended (a Thursday, a working day)


def test_refused_deferral_keeps_the_date_and_late_application_is_refused(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 10))
    ex.apply_arrangement(
        case, {"kind": "延期", "reason": "困难", "new_due": date(2026, 12, 31)}, actor=world.officer
    )
    with pytest.raises(InvalidState, match="待审批"):
        ex.apply_arrangement(
            case, {"kind": "延期", "reason": "困难", "new_due": date(2026, 12, 30)}, actor=world.manager_a
        )
    arrangement = ex.decide_arrangement(
        case, {"approved": "no", "opinion": "不符合经济困难条件"}, actor=world.leader
    )
    assert arrangement.approved is False and case.payment_due == DUE
    on(DUE + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="缴款期限已于2026年11月17日届满"):
        ex.apply_arrangement(
            case, {"kind": "延期", "reason": "困难", "new_due": date(2026, 12, 31)}, actor=world.manager_a
        )


def test_instalments_surcharge_per_overdue_instalment(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 10))
    bad = {"kind": "分期", "reason": "困难", "schedule": [["2026-11-30", "10000"], ["2026-12-31", "10000"]]}
    with pytest.raises(ValidationFailed, match="合计20000元，应等于罚款数额30000"):
        ex.apply_arrangement(case, bad, actor=world.manager_a)
    sched = [["2026-11-30", "10000"], ["2026-12-31", "20000"]]
    ex.apply_arrangement(case, {"kind": "分期", "reason": "困难", "schedule": sched}, actor=world.manager_a)
    ex.decide_arrangement(case, {"approved": "yes", "opinion": "同意分两期"}, actor=world.leader)
    assert case.payment_due == date(2026, 12, 31)
    on(date(2026, 12, 2))  # first instalment 2 days late: 3 % × 10000 × 2
    assert ex.surcharge_today(case).amount == Decimal("600.00")
    assert ex.first_overdue(case) == date(2026, 11, 30)
    pay(case, world, "10000", date(2026, 12, 2), "PJ1")
    on(date(2026, 12, 31))
    assert ex.surcharge_today(case).amount == Decimal("600.00") and ex.first_overdue(case) is None
    with pytest.raises(ValidationFailed, match="方可催告"):
        ex.issue_reminder(case, {}, actor=world.officer)
    on(date(2027, 1, 2))  # second instalment 2 days late: 3 % × 20000 × 2 more
    assert ex.surcharge_today(case).amount == Decimal("1800.00")


def test_reminder_only_after_the_due_date_and_enforcement_window(world, make_case):
    case = executing(world, make_case).case
    on(DUE)
    with pytest.raises(ValidationFailed, match="缴款期限至2026年11月17日.*2026年11月18日起"):
        ex.issue_reminder(case, {}, actor=world.officer)
    on(DUE + timedelta(days=3))
    with pytest.raises(ValidationFailed, match="应当催告"):
        ex.apply_enforcement(case, {"court": "萧县人民法院"}, actor=world.officer)
    reminder = ex.issue_reminder(case, {}, actor=world.officer)
    assert reminder.kind == "催告书"
    ex.serve_reminder(
        case, {"method": "直接送达", "served_on": clock.today(), "recipient": "李四"}, actor=world.officer
    )
    assert ex.reminder_served_on(case) == date(2026, 11, 20)
    # the remedy windows (60 days; 6 months → 2027-05-02 a Sunday in 劳动节 → next working day) close first
    remedy_closes = legal_time_closes(case)
    opens, closes = ex.enforcement_window(case)
    assert opens == remedy_closes + timedelta(days=1) and opens > date(2026, 12, 1)
    on(date(2026, 12, 1))  # 11 days after the 催告书, but the 6-month litigation window is still open
    with pytest.raises(ValidationFailed) as err:
        ex.apply_enforcement(case, {"court": "萧县人民法院"}, actor=world.officer)
    assert "2026年11月20日" in err.value.message and f"{opens:%Y年%m月%d日}" in err.value.message
    on(closes + timedelta(days=1))
    with pytest.raises(ValidationFailed, match=f"已于{closes:%Y年%m月%d日}届满"):
        ex.apply_enforcement(case, {"court": "萧县人民法院"}, actor=world.officer)
    on(opens)
    item = ex.apply_enforcement(case, {"court": "萧县人民法院"}, actor=world.officer)
    assert item.court == "萧县人民法院"
    kinds = list(db.session.scalars(select(EnforcementStep.kind).where(EnforcementStep.case_id == case.id)))
    assert kinds == ["催告书", "强制执行申请书"]


def test_enforcement_refused_within_ten_days_of_the_reminder(world, make_case):
    case = executing(world, make_case).case
    pack_closes = legal_time_closes(case)
    on(pack_closes)  # the remedy windows are about to close; the 催告 comes late
    ex.issue_reminder(case, {}, actor=world.officer)
    ex.serve_reminder(case, {"method": "直接送达", "recipient": "李四"}, actor=world.officer)
    on(pack_closes + timedelta(days=10))
    with pytest.raises(ValidationFailed) as err:
        ex.apply_enforcement(case, {"court": "萧县人民法院"}, actor=world.officer)
    opens = pack_closes + timedelta(days=11)
    assert (
        f"{pack_closes:%Y年%m月%d日}送达" in err.value.message
        and f"{opens:%Y年%m月%d日}起" in err.value.message
    )
    on(opens)
    ex.apply_enforcement(case, {"court": "萧县人民法院"}, actor=world.officer)


def legal_time_closes_enforcement(case):
    from app.cases import legal_time
    from app.cases.rules import pack_for

    return legal_time.enforcement_window(case.decision_served_on, pack_for(case.region_path, START))[1]


def legal_time_closes(case):
    from app.cases import legal_time
    from app.cases.rules import pack_for

    return legal_time.remedy_window_closes(case.decision_served_on, pack_for(case.region_path, START))


def test_revocation_withdraws_the_publication_and_ends_execution(world, make_case):
    w = executing(world, make_case)
    case = w.case
    on(date(2026, 11, 20))
    ex.file_remedy(case, {"kind": "行政复议", "body": "萧县人民政府"}, actor=world.officer)
    on(date(2026, 12, 30))  # Wednesday: 3 working days → 2027-01-05 (元旦 01-01..01-03)
    with pytest.raises(
        PermissionDenied, match="承办机构负责人"
    ):  # an ordinary officer cannot end the penalty
        ex.decide_remedy(case, {"outcome": "撤销", "ref": "萧政复决〔2026〕8号"}, actor=world.officer)
    with pytest.raises(ValidationFailed, match="文号"):
        ex.decide_remedy(case, {"outcome": "撤销"}, actor=world.section_head)
    ex.decide_remedy(case, {"outcome": "撤销", "ref": "萧政复决〔2026〕8号"}, actor=world.section_head)
    assert publication.current_for(case, "penalty_decision") is None
    row = db.session.scalar(select(Publication).where(Publication.subject_id == case.id))
    assert row.withdraw_due_on == legal_calendar.add_days(date(2026, 12, 30), 3, "working")
    assert row.withdraw_due_on == date(2027, 1, 5)
    assert case.closing_reason == "决定撤销" and w.ready == ["close_case"]
    assert gates.fines_for_same_act(case) == []
    with pytest.raises(InvalidState, match="撤销"):
        ex.issue_reminder(case, {}, actor=world.officer)


def test_change_lowers_the_fine_and_republishes(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 12))
    ex.file_remedy(case, {"kind": "行政诉讼", "body": "萧县人民法院"}, actor=world.officer)
    on(date(2026, 11, 16))
    line = case.lines[0]
    with pytest.raises(ValidationFailed, match="不得.*高于原决定"):
        ex.decide_remedy(
            case,
            {"outcome": "变更", "ref": "（2026）皖1322行初5号", "lines": [{"id": line.id, "fine": "40000"}]},
            actor=world.section_head,
        )
    remedy = ex.decide_remedy(
        case,
        {"outcome": "变更", "ref": "（2026）皖1322行初5号", "lines": [{"id": line.id, "fine": "20000"}]},
        actor=world.section_head,
    )
    assert line.decided_fine == Decimal("20000") and "30000" in remedy.note and "行初5号" in remedy.note
    rows = list(
        db.session.scalars(
            select(Publication).where(Publication.subject_id == case.id).order_by(Publication.id)
        )
    )
    assert len(rows) == 2 and rows[0].withdrawn_at is not None
    current = publication.current_for(case, "penalty_decision")
    assert current is rows[1] and "20000" in str(current.fields)
    # the decision number stays the original one
    assert "（萧）应急罚〔2026〕" in str(current.fields)
    on(DUE + timedelta(days=1))
    assert ex.balance(case).surcharge.amount == Decimal("600.00")  # 3 % of the changed fine


def test_payment_overdue_timer_through_the_tick(world, make_case):
    w = executing(world, make_case)
    case_id = w.case.id
    commit()
    assert tick_at(at(DUE, 23, 59)) == 0
    tick_at(at(DUE + timedelta(days=1), 0, 0))
    told = list(db.session.scalars(select(Notification).where(Notification.key.like("%payment_overdue%"))))
    assert {n.user_id for n in told} == {world.officer.id, world.officer2.id}
    tick_at(at(DUE + timedelta(days=2), 9))
    assert (
        len(list(db.session.scalars(select(Notification).where(Notification.key.like("%payment_overdue%")))))
        == 2
    )
    from app.cases.models import PenaltyCase

    case = db.session.get(PenaltyCase, case_id)
    assert ex.first_overdue(case) == DUE and ex.surcharge_today(case).amount == Decimal("1800.00")


def test_payment_overdue_after_deferral_does_nothing(world, make_case):
    case = executing(world, make_case).case
    on(date(2026, 11, 10))
    ex.apply_arrangement(
        case, {"kind": "延期", "reason": "困难", "new_due": date(2026, 12, 31)}, actor=world.manager_a
    )
    ex.decide_arrangement(case, {"approved": "yes", "opinion": "同意"}, actor=world.section_head)
    on(DUE + timedelta(days=1))
    assert ex.payment_overdue(case) is False
    on(date(2027, 1, 1))
    assert ex.payment_overdue(case) is True
    assert db.session.scalar(select(PaymentArrangement.new_due)) == date(2026, 12, 31)
