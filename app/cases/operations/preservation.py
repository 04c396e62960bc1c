"""先行登记保存证据 (行政处罚法 Art.56): where evidence may be lost or hard to obtain later, the officers may, with
the 负责人's approval, register and preserve it; a decision on it follows within 7 working days (Art.85).

The evidence_preservation process (subject: the case_evidence row, kind 先行登记保存) runs beside the case's
own workflow, which stays where it is (调查取证): app/cases/status.py follows penalty_case / penalty_simple
only. Statuses of the item: 待批准 → 保存中 → 已处理, or 未批准."""

from __future__ import annotations

import re

from app import clock, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.cases import gates, legal_time
from app.cases.models import CaseEvidence, EvidenceKind, PenaltyCase
from app.cases.operations.common import (
    PRESERVATION,
    case_document,
    iso_end_of,
    record,
    require_case_officer,
    require_role,
)
from app.cases.rules import pack_for
from app.errors import InvalidState, invalid
from app.extensions import db

PENDING, KEPT, DISPOSED, REFUSED = "待批准", "保存中", "已处理", "未批准"

DISPOSALS = {
    "return": "解除先行登记保存，退还当事人",
    "confiscate": "依法没收",
    "transfer": "移送有关机关处理",
    "seal": "依法采取查封、扣押措施",
    "appraise": "送交检验、检测、鉴定",
}


def request_preservation(case: PenaltyCase, data: dict, *, actor: User) -> CaseEvidence:
    """The officer applies: items (name, spec, quantity), place, custodian, witnesses, why the evidence may
    be lost or hard to obtain later. The item waits for the 负责人's approval."""
    require_case_officer(actor, case)
    if case.filed_on is None or case.decided_on is not None or case.status in ("已结案", "不予立案"):
        raise InvalidState("只有已立案、尚未作出决定的案件可以申请先行登记保存证据")
    items = [
        {"name": r["name"].strip(), "spec": r.get("spec"), "quantity": str(r.get("quantity") or "")}
        for r in (data.get("items") or [])
        if (r.get("name") or "").strip()
    ]
    if not items:
        raise invalid("items", "请填写先行登记保存的物品清单")
    for key, label in (("place", "保存地点"), ("custodian", "保管人"), ("reason", "申请理由")):
        if not (data.get(key) or "").strip():
            raise invalid(key, f"请填写{label}")
    raw = data.get("witnesses") or []
    if isinstance(raw, str):  # the page's one text field: names separated by 、，,；
        raw = re.split(r"[、，,；;\s]+", raw)
    witnesses = [w.strip() for w in raw if (w or "").strip()]
    if not witnesses:
        raise invalid("witnesses", "请填写在场见证人（当事人或者见证人）")
    item = CaseEvidence(
        case=case,
        kind=EvidenceKind.PRESERVATION,
        title=f"先行登记保存：{'、'.join(i['name'] for i in items)}"[:200],
        description=data["reason"].strip(),
        collected_on=clock.today(),
        place=data["place"].strip(),
        details={"items": items, "custodian": data["custodian"].strip(), "witnesses": witnesses},
        status=PENDING,
        recorded_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    workflow.start(
        PRESERVATION,
        subject=item,
        title=f"{case.display_no} 先行登记保存证据",
        region_path=case.region_path,
        enterprise_id=case.enterprise_id,
        actor=actor,
    )
    record(actor, "case.preservation_requested", case, f"申请先行登记保存证据：{item.title}")
    return item


def preservation_task(item: CaseEvidence, bpmn_id: str, task=None):
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != item.id or task.subject_type != "case_evidence":
            raise InvalidState("任务与先行登记保存证据不匹配")
        return task
    for t in workflow.ready_tasks(workflow.instance_for(item, PRESERVATION)):
        if t.bpmn_id == bpmn_id:
            return t
    raise InvalidState(f"该先行登记保存证据当前为“{item.status}”，不能办理该事项")


def approve_preservation(item: CaseEvidence, data: dict, *, actor: User, task=None) -> None:
    """负责人 approves (先行登记保存证据通知书 issued; a decision due within 7 working days) or refuses."""
    case = item.case
    require_role(actor, case, Role.LEADER, message="只有负责人可以批准先行登记保存")
    gates.require_not_handling(case, actor)
    task = preservation_task(item, "approve_preservation", task)
    decision = data.get("preservation_decision")
    if decision not in ("agree", "reject"):
        raise invalid("preservation_decision", "请选择是否批准")
    opinion = (data.get("opinion") or "").strip()
    if not opinion:
        raise invalid("opinion", "请填写审批意见")
    step_data: dict = {"preservation_decision": decision}
    today = clock.today()
    if decision == "agree":
        due = legal_time.preservation_due(today, pack_for(case.region_path, today))
        doc = case_document(
            case,
            "preservation_notice",
            {
                "items": item.details.get("items"),
                "place": item.place,
                "custodian": item.details.get("custodian"),
                "witnesses": item.details.get("witnesses"),
                "approved_by": actor.name,
                "dispose_due": due.isoformat(),
                "note": "在此期间，当事人或者有关人员不得销毁或者转移证据（《行政处罚法》第五十六条）",
            },
            actor=actor,
        )
        item.document_id, item.status, item.dispose_due = doc.id, KEPT, due
        step_data.update(dispose_due=due.isoformat(), dispose_due_at=iso_end_of(due))
        summary = f"批准先行登记保存（{doc.number.text}），应于{due:%Y年%m月%d日}前作出处理决定"
    else:
        item.status = REFUSED
        summary = f"不批准先行登记保存：{opinion}"
    item.details = {
        **item.details,
        "approval": {"by": actor.name, "on": today.isoformat(), "opinion": opinion},
    }
    workflow.complete_task(task, step_data, actor=actor)
    record(actor, "case.preservation_decided", case, summary, data={"evidence_id": item.id})


def dispose_preservation(item: CaseEvidence, data: dict, *, actor: User, task=None) -> None:
    """处理决定 within 7 working days: 退还 / 没收 / 移送 / 查封扣押 / 鉴定 → 先行登记保存证据处理决定书."""
    case = item.case
    require_case_officer(actor, case)
    task = preservation_task(item, "dispose_preservation", task)
    disposal = data.get("disposal")
    if disposal not in DISPOSALS:
        raise invalid("disposal", "请选择处理决定")
    if not (data.get("reason") or "").strip():
        raise invalid("reason", "请写明处理理由")
    doc = case_document(
        case,
        "preservation_decision",
        {
            "items": item.details.get("items"),
            "disposal": DISPOSALS[disposal],
            "reason": data["reason"].strip(),
            "notice_id": item.document_id,
        },
        actor=actor,
    )
    late = item.dispose_due is not None and clock.today() > item.dispose_due
    item.status = DISPOSED
    item.details = {
        **item.details,
        "disposal": {
            "code": disposal,
            "text": DISPOSALS[disposal],
            "reason": data["reason"].strip(),
            "on": clock.today().isoformat(),
            "document_id": doc.id,
            "late": late,
        },
    }
    workflow.complete_task(task, {}, actor=actor)
    record(
        actor,
        "case.preservation_disposed",
        case,
        f"先行登记保存证据处理决定（{doc.number.text}）：{DISPOSALS[disposal]}"
        + ("（已超过处理期限）" if late else ""),
        data={"evidence_id": item.id},
    )
