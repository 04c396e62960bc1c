"""行政处罚信息公示期限 and its 信用修复 (《失信行为纠正后的信用信息修复管理办法（试行）》, 国家发展改革委令第58号;
spec §7.4 last item; parameters app.credit.rules `penalty_publication`, M:med).

A published penalty decision stays on the public pages for the LONGEST period of its kind — general
violations 1 year, serious ones 3 years, counted from the decision date — and then leaves them by itself (its
公示截止期 `expires_on`, set when app.cases.publicity publishes it). Serious: one of its penalty kinds contains
a serious kind (责令停产停业, 吊销, 暂扣, 关闭), or the case leads to a listing on the 严重失信主体名单.

A general one may leave earlier on the party's application (`apply_info_repair`), once its MINIMUM period
(3 months) has run and the penalty is performed (paid in full); the 负责人 of the jurisdiction decides
(`decide_info_repair`): 准予 → the publication is withdrawn at once (reason 信用修复).

    publication_terms(case) -> Terms(serious, min_end, max_end)
    apply_info_repair(case, data, *, actor) -> PenaltyInfoRepair
    decide_info_repair(repair, data, *, actor) -> PenaltyInfoRepair
    extend_for_listing(listing, *, actor) -> bool   # a listing makes the case serious: expires_on → serious max
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from app import attachments, audit, clock, publication
from app.auth.models import User
from app.auth.roles import Role
from app.credit.models import CreditListing, ListingStatus, PenaltyInfoRepair
from app.credit.rules import credit_pack
from app.errors import InvalidState, NotFound, invalid, require
from app.extensions import db

KIND = "penalty_decision"  # app.cases.publicity.KIND
DECISIONS = {"grant": "准予", "refuse": "不予"}
CHANNEL_ONLINE = "网上申请"
CHANNEL_RECORDED = "窗口登记"


@dataclass(frozen=True)
class Terms:
    serious: bool
    min_end: date  # the minimum period's last day: a general one may be repaired from this day on
    max_end: date  # the longest period's last day: 公示截止期


def leads_to_listing(case) -> bool:
    """The case is the basis of a listing (not declined, not overturned)."""
    return (
        db.session.scalar(
            select(CreditListing.id)
            .where(
                CreditListing.case_id == case.id,
                CreditListing.status.notin_((ListingStatus.DECLINED, ListingStatus.REVOKED)),
            )
            .limit(1)
        )
        is not None
    )


def publication_terms(case) -> Terms:
    from app.cases.legal_time import period_end

    if case.decided_on is None:
        raise InvalidState("该案件尚未作出处罚决定")
    terms = credit_pack(case.region_path, case.decided_on).penalty_publication
    kinds = [k for ln in case.lines for k in (ln.decided_kinds or [])]
    serious = terms.is_serious(kinds, leads_to_listing=leads_to_listing(case))
    shortest, longest = terms.bounds(serious)
    return Terms(
        serious,
        period_end(case.decided_on, shortest, roll_forward=False),
        period_end(case.decided_on, longest, roll_forward=False),
    )


def _staff_in_scope(user: User, case) -> bool:
    from app.cases.operations.common import is_staff_in_scope

    return is_staff_in_scope(user, case)


def _channel(user: User, case) -> str:
    if user.is_enterprise_user:
        require(
            user.has_role(Role.ENTERPRISE) and user.enterprise_id == case.enterprise_id,
            "只有被处罚单位本单位的账号可以申请",
        )
        return CHANNEL_ONLINE
    require(
        user.has_role(Role.OFFICER, Role.SECTION_HEAD) and _staff_in_scope(user, case),
        "只有被处罚单位，或本辖区执法人员登记书面申请，方可申请",
    )
    return CHANNEL_RECORDED


def current_publication(case):
    entry = publication.current_for(case, KIND)
    if entry is None or (entry.expires_on is not None and entry.expires_on < clock.today()):
        return None
    return entry


def pending(entry) -> PenaltyInfoRepair | None:
    return db.session.scalars(
        select(PenaltyInfoRepair)
        .where(PenaltyInfoRepair.publication_id == entry.id, PenaltyInfoRepair.decision.is_(None))
        .limit(1)
    ).first()


def apply_info_repair(case, data: dict[str, Any], *, actor: User) -> PenaltyInfoRepair:
    """The party applies (or an officer records its paper application) to end the publication of a general
    penalty decision early: after its minimum period, the penalty paid in full, one application at a time."""
    _channel(actor, case)
    entry = current_publication(case)
    if entry is None:
        raise InvalidState("该处罚决定不在公示中，无需申请")
    today = clock.today()
    terms = publication_terms(case)
    pack = credit_pack(case.region_path, case.decided_on).penalty_publication
    if terms.serious:
        raise InvalidState(
            f"该处罚属严重失信行为（或已据以列入严重失信主体名单），公示期限至{terms.max_end:%Y年%m月%d日}，"
            "不适用一般失信行为的提前停止公示"
        )
    if today < terms.min_end:
        raise InvalidState(
            f"一般失信行为的行政处罚信息最短公示期为{pack.general_min.label()}，{terms.min_end:%Y年%m月%d日}起方可申请"
        )
    from app.cases.operations.execution import balance

    bal = balance(case, today)
    if bal.owed > 0:
        raise InvalidState(f"罚款（含加处罚款）尚欠{bal.owed}元，履行完毕后方可申请")
    if pending(entry) is not None:
        raise InvalidState("该处罚决定已有尚未办结的信用修复申请")
    statement = (data.get("statement") or "").strip()
    if not statement:
        raise invalid("statement", "请填写申请理由")
    files = attachments.get_many(data.get("commitment") or [])
    if len(files) != len(data.get("commitment") or []) or any(f.uploaded_by_id != actor.id for f in files):
        raise invalid("commitment", "上传的文件无效，请重新上传")
    row = PenaltyInfoRepair(
        publication_id=entry.id,
        case_id=case.id,
        enterprise_id=case.enterprise_id,
        applied_on=today,
        applied_by_id=actor.id,
        statement=statement,
    )
    db.session.add(row)
    db.session.flush()
    attachments.link_all(files, row, "commitment")
    audit.record(
        actor,
        "credit.info_repair_applied",
        case,
        summary=f"申请行政处罚信息信用修复（提前停止公示）：{entry.title}",
        data={"info_repair_id": row.id, "publication_id": entry.id},
    )
    return row


def decide_info_repair(repair: PenaltyInfoRepair, data: dict[str, Any], *, actor: User) -> PenaltyInfoRepair:
    """The 负责人 of the case's jurisdiction decides; 准予 withdraws the publication at once."""
    from app.cases.models import PenaltyCase

    case = db.session.get(PenaltyCase, repair.case_id)
    if case is None:
        raise NotFound("案件不存在")
    require(
        actor.has_role(Role.LEADER) and _staff_in_scope(actor, case), "行政处罚信息信用修复由本辖区负责人决定"
    )
    if repair.decision is not None:
        raise InvalidState(f"该申请已于{repair.decided_on:%Y年%m月%d日}作出决定")
    decision = data.get("decision")
    if decision not in DECISIONS:
        raise invalid("decision", "请选择决定")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise invalid("reason", "请填写理由")
    entry = current_publication(case)
    if decision == "grant":
        if entry is None or entry.id != repair.publication_id:
            raise InvalidState("该处罚决定已不在公示中")
        if publication_terms(case).serious:  # a listing since the application makes it serious
            raise InvalidState("该处罚已据以列入严重失信主体名单，不适用提前停止公示")
    repair.decision = DECISIONS[decision]
    repair.decided_on = clock.today()
    repair.decided_by_id = actor.id
    repair.reason = reason
    if decision == "grant":
        assert entry is not None
        publication.withdraw(
            entry, f"行政处罚信息信用修复，准予提前停止公示：{reason}", actor=actor, due_on=None
        )
    audit.record(
        actor,
        "credit.info_repair_decided",
        case,
        summary=f"行政处罚信息信用修复：{DECISIONS[decision]}（{reason}）",
        data={"info_repair_id": repair.id, "publication_id": repair.publication_id},
    )
    return repair


def extend_for_listing(listing: CreditListing, *, actor) -> bool:
    """A listing resting on a penalty case makes the case serious: its publication stays until the serious
    maximum (3 years from the decision). True when the 公示截止期 was moved."""
    if not listing.case_id:
        return False
    from app.cases.models import PenaltyCase

    case = db.session.get(PenaltyCase, listing.case_id)
    entry = publication.current_for(case, KIND) if case is not None else None
    if case is None or entry is None:
        return False
    terms = publication_terms(case)
    if entry.expires_on is not None and entry.expires_on >= terms.max_end:
        return False
    old, entry.expires_on = entry.expires_on, terms.max_end
    audit.record(
        actor,
        "credit.info_publication_extended",
        case,
        summary=f"处罚决定据以列入严重失信主体名单，公示截止期延至{terms.max_end:%Y年%m月%d日}",
        changes={"expires_on": [old, terms.max_end]},
        data={"publication_id": entry.id, "listing_id": listing.id},
    )
    return True


__all__ = [
    "Terms",
    "apply_info_repair",
    "current_publication",
    "decide_info_repair",
    "extend_for_listing",
    "leads_to_listing",
    "publication_terms",
]
