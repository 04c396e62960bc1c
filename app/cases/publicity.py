"""行政处罚决定公示 (安全生产法 Art.78; 国办发〔2018〕118号; 双公示 fields of domain spec §8.1) through the
platform's app.publication: published within 7 working days of the decision (the service task right after
service does it, so it is never late), persons' ID numbers masked, withdrawn within 3 working days when the
decision is changed, revoked or annulled (行政处罚法 Art.48).

罚款金额(万元) is the decided total: the fines with the unit's Art.112 按日连续处罚 (app.cases.linked.line_total),
and 处罚内容 names that part on the unit's line (“罚款150000元、按日连续处罚900000元（原罚款数额30000元×30日）”)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app import clock, publication
from app.cases import discretion, linked
from app.cases.models import PenaltyCase, PenaltyLine, TargetKind
from app.cases.violations import Entry
from app.errors import InvalidState, ValidationFailed
from app.publication.kinds import PublicationKind

KIND = "penalty_decision"

FIELDS = (
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额(万元)",
    "处罚决定日期",
    "处罚机关",
    "数据来源单位",
)

publication.register_kind(
    PublicationKind(
        code=KIND,
        name="行政处罚决定",
        fields=FIELDS,
        mask=frozenset({"统一社会信用代码"}),
        term_days=365,  # 一般违法行为 at least 3 months, at most 1 year (国家发改委令第58号) [M:med]
        description="依据《安全生产法》第七十八条，行政处罚决定作出之日起7个工作日内公示。",
    )
)


def _line_content(kinds: list[str], fine: Decimal | None) -> str:
    """警告、罚款20000元 — the fine once, with its amount (not “罚款，罚款20000元”)."""
    parts = [k for k in kinds if not (fine and k == "罚款")]
    if fine:
        parts.append(f"罚款{fine}元")
    return "、".join(parts)


def _continuing_content(line: PenaltyLine) -> str:
    """、按日连续处罚900000元（原罚款数额30000元×30日） on the line that carries it, else nothing."""
    part = linked.continuing_content(line, "decided")
    if part is None:
        return ""
    return f"、按日连续处罚{part['amount']}元（原罚款数额{part['original_fine']}元×{part['days']}日）"


def _entry(case: PenaltyCase) -> Entry | None:
    """The 违法行为库 entry the case applied (its stored version), when the case picked one."""
    if not case.violation_code:
        return None
    try:
        return discretion.entry(case.violation_code, case.violation_version)
    except (LookupError, ValueError, ValidationFailed):
        return None


def _fields(case: PenaltyCase, decision_no: str) -> dict[str, object]:
    kinds = sorted({k for ln in case.lines for k in (ln.decided_kinds or [])})
    total = sum((linked.line_total(ln) for ln in case.lines), Decimal(0))  # with Art.112's part
    content = "；".join(
        f"{ln.party_name}{'（' + ln.position + '）' if ln.position else ''}："
        + _line_content(list(ln.decided_kinds or []), ln.decided_fine)
        + _continuing_content(ln)
        for ln in case.lines
    )
    # a published decision names the violation and the penalty article it applied — not the case's 案由
    # (“涉嫌…案”, a suspicion) nor the breached article
    entry = _entry(case)
    e = case.enterprise
    return {
        "行政相对人名称": e.name,
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": e.credit_code,
        "法定代表人": e.legal_rep or "",
        "决定书文号": decision_no,
        "违法行为类型": entry.violation if entry else case.name.replace("涉嫌", "", 1).removesuffix("案"),
        "违法事实": case.facts,
        "处罚依据": entry.penalty_article if entry else case.provisions,
        "处罚类别": "、".join(kinds),
        "处罚内容": content,
        "罚款金额(万元)": str((total / Decimal(10000)).quantize(Decimal("0.0001"))),
        "处罚决定日期": case.decided_on.isoformat() if case.decided_on else "",
        "处罚机关": case.agency.name,
        "数据来源单位": case.agency.name,
    }


def expires_on(case: PenaltyCase) -> date | None:
    """公示截止期 (国家发改委令第58号, M:med): the longest publication period of a general or serious penalty,
    counted from the decision date, from the jurisdiction's credit parameter pack (app.credit.rules
    penalty_publication: general 1 year, serious 3 years; serious = one of the decided kinds contains a serious
    kind). A listing resting on the case extends it (app.credit.operations.info_repair.extend_for_listing)."""
    from app.cases.legal_time import period_end
    from app.credit.rules import credit_pack

    if case.decided_on is None:
        return None
    terms = credit_pack(case.region_path, case.decided_on).penalty_publication
    kinds = [k for ln in case.lines for k in (ln.decided_kinds or [])]
    return period_end(case.decided_on, terms.bounds(terms.is_serious(kinds))[1], roll_forward=False)


def publish(case: PenaltyCase, *, due_on: date, actor=None):
    """Publish the case's penalty decision (idempotent: an existing publication is kept)."""
    from app.cases.operations.decision import decision_document

    if publication.current_for(case, KIND) is not None:
        return None
    if case.decided_on is None:
        raise InvalidState("案件尚未作出处罚决定，不能公示")
    doc = decision_document(case)
    persons = [ln for ln in case.lines if ln.target == TargetKind.PERSON]
    title = f"{case.enterprise.name}{'及' + str(len(persons)) + '名责任人员' if persons else ''}行政处罚决定书{doc.number.text}"
    return publication.publish(
        case,
        KIND,
        _fields(case, doc.number.text),
        region_path=case.region_path,
        agency=case.agency,
        decided_on=case.decided_on,
        due_on=due_on,
        expires_on=expires_on(case),
        actor=actor,
        title=title,
    )


def withdraw(case: PenaltyCase, reason: str, *, actor, due_on: date):
    current = publication.current_for(case, KIND)
    if current is None:
        return None
    return publication.withdraw(current, reason, actor=actor, due_on=due_on)


__all__ = ["KIND", "expires_on", "publish", "withdraw", "clock"]
