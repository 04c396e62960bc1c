"""BPMN service-task handlers of the penalty procedures: the deadline timers' work (notify the people who must
act, record the event for the system) and the publication after service."""

from __future__ import annotations

from app import audit, notifications, workflow
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.cases import separation
from app.cases.models import CaseEvidence, CaseProposal, CaseTransfer, PenaltyCase
from app.extensions import db


def _case(ctx) -> PenaltyCase | None:
    """The case of a timer's process: the subject itself (penalty_case, penalty_simple), or the case of a
    先行登记保存 item or a case's transfer. A proposal's transfer has no case (see `_transfer`)."""
    inst = ctx.instance
    if inst is None or not inst.subject_id:
        return None
    if inst.subject_type == "case_evidence":
        item = db.session.get(CaseEvidence, int(inst.subject_id))
        return item.case if item is not None else None
    if inst.subject_type == "case_transfers":
        transfer = db.session.get(CaseTransfer, int(inst.subject_id))
        return db.session.get(PenaltyCase, transfer.case_id) if transfer and transfer.case_id else None
    return db.session.get(PenaltyCase, int(inst.subject_id))


def _transfer(ctx) -> CaseTransfer | None:
    inst = ctx.instance
    if inst is None or inst.subject_type != "case_transfers" or not inst.subject_id:
        return None
    return db.session.get(CaseTransfer, int(inst.subject_id))


def _tell_proposal_transfer(
    transfer: CaseTransfer, key: str, title: str, body: str, *, deciders=(), informed=()
) -> None:
    """A proposal's transfer (before 立案): the users of the jurisdiction holding the roles `deciders` (asked to
    decide: never the lead's registrant nor a reporter, separation.transfer_deciders_among) and `informed`."""
    users = []
    for role in deciders:
        users += users_with_role(role, region_path=transfer.region_path)
    if users:
        proposal = db.session.get(CaseProposal, transfer.proposal_id)
        users = separation.transfer_deciders_among(users, transfer, proposal) if proposal else users
    for role in informed:
        users += users_with_role(role, region_path=transfer.region_path)
    notifications.notify(
        users,
        transfer,
        kind="case_deadline",
        key=f"{key}:{transfer.id}",
        title=title,
        body=body,
        level="warning",
    )
    audit.record(None, f"case.{key}", transfer, summary=body)


def _tell(
    case: PenaltyCase, key: str, title: str, body: str, *, approvers=(), informed=(), officers: bool = True
) -> None:
    """A deadline notice about `case` to the users of its jurisdiction and agency holding the roles `approvers`
    (asked to approve, review or decide it: never one who handles or handled it, separation.approvers_among) or
    `informed` (told, and any of them may act: a section head may do an officer's step), and to its own officers
    (`officers`), whatever other role they hold."""
    users = []
    for role in approvers:
        users += users_with_role(role, region_path=case.region_path, agency_id=case.agency_id)
    users = separation.approvers_among(users, case)
    for role in informed:
        users += users_with_role(role, region_path=case.region_path, agency_id=case.agency_id)
    if officers:
        users = [o.user for o in case.officers] + users
    notifications.notify(
        users, case, kind="case_deadline", key=f"{key}:{case.id}", title=title, body=body, level="warning"
    )
    audit.record(None, f"case.{key}", case, summary=body)


@workflow.service("cases.filing_overdue")
def filing_overdue(ctx) -> None:
    case = _case(ctx)
    if case is None or case.filed_on is not None:
        return
    _tell(
        case,
        "filing_overdue",
        "立案审批超期",
        f"{case.name}：立案审批期限已届满（先行处置的案件应在5日内补办立案），请尽快审批",
        approvers=(Role.SECTION_HEAD, Role.LEADER),
    )


@workflow.service("cases.review_overdue")
def review_overdue(ctx) -> None:
    case = _case(ctx)
    if case is None:
        return
    _tell(
        case,
        "review_overdue",
        "法制审核超期",
        f"{case.display_no}：法制审核期限已届满，尚未出具审核意见",
        approvers=(Role.LEGAL_REVIEWER,),
        informed=(Role.SECTION_HEAD,),  # the 承办机构's heads follow their case's review up
        officers=False,
    )


@workflow.service("cases.publish_decision")
def publish_decision(ctx) -> None:
    from app.cases.operations.decision import publish_decision as publish

    case = _case(ctx)
    if case is not None:
        publish(case)


