"""The case's 执法文书 (domain spec §3.1–3.3): document types with their 代字. The platform already knows
立案审批表 (立), 询问通知书 (询), 行政处罚告知书 (罚告), 听证告知书 (听告), 法制审核意见书 (法审), 行政处罚决定书
(罚), 结案审批表 (结) and 送达回执 (回); the rest are registered here. Every case document is numbered on
the case's serial (§3.2: 罚告〔2026〕12号 belongs to 立〔2026〕12号) and locked once issued.

Which documents the party (the enterprise account) may open: those served on it, never the agency's
internal ones (呈批表, 法制审核意见书, 集体讨论记录, 移送审批表)."""

from __future__ import annotations

from app.documents.doc_types import DocType, register_doc_type

CASE_DOC_TYPES = [
    DocType("investigation_report", "案件调查终结报告", "终报", aliases=("调查报告",), sealed=False),
    DocType("hearing_meeting_notice", "听证会通知书", "听通"),
    DocType("hearing_record", "听证笔录", "听录", sealed=False),
    DocType("hearing_report", "听证会报告书", "听报", sealed=False),
    DocType("case_decision_form", "案件处理呈批表", "处呈", aliases=("案件处理呈报书",), sealed=False),
    DocType("discussion_record", "行政处罚集体讨论记录", "罚集", sealed=False),
    DocType("no_penalty_decision", "不予行政处罚决定书", "不罚"),
    DocType("payment_reminder", "罚款缴纳催告书", "催告", aliases=("行政强制执行事先催告书",)),
    DocType("payment_arrangement", "延期（分期）缴纳罚款批准书", "缴批"),
    DocType("enforcement_application", "强制执行申请书", "强执"),
    DocType("transfer_approval", "案件移送审批表", "移审", sealed=False),
    DocType("crime_transfer", "涉嫌犯罪案件移送书", "移"),
    DocType("preservation_notice", "先行登记保存证据通知书", "保"),
    DocType("preservation_decision", "先行登记保存证据处理决定书", "保处"),
    DocType("simple_decision", "行政（当场）处罚决定书", "当罚"),
]

# documents served on (or handed to) the party: what an enterprise account may open
PARTY_DOCUMENTS = frozenset(
    {
        "inquiry_notice",
        "penalty_notice",
        "hearing_notice",
        "hearing_meeting_notice",
        "hearing_record",
        "penalty_decision",
        "no_penalty_decision",
        "payment_reminder",
        "payment_arrangement",
        "service_receipt",
        "preservation_notice",
        "preservation_decision",
        "simple_decision",
    }
)

# of those, the ones the party holds without a 送达回执: the 听证笔录 it signs at the hearing, the 当场处罚决定书
# handed over on the spot, the 批准书 answering its own application; every other one only once served on it
PARTY_HANDED_OVER = frozenset({"hearing_record", "simple_decision", "payment_arrangement", "service_receipt"})


def party_may_open(doc_type: str, document_id: int, served_ids: set[int]) -> bool:
    """Whether the enterprise account may open a case document, given the ids of the documents served on it."""
    if doc_type not in PARTY_DOCUMENTS:
        return False
    return doc_type in PARTY_HANDED_OVER or document_id in served_ids


def register_doc_types() -> None:
    for doc_type in CASE_DOC_TYPES:
        register_doc_type(doc_type)
