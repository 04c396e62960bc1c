"""简易程序 (当场处罚, 行政处罚法 Art.51–52, 68–71) and the proposal's other endings without a case.

`decide_on_the_spot`: facts certain with a legal basis; a warning, or a fine within the pack's caps (≤ 200 元
for a person, ≤ 3000 元 for a unit: `RulePack.simple_procedure_allowed`); at least two certified officers
(Art.42); the pre-printed, numbered 当场处罚决定书 handed over, signed by the party or the refusal noted. The
decision is numbered on its own: the 当罚 document takes the agency's next serial and that number is the
case's number (there is no 立案 in this procedure, so nothing else shares the serial). 当场收缴 only for a
fine ≤ 100 元 (Art.68) or with a remote-area reason (Art.69), with the finance receipt number (Art.70); the
cash reaches the agency within 2 working days (Art.71). The process penalty_simple then asks the section
head to record the 备案 within the pack's period (5 days), and the fine's payment where one is owed.

`no_penalty_on_proposal`: 不予处罚 (轻微/首违/无过错/时效) with its education record, without a case — so that
every violation proposal ends in exactly one of 立案 / 简易处罚 / 不予处罚 / 不予立案 / 移送."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from app import audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.cases import art113, discretion, gates, legal_time, separation, signals
from app.cases.models import (
    CaseOfficer,
    CasePayment,
    CaseProposal,
    CaseStatus,
    NoPenaltyReason,
    Outcome,
    PaymentKind,
    PenaltyCase,
    PenaltyKind,
    PenaltyLine,
    Procedure,
    ProposalSource,
    ProposalStatus,
    TargetKind,
)
from app.cases.operations.common import (
    SIMPLE,
    iso_end_of,
    party_of,
    ready_task,
    record,
    step,
)
from app.cases.operations.filing import _close_proposal, _officers
from app.cases.operations.transfer import agency_of, require_no_pending_transfer
from app.cases.rules import pack_for
from app.documents import issue_document
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.org.models import Enterprise


def decide_on_the_spot(
    proposal_or_enterprise: CaseProposal | Enterprise, data: dict, *, actor: User
) -> PenaltyCase:
    """当场处罚决定. Data: officer_ids (≥ 2, the actor among them), target (单位/个人), party_name/id_number
    (a person), kinds (警告/罚款), fine, facts, provisions, act_date, violation_code (optional), party_signed
    (bool) or refusal_note, collected (当场收缴: bool), receipt_no, remote_reason, place."""
    proposal: CaseProposal | None = None
    if isinstance(proposal_or_enterprise, CaseProposal):
        proposal, enterprise = proposal_or_enterprise, proposal_or_enterprise.enterprise
    else:
        enterprise = proposal_or_enterprise
    require(
        actor.has_role(Role.OFFICER)
        and not actor.is_enterprise_user
        and in_scope(actor, enterprise.region_path, enterprise.id),
        "只有辖区执法人员可以当场作出行政处罚决定",
    )
    if proposal is not None and (proposal.status != ProposalStatus.PENDING or proposal.case is not None):
        raise InvalidState(f"该线索已处理（{proposal.status}）")
    if proposal is not None:
        require_no_pending_transfer(proposal)
    today = clock.today()
    pack = pack_for(enterprise.region_path, today)
    officers = _officers(data.get("officer_ids"))
    for u in officers:
        if not (u.has_role(Role.OFFICER) and in_scope(u, enterprise.region_path, enterprise.id)):
            raise invalid("officer_ids", f"{u.name}不是本辖区执法人员")
    gates.require_officers(officers, today)
    if actor.id not in {u.id for u in officers}:
        raise invalid("officer_ids", "作出决定的执法人员应为当场执法的人员之一")
    for key, label in (("facts", "违法事实"), ("provisions", "违反的规定和处罚依据")):
        if not (data.get(key) or "").strip():
            raise invalid(key, f"请填写{label}（违法事实确凿并有法定依据方可当场处罚）")
    act_date = data.get("act_date") or today
    if act_date > today:
        raise invalid("act_date", "违法行为日期不能晚于今天")
    target = data.get("target") or TargetKind.UNIT
    if target not in {t.value for t in TargetKind}:
        raise invalid("target", "请选择处罚对象类别")
    kinds = list(data.get("kinds") or [])
    if not kinds or any(k not in {p.value for p in PenaltyKind} for k in kinds):
        raise invalid("kinds", "请选择处罚种类")
    fine = Decimal(data.get("fine") or 0)
    if (PenaltyKind.FINE in kinds) != (fine > 0):
        raise invalid("fine", "处罚种类含罚款时应填写罚款金额，不含罚款时金额应为0")
    party: Literal["person", "unit"] = "person" if target == TargetKind.PERSON else "unit"
    if not pack.simple_procedure_allowed(party, fine, kinds):
        cap = pack.simple_cap_person if party == "person" else pack.simple_cap_unit
        raise invalid(
            "fine",
            f"简易程序只适用于警告或者对{'公民' if party == 'person' else '法人或者其他组织'}处{cap}元以下罚款"
            "（《行政处罚法》第五十一条），请按普通程序立案办理",
        )
    if target == TargetKind.PERSON and not (data.get("party_name") or "").strip():
        raise invalid("party_name", "请填写被处罚人姓名")
    signed = bool(data.get("party_signed"))
    refusal = (data.get("refusal_note") or "").strip()
    if not signed and not refusal:
        raise invalid("party_signed", "当场处罚决定书应由当事人签收；当事人拒绝签收的，应在决定书上注明")
    collected = bool(data.get("collected"))
    spot: dict = {
        "place": data.get("place"),
        "party_signed": signed,
        "refusal_note": refusal or None,
        "officers": [{"name": u.name, "cert_no": u.cert_no} for u in officers],
        "collected": collected,
    }
    if collected:
        remote = (data.get("remote_reason") or "").strip()
        if fine <= 0:
            raise invalid("collected", "警告不涉及当场收缴罚款")
        if fine > pack.on_spot_collection_cap and not remote:
            raise invalid(
                "collected",
                f"当场收缴罚款限于{pack.on_spot_collection_cap}元以下（《行政处罚法》第六十八条）；"
                "边远、水上、交通不便地区当场收缴的，请写明理由（第六十九条）",
            )
        if not (data.get("receipt_no") or "").strip():
            raise invalid("receipt_no", "当场收缴罚款应出具省级财政部门统一制发的专用票据，请填写票据号")
        spot.update(
            receipt_no=data["receipt_no"].strip(),
            remote_reason=remote or None,
            handover_due=legal_time.period_end(today, pack.cash_handover).isoformat(),
        )
    code = data.get("violation_code") or None
    version = None
    if code:
        entry = discretion.applicable_entry(code, act_date, today)
        if entry is None:
            raise invalid("violation_code", "违法行为库中没有该条目")
        version = str(entry.version)
    party_name = (data.get("party_name") or enterprise.name).strip()
    case = PenaltyCase(
        procedure=Procedure.SIMPLE,
        proposal=proposal,
        agency_id=agency_of(actor).id,
        region_path=enterprise.region_path,
        enterprise_id=enterprise.id,
        name=f"{party_name}{data.get('case_name') or '当场处罚'}"[:200],
        source=proposal.source if proposal is not None else ProposalSource.INSPECTION,
        facts=data["facts"].strip(),
        provisions=data["provisions"].strip(),
        act_date=act_date,
        submitted_on=today,
        status=CaseStatus.SIMPLE_FILING,
        outcome=Outcome.PENALTY,
        violation_code=code,
        violation_version=version,
        created_by_id=actor.id,
        on_the_spot=spot,
    )
    case.officers = [
        CaseOfficer(user_id=u.id, lead=(u.id == actor.id), cert_no=u.cert_no or "") for u in officers
    ]
    gates.record_handlers(case)
    case.lines = [
        PenaltyLine(
            target=target,
            party_name=party_name,
            id_number=data.get("id_number")
            or (enterprise.credit_code if target == TargetKind.UNIT else None),
            violation_code=code,
            proposed_kinds=kinds,
            proposed_fine=fine,
            notified_kinds=kinds,
            notified_fine=fine,
            decided_kinds=kinds,
            decided_fine=fine,
        )
    ]
    db.session.add(case)
    db.session.flush()
    gates.require_no_double_fine(case)
    gates.require_within_limitation(case, today)
    doc = issue_document(
        "simple_decision",
        agency=case.agency,
        subject=case,
        actor=actor,
        title=f"行政（当场）处罚决定书（{party_name}）",
        content={
            "party": party_of(case),
            "party_name": party_name,
            "target": target,
            "facts": case.facts,
            "provisions": case.provisions,
            "kinds": kinds,
            "fine": str(fine),
            "payment": "当场收缴"
            if collected
            else "自收到本决定书之日起十五日内到指定银行或者通过电子支付系统缴纳",
            "remedy": "如不服本决定，可以在收到本决定书之日起六十日内申请行政复议，或者六个月内提起行政诉讼",
            **spot,
        },
    )
    case.case_no, case.serial, case.year = doc.number.text, doc.number.serial, doc.number.year
    case.decided_on = case.decision_served_on = today
    case.decided_by_id = actor.id
    step_data: dict = {"to_execute": False}
    if collected:
        db.session.add(
            CasePayment(
                case=case,
                kind=PaymentKind.ON_THE_SPOT,
                paid_on=today,
                amount=fine,
                receipt_no=spot["receipt_no"],
                recorded_by_id=actor.id,
            )
        )
        case.paid_on = today
    elif fine > 0:
        case.payment_due = legal_time.payment_due(today, pack)
        step_data.update(
            to_execute=True,
            payment_due=case.payment_due.isoformat(),
            payment_due_at=iso_end_of(case.payment_due),
        )
    filing_due = legal_time.simple_filing_due(today, pack)
    step_data.update(filing_due=filing_due.isoformat(), filing_due_at=iso_end_of(filing_due))
    if proposal is not None:
        _close_proposal(proposal, ProposalStatus.SIMPLE, actor, case_no=case.case_no)
    workflow.start(
        SIMPLE,
        subject=case,
        title=f"{case.case_no} {case.name}"[:200],
        region_path=case.region_path,
        enterprise_id=case.enterprise_id,
        actor=actor,
        data=step_data,
    )
    separation.escalate(case)
    record(
        actor,
        "case.simple_decided",
        case,
        f"当场作出行政处罚决定{case.case_no}：{'、'.join(kinds)}"
        + (f"{fine}元" if fine > 0 else "")
        + ("，当场收缴" if collected else "")
        + ("" if signed else f"，当事人拒绝签收（{refusal}）"),
    )
    art113.after_decision(case, actor=actor)
    signals.decision_made.send(case)  # credit: a proposal when the violation carries a 列入情形
    return case


def file_simple(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """当场处罚备案 (Art.52): the section head records the filing; where the fine was collected on the spot,
    the day the cash reached the agency (Art.71: within 2 working days)."""
    separation.require_section_review(case, actor, "file_simple", task)
    task = ready_task(case, "file_simple", task)
    today = clock.today()
    spot = dict(case.on_the_spot or {})
    if spot.get("collected"):
        handed = data.get("cash_handed_on")
        if handed is None:
            raise invalid("cash_handed_on", "当场收缴的罚款应交至行政机关，请填写上交日期")
        if handed > today or (case.decided_on and handed < case.decided_on):
            raise invalid("cash_handed_on", "上交日期应在决定之后、不晚于今天")
        spot["cash_handed_on"] = handed.isoformat()
        spot["cash_late"] = handed.isoformat() > spot["handover_due"]
    spot.update(filed_on=today.isoformat(), filed_by=actor.name, filing_opinion=data.get("opinion"))
    case.on_the_spot = spot
    changes = step(case, task, {}, actor=actor)
    late = " （当场收缴的罚款逾期上交）" if spot.get("cash_late") else ""
    record(actor, "case.simple_filed", case, f"当场处罚决定{case.case_no}已备案{late}", changes=changes)


def no_penalty_on_proposal(proposal: CaseProposal, data: dict, *, actor: User) -> CaseProposal:
    """不予处罚 without a case (Art.33, 36): the reason code (轻微/首违/无过错/时效), why, and the education record
    (Art.33 ¶3); a section head or leader of the jurisdiction decides; a hazard referral is answered."""
    require(
        actor.has_role(Role.SECTION_HEAD, Role.LEADER)
        and not actor.is_enterprise_user
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区承办机构负责人或负责人可以决定不予处罚",
    )
    if proposal.status != ProposalStatus.PENDING or proposal.case is not None:
        raise InvalidState(f"该线索已处理（{proposal.status}）")
    separation.require_not_own_lead(proposal, actor, "不予处罚")
    require_no_pending_transfer(proposal)
    code = data.get("no_penalty_reason")
    if code not in {r.value for r in NoPenaltyReason}:
        raise invalid("no_penalty_reason", "请选择不予处罚的理由（轻微/首违/无过错/时效）")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise invalid("reason", "请写明不予处罚的事实和依据")
    education = (data.get("education") or "").strip()
    if not education:
        raise invalid(
            "education", "不予行政处罚的，应当对当事人进行教育（《行政处罚法》第三十三条），请记录教育情况"
        )
    text = f"{code}：{reason}；教育情况：{education}"
    _close_proposal(proposal, ProposalStatus.NO_PENALTY, actor, reason=text)
    audit.record(
        actor,
        "case.proposal_no_penalty",
        proposal,
        summary=f"不予处罚（{code}）：{reason}",
        data={"no_penalty_reason": code, "education": education},
    )
    return proposal


def execute_simple(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """罚款缴纳 of a simplified case: the same 执行完毕 / 终结执行 as the ordinary procedure
    (execution.finish_execution), on the READY execute_simple task."""
    from app.cases.operations.execution import finish_execution

    finish_execution(case, data, actor=actor, task=ready_task(case, "execute_simple", task))
