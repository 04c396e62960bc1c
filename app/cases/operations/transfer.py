"""涉嫌犯罪案件移送 (行政处罚法 Art.8, 27, 57(四), 82; 国务院令第310号): ≥ 2 officers report, the agency's
正职负责人 decides within 3 days, the case goes to the public security organ within 24 hours with a copy to
the procuratorate (案件移送审批表, 涉嫌犯罪案件移送书). A refusal sends the case back to the 承办机构负责人.

Two routes share one implementation (`_decide`, `_transfer`): a filed case whose 调查终结报告 proposes 移送
(its own penalty_case workflow), and a proposal transferred before 立案 (`report_transfer_from_proposal`,
the penalty_transfer process whose subject is the case_transfers row; the proposal ends 已移送, or stays
open when the transfer is refused). A case's documents are numbered on its serial; a proposal's, which has
no case, on the agency's own serial of each document type."""

from __future__ import annotations

from sqlalchemy import select

from app import audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.cases import gates, legal_time, separation
from app.cases.models import CaseProposal, CaseTransfer, PenaltyCase, ProposalStatus
from app.cases.operations.common import (
    TRANSFER,
    case_document,
    iso_end_of,
    ready_task,
    record,
    require_case_officer,
    require_role,
    step,
)
from app.cases.rules import pack_for
from app.documents import issue_document
from app.errors import InvalidState, PermissionDenied, invalid, require
from app.extensions import db
from app.org.models import Department


def agency_of(actor: User) -> Department:
    """The agency (局) the acting officer belongs to: the deciding agency of what the officer does."""
    agency = actor.department.agency if actor.department is not None else None
    if agency is None:
        raise InvalidState("您未归属任何执法机关，不能办理")
    return agency


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


def _decide(transfer: CaseTransfer, data: dict, actor: User, issue) -> tuple[dict, str]:
    """The 正职负责人's decision on a transfer report (both routes): the step data and the summary."""
    if transfer.decision is not None:
        raise InvalidState("没有待决定的移送报告")
    decision = data.get("transfer_decision")
    if decision not in ("agree", "reject"):
        raise invalid("transfer_decision", "请选择是否移送")
    if not (data.get("opinion") or "").strip():
        raise invalid("opinion", "请填写意见（不批准移送的，应将理由记录在案）")
    transfer.decision = "移送" if decision == "agree" else "不移送"
    transfer.decided_by_id, transfer.decided_at = actor.id, clock.now()
    step_data: dict = {"transfer_decision": decision}
    if decision == "reject":
        return step_data, f"正职负责人决定不予移送：{data['opinion']}"
    doc = issue(
        "transfer_approval",
        {
            "suspected_crime": transfer.suspected_crime,
            "reasons": transfer.reasons,
            "evidence": transfer.evidence_list,
            "reporters": transfer.reporters,
            "opinion": data["opinion"],
            "decided_by": actor.name,
        },
    )
    due = legal_time.transfer_due(transfer.decided_at, pack_for(transfer.region_path, clock.today()))
    step_data.update(transfer_due=due.isoformat(), transfer_due_at=due.isoformat())
    return step_data, f"正职负责人批准移送（{doc.number.text}），应于{due:%m月%d日%H时}前移送公安机关"


def _transfer(transfer: CaseTransfer, data: dict, issue):
    """移送 (both routes): the 涉嫌犯罪案件移送书 to the public security organ, a copy to the procuratorate."""
    if transfer.decision != "移送":
        raise InvalidState("移送尚未经正职负责人批准")
    for key, label in (("receiving_organ", "接受移送的公安机关"), ("procuratorate", "抄送的人民检察院")):
        if not (data.get(key) or "").strip():
            raise invalid(key, f"请填写{label}")
    transfer.receiving_organ, transfer.procuratorate = (
        data["receiving_organ"].strip(),
        data["procuratorate"].strip(),
    )
    transfer.transferred_at = clock.now()
    doc = issue(
        "crime_transfer",
        {
            "suspected_crime": transfer.suspected_crime,
            "reasons": transfer.reasons,
            "evidence": transfer.evidence_list,
            "receiving_organ": transfer.receiving_organ,
            "procuratorate": transfer.procuratorate,
        },
    )
    transfer.document_id = doc.id
    return doc


