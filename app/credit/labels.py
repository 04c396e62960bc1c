"""Words the credit listing procedure adds to shared pages: audit action names, field names in change
histories (helper "process"; the other credit helpers add theirs to their own dicts and register them)."""

from __future__ import annotations

from app import audit, ui

AUDIT_LABELS = {
    "credit.notice_issued": "制发列入告知书",
    "credit.drop_proposed": "提出不予列入",
    "credit.drop_confirmed": "确认不予列入",
    "credit.notice_served": "送达列入告知书",
    "credit.statement_submitted": "陈述申辩",
    "credit.verified": "核查答复",
    "credit.returned": "退回补充核查",
    "credit.declined": "决定不予列入",
    "credit.decided": "决定列入",
    "credit.decision_served": "送达列入决定书",
    "credit.status_changed": "状态变更",
    "credit.proposed": "提出列入建议",
    "credit.accident_recorded": "登记事故",
    "credit.basis_changed": "列入依据的处罚决定变更",
    "credit.expiry_started": "管理期限开始计时",
    "credit.expiry_cancelled": "管理期限计时终止",
    "credit.expired": "管理期满移出",
    "credit.overturned": "撤销列入",
    "credit.remedy_filed": "登记复议/诉讼",
    "credit.remedy_decided": "登记复议/诉讼结果",
    "credit.repair_applied": "申请信用修复",
    "credit.repair_verified": "信用修复核查",
    "credit.repair_returned": "信用修复退回核查",
    "credit.repair_decided": "信用修复决定",
    "credit.repair_revoked": "撤销提前移出（恢复列入）",
    "credit.repair_overdue": "信用修复决定期限届满提醒",
    "credit.repair_status_changed": "信用修复申请状态变更",
    "credit.info_publication_extended": "处罚决定公示期限延长（列入严重失信名单）",
    "credit.info_repair_applied": "申请提前结束处罚决定公示",
    "credit.info_repair_decided": "处罚决定公示信用修复决定",
}

FIELD_LABELS = {
    "notice_served_on": "列入告知书送达日期",
    "statement_due": "陈述申辩期限",
    "verification": "核查意见",
    "decided_on": "列入决定日期",
    "decision_served_on": "列入决定书送达日期",
    "measure_codes": "惩戒措施",
    "term_start": "管理期限起",
    "term_end": "管理期限止",
    "publish_due": "公示期限",
    "declined_reason": "不予列入理由",
    "person_name": "一并列入人员",
    "feedback": "部门反馈内容",
    "feedback_on": "反馈日期",
}


def register() -> None:
    audit.register_action_labels(AUDIT_LABELS)
    ui.register_field_labels(FIELD_LABELS)
