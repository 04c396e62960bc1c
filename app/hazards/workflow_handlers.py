"""BPMN service-task handlers of the hazard processes (run by timers through workflow.tick).

Timers have no request and no user: the audit actor is the system (None). Every handler is idempotent
(notices are keyed, flags are only set once), so a timer fired twice or re-armed after an extension
never duplicates a notice. "Overdue" is written to the database here, never into task data only: data
set inside a boundary-timer branch stays in that branch.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app import audit, notifications, workflow
from app.auth.models import User
from app.extensions import db
from app.hazards import recipients, settings
from app.hazards.models import Hazard, HazardStatus, ProgressReport
from app.hazards.operations.common import set_overdue_title
from app.ui import cn_date


def _hazard(ctx) -> Hazard | None:
    hazard_id = ctx.data.get("hazard_id") or (ctx.instance.subject_id if ctx.instance is not None else None)
    return db.session.get(Hazard, int(hazard_id)) if hazard_id else None


def _local_date(ctx) -> date:
    from app import clock

    return ctx.now.astimezone(clock.TZ).date()


Notice = tuple[list[User], str, str]  # recipients, title, body
Event = tuple[str, str, dict]  # audit action, summary, its other fields (data, changes)


def _tell(hazard: Hazard, kind: str, key: str, level: str, notices: list[Notice], event: Event) -> None:
    """One occasion: every notice goes once to each of its recipients (one kind, key and level for all of
    them: app.notifications), then the audit event records the occasion for the system (no actor)."""
    for users, title, body in notices:
        notifications.notify(users, hazard, kind=kind, key=key, title=title, body=body, level=level)
    action, summary, fields = event
    audit.record(None, action, hazard, summary=summary, **fields)


def _open(ctx) -> Hazard | None:
    hazard = _hazard(ctx)
    return hazard if hazard is not None and hazard.is_open else None


@workflow.service("hazards.remind_before")
def remind_before(ctx) -> None:
    hazard = _open(ctx)
    if hazard is None:
        return
    days = (hazard.deadline - _local_date(ctx)).days
    if days < 0:
        return
    deadline = hazard.deadline.isoformat()
    title = f"隐患整改期限将至：{hazard.location}（{hazard.code}）"
    body = (
        f"该隐患整改期限为{cn_date(hazard.deadline)}，距期限还有{days}天。请按期完成整改并在系统中报告；"
        "确有困难的，请在期限届满前申请延期。"
    )
    summary = f"系统提醒企业：距整改期限还有{days}天"
    _tell(
        hazard,
        "remind_before",
        f"remind_before:{hazard.id}:{deadline}",
        "warning",
        [(recipients.enterprise_managers(hazard), title, body)],
        ("hazard.reminded", summary, {"data": {"kind": "before", "deadline": deadline}}),
    )


@workflow.service("hazards.remind_due")
def remind_due(ctx) -> None:
    hazard = _open(ctx)
    if hazard is None or hazard.deadline < _local_date(ctx):  # a worker catching up after the day: stale
        return
    deadline = hazard.deadline.isoformat()
    title = f"今日为隐患整改期限：{hazard.location}（{hazard.code}）"
    body = f"该隐患整改期限为今日（{cn_date(hazard.deadline)}），请于今日内完成整改并报告，逾期将转入复查并可能被立案处罚。"
    _tell(
        hazard,
        "remind_due",
        f"remind_due:{hazard.id}:{deadline}",
        "danger",
        [(recipients.enterprise_managers(hazard), title, body)],
        ("hazard.reminded", "系统提醒企业：今日为整改期限", {"data": {"kind": "due", "deadline": deadline}}),
    )


@workflow.service("hazards.mark_overdue")
def mark_overdue(ctx) -> dict:
    """Deadline passed without a report: mark overdue in the DB, tell officers and section heads, and
    start the 复查/验收 clock (counted from the deadline)."""
    hazard = _hazard(ctx)
    deadline = hazard.deadline if hazard is not None else date.fromisoformat(ctx.data["deadline"])
    result = settings.review_vars(deadline)
    if hazard is None:
        return result
    if not hazard.is_overdue:
        hazard.is_overdue = True
        if hazard.overdue_at is None:
            hazard.overdue_at = ctx.now
    set_overdue_title(ctx.instance, True)  # the status follows the workflow (app.hazards.status)
    officers = (
        f"隐患逾期未整改：{hazard.enterprise.name} {hazard.location}（{hazard.code}）",
        f"整改期限{cn_date(deadline)}已过，企业未报告整改完成。请最迟于{result['review_due']}（含当日）"
        f"{'组织现场审查' if hazard.is_major else '进行现场复查'}，依法处理。",
    )
    enterprise = (
        f"隐患已逾期：{hazard.location}（{hazard.code}）",
        f"整改期限{cn_date(deadline)}已过而未报告整改完成，执法人员将进行复查。",
    )
    summary = f"整改期限{deadline.isoformat()}届满未报告整改，系统标记逾期"
    fields = {
        "changes": {"is_overdue": [False, True]},
        "data": {"deadline": deadline.isoformat(), "review_due": result["review_due"]},
    }
    _tell(
        hazard,
        "overdue",
        f"overdue:{hazard.id}:{deadline.isoformat()}",
        "danger",
        [
            (recipients.responsible_officers(hazard) + recipients.section_heads(hazard), *officers),
            (recipients.enterprise_managers(hazard), *enterprise),
        ],
        ("hazard.overdue", summary, fields),
    )
    db.session.flush()
    return result


@workflow.service("hazards.escalate_review")
def escalate_review(ctx) -> None:
    """复查/验收 not done within the time limit: the section head is told (and sees it on the dashboard)."""
    hazard = _open(ctx)
    if hazard is None:
        return
    due = ctx.data.get("review_due", "")
    what = "现场审查验收" if hazard.is_major else "复查"
    heads = (
        f"{what}超期：{hazard.enterprise.name} {hazard.location}（{hazard.code}）",
        f"该隐患最迟应于{due}（含当日）完成{what}，至今未完成。请督促承办人员办理或改派。",
    )
    officers = (f"{what}已超期：{hazard.code}", f"最迟应于{due}（含当日）完成{what}，已报告科室负责人。")
    _tell(
        hazard,
        "review_overdue",
        f"review_overdue:{hazard.id}:{due}",
        "danger",
        [(recipients.section_heads(hazard), *heads), (recipients.responsible_officers(hazard), *officers)],
        (
            "hazard.review_escalated",
            f"{what}超过期限（{due}），已报告科室负责人",
            {"data": {"review_due": due}},
        ),
    )


@workflow.service("hazards.progress_reminder")
def progress_reminder(ctx) -> None:
    """Every N days while a 重大 hazard is governed: remind unless a progress report came in the window."""
    hazard = _hazard(ctx)
    if hazard is None or hazard.status != HazardStatus.GOVERNING:
        return
    today = _local_date(ctx)
    window = int(settings.get("HAZARD_PROGRESS_INTERVAL_DAYS"))
    recent = db.session.scalar(
        select(ProgressReport.id)
        .where(
            ProgressReport.hazard_id == hazard.id, ProgressReport.reported_on > today - timedelta(days=window)
        )
        .limit(1)
    )
    if recent is not None:
        return
    enterprise = (
        f"请报送重大事故隐患治理进展：{hazard.code}",
        f"按督办要求，治理期间每{window}日报送一次治理进展，近{window}日未收到报告。",
    )
    officers = (
        f"企业未按期报送治理进展：{hazard.code}",
        f"{hazard.enterprise.name}近{window}日未报送重大事故隐患治理进展，已催报。",
    )
    _tell(
        hazard,
        "progress",
        f"progress:{hazard.id}:{today.isoformat()}",
        "warning",
        [
            (recipients.enterprise_managers(hazard), *enterprise),
            (recipients.responsible_officers(hazard), *officers),
        ],
        ("hazard.progress_requested", f"近{window}日未报送治理进展，系统催报", {}),
    )