# ---- a filed case (penalty_case) -------------------------------------------------------------------------


def decide_transfer(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseTransfer:
    """The 正职负责人 approves (案件移送审批表) or refuses the transfer of a case."""
    require_role(actor, case, Role.LEADER)
    gates.require_not_handling(case, actor)
    task = ready_task(case, "decide_transfer", task)
    transfer = current_transfer(case)
    if transfer is None:
        raise InvalidState("没有待决定的移送报告")
    step_data, summary = _decide(
        transfer, data, actor, lambda code, content: case_document(case, code, content, actor=actor)
    )
    if step_data["transfer_decision"] == "reject":
        case.outcome = None
        summary += "，退回承办机构负责人重新审查"
    changes = step(case, task, step_data, actor=actor)
    record(actor, "case.transfer_decided", case, summary, changes=changes)
    return transfer


def transfer_case(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseTransfer:
    """移送 of a case."""
    require_case_officer(actor, case)
    task = ready_task(case, "transfer_case", task)
    transfer = current_transfer(case)
    if transfer is None:
        raise InvalidState("移送尚未经正职负责人批准")
    doc = _transfer(transfer, data, lambda code, content: case_document(case, code, content, actor=actor))
    changes = step(case, task, {}, actor=actor)
    record(
        actor,
        "case.transferred",
        case,
        f"涉嫌犯罪案件移送书{doc.number.text}已移送{transfer.receiving_organ}，抄送{transfer.procuratorate}",
        changes=changes,
    )
    return transfer


# ---- a proposal before 立案 (penalty_transfer) -------------------------------------------------------------


def _proposal_of(transfer: CaseTransfer) -> CaseProposal:
    proposal = db.session.get(CaseProposal, transfer.proposal_id) if transfer.proposal_id else None
    if proposal is None:
        raise InvalidState("该移送不是案件线索的移送")
    return proposal


def pending_transfer(proposal: CaseProposal) -> CaseTransfer | None:
    return db.session.scalars(
        select(CaseTransfer)
        .where(CaseTransfer.proposal_id == proposal.id, CaseTransfer.case_id.is_(None))
        .where(CaseTransfer.transferred_at.is_(None))
        .where(CaseTransfer.decision.is_distinct_from("不移送"))
    ).first()


def require_no_pending_transfer(proposal: CaseProposal) -> None:
    """A proposal reported for 移送 waits for the 正职负责人's decision (and the transfer): no other ending meanwhile."""
    if pending_transfer(proposal) is not None:
        raise InvalidState("该线索已提出涉嫌犯罪移送报告，须待负责人决定不予移送后方可另行处理")


def report_transfer_from_proposal(proposal: CaseProposal, data: dict, *, actor: User) -> CaseTransfer:
    """Two or more certified officers report a proposal as a suspected crime before any 立案 (spec §2.6).
    Data: officer_ids (≥ 2, the actor among them), suspected_crime, transfer_reasons, evidence_list."""
    require(
        actor.has_role(Role.OFFICER)
        and not actor.is_enterprise_user
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区执法人员可以提出移送报告",
    )
    if proposal.status != ProposalStatus.PENDING or proposal.case is not None:
        raise InvalidState(f"该线索已处理（{proposal.status}）")
    require_no_pending_transfer(proposal)
    from app.cases.operations.filing import _officers

    officers = _officers(data.get("officer_ids"))
    for u in officers:
        if not (u.has_role(Role.OFFICER) and in_scope(u, proposal.region_path, proposal.enterprise_id)):
            raise invalid("officer_ids", f"{u.name}不是本辖区执法人员")
    gates.require_officers(officers, clock.today())
    if actor.id not in {u.id for u in officers}:
        raise invalid("officer_ids", "提出移送报告的执法人员应为报告人之一")
    separation.require_a_leader_left_for_transfer(officers, proposal, agency_of(actor).id)
    for key, label in (("suspected_crime", "涉嫌罪名"), ("transfer_reasons", "移送理由")):
        if not (data.get(key) or "").strip():
            raise invalid(key, f"请填写{label}")
    transfer = CaseTransfer(
        proposal_id=proposal.id,
        region_path=proposal.region_path,
        suspected_crime=data["suspected_crime"].strip(),
        reasons=data["transfer_reasons"].strip(),
        evidence_list=(data.get("evidence_list") or proposal.evidence or "（见线索材料）").strip(),
        reporters=[u.name for u in officers],
        reported_at=clock.now(),
    )
    db.session.add(transfer)
    db.session.flush()
    due = legal_time.transfer_decision_due(
        transfer.reported_at, pack_for(proposal.region_path, clock.today())
    )
    workflow.start(
        TRANSFER,
        subject=transfer,
        title=f"涉嫌{transfer.suspected_crime}移送（{proposal.enterprise.name}）"[:200],
        region_path=proposal.region_path,
        enterprise_id=proposal.enterprise_id,
        actor=actor,
        data={"transfer_decide_due": due.isoformat(), "transfer_decide_due_at": iso_end_of(due)},
    )
    audit.record(
        actor,
        "case.transfer_reported",
        proposal,
        summary=f"{'、'.join(transfer.reporters)}提出移送报告：涉嫌{transfer.suspected_crime}",
        data={"transfer_id": transfer.id, "reporter_ids": [u.id for u in officers]},
    )
    return transfer


def transfer_task(transfer: CaseTransfer, bpmn_id: str, task=None):
    """The READY task `bpmn_id` of a proposal's transfer process (or the given one, re-checked)."""
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != transfer.id or task.subject_type != "case_transfers":
            raise InvalidState("任务与移送报告不匹配")
        return task
    for t in workflow.ready_tasks(workflow.instance_for(transfer, TRANSFER)):
        if t.bpmn_id == bpmn_id:
            return t
    raise InvalidState("该移送报告当前不能办理该事项")


def _issue_for(transfer: CaseTransfer, proposal: CaseProposal, actor: User):
    def issue(code: str, content: dict):
        return issue_document(
            code,
            agency=agency_of(actor),
            subject=transfer,
            actor=actor,
            content={"party": proposal.enterprise.name, "facts": proposal.facts, **content},
        )

    return issue


def decide_proposal_transfer(transfer: CaseTransfer, data: dict, *, actor: User, task=None) -> CaseTransfer:
    """The 正职负责人 decides on a proposal's transfer within 3 days; a refusal leaves the proposal open."""
    proposal = _proposal_of(transfer)
    require(
        actor.has_role(Role.LEADER)
        and not actor.is_enterprise_user
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区负责人可以决定是否移送",
    )
    if actor.id in separation.transfer_handler_ids(transfer, proposal):
        raise PermissionDenied(separation.OWN_TRANSFER)
    task = transfer_task(transfer, "decide_transfer", task)
    step_data, summary = _decide(transfer, data, actor, _issue_for(transfer, proposal, actor))
    workflow.complete_task(task, step_data, actor=actor)
    audit.record(actor, "case.transfer_decided", proposal, summary=summary, data={"transfer_id": transfer.id})
    return transfer


def transfer_proposal(transfer: CaseTransfer, data: dict, *, actor: User, task=None) -> CaseTransfer:
    """移送 of a proposal: the proposal ends 已移送 (a hazard referral is answered with the reason)."""
    proposal = _proposal_of(transfer)
    require(
        actor.has_role(Role.OFFICER, Role.SECTION_HEAD)
        and not actor.is_enterprise_user
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区执法人员可以办理移送",
    )
    task = transfer_task(transfer, "transfer_case", task)
    doc = _transfer(transfer, data, _issue_for(transfer, proposal, actor))
    from app.cases.operations.filing import _close_proposal

    _close_proposal(
        proposal,
        ProposalStatus.TRANSFERRED,
        actor,
        reason=f"涉嫌{transfer.suspected_crime}，已移送{transfer.receiving_organ}（{doc.number.text}）",
    )
    workflow.complete_task(task, {}, actor=actor)
    audit.record(
        actor,
        "case.transferred",
        proposal,
        summary=f"涉嫌犯罪案件移送书{doc.number.text}已移送{transfer.receiving_organ}，抄送{transfer.procuratorate}",
        data={"transfer_id": transfer.id},
    )
    return transfer
