"""What the hazard pages show: assembled here so routes stay thin and templates stay dumb."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app import attachments, audit, clock, forms, workflow
from app.auth.models import User
from app.hazards import documents as hazard_docs
from app.hazards import permissions as perm
from app.hazards.models import Hazard, HazardStatus, RectificationOrder, ReviewDecision
from app.inbox import queries as inbox_queries
from app.subjects import ProgressStep

# the stages shown as a progress bar (process steps) for each process
GENERAL_STAGES = [
    ("issued", "下达指令书"),
    ("rectify", "企业整改"),
    ("review", "现场复查"),
    ("done", "销号/移送"),
]
MAJOR_STAGES = [
    ("issued", "下达指令书"),
    ("supervise", "挂牌督办"),
    ("plan", "治理方案"),
    ("govern", "治理与进展"),
    ("accept", "现场验收"),
    ("done", "销号摘牌/移送"),
]
_STAGE_OF_STATUS = {
    HazardStatus.DRAFT: "issued",
    HazardStatus.RECTIFYING: "rectify",
    HazardStatus.EXTENSION_PENDING: "rectify",
    HazardStatus.REVIEWING: "review",
    HazardStatus.EXCEPTION_PENDING: "review",
    HazardStatus.SUPERVISION_PENDING: "supervise",
    HazardStatus.PLAN_PENDING: "plan",
    HazardStatus.GOVERNING: "govern",
    HazardStatus.ACCEPTING: "accept",
    HazardStatus.CLOSED: "done",
    HazardStatus.REFERRED: "done",
}


def stages(hazard: Hazard) -> list[tuple[str, str]]:
    """[(label, 'done'|'current'|'todo')] for the progress bar."""
    stage_list = MAJOR_STAGES if hazard.is_major else GENERAL_STAGES
    current = _STAGE_OF_STATUS.get(HazardStatus(hazard.status), "issued")
    if hazard.is_major and current == "review":
        current = "accept"
    if current == "rectify" and hazard.is_major:
        current = "govern"
    keys = [k for k, _ in stage_list]
    idx = keys.index(current) if current in keys else 0
    out = []
    for i, (_k, label) in enumerate(stage_list):
        if hazard.status in (HazardStatus.CLOSED, HazardStatus.REFERRED):
            state = "done"
        else:
            state = "done" if i < idx else "current" if i == idx else "todo"
        out.append((label, state))
    return out


def _day(value: date | datetime | None) -> date:
    """The local (China) day of a business time or date: the progress sorts by it, then by round."""
    if value is None:
        return date.max
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(clock.TZ).date()
    return value


# What an enterprise account reads for a status that names an internal step of the agency (issue #10
# item 9): the same words as the last step of outsider_progress. Other statuses read the same to everyone.
OUTSIDER_STATUS = {
    HazardStatus.SUPERVISION_PENDING: "待执法部门决定",
    HazardStatus.EXCEPTION_PENDING: "待执法部门决定",
    HazardStatus.REFERRED: "整改程序结束，由执法部门依法处理",
}


def status_for(hazard: Hazard, user: User) -> str:
    """The status as `user` may read it: enterprise accounts never see internal steps (移送立案, 领导审批)."""
    if user.is_enterprise_user:
        return OUTSIDER_STATUS.get(HazardStatus(hazard.status), hazard.status)
    return hazard.status


def outsider_progress(hazard: Hazard) -> list[ProgressStep]:
    """The enterprise's view of its hazard: what was decided about it and what is expected of it, in its
    terms (已下达整改指令 → 整改中（期限 …） → 已提交整改，待复查 → 复查合格，已销号 / 复查不合格，需重新整改;
    延期申请 已批准/未批准), oldest first. Never the agency's internal steps: no leader's decision, no
    referral facts, no diagram. Registered as the hazard's SubjectView.outsider_progress."""
    order = hazard.order
    if order.is_draft or order.issued_at is None:
        return []
    major = hazard.is_major
    status = HazardStatus(hazard.status)
    issued = order.issued_at
    doc = f"指令书 {order.doc_number}，" if order.doc_number else ""
    events: list[tuple[date, int, int, ProgressStep]] = [
        (_day(issued), 0, 0, ProgressStep("已下达整改指令", "done", issued,
                                              f"{doc}整改期限 {hazard.original_deadline:%Y-%m-%d}")),
    ]
    s = hazard.supervision
    if s is not None and s.listed and s.doc_number:
        events.append((_day(s.listed_on), 0, 1, ProgressStep(
            "已挂牌督办", "done", s.listed_on,
            f"{s.level or ''}挂牌督办通知书 {s.doc_number}，治理期限 {s.deadline:%Y-%m-%d}")))
    for p in hazard.plans:
        events.append((_day(p.submitted_at), 0, 2, ProgressStep("已报送治理方案", "done", p.submitted_at)))
    for e in hazard.extensions:
        asked = f"申请延期至 {e.requested_deadline:%Y-%m-%d}"
        if e.status == "pending":
            events.append((_day(e.requested_at), 0, 3,
                           ProgressStep("已申请延期，待审批", "current", e.requested_at, asked)))
            continue
        events.append((_day(e.requested_at), 0, 3, ProgressStep("已申请延期", "done", e.requested_at, asked)))
        if e.status == "approved":
            events.append((_day(e.decided_at), 0, 4, ProgressStep(
                "延期申请已批准", "done", e.decided_at,
                f"整改期限延至 {e.approved_deadline:%Y-%m-%d}" if e.approved_deadline else "")))
        else:
            events.append((_day(e.decided_at), 0, 4, ProgressStep(
                "延期申请未批准", "failed", e.decided_at, e.opinion or "请按原期限完成整改")))
    latest_rectification = hazard.latest_rectification
    for r in hazard.rectifications:
        waiting = r is latest_rectification and status in (HazardStatus.REVIEWING, HazardStatus.ACCEPTING)
        if major:
            label = "已申请验收，待现场审查" if waiting else "已报送治理完成情况并申请验收"
        else:
            label = "已提交整改，待复查" if waiting else "已提交整改"
        events.append((_day(r.submitted_at), r.round, 5, ProgressStep(
            label, "current" if waiting else "done", r.submitted_at, f"第{r.round}轮")))
    for v in hazard.reviews:
        what = "验收" if major else "复查"
        if v.passed:
            step = ProgressStep(f"{what}合格，已销号" + ("摘牌" if major and s is not None and s.listed else ""),
                                "done", v.reviewed_on, v.opinion or "")
        elif v.decision == ReviewDecision.RETURN and v.new_deadline:
            step = ProgressStep(f"{what}不合格，需重新整改", "failed", v.reviewed_on,
                                f"{v.opinion}（新的整改期限 {v.new_deadline:%Y-%m-%d}）" if v.opinion
                                else f"新的整改期限 {v.new_deadline:%Y-%m-%d}")
        else:
            step = ProgressStep(f"{what}不合格", "failed", v.reviewed_on, v.opinion or "")
        events.append((_day(v.reviewed_on), v.round, 6, step))
    events.sort(key=lambda e: e[:3])  # day, round, then the order things happen in within a round
    steps = [e[3] for e in events]

    deadline = f"期限 {hazard.deadline:%Y-%m-%d}"
    if status in (HazardStatus.RECTIFYING, HazardStatus.GOVERNING):
        work = "治理中" if major else "整改中"
        note = "已逾期，请尽快整改并报告" if hazard.is_overdue else ""
        steps.append(ProgressStep(f"{work}（{deadline}）", "current", None, note))
        steps.append(ProgressStep("申请验收" if major else "提交整改情况", "todo"))
        steps.append(ProgressStep("现场验收" if major else "现场复查", "todo"))
    elif status == HazardStatus.SUPERVISION_PENDING:
        steps.append(ProgressStep("待执法部门下达督办要求", "current"))
    elif status == HazardStatus.PLAN_PENDING:
        steps.append(ProgressStep(f"待报送治理方案（{deadline}）", "current"))
    elif status == HazardStatus.EXCEPTION_PENDING:
        steps.append(ProgressStep("待执法部门决定后续处理", "current"))
    elif status == HazardStatus.REFERRED:
        steps.append(ProgressStep("未按要求完成整改，本隐患整改程序结束，由执法部门依法处理", "failed",
                                  hazard.referred_on))
    elif status == HazardStatus.CLOSED and not any(v.passed for v in hazard.reviews):
        steps.append(ProgressStep("已销号", "done", hazard.closed_on))
    return steps


