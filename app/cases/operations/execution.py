"""执行: payments at the designated bank (Art.67), 延期/分期缴纳 (Art.66), 加处罚款 when overdue (Art.72, 3 % a
day capped at the principal, not accruing during 复议/诉讼, Art.73), 复议/诉讼 and their outcomes (Art.48: an
overturned or changed decision's publication is withdrawn within 3 working days), the 催告书 and the
强制执行申请书 (行政强制法 Art.53–54), and finishing execution (执行完毕 / 终结执行).

Rules decided here (documented because the statutes leave them to practice):

- 延期/分期 (Art.66): the party (the enterprise account, on its own case) or a case officer records the
  application, no later than the payment deadline in force; a 承办机构负责人 or 负责人 approves or refuses it.
  Approval issues the 延期（分期）缴纳罚款批准书 and moves `case.payment_due` (分期: to the last instalment),
  so the 加处罚款 starts after the new date, and the 3-month period for applying to the court starts when the
  deferral ends (spec §1.7), if that is later than the close of the 复议/诉讼 windows.
- 分期: the schedule's amounts sum to the whole principal; principal payments are applied to the instalments
  in date order. Each instalment not paid in full by its date is an overdue fine of its own: 3 % a day of
  that instalment's amount accrues from the day after its date until the day it is paid in full (the day of
  payment counts, as for a single due date), paused during 复议/诉讼; the sum never exceeds the principal.
  With one instalment this is exactly the single-due-date rule.
- Partial payments do not lower the daily base (Art.72 counts "罚款数额"); the surcharge stops on the day the
  principal (or the instalment) is paid in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import gates, legal_time, linked, money, signals
from app.cases.models import (
    CasePayment,
    CaseRemedy,
    EnforcementStep,
    PaymentArrangement,
    PaymentKind,
    PenaltyCase,
    RemedyKind,
)
from app.cases.operations.common import (
    case_document,
    lock_case,
    ready_ids,
    ready_task,
    record,
    require_case_officer,
    require_role,
    step,
)
from app.cases.operations.decision import decision_document
from app.cases.rules import pack_for
from app.errors import InvalidState, invalid, require
from app.extensions import db

DEFERRAL = "延期"
INSTALMENTS = "分期"
REMEDY_OUTCOMES = ("维持", "变更", "撤销", "确认违法", "驳回")
WITHDRAWING_OUTCOMES = ("变更", "撤销", "确认违法")  # Art.48: 变更、撤销、确认违法或者确认无效
REMINDER = "催告书"
ENFORCEMENT = "强制执行申请书"
REVOKED = "决定撤销"  # closing_reason of a case whose decision was revoked (gates.fines_for_same_act)


NIL = Decimal("0.00")  # nothing owed, in yuan and fen like every amount shown (“尚欠 0.00 元”, not “0 元”)


@dataclass(frozen=True)
class Balance:
    principal: Decimal  # the decided fines
    paid_principal: Decimal
    surcharge: legal_time.Surcharge | None
    paid_surcharge: Decimal
    principal_paid_on: date | None = None  # the day the fines were paid in full: the 加处罚款 stops there

    @property
    def owed(self) -> Decimal:
        due_surcharge = self.surcharge.amount if self.surcharge else NIL
        return max(NIL, self.principal - self.paid_principal) + max(NIL, due_surcharge - self.paid_surcharge)

    @property
    def owed_principal(self) -> Decimal:
        return max(NIL, self.principal - self.paid_principal)


def remedy_pauses(case: PenaltyCase) -> list[tuple[date, date | None]]:
    """复议 / 诉讼 periods: 加处罚款 does not accrue while they run (Art.73). The filing day does not accrue,
    the outcome day accrues again (LegalClock's pause convention); an undecided remedy pauses until today."""
    return [(r.filed_on, r.outcome_on) for r in case.remedies]


def principal_of(case: PenaltyCase) -> Decimal:
    """The fines decided, with the unit's 按日连续处罚 (Art.112) where the case has one (app.cases.linked)."""
    return sum((linked.line_total(ln) for ln in case.lines), Decimal(0))


def current_arrangement(case: PenaltyCase) -> PaymentArrangement | None:
    """The last approved 延期/分期 arrangement (it replaces any earlier one)."""
    approved = [a for a in case.arrangements if a.approved]
    return approved[-1] if approved else None


def instalments(case: PenaltyCase) -> list[tuple[date, Decimal]]:
    """(due date, amount) tranches of the principal: one at case.payment_due, or the approved 分期 schedule."""
    principal = principal_of(case)
    arrangement = current_arrangement(case)
    if arrangement is not None and arrangement.kind == INSTALMENTS and arrangement.schedule:
        rows = sorted((date.fromisoformat(d), Decimal(str(a))) for d, a in arrangement.schedule)
        if sum(a for _d, a in rows) == principal:
            return rows
    assert case.payment_due is not None
    return [(case.payment_due, principal)]


def _paid_in_full_on(case: PenaltyCase, threshold: Decimal, until: date) -> date | None:
    """The day the principal payments (in date order, up to `until`) first reached `threshold`."""
    total = Decimal(0)
    for p in sorted(case.payments, key=lambda p: (p.paid_on, p.id or 0)):
        if p.kind == PaymentKind.SURCHARGE or p.paid_on > until:
            continue
        total += p.amount
        if total >= threshold:
            return p.paid_on
    return None


def first_overdue(case: PenaltyCase, today: date | None = None) -> date | None:
    """The due date of the earliest instalment (or the single deadline) still unpaid after it passed."""
    today = today or clock.today()
    if case.payment_due is None or principal_of(case) <= 0:
        return None
    covered = Decimal(0)
    for due_on, amount in instalments(case):
        covered += amount
        if today > due_on and _paid_in_full_on(case, covered, today) is None:
            return due_on
    return None


def balance(case: PenaltyCase, today: date | None = None) -> Balance:
    """What the party owes on `today` (default: today): the principal, what was paid, and the 加处罚款 to
    the day (see the module docstring for 分期 and partial payments)."""
    today = today or clock.today()
    principal = principal_of(case)
    paid = [p for p in case.payments if p.paid_on <= today]
    paid_principal = sum((p.amount for p in paid if p.kind != PaymentKind.SURCHARGE), Decimal(0))
    paid_surcharge = sum((p.amount for p in paid if p.kind == PaymentKind.SURCHARGE), Decimal(0))
    surcharge = None
    if case.payment_due is not None and principal > 0:
        pack = pack_for(case.region_path, case.payment_due)
        pauses = remedy_pauses(case)
        parts = []
        covered = Decimal(0)
        for due_on, amount in instalments(case):
            covered += amount
            parts.append(
                legal_time.surcharge(
                    amount, due_on, today, pauses, _paid_in_full_on(case, covered, today), pack=pack
                )
            )
        if len(parts) == 1:
            surcharge = parts[0]
        else:
            raw = sum((s.amount for s in parts), Decimal(0))
            surcharge = legal_time.Surcharge(
                days=max(s.days for s in parts),
                amount=min(raw, principal),
                capped=raw >= principal,
                accrual_from=min(s.accrual_from for s in parts),
                paused_days=max(s.paused_days for s in parts),
            )
    paid_on = _paid_in_full_on(case, principal, today) if principal > 0 else None
    return Balance(principal, paid_principal, surcharge, paid_surcharge, paid_on)


def surcharge_today(case: PenaltyCase) -> legal_time.Surcharge | None:
    """加处罚款 as of today, to the day (for the case page and the task facts); None when nothing is payable."""
    return balance(case, clock.today()).surcharge


def _require_payable(case: PenaltyCase) -> None:
    if case.decided_on is None or case.decision_served_on is None or case.payment_due is None:
        raise InvalidState("决定书尚未送达或没有罚款，不能办理缴款事项")
    if case.closing_reason == REVOKED:
        raise InvalidState("处罚决定已被撤销，执行已终结")


def record_payment(case: PenaltyCase, data: dict, *, actor: User) -> CasePayment:
    """A payment (date, amount, receipt number): the fine first, then the 加处罚款 accrued to that day."""
    require_case_officer(actor, case)
    lock_case(case, reread=True)  # two payments at once: the second reads the first's balance
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
    owed_principal = before.owed_principal
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
    if kind == PaymentKind.FINE:
        case.paid_on = _paid_in_full_on(case, before.principal, clock.today())
    record(
        actor,
        "case.payment_recorded",
        case,
        f"登记缴款：{kind}{amount}元（票据号{payment.receipt_no}，{paid_on:%Y-%m-%d}）",
    )
    return payment


# ---- 延期 / 分期缴纳 (Art.66) --------------------------------------------------------------------------------


def _require_party_or_officer(actor: User, case: PenaltyCase) -> str:
    """The party's own enterprise account, or the case's officers (and the section head): returns the channel."""
    if actor.is_enterprise_user:
        require(actor.enterprise_id == case.enterprise_id, "只能为本企业的案件提出申请")
        return "企业在线"
    require_case_officer(actor, case)
    return "执法人员记录"


def _schedule(rows, principal: Decimal, after: date) -> list[tuple[date, Decimal]]:
    parsed: list[tuple[date, Decimal]] = []
    for i, row in enumerate(rows or [], 1):
        on, amount = (row.get("date"), row.get("amount")) if isinstance(row, dict) else row
        try:
            on = on if isinstance(on, date) else date.fromisoformat(str(on))
            amount = Decimal(str(amount))
        except (TypeError, ValueError, ArithmeticError):
            raise invalid("schedule", f"第{i}期：请填写缴款日期和金额") from None
        if amount <= 0:
            raise invalid("schedule", f"第{i}期：金额应大于0")
        if on <= after:
            raise invalid("schedule", f"第{i}期：缴款日期应晚于{after:%Y年%m月%d日}")
        parsed.append((on, amount))
    if len(parsed) < 2:
        raise invalid("schedule", "分期缴纳应至少分两期")
    dates = [d for d, _a in parsed]
    if dates != sorted(dates) or len(set(dates)) != len(dates):
        raise invalid("schedule", "各期缴款日期应逐期推后")
    total = sum((a for _d, a in parsed), Decimal(0))
    if total != principal:
        raise invalid("schedule", f"各期金额合计{total}元，应等于罚款数额{principal}元")
    return parsed


def apply_arrangement(case: PenaltyCase, data: dict, *, actor: User) -> PaymentArrangement:
    """延期/分期缴纳罚款的申请 (Art.66): kind 延期 (new_due) or 分期 (schedule [[date, amount], …] summing to the
    principal), with the reason; made no later than the payment deadline in force."""
    channel = _require_party_or_officer(actor, case)
    lock_case(case, reread=True)  # one application at a time (the pending check below)
    _require_payable(case)
    assert case.payment_due is not None
    today = clock.today()
    if any(a.approved is None for a in case.arrangements):
        raise InvalidState("已有待审批的延期（分期）缴纳申请")
    if balance(case, today).owed_principal <= 0:
        raise InvalidState("罚款已缴清，无需申请延期或分期缴纳")
    if today > case.payment_due:
        raise invalid(
            "kind",
            f"缴款期限已于{case.payment_due:%Y年%m月%d日}届满，延期（分期）缴纳应在缴款期限内申请",
        )
    kind = data.get("kind")
    if kind not in (DEFERRAL, INSTALMENTS):
        raise invalid("kind", "请选择延期缴纳或分期缴纳")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise invalid("reason", "请写明确有经济困难的情况")
    schedule: list[list[str]] = []
    if kind == DEFERRAL:
        new_due = data.get("new_due")
        if not isinstance(new_due, date) or new_due <= case.payment_due:
            raise invalid("new_due", f"延期后的缴款期限应晚于现缴款期限{case.payment_due:%Y年%m月%d日}")
    else:
        rows = _schedule(data.get("schedule"), principal_of(case), today)
        schedule = [[d.isoformat(), str(a)] for d, a in rows]
        new_due = rows[-1][0]
    arrangement = PaymentArrangement(
        case=case, kind=kind, applied_on=today, reason=reason, schedule=schedule, new_due=new_due
    )
    db.session.add(arrangement)
    db.session.flush()
    record(
        actor,
        "case.arrangement_applied",
        case,
        f"申请{kind}缴纳罚款（{channel}），申请期限至{arrangement.new_due:%Y年%m月%d日}：{reason}",
        data={"arrangement_id": arrangement.id},
    )
    return arrangement


def decide_arrangement(case: PenaltyCase, data: dict, *, actor: User) -> PaymentArrangement:
    """承办机构负责人或负责人 approves (the 延期（分期）缴纳罚款批准书; the payment deadline moves) or refuses it."""
    require_role(
        actor, case, Role.SECTION_HEAD, Role.LEADER, message="延期（分期）缴纳由承办机构负责人或负责人审批"
    )
    gates.require_not_handling(case, actor)
    lock_case(case, reread=True)  # one decision at a time (the pending check below)
    pending = [a for a in case.arrangements if a.approved is None]
    if not pending:
        raise InvalidState("没有待审批的延期（分期）缴纳申请")
    arrangement = pending[-1]
    decision = data.get("approved")
    if decision not in ("yes", "no", True, False):
        raise invalid("approved", "请选择是否批准")
    approved = decision in ("yes", True)
    opinion = (data.get("opinion") or "").strip()
    if not approved and not opinion:
        raise invalid("opinion", "不予批准的，请写明理由")
    today = clock.today()
    arrangement.approved, arrangement.decided_by_id, arrangement.decided_on = approved, actor.id, today
    if approved:
        old_due = case.payment_due
        doc = case_document(
            case,
            "payment_arrangement",
            {
                "kind": arrangement.kind,
                "reason": arrangement.reason,
                "principal": str(principal_of(case)),
                "old_due": old_due.isoformat() if old_due else None,
                "new_due": arrangement.new_due.isoformat() if arrangement.new_due else None,
                "schedule": arrangement.schedule,
                "opinion": opinion,
                "surcharge": "逾期不缴纳的，自逾期之日起每日按逾期未缴部分的罚款数额3%加处罚款",
            },
            actor=actor,
        )
        arrangement.document_id = doc.id
        case.payment_due = arrangement.new_due
        summary = (
            f"批准{arrangement.kind}缴纳罚款（{doc.number.text}），缴款期限由{old_due:%Y年%m月%d日}"
            f"改为{case.payment_due:%Y年%m月%d日}"
        )
    else:
        summary = f"不批准{arrangement.kind}缴纳罚款：{opinion}"
    record(actor, "case.arrangement_decided", case, summary, data={"arrangement_id": arrangement.id})
    return arrangement


# ---- 复议 / 诉讼 ----------------------------------------------------------------------------------------


def file_remedy(case: PenaltyCase, data: dict, *, actor: User) -> CaseRemedy:
    """The party applied for 复议 or sued (kind, body, filed_on): 加处罚款 stops accruing from that day."""
    require_case_officer(actor, case)
    if case.decided_on is None or case.decision_served_on is None:
        raise InvalidState("决定书尚未送达，不能登记复议或诉讼")
    kind = data.get("kind")
    if kind not in {k.value for k in RemedyKind}:
        raise invalid("kind", "请选择行政复议或行政诉讼")
    body = (data.get("body") or "").strip()
    if not body:
        raise invalid("body", "请填写复议机关或受理法院")
    filed_on = data.get("filed_on") or clock.today()
    if filed_on > clock.today() or filed_on < case.decision_served_on:
        raise invalid("filed_on", "申请（起诉）日期应在决定书送达之后、不晚于今天")
    running = [r for r in case.remedies if r.outcome is None]
    if running:
        raise InvalidState(f"{running[0].kind}（{running[0].body}）尚未审结，请先登记其结果")
    remedy = CaseRemedy(
        case=case, kind=kind, body=body, filed_on=filed_on, note=data.get("note"), recorded_by_id=actor.id
    )
    db.session.add(remedy)
    db.session.flush()
    record(
        actor,
        "case.remedy_filed",
        case,
        f"当事人{'申请' if kind == RemedyKind.RECONSIDERATION else '提起'}{kind}（{body}，{filed_on:%Y-%m-%d}），"
        "期间不加处罚款",
        data={"remedy_id": remedy.id},
    )
    return remedy


def decide_remedy(case: PenaltyCase, data: dict, *, actor: User) -> CaseRemedy:
    """The outcome of the running 复议/诉讼 (维持/变更/撤销/确认违法/驳回, outcome_on, the 复议决定书/判决书 ref).

    变更: `lines` = [{"id": line id, "fine": new amount}] (never heavier: 禁止不利变更); the decided lines take
    the new amounts (the original decision number stays; the changing document's ref is recorded), the
    publication is withdrawn within 3 working days and republished. 撤销: withdrawn, and execution ends
    (终结执行, closing reason 决定撤销). 确认违法: withdrawn (Art.48); execution continues."""
    require_case_officer(actor, case)
    running = [r for r in case.remedies if r.outcome is None]
    if not running:
        raise InvalidState("没有尚未审结的复议或诉讼")
    remedy = running[-1]
    outcome = data.get("outcome")
    if outcome not in REMEDY_OUTCOMES:
        raise invalid("outcome", "请选择复议（诉讼）结果")
    outcome_on = data.get("outcome_on") or clock.today()
    if outcome_on > clock.today() or outcome_on < remedy.filed_on:
        raise invalid("outcome_on", f"结果日期应在{remedy.filed_on:%Y年%m月%d日}之后、不晚于今天")
    ref = (data.get("ref") or "").strip()
    if outcome in WITHDRAWING_OUTCOMES:
        # lowering or ending a decided penalty and withdrawing its publication: the 承办机构负责人 records it,
        # with the 复议决定书 / judgment it rests on — never an ordinary officer alone
        require(
            actor.has_role(Role.SECTION_HEAD),
            "复议、诉讼变更、撤销或确认原处罚决定违法的结果，由承办机构负责人登记",
        )
        if not ref:
            raise invalid("ref", "请填写复议决定书或裁判文书文号")
    changes: list[str] = []
    if outcome == "变更":
        changes = _change_lines(case, data.get("lines") or [])
    remedy.outcome, remedy.outcome_on = outcome, outcome_on
    remedy.note = "；".join(x for x in [remedy.note, f"{outcome}（{ref}）" if ref else None, *changes] if x)
    if outcome in WITHDRAWING_OUTCOMES:
        _withdraw(case, f"处罚决定经{remedy.kind}{outcome}（{ref}）", outcome_on, actor)
        signals.decision_overturned.send(case, outcome=outcome, actor=actor)  # credit: listings withdrawn
    if outcome == "变更":
        from app.cases.publicity import publish

        pack = pack_for(case.region_path, outcome_on)
        publish(case, due_on=legal_time.publication_due(outcome_on, pack), actor=actor)
        if principal_of(case) <= Decimal(0):
            case.paid_on = case.paid_on or outcome_on
        else:
            case.paid_on = _paid_in_full_on(case, principal_of(case), clock.today())
    record(
        actor,
        "case.remedy_decided",
        case,
        f"{remedy.kind}结果：{outcome}（{outcome_on:%Y-%m-%d}{'，' + ref if ref else ''}）"
        + ("；" + "；".join(changes) if changes else ""),
        data={"remedy_id": remedy.id},
    )
    if outcome == "撤销":
        _end_revoked(case, remedy, ref, actor)
    return remedy


def _change_lines(case: PenaltyCase, rows: list[dict]) -> list[str]:
    by_id = {ln.id: ln for ln in case.lines}
    if not rows:
        raise invalid("lines", "变更的，请填写变更后的罚款数额")
    changes = []
    for row in rows:
        line = by_id.get(int(row.get("id") or 0))
        if line is None:
            raise invalid("lines", "请选择本案的处罚对象")
        try:
            fine = Decimal(str(row.get("fine")))
        except ArithmeticError:
            raise invalid("lines", f"{line.party_name}：请填写变更后的罚款数额") from None
        old = Decimal(line.decided_fine or 0)
        if fine < 0 or fine > old:
            raise invalid("lines", f"{line.party_name}：变更后的罚款不得为负，也不得高于原决定的{old}元")
        line.decided_fine = fine
        if fine == 0 and line.decided_kinds and "罚款" in line.decided_kinds:
            line.decided_kinds = [k for k in line.decided_kinds if k != "罚款"] or ["警告"]
        changes.append(f"{line.party_name}罚款由{old}元变更为{fine}元")
    return changes


def _withdraw(case: PenaltyCase, reason: str, changed_on: date, actor: User) -> None:
    from app.cases.publicity import withdraw

    pack = pack_for(case.region_path, changed_on)
    withdraw(case, reason, actor=actor, due_on=legal_time.withdrawal_due(changed_on, pack))


def _end_revoked(case: PenaltyCase, remedy: CaseRemedy, ref: str, actor: User) -> None:
    """撤销: execution ends (终结执行) with the closing reason 决定撤销 (no longer a fine for 一事不二罚)."""
    case.closing_reason = REVOKED
    if "execute" in ready_ids(case):
        task = ready_task(case, "execute")
        changes = step(case, task, {"execution_result": "终结执行"}, actor=actor)
        record(
            actor,
            "case.execution_finished",
            case,
            f"终结执行：处罚决定经{remedy.kind}撤销（{ref}）",
            changes=changes,
        )


# ---- 催告 and 强制执行申请 (行政强制法 Art.53–54) --------------------------------------------------------------


def _steps(case: PenaltyCase, kind: str) -> list[EnforcementStep]:
    return [s for s in case.enforcement_steps if s.kind == kind]


def reminder_served_on(case: PenaltyCase) -> date | None:
    """When the (latest served) 催告书 took effect: its 送达回执 (notice.record_service)."""
    docs = {s.document_id for s in _steps(case, REMINDER)}
    served = [s.effective_on for s in case.services if s.document_id in docs]
    return max(served) if served else None


def enforcement_window(case: PenaltyCase) -> tuple[date | None, date]:
    """(opens_on, closes_on) of the court application for this case: legal_time.enforcement_window from the
    decision's service and the 催告书's; an approved deferral moves the start of the 3 months to the day it
    ends when that is later (spec §1.7)."""
    assert case.decision_served_on is not None
    pack = pack_for(case.region_path, case.decision_served_on)
    dunning = reminder_served_on(case)
    opens, closes = legal_time.enforcement_window(case.decision_served_on, pack, dunning_served_on=dunning)
    arrangement = current_arrangement(case)
    remedy_closes = legal_time.remedy_window_closes(case.decision_served_on, pack)
    if arrangement is not None and arrangement.new_due is not None and arrangement.new_due > remedy_closes:
        closes = legal_time.period_end(arrangement.new_due, pack.enforcement_application)
        if opens is not None:
            opens = max(opens, arrangement.new_due + timedelta(days=1))
    return opens, closes


def issue_reminder(case: PenaltyCase, data: dict, *, actor: User) -> EnforcementStep:
    """罚款缴纳催告书 (行政强制法 Art.35, 54): only after the payment deadline passed unpaid. Serve it with
    notice.record_service (its 送达回执 starts the 10 days before the court application)."""
    require_case_officer(actor, case)
    _require_payable(case)
    assert case.payment_due is not None
    today = clock.today()
    overdue_since = first_overdue(case, today)
    if overdue_since is None:
        next_due = min((d for d, _a in instalments(case) if d >= today), default=case.payment_due)
        raise invalid(
            "kind",
            f"缴款期限至{next_due:%Y年%m月%d日}，期限届满（{next_due + timedelta(days=1):%Y年%m月%d日}起）"
            "仍未缴纳的，方可催告",
        )
    b = balance(case, today)
    if b.owed <= 0:
        raise InvalidState("罚款及加处罚款已缴清，无需催告")
    surcharge = b.surcharge
    pack = pack_for(case.region_path, today)
    doc = case_document(
        case,
        "payment_reminder",
        {
            "payment_due": overdue_since.isoformat(),
            "principal": str(b.principal),
            "paid": str(b.paid_principal),
            "owed_principal": str(b.owed_principal),
            "surcharge": str(surcharge.amount if surcharge else 0),
            "surcharge_days": surcharge.days if surcharge else 0,
            "as_of": today.isoformat(),
            "perform_within_days": pack.dunning_wait.n,
            "rights": "当事人收到催告书后有权进行陈述和申辩（《行政强制法》第三十五条、第三十六条）。",
            "decision_no": decision_document(case).number.text,
            "owed_capital": money.capital(b.owed),
        },
        actor=actor,
    )
    item = EnforcementStep(
        case=case, kind=REMINDER, document_id=doc.id, done_on=today, recorded_by_id=actor.id
    )
    db.session.add(item)
    db.session.flush()
    record(
        actor,
        "case.payment_reminded",
        case,
        f"制发罚款缴纳催告书{doc.number.text}：尚欠罚款{b.owed_principal}元，加处罚款"
        f"{surcharge.amount if surcharge else 0}元（截至{today:%Y-%m-%d}）",
    )
    return item


def serve_reminder(case: PenaltyCase, data: dict, *, actor: User):
    """送达 the latest 催告书 (a 送达回执 through notice.record_service)."""
    from app.cases.operations.notice import record_service
    from app.documents.models import OfficialDocument

    reminders = _steps(case, REMINDER)
    if not reminders:
        raise InvalidState("尚未制发催告书")
    doc = db.session.get(OfficialDocument, reminders[-1].document_id)
    assert doc is not None
    return record_service(case, doc, data, actor=actor)


def apply_enforcement(case: PenaltyCase, data: dict, *, actor: User) -> EnforcementStep:
    """强制执行申请书 to the people's court: only when enforcement_window(case) is open — the 催告书 served
    ≥ 10 days ago and still unpaid, the 复议/诉讼 windows closed, and within 3 months after."""
    require_case_officer(actor, case)
    _require_payable(case)
    court = (data.get("court") or "").strip()
    if not court:
        raise invalid("court", "请填写申请执行的人民法院")
    today = clock.today()
    b = balance(case, today)
    if b.owed <= 0:
        raise InvalidState("罚款及加处罚款已缴清，无需申请强制执行")
    if any(r.outcome is None for r in case.remedies):
        raise invalid("court", "复议或诉讼尚未审结，暂不能申请强制执行")
    served = reminder_served_on(case)
    if served is None:
        raise invalid("court", "申请强制执行前应当催告：请先制发并送达罚款缴纳催告书")
    opens, closes = enforcement_window(case)
    assert opens is not None
    if today < opens:
        raise invalid(
            "court",
            f"催告书于{served:%Y年%m月%d日}送达；自{opens:%Y年%m月%d日}起（催告书送达满10日且复议、诉讼期限届满后）"
            "方可申请强制执行",
        )
    if today > closes:
        raise invalid("court", f"申请人民法院强制执行的期限已于{closes:%Y年%m月%d日}届满")
    doc = case_document(
        case,
        "enforcement_application",
        {
            "court": court,
            "principal": str(b.principal),
            "owed_principal": str(b.owed_principal),
            "surcharge": str(b.surcharge.amount if b.surcharge else 0),
            "as_of": today.isoformat(),
            "reminder_served_on": served.isoformat(),
            "decision_served_on": case.decision_served_on.isoformat() if case.decision_served_on else None,
        },
        actor=actor,
    )
    item = EnforcementStep(
        case=case,
        kind=ENFORCEMENT,
        document_id=doc.id,
        done_on=today,
        court=court,
        recorded_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    record(actor, "case.enforcement_applied", case, f"向{court}申请强制执行（{doc.number.text}）")
    signals.execution_refused.send(case)  # credit: 有执行能力拒不执行 (列入情形第8项) is proposed
    return item


# ---- 执行完毕 / 终结执行 ---------------------------------------------------------------------------------------


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


def payment_overdue(case: PenaltyCase) -> bool:
    """The payment deadline timer fired: True (and recorded) when the principal is really overdue today. The
    timer reads the deadline once, at service; an approved 延期/分期 moves case.payment_due later, so a timer
    firing before the new date does nothing here."""
    from app import audit

    today = clock.today()
    if case.closing_reason == REVOKED:
        return False
    due = first_overdue(case, today)
    if due is None:
        return False
    audit.record(
        None,
        "case.payment_overdue",
        case,
        summary=f"缴款期限（{due:%Y-%m-%d}）届满未缴清罚款，自次日起每日按罚款数额3%加处罚款",
    )
    return True
