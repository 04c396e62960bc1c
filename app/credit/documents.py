"""The credit domain's 文书 (issue #14; spec §3.2, §7.3): six document types with their 代字, numbered per
issuing agency and year (（萧）应急信告〔2026〕N号) through app.documents.issue_document and locked once issued.

    credit_notice            列入告知书            信告   to the enterprise (reasons, basis, 陈述申辩 right)
    credit_decision          列入决定书            信列   to the enterprise (reasons, basis, measures, term,
                                                         removal conditions, remedies); 不予列入 is recorded
                                                         on the listing, not a document
    credit_joint             联合惩戒通知          惩通   to each department applying an external measure
    credit_repair_decision   信用修复决定书        信修   to the enterprise (提前移出, or 不予信用修复: its outcome)
    credit_removal           移出通知              移通   to each department that got a 联合惩戒通知
    credit_revoke            撤销移出决定          撤移   to the enterprise (the removal revoked, listing restored)

Templates: app/credit/templates/documents/<code>.html (extending documents/_a4.html), found through the
template folder of the blueprint `credit_documents` registered by `register(app)`.

Which documents the enterprise account may open (`party_may_open`): the outward ones addressed to it, and
the 列入告知书 / 列入决定书 only once served (the listing's notice_served_on / decision_served_on); never the
notices to other departments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from app.documents import issue_document
from app.documents.doc_types import DocType, register_doc_type

NOTICE = "credit_notice"
DECISION = "credit_decision"
JOINT = "credit_joint"
REPAIR_DECISION = "credit_repair_decision"
REMOVAL = "credit_removal"
REVOKE = "credit_revoke"

CREDIT_DOC_TYPES = [
    DocType(NOTICE, "列入告知书", "信告", aliases=("严重失信主体名单列入告知书",)),
    DocType(DECISION, "列入决定书", "信列", aliases=("严重失信主体名单列入决定书",)),
    DocType(JOINT, "联合惩戒通知", "惩通", aliases=("联合惩戒措施实施通知",)),
    DocType(REPAIR_DECISION, "信用修复决定书", "信修", aliases=("提前移出决定书", "不予信用修复决定书")),
    DocType(REMOVAL, "移出通知", "移通", aliases=("严重失信主体名单移出通知",)),
    DocType(REVOKE, "撤销移出决定", "撤移", aliases=("撤销移出决定书",)),
]

# addressed to the listed enterprise (the others go to departments)
PARTY_DOCUMENTS = frozenset({NOTICE, DECISION, REPAIR_DECISION, REVOKE})


def party_may_open(listing: Any, doc_type: str) -> bool:
    """Whether the listed enterprise's account may open a document of this type of its own listing."""
    if doc_type not in PARTY_DOCUMENTS:
        return False
    if doc_type == NOTICE:
        return listing.notice_served_on is not None
    if doc_type == DECISION:
        return listing.decision_served_on is not None
    return True  # 信用修复决定书 / 撤销移出决定 answer its own application and are handed to it


def party_of(listing: Any) -> dict[str, Any]:
    e = listing.enterprise
    return {
        "name": e.name,
        "credit_code": e.credit_code,
        "address": e.address,
        "legal_rep": e.legal_rep,
        "main_person": e.main_person,
    }


def person_of(listing: Any) -> dict[str, Any] | None:
    if not listing.person_name:
        return None
    return {"name": listing.person_name, "id_no": listing.person_id_no, "role": listing.person_role}


def issue(listing: Any, code: str, content: dict, *, actor, title: str | None = None):
    """Issue one of the listing's documents (any of the six), numbered on its agency's 代字 serial and
    locked. The listing's subject, person and criterion are added to `content` (the caller's keys win)."""
    from app.credit import criteria

    base = {
        "party": party_of(listing),
        "person": person_of(listing),
        # 第五项 lists the unit's main 负责人 only, never the unit (应急管理部令第11号第六条第五项)
        "head_only": criteria.criterion(listing.criterion).head_only,
        "criterion": listing.criterion,
        "criterion_text": listing.criterion_text,
        "listing_id": listing.id,
    }
    return issue_document(
        code, agency=listing.agency, subject=listing, content={**base, **content}, actor=actor, title=title
    )


def register_doc_types() -> None:
    for doc_type in CREDIT_DOC_TYPES:
        register_doc_type(doc_type)


def register(app: Flask) -> None:
    """The doc types, and the folder holding their templates (documents/<code>.html)."""
    register_doc_types()
    if "credit_documents" not in app.blueprints:
        app.register_blueprint(Blueprint("credit_documents", __name__, template_folder="templates"))


def get_name(code: str) -> str:
    return next((d.name for d in CREDIT_DOC_TYPES if d.code == code), code)