def actionable_tasks(ready: list, user: User) -> list:
    """Of a hazard's READY tasks, those the user can do here (they have a form and are the user's)."""
    return [t for t in ready if t.form_name and inbox_queries.can_act(user, t)]


def _with_prefill(tasks: list, values: dict | None, user: User) -> dict:
    """{task id: form values}: what was submitted, else what the task's facts pre-fill (app.hazards.task_facts)."""
    out = dict(values or {})
    for t in tasks:
        if t.id not in out:
            facts = workflow.facts_for(t, actor=user)
            if facts is not None and facts.initial:
                out[t.id] = facts.initial
    return out


def detail_context(
    hazard: Hazard,
    user: User,
    *,
    form_values=None,
    form_errors=None,
    progress_values=None,
    progress_errors=None,
) -> dict:
    inst = workflow.instance_for(hazard)
    ready = workflow.ready_tasks(inst)
    mine = actionable_tasks(ready, user)
    task_forms = [(t, forms.get_form(t.form_name)) for t in mine]
    files = {
        "photos": attachments.attachments_for(hazard, "photos"),
        "rectifications": {
            r.id: {
                "after_photos": attachments.attachments_for(r, "after_photos"),
                "documents": attachments.attachments_for(r, "documents"),
                "evaluation_report": attachments.attachments_for(r, "evaluation_report"),
            }
            for r in hazard.rectifications
        },
        "reviews": {r.id: attachments.attachments_for(r, "evidence") for r in hazard.reviews},
        "extensions": {e.id: attachments.attachments_for(e, "files") for e in hazard.extensions},
        "plans": {p.id: attachments.attachments_for(p, "plan_files") for p in hazard.plans},
        "progress": {p.id: attachments.attachments_for(p, "files") for p in hazard.progress_reports},
    }
    documents = []
    if hazard.order.doc_number:
        documents.append(
            (
                "责令限期整改指令书",
                hazard.order.doc_number,
                "hazards.order_document",
                {"order_id": hazard.order_id},
            )
        )
    if hazard.supervision is not None and hazard.supervision.doc_number:
        documents.append(
            (
                "重大事故隐患挂牌督办通知书",
                hazard.supervision.doc_number,
                "hazards.supervision_document",
                {"hazard_id": hazard.id},
            )
        )
    for r in hazard.reviews:
        if r.doc_number:
            documents.append(("整改复查意见书", r.doc_number, "hazards.review_document", {"review_id": r.id}))
    can_progress = (
        perm.is_own_enterprise_manager(user, hazard)
        and hazard.is_major
        and hazard.status == HazardStatus.GOVERNING
    )
    # an enterprise account sees its hazard's progress in its own terms (outsider_progress), never the
    # diagram, the agency's internal steps and who is on them, or the internal trail
    outsider = inbox_queries.is_outsider(user)
    return {
        "hazard": hazard,
        "order": hazard.order,
        "instance": inst,
        "outsider": outsider,
        "progress": outsider_progress(hazard) if outsider else None,
        "diagram": None if outsider else workflow.instance_diagram(inst),
        "ready": [t for t in ready if inbox_queries.can_view(user, t)],
        "steps": inbox_queries.visible_steps(user, workflow.history(inst)),
        "stages": stages(hazard),
        "task_forms": task_forms,
        "form_values": _with_prefill(mine, form_values, user),
        "form_errors": form_errors or {},
        "files": files,
        "documents": documents,
        "events": [] if outsider else audit.history(hazard),
        "can_progress": can_progress,
        "progress_form": forms.get_form("report_progress") if can_progress else None,
        "progress_values": progress_values or {},
        "progress_errors": progress_errors or {},
        "today": clock.today(),
        "is_staff": perm.is_staff(user),
        "can_batch_review": perm.can_review(user, hazard),
    }


def order_context(order: RectificationOrder, user: User, values=None, errors=None) -> dict:
    can_edit = perm.can_edit_draft(user, order)
    review_pending = (
        any(h.status == HazardStatus.REVIEWING for h in order.hazards)
        and bool(order.hazards)
        and perm.can_review(user, order.hazards[0])
    )
    return {
        "order": order,
        "can_edit": can_edit,
        "issue_form": forms.get_form("issue_order") if can_edit else None,
        "values": values or {},
        "errors": errors or {},
        "events": audit.history(order),
        "review_pending": review_pending,
        # the 意见书 still collecting this visit's items (app.hazards.documents.record_reviews)
        "open_review_doc": hazard_docs.open_review_document(order) if perm.is_staff(user) else None,
        "photos": {h.id: attachments.attachments_for(h, "photos") for h in order.hazards},
        "today": clock.today(),
    }
