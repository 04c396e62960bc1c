"""Document types (文书种类) as data: code, name, 代字 used in the 文号, template.

The 2016 national set, the 矿山/2022 names and the 司法部 2025 names can coexist: add a DocType (or an
alias) here or call register_doc_type() from a domain package. Templates live in
app/templates/documents/<code>.html and extend documents/_a4.html; a missing template falls back to
documents/generic.html.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import ValidationFailed


@dataclass(frozen=True)
class DocType:
    code: str
    name: str
    code_word: str  # 代字, e.g. 责改 in （萧）应急责改〔2026〕12号
    template: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)
    sealed: bool = True  # carries the agency seal (decision-type documents)

    @property
    def template_name(self) -> str:
        return self.template or f"documents/{self.code}.html"


DOC_TYPES: dict[str, DocType] = {}


def register_doc_type(doc_type: DocType) -> DocType:
    DOC_TYPES[doc_type.code] = doc_type
    return doc_type


def get_doc_type(code: str) -> DocType:
    try:
        return DOC_TYPES[code]
    except KeyError:
        raise ValidationFailed(f"未知的文书种类：{code}") from None


for _dt in [
    DocType("inspection_record", "现场检查记录", "检记", aliases=("现场检查笔录",), sealed=False),
    DocType("onsite_measures", "现场处理措施决定书", "现决", aliases=("现场处理决定书",)),
    DocType("rectification_order", "责令限期整改指令书", "责改"),
    DocType("rectification_review", "整改复查意见书", "复查", aliases=("复查意见书",)),
    DocType("supervision_notice", "挂牌督办通知书", "督办"),
    DocType("case_filing", "立案审批表", "立", aliases=("立案决定书",), sealed=False),
    DocType("inquiry_notice", "询问通知书", "询"),
    DocType("penalty_notice", "行政处罚告知书", "罚告"),
    DocType("hearing_notice", "听证告知书", "听告"),
    DocType("legal_review", "法制审核意见书", "法审", aliases=("行政执法决定法制审核意见书",), sealed=False),
    DocType("penalty_decision", "行政处罚决定书", "罚"),
    DocType("case_closing", "结案审批表", "结", aliases=("案件结案报告",), sealed=False),
    DocType("service_receipt", "送达回执", "回", aliases=("文书送达回执", "送达收执"), sealed=False),
]:
    register_doc_type(_dt)