@workflow.service("cases.payment_overdue")
def payment_overdue(ctx) -> None:
    from app.cases.operations.execution import payment_overdue as overdue

    case = _case(ctx)
    if case is None or case.paid_on is not None:
        return
    if not overdue(case):  # a deferral moved the deadline after this timer was set: nothing is overdue
        return
    users = [o.user for o in case.officers]
    notifications.notify(
        users,
        case,
        kind="case_deadline",
        key="payment_overdue",
        title="罚款逾期未缴",
        body=f"{case.display_no}：缴款期限已届满，加处罚款自次日起计算，请制发催告书",
        level="warning",
    )


@workflow.service("cases.enforcement_reminder")
def enforcement_reminder(ctx) -> None:
    case = _case(ctx)
    if case is None or case.paid_on is not None:
        return
    _tell(
        case,
        "enforcement_due",
        "申请强制执行期限将届满",
        f"{case.display_no}：罚款仍未缴清，申请人民法院强制执行的期限届满，请立即处理",
        informed=(Role.SECTION_HEAD,),  # the application is an officer's step (execution.apply_enforcement)
    )


@workflow.service("cases.transfer_decision_overdue")
def transfer_decision_overdue(ctx) -> None:
    transfer = _transfer(ctx)
    if transfer is not None and transfer.case_id is None:
        if transfer.decision is None:
            _tell_proposal_transfer(
                transfer,
                "transfer_decision_overdue",
                "移送决定超期",
                f"涉嫌{transfer.suspected_crime}的移送报告提出已满3日，正职负责人尚未作出是否移送的决定",
                deciders=(Role.LEADER,),
            )
        return
    case = _case(ctx)
    if case is None:
        return
    _tell(
        case,
        "transfer_decision_overdue",
        "移送决定超期",
        f"{case.display_no}：移送报告提出已满3日，正职负责人尚未作出是否移送的决定",
        approvers=(Role.LEADER,),
        officers=False,
    )


@workflow.service("cases.transfer_overdue")
def transfer_overdue(ctx) -> None:
    transfer = _transfer(ctx)
    if transfer is not None and transfer.case_id is None:
        if transfer.transferred_at is None:
            _tell_proposal_transfer(
                transfer,
                "transfer_overdue",
                "移送超期",
                f"涉嫌{transfer.suspected_crime}的案件批准移送已满24小时，尚未移送公安机关",
                informed=(Role.SECTION_HEAD, Role.LEADER),  # 移送 is an officer's step, already approved
            )
        return
    case = _case(ctx)
    if case is None:
        return
    _tell(
        case,
        "transfer_overdue",
        "移送超期",
        f"{case.display_no}：批准移送已满24小时，尚未移送公安机关",
        informed=(Role.SECTION_HEAD, Role.LEADER),  # 移送 (transfer.transfer_case) is an officer's step
    )


@workflow.service("cases.simple_filing_overdue")
def simple_filing_overdue(ctx) -> None:
    """当场处罚 not filed (备案) within the pack's period (Art.52; 5 days): the officers, and the section heads who
    may file it (the leaders when every section head handles the case: the 备案 was escalated to them)."""
    case = _case(ctx)
    if case is None or (case.on_the_spot or {}).get("filed_on"):
        return
    _tell(
        case,
        "simple_filing_overdue",
        "当场处罚备案超期",
        f"{case.display_no}：当场处罚决定作出已满备案期限，尚未报所属行政机关备案（《行政处罚法》第五十二条）",
        approvers=(Role.SECTION_HEAD,) if separation.free_section_heads(case) else (Role.LEADER,),
    )


@workflow.service("cases.preservation_overdue")
def preservation_overdue(ctx) -> None:
    """No decision on preserved evidence within 7 working days (Art.56): the officers and the leaders. Not an
    approval: the 处理决定 is an officer's step (preservation.dispose_preservation), the leaders are told."""
    inst = ctx.instance
    item = (
        db.session.get(CaseEvidence, int(inst.subject_id)) if inst is not None and inst.subject_id else None
    )
    if item is None or item.status != "保存中":
        return
    case = item.case
    users = [o.user for o in case.officers]
    users += users_with_role(Role.LEADER, region_path=case.region_path, agency_id=case.agency_id)
    body = (
        f"{case.display_no}：先行登记保存的证据（{item.title}）应于{item.dispose_due:%Y年%m月%d日}前作出处理决定，"
        "期限已届满（《行政处罚法》第五十六条）"
    )
    notifications.notify(
        users,
        case,
        kind="case_deadline",
        key=f"preservation_overdue:{item.id}",
        title="先行登记保存处理超期",
        body=body,
        level="warning",
    )
    audit.record(None, "case.preservation_overdue", case, summary=body)
