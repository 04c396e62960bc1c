"""涉嫌犯罪案件移送 (行政处罚法 Art.8, 27, 57(四), 82; 国务院令第310号): ≥ 2 officers report, the agency's
正职负责人 decides within 3 days, the case goes to the public security organ within 24 hours with a copy to
the procuratorate (案件移送审批表, 涉嫌犯罪案件移送书). A refusal sends the case back to the 承办机构负责人."""

from __future__ import annotations

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import legal_time
from app.cases.models import CaseTransfer, PenaltyCase
from app.cases.operations.common import (
    case_document,
    ready_task,
    record,
    require_case_officer,
    require_role,
    step,
)
from app.cases.rules import pack_for
from app.errors import InvalidState, invalid
from app.extensions import db


def current_transfer(case: PenaltyCase) -> CaseTransfer | None:
    return db.session.query(CaseTransfer).filter_by(case_id=case.id).order_by(CaseTransfer.id.desc()).first()


def report_transfer(case: PenaltyCase, data: dict, *, actor: User) -> CaseTransfer:
    """The report of ≥ 2 officers: suspected crime, reasons, the evidence list (part of the 调查终结报告 when
    the outcome is 移送; the officers named must be case officers with valid certificates)."""
    require_case_officer(actor, case)
    reporters = [o for o in case.officers if o.user.cert_valid_on(clock.today())]
    if len(reporters) < 2:
        raise invalid("outcome", "移送须由两名以上持有效执法证的执法人员提出报告")
    for key, label in (("suspected_crime", "涉嫌罪名"), ("transfer_reasons", "移送理由")):
        if not (data.get(key) or "").strip():
            raise invalid(key, f"请填写{label}")
    transfer = CaseTransfer(
        case_id=case.id,
        region_path=case.region_path,
        suspected_crime=data["suspected_crime"].strip(),
        reasons=data["transfer_reasons"].strip(),
        evidence_list="\n".join(f"{e.kind}：{e.title}" for e in case.evidence_items) or "（见案卷）",
        reporters=[o.user.name for o in reporters],
        reported_at=clock.now(),
    )
    db.session.add(transfer)
    db.session.flush()
    return transfer


def decide_transfer(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseTransfer:
    """The 正职负责人 approves (案件移送审批表) or refuses the transfer."""
    require_role(actor, case, Role.LEADER)
    task = ready_task(case, "decide_transfer", task)
    transfer = current_transfer(case)
    if transfer is None or transfer.decision is not None:
        raise InvalidState("没有待决定的移送报告")
    decision = data.get("transfer_decision")
    if decision not in ("agree", "reject"):
        raise invalid("transfer_decision", "请选择是否移送")
    transfer.decision = "移送" if decision == "agree" else "不移送"
    transfer.decided_by_id, transfer.decided_at = actor.id, clock.now()
    step_data: dict = {"transfer_decision": decision}
    if decision == "agree":
        doc = case_document(
            case,
            "transfer_approval",
            {
                "suspected_crime": transfer.suspected_crime,
                "reasons": transfer.reasons,
                "evidence": transfer.evidence_list,
                "reporters": transfer.reporters,
                "opinion": data["opinion"],
                "decided_by": actor.name,
            },
            actor=actor,
        )
        due = legal_time.transfer_due(transfer.decided_at, pack_for(case.region_path, clock.today()))
        step_data.update(transfer_due=due.isoformat(), transfer_due_at=due.isoformat())
        summary = f"正职负责人批准移送（{doc.number.text}），应于{due:%m月%d日%H时}前移送公安机关"
    else:
        case.outcome = None
        summary = f"正职负责人决定不予移送：{data['opinion']}，退回承办机构负责人重新审查"
    changes = step(case, task, step_data, actor=actor)
    record(actor, "case.transfer_decided", case, summary, changes=changes)
    return transfer


def transfer_case(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseTransfer:
    """移送: the 涉嫌犯罪案件移送书 to the public security organ, a copy to the procuratorate."""
    require_case_officer(actor, case)
    task = ready_task(case, "transfer_case", task)
    transfer = current_transfer(case)
    if transfer is None or transfer.decision != "移送":
        raise InvalidState("移送尚未经正职负责人批准")
    for key, label in (("receiving_organ", "接受移送的公安机关"), ("procuratorate", "抄送的人民检察院")):
        if not (data.get(key) or "").strip():
            raise invalid(key, f"请填写{label}")
    transfer.receiving_organ, transfer.procuratorate = (
        data["receiving_organ"].strip(),
        data["procuratorate"].strip(),
    )
    transfer.transferred_at = clock.now()
    doc = case_document(
        case,
        "crime_transfer",
        {
            "suspected_crime": transfer.suspected_crime,
            "reasons": transfer.reasons,
            "evidence": transfer.evidence_list,
            "receiving_organ": transfer.receiving_organ,
            "procuratorate": transfer.procuratorate,
        },
        actor=actor,
    )
    transfer.document_id = doc.id
    changes = step(case, task, {}, actor=actor)
    record(
        actor,
        "case.transferred",
        case,
        f"涉嫌犯罪案件移送书{doc.number.text}已移送{transfer.receiving_organ}，抄送{transfer.procuratorate}",
        changes=changes,
    )
    return transfer
