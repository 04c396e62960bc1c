"""What the enterprise is told (站内消息, app.notifications) when a decision about it is taken: the one place
for that wording. The verbs call these after their step, in the same transaction, so a notice exists
exactly when the decision does; the timers' reminders and overdue notices are in workflow_handlers.py.

    指令书签发            order_issued         every item with its deadline (one notice per 指令书)
    延期批准 / 不予批准    extension_decided    the new date / the reason, and the deadline that stands
    复查(验收)结论         review_decided       销号 / 不合格 with the result, the reasons, the new deadline
    特批再次整改           exception_decided    the new deadline / referral, with the leader's opinion
    挂牌督办决定           supervision_decided  level, unit, deadline, 治理方案 due date, requirements

Recipients are the safety managers of the enterprise concerned (recipients.enterprise_managers): no other
enterprise is told anything. Each notice is keyed by its occasion, so a retried request never repeats it.
"""

from __future__ import annotations

from datetime import date

from app import notifications
from app.hazards import recipients
from app.hazards.models import (
    ExtensionRequest,
    Hazard,
    HazardReview,
    RectificationOrder,
    ReviewDecision,
    Supervision,
)
from app.ui import cn_date


def _tell(subject, kind: str, key: str, title: str, body: str, level: str = "info") -> None:
    notifications.notify(
        recipients.enterprise_managers(subject),
        subject,
        kind=kind,
        key=key,
        title=title,
        body=body,
        level=level,
    )


def _item(hazard: Hazard) -> str:
    return f"{hazard.location}（{hazard.code}）"


def _reason(text: str | None) -> str:
    text = (text or "").strip()
    return text if text.endswith(("。", "！", "？")) or not text else text + "。"


def order_issued(order: RectificationOrder) -> None:
    lines = [
        f"{h.seq}. {h.location}：{h.description}（{h.level}隐患，整改期限{cn_date(h.deadline)}）"
        for h in order.hazards
    ]
    majors = sum(1 for h in order.hazards if h.is_major)
    body = (
        f"{order.agency.name}向你单位下达责令限期整改指令书{order.doc_number}，共{len(order.hazards)}项隐患：\n"
        + "\n".join(lines)
        + "\n请按期完成整改，并在系统中报告整改情况（五落实、整改后照片）；确有困难的，请在期限届满前申请延期。"
    )
    if majors:
        body += (
            f"其中{majors}项为重大事故隐患，须由主要负责人组织制定治理方案，并向职工大会或职工代表大会报告。"
        )
    if order.interim_measures:
        body += f"\n整改期间安全防范措施要求：{order.interim_measures}"
    first = min(h.deadline for h in order.hazards)
    _tell(
        order,
        "order_issued",
        f"order_issued:{order.id}",
        f"收到责令限期整改指令书{order.doc_number}（{len(order.hazards)}项，最早期限{first.isoformat()}）",
        body,
        "warning",
    )


def extension_decided(hazard: Hazard, ext: ExtensionRequest) -> None:
    if ext.status == "approved" and ext.approved_deadline is not None:
        title = f"延期申请已批准：{_item(hazard)}"
        body = f"你单位申请延期至{cn_date(ext.requested_deadline)}，经审批，整改期限延至{cn_date(ext.approved_deadline)}。"
        if ext.approved_deadline != ext.requested_deadline:
            body += "（批准的期限与申请不同。）"
        body += f"审批意见：{_reason(ext.opinion)}延期期间请落实临时管控措施。"
        level = "info"
    else:
        title = f"延期申请未获批准：{_item(hazard)}"
        body = (
            f"你单位申请延期至{cn_date(ext.requested_deadline)}，未获批准。理由：{_reason(ext.opinion)}"
            f"整改期限仍为{cn_date(hazard.deadline)}，请按期完成整改并报告。"
        )
        level = "warning"
    _tell(hazard, "extension_decided", f"extension_decided:{ext.id}", title, body, level)


def review_decided(hazard: Hazard, review: HazardReview) -> None:
    what = review.kind  # 复查 / 验收
    doc = f"（整改复查意见书{review.doc_number}）" if review.doc_number else ""
    if review.decision == ReviewDecision.CLOSE:
        title = f"{what}合格，隐患已销号：{_item(hazard)}"
        body = f"{cn_date(review.reviewed_on)}{what}合格，该隐患予以销号{doc}。"
        if hazard.is_major:
            body += "重大事故隐患已核销并摘牌，同意恢复生产经营。"
        level = "info"
    else:
        title = f"{what}不合格：{_item(hazard)}"
        body = f"{cn_date(review.reviewed_on)}第{review.round}轮{what}结果：{review.result}{doc}。{what}意见：{_reason(review.opinion)}"
        if review.decision == ReviewDecision.RETURN and review.new_deadline is not None:
            body += f"请于{cn_date(review.new_deadline)}前重新整改，并在系统中报告整改情况。"
        elif review.decision == ReviewDecision.EXCEPTION:
            body += "已报请负责人审批是否再次限期整改，结果将另行通知；整改期间请继续落实防范措施。"
        else:
            body += "该隐患已移送立案处罚。"
        level = "danger"
    _tell(hazard, "review_decided", f"review_decided:{review.id}", title, body, level)


def exception_decided(hazard: Hazard, *, approved: bool, opinion: str, round_no: int) -> None:
    if approved:
        title = f"准予再次限期整改：{_item(hazard)}"
        body = f"经负责人批准，给予最后一次整改期限，请于{cn_date(hazard.deadline)}前完成整改并报告。逾期或仍不合格的，将移送立案处罚。"
        level = "warning"
    else:
        title = f"不予再次限期整改，已移送立案：{_item(hazard)}"
        body = "该隐患经多轮复查仍不合格，负责人决定不再给予整改期限，已移送立案处罚。"
        level = "danger"
    body += f"负责人意见：{_reason(opinion)}"
    _tell(hazard, "exception_decided", f"exception_decided:{hazard.id}:{round_no}", title, body, level)


def supervision_decided(hazard: Hazard, sup: Supervision, *, plan_due: date) -> None:
    if sup.listed:
        title = f"重大事故隐患挂牌督办：{_item(hazard)}"
        body = (
            f"该重大事故隐患由{sup.supervising_unit}{sup.level}挂牌督办（督办通知书{sup.doc_number}），"
            f"治理期限{cn_date(sup.deadline)}。"
        )
    else:
        title = f"重大事故隐患治理期限：{_item(hazard)}"
        body = f"该重大事故隐患不挂牌督办，由执法人员跟踪督促，治理期限{cn_date(sup.deadline)}。"
    body += f"请于{cn_date(plan_due)}前报送治理方案（目标任务、方法措施、经费物资、机构人员、时限要求、安全措施和应急预案）。"
    if sup.opinion:
        body += f"督办要求：{_reason(sup.opinion)}"
    if sup.contact:
        body += f"监管联系人：{sup.contact}。"
    _tell(
        hazard,
        "supervision_decided",
        f"supervision_decided:{sup.id}",
        title,
        body,
        "danger" if sup.listed else "warning",
    )
