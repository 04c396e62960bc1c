"""Words the hazard domain adds to shared pages: audit action names, field names in change histories."""

AUDIT_LABELS = {
    "hazard.registered": "登记隐患",
    "hazard.draft_removed": "删除待签发隐患",
    "hazard.order_issued": "签发责令限期整改指令书",
    "hazard.issued": "下达整改",
    "hazard.rectification_submitted": "报告整改完成",
    "hazard.extension_requested": "申请延期",
    "hazard.extension_approved": "批准延期",
    "hazard.extension_rejected": "不予批准延期",
    "hazard.closed": "销号",
    "hazard.review_failed": "复查不合格",
    "hazard.exception_requested": "报请特批",
    "hazard.exception_approved": "批准再次整改",
    "hazard.exception_rejected": "不批准再次整改",
    "hazard.referred": "移送立案",
    "hazard.reminded": "期限提醒",
    "hazard.overdue": "逾期",
    "hazard.review_escalated": "复查超期上报",
    "hazard.supervision_listed": "挂牌督办",
    "hazard.supervision_declined": "不挂牌督办",
    "hazard.plan_submitted": "报送治理方案",
    "hazard.progress_reported": "报送治理进展",
    "hazard.progress_requested": "催报治理进展",
    "hazard.acceptance_requested": "申请验收",
    "hazard.status_changed": "状态变更",
    "hazard.referral_answered": "立案答复",
    "hazard.review_document_extended": "复查意见书增列同次复查隐患",
    "hazard.review_document_finalized": "复查意见书定稿",
}

FIELD_LABELS = {
    "deadline": "整改期限", "is_overdue": "是否逾期", "closed_on": "销号日期", "level": "隐患等级", "round": "整改轮次",
    "failed_rounds": "复查不合格次数", "referral": "移送立案", "extension_count": "已批准延期次数",
    "exception_granted": "负责人特批再次整改",
}
