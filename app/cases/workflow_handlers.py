"""BPMN service-task handlers of the penalty procedures: the deadline timers' work (notify the people who must
act, record the event for the system) and the publication after service."""

from __future__ import annotations

from app import audit, notifications, workflow
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.cases.models import PenaltyCase
from app.extensions import db


def _case(ctx) -> PenaltyCase | None:
    case_id = ctx.instance.subject_id if ctx.instance is not None else None
    return db.session.get(PenaltyCase, int(case_id)) if case_id else None


def _tell(
    case: PenaltyCase, roles: tuple[str, ...], key: str, title: str, body: str, *, officers: bool = True
) -> None:
    users = [o.user for o in case.officers] if officers else []
    for role in roles:
        users += users_with_role(role, region_path=case.region_path, agency_id=case.agency_id)
    notifications.notify(users, case, kind="case_deadline", key=key, title=title, body=body, level="warning")
    audit.record(None, f"case.{key}", case, summary=body)


@workflow.service("cases.filing_overdue")
def filing_overdue(ctx) -> None:
    case = _case(ctx)
    if case is None or case.filed_on is not None:
        return
    _tell(
        case,
        (Role.SECTION_HEAD, Role.LEADER),
        "filing_overdue",
        "立案审批超期",
        f"{case.name}：立案审批期限已届满（先行处置的案件应在5日内补办立案），请尽快审批",
    )


@workflow.service("cases.review_overdue")
def review_overdue(ctx) -> None:
    case = _case(ctx)
    if case is None:
        return
    _tell(
        case,
        (Role.LEGAL_REVIEWER, Role.SECTION_HEAD),
        "review_overdue",
        "法制审核超期",
        f"{case.display_no}：法制审核期限已届满，尚未出具审核意见",
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
    overdue(case)
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
        (Role.SECTION_HEAD,),
        "enforcement_due",
        "申请强制执行期限将届满",
        f"{case.display_no}：罚款仍未缴清，申请人民法院强制执行的期限届满，请立即处理",
    )


@workflow.service("cases.transfer_decision_overdue")
def transfer_decision_overdue(ctx) -> None:
    case = _case(ctx)
    if case is None:
        return
    _tell(
        case,
        (Role.LEADER,),
        "transfer_decision_overdue",
        "移送决定超期",
        f"{case.display_no}：移送报告提出已满3日，正职负责人尚未作出是否移送的决定",
        officers=False,
    )


@workflow.service("cases.transfer_overdue")
def transfer_overdue(ctx) -> None:
    case = _case(ctx)
    if case is None:
        return
    _tell(
        case,
        (Role.SECTION_HEAD, Role.LEADER),
        "transfer_overdue",
        "移送超期",
        f"{case.display_no}：批准移送已满24小时，尚未移送公安机关",
    )
