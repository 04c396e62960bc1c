"""公示 of a listing on the 严重失信主体名单 through the platform's app.publication (the same mechanism as penalty
decisions, app/cases/publicity.py): published when the 列入决定书 is served (due within the publish period,
`listing.publish_due`), shown until the end of the management term (expires_on = term_end), withdrawn when the
listing ends — within the withdraw period (3 working days) when it is overturned. The listed person's ID
number is masked (app.publication.masking, label 身份证号); a 统一社会信用代码 is shown in full."""

from __future__ import annotations

from datetime import date

from app import clock, publication
from app.credit.criteria import item_of
from app.credit.models import CreditListing, SubjectKind
from app.publication.kinds import PublicationKind

KIND = "credit_listing"

FIELDS = (
    "失信主体名称",
    "主体类别",
    "统一社会信用代码",
    "法定代表人",
    "一并列入人员",
    "身份证号",
    "列入情形",
    "列入依据",
    "失信事实",
    "列入决定书文号",
    "列入日期",
    "管理期限",
    "惩戒措施",
    "决定机关",
    "数据来源单位",
)
BASIS = "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）"

publication.register_kind(
    PublicationKind(
        code=KIND,
        name="安全生产严重失信主体名单",
        fields=FIELDS,
        mask=frozenset({"身份证号"}),
        description="列入决定书送达后在公示期限内公示，管理期限届满、提前移出或撤销列入时撤回。",
        title=lambda v: f"{v.get('失信主体名称') or ''}列入安全生产严重失信主体名单",
    )
)


def _decision_no(listing: CreditListing) -> str:
    from app.credit.documents import DECISION
    from app.documents import documents_for

    docs = documents_for(listing, doc_type=DECISION, include_voided=False)
    return docs[-1].number.text if docs else ""


def fields(listing: CreditListing, measure_names: list[str]) -> dict[str, object]:
    from app.credit import criteria

    e = listing.enterprise
    person = ""
    if listing.person_name:
        person = listing.person_name + (f"（{listing.person_role}）" if listing.person_role else "")
    out: dict[str, object] = {
        "失信主体名称": e.name,
        "主体类别": "安全生产服务机构"
        if listing.subject_kind == SubjectKind.INSTITUTION
        else "法人及非法人组织",
        "统一社会信用代码": e.credit_code,
        "法定代表人": e.legal_rep or "",
        "一并列入人员": person,
        "身份证号": listing.person_id_no or "",
        "列入情形": f"应急管理部令第11号{item_of(listing.criterion)}：{listing.criterion_text}",
        "列入依据": BASIS,
        "失信事实": listing.reasons or listing.evidence,
        "列入决定书文号": _decision_no(listing),
        "列入日期": listing.term_start.isoformat() if listing.term_start else "",
        "管理期限": (
            f"{listing.term_start.isoformat()}至{listing.term_end.isoformat()}"
            if listing.term_start and listing.term_end
            else ""
        ),
        "惩戒措施": "；".join(measure_names),
        "决定机关": listing.agency.name,
        "数据来源单位": listing.agency.name,
    }
    if criteria.criterion(listing.criterion).head_only:
        # 第五项 lists the unit's main 负责人 alone (应急管理部令第11号第六条第五项): the listed subject is the
        # person (ID masked); the unit, not on the list, is named only as where the person works
        out.update(
            {
                "失信主体名称": listing.person_name or "",
                "主体类别": "自然人（生产经营单位主要负责人）",
                "统一社会信用代码": "",
                "法定代表人": "",
                "一并列入人员": f"所在单位：{e.name}",
            }
        )
    return out


def publish(listing: CreditListing, measure_names: list[str], *, actor) -> publication.Publication | None:
    """Publish the listing (None when it is published already: a listing has one entry shown at a time)."""
    if publication.current_for(listing, KIND) is not None:
        return None
    decided_on = listing.decided_on or clock.today()
    return publication.publish(
        listing,
        KIND,
        fields(listing, measure_names),
        region_path=listing.region_path,
        agency=listing.agency,
        decided_on=min(decided_on, clock.today()),
        due_on=listing.publish_due,
        expires_on=listing.term_end,
        actor=actor,
    )


def withdraw(listing: CreditListing, reason: str, *, actor, due_on: date | None):
    """Withdraw the shown entry (None when nothing is shown)."""
    current = publication.current_for(listing, KIND)
    if current is None:
        return None
    return publication.withdraw(current, reason, actor=actor, due_on=due_on)


def current(listing: CreditListing):
    return publication.current_for(listing, KIND)


__all__ = ["FIELDS", "KIND", "current", "fields", "publish", "withdraw"]
