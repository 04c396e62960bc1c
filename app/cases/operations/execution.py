"""执行: payments at the designated bank (Art.67), 加处罚款 when overdue (Art.72, 3 % a day capped at the
principal, not accruing during 复议/诉讼, Art.73), and finishing execution (执行完毕 / 终结执行)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app import clock
from app.auth.models import User
from app.cases import legal_time
from app.cases.models import CasePayment, PaymentKind, PenaltyCase
from app.cases.operations.common import ready_task, record, require_case_officer, step
from app.cases.rules import pack_for
from app.errors import InvalidState, invalid
from app.extensions import db


@dataclass(frozen=True)
class Balance:
    principal: Decimal  # the decided fines
    paid_principal: Decimal
    surcharge: legal_time.Surcharge | None
    paid_surcharge: Decimal

    @property
    def owed(self) -> Decimal:
        due_surcharge = self.surcharge.amount if self.surcharge else Decimal(0)
        return max(Decimal(0), self.principal - self.paid_principal) + max(
            Decimal(0), due_surcharge - self.paid_surcharge
        )


def remedy_pauses(case: PenaltyCase) -> list[tuple[date, date | None]]:
    """复议 / 诉讼 periods: 加处罚款 does not accrue while they run (Art.73)."""
    return [(r.filed_on, r.outcome_on) for r in case.remedies]


def balance(case: PenaltyCase, today: date | None = None) -> Balance:
    today = today or clock.today()
    principal = sum((Decimal(ln.decided_fine or 0) for ln in case.lines), Decimal(0))
    paid = [p for p in case.payments]
    paid_principal = sum((p.amount for p in paid if p.kind != PaymentKind.SURCHARGE), Decimal(0))
    paid_surcharge = sum((p.amount for p in paid if p.kind == PaymentKind.SURCHARGE), Decimal(0))
    surcharge = None
    if case.payment_due is not None and principal > 0:
        fully_paid_on = case.paid_on if paid_principal >= principal else None
        surcharge = legal_time.surcharge(
            principal,
            case.payment_due,
            today,
            remedy_pauses(case),
            fully_paid_on,
            pack=pack_for(case.region_path, case.payment_due),
        )
    return Balance(principal, paid_principal, surcharge, paid_surcharge)


def record_payment(case: PenaltyCase, data: dict, *, actor: User) -> CasePayment:
    """A payment (date, amount, receipt number): the fine first, then the 加处罚款 accrued to that day."""
    require_case_officer(actor, case)
    if case.decided_on is None or case.decision_served_on is None:
        raise InvalidState("决定书尚未送达，不能登记缴款")
    paid_on = data.get("paid_on") or clock.today()
    if paid_on > clock.today() or paid_on < case.decided_on:
        raise invalid("paid_on", "缴款日期应在决定之后、不晚于今天")
    amount = Decimal(data.get("amount") or 0)
    if amount <= 0:
        raise invalid("amount", "请填写缴款金额")
    if not (data.get("receipt_no") or "").strip():
        raise invalid("receipt_no", "请填写缴款票据号")
    before = balance(case, paid_on)
    if amount > before.owed:
        raise invalid(
            "amount", f"缴款金额超过应缴金额{before.owed}元（罚款及截至{paid_on:%m月%d日}的加处罚款）"
        )
    owed_principal = before.principal - before.paid_principal
    kind = PaymentKind.FINE if owed_principal > 0 else PaymentKind.SURCHARGE
    if kind == PaymentKind.FINE and amount > owed_principal:
        raise invalid("amount", f"请分别登记罚款（尚欠{owed_principal}元）和加处罚款")
    payment = CasePayment(
        case=case,
        kind=kind,
        paid_on=paid_on,
        amount=amount,
        receipt_no=data["receipt_no"].strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    db.session.flush()
    if kind == PaymentKind.FINE and before.paid_principal + amount >= before.principal:
        case.paid_on = paid_on
    record(
        actor,
        "case.payment_recorded",
        case,
        f"登记缴款：{kind}{amount}元（票据号{payment.receipt_no}，{paid_on:%Y-%m-%d}）",
    )
    return payment


def finish_execution(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """执行完毕 (the fine and any 加处罚款 paid) or 终结执行 (with its reason: the party ceased to exist, the
    court ruled, the decision was revoked …)."""
    require_case_officer(actor, case)
    task = ready_task(case, task.bpmn_id if task is not None else "execute", task)
    result = data.get("execution_result")
    if result == "执行完毕":
        owed = balance(case).owed
        if owed > 0:
            raise invalid("execution_result", f"尚有{owed}元（罚款或加处罚款）未缴清，不能以执行完毕结束执行")
    elif result == "终结执行":
        if not (data.get("reason") or "").strip():
            raise invalid("reason", "请写明终结执行的理由")
    else:
        raise invalid("execution_result", "请选择执行结果")
    case.closing_reason = result
    changes = step(case, task, {}, actor=actor)
    record(
        actor,
        "case.execution_finished",
        case,
        f"{result}" + (f"：{data['reason']}" if data.get("reason") else ""),
        changes=changes,
    )


def payment_overdue(case: PenaltyCase) -> None:
    """The payment deadline passed (timer): from tomorrow 加处罚款 accrues; the officer is told to 催告."""
    from app import audit

    if case.paid_on is not None and case.payment_due is not None and case.paid_on <= case.payment_due:
        return
    audit.record(
        None,
        "case.payment_overdue",
        case,
        summary=f"缴款期限（{case.payment_due:%Y-%m-%d}）届满未缴清罚款，自次日起每日按罚款数额3%加处罚款",
    )
