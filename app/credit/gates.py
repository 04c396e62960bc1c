"""Every legal gate of the credit listing, in one module, checked by the operation whoever calls it — the
listing page, the generic task page (/tasks/<id>), the API or a timer (issue #14; spec §7.3).

- `require_window_closed`: the 列入决定 only after the 列入告知书 was served and either its 陈述申辩 window
  closed, or a statement (or a waiver) was received and verified (国办发〔2020〕49号: 列入前告知, 陈述申辩,
  核查答复). "A listing before its 告知 window closes is refused."
- `require_decider`: the decider is a 负责人 (Role.LEADER) of the jurisdiction — never the officer who proposed
  the listing, issued or served its notice, recorded the party's statement or verified it (谁决定、谁负责;
  separation of handling and deciding).
- `require_statement_author`: a 陈述申辩 is made by the listed enterprise's own account, or recorded by an
  officer of the jurisdiction (paper or oral statement, channel 执法人员记录); never by another company.
- `require_service_date`: a service date is neither in the future nor before the document was issued.
- `require_person`: where the criterion lists the unit and its main 负责人 together (criteria: includes_head),
  the person is named (name, ID number, post) with the unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app import clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.credit.models import CreditListing
from app.errors import InvalidState, invalid, require

CHANNEL_ONLINE = "网上提交"
CHANNEL_RECORDED = "执法人员记录"


def is_staff_in_scope(user: User, listing: CreditListing) -> bool:
    return not user.is_enterprise_user and in_scope(user, listing.region_path, listing.enterprise_id)


def includes_head(criterion: str) -> bool:
    """Whether the criterion lists the unit and its main 负责人 together (app.credit.criteria data)."""
    from app.credit import criteria

    return bool(criteria.criterion(criterion).includes_head)


# ---- 告知 / 送达 ----------------------------------------------------------------------------------------------


def require_person(listing: CreditListing, data: dict[str, Any] | None = None) -> None:
    """Unit and head together: the person named in `data` (or already on the listing) where the criterion
    says so. Raises ValidationFailed on the field."""
    if not includes_head(listing.criterion):
        return
    data = data or {}
    name = (data.get("person_name") or listing.person_name or "").strip()
    id_no = (data.get("person_id_no") or listing.person_id_no or "").strip()
    role = (data.get("person_role") or listing.person_role or "").strip()
    if not name:
        raise invalid("person_name", "该列入情形须将单位及其主要负责人一并列入，请填写主要负责人姓名")
    if not id_no:
        raise invalid("person_id_no", "请填写一并列入人员的身份证号")
    if not role:
        raise invalid("person_role", "请填写一并列入人员的职务")


def require_service_date(served_on: date | None, issued_on: date, *, field: str = "served_on") -> date:
    """A service date not in the future nor before the document's issue. Returns it."""
    if served_on is None:
        raise invalid(field, "请填写送达日期")
    if served_on > clock.today():
        raise invalid(field, "送达日期不能晚于今天")
    if served_on < issued_on:
        raise invalid(field, f"送达日期不能早于文书制发日期（{issued_on:%Y年%m月%d日}）")
    return served_on


# ---- 陈述申辩 -------------------------------------------------------------------------------------------------


def require_statement_author(user: User, listing: CreditListing) -> str:
    """The channel of a statement by `user`: the listed enterprise's own account (网上提交), or an officer of
    the jurisdiction recording it (执法人员记录). Anyone else is refused."""
    if user.is_enterprise_user:
        require(
            user.has_role(Role.ENTERPRISE) and user.enterprise_id == listing.enterprise_id,
            "只有被列入主体本单位的账号可以提交陈述申辩",
        )
        return CHANNEL_ONLINE
    require(
        user.has_role(Role.OFFICER, Role.SECTION_HEAD) and is_staff_in_scope(user, listing),
        "只有被列入主体本单位，或本辖区执法人员记录，方可提交陈述申辩",
    )
    return CHANNEL_RECORDED


# ---- 列入决定 -------------------------------------------------------------------------------------------------


def window_closed(listing: CreditListing, today: date | None = None) -> bool:
    """The 陈述申辩 window after the served 列入告知书 has passed (the due day itself still counts)."""
    today = today or clock.today()
    return listing.statement_due is not None and today > listing.statement_due


def statement_verified(listing: CreditListing) -> bool:
    """A statement or waiver was received and the officer's 核查意见 recorded."""
    return bool(listing.statements) and bool((listing.verification or "").strip())


def require_window_closed(listing: CreditListing, today: date | None = None) -> None:
    if listing.notice_served_on is None or listing.statement_due is None:
        raise InvalidState("列入告知书尚未送达，不能作出列入决定")
    if window_closed(listing, today) or statement_verified(listing):
        return
    raise InvalidState(
        f"陈述申辩期限（至{listing.statement_due:%Y年%m月%d日}）尚未届满，且未收到经核查的陈述申辩或放弃声明，"
        "不能作出列入决定"
    )


# the steps of the procedure an officer handles (承办): whoever took one of them does not decide
HANDLING_STEPS = ("prepare_notice", "serve_notice", "state_case", "verify")


def handlers(listing: CreditListing) -> set[int]:
    """Who proposed the listing, issued or served its notice, recorded the party's statement or verified
    it: none of them may decide it (state_case's completer is the party itself when it stated online — never
    a 负责人, so no one is wrongly excluded)."""
    ids = {listing.proposed_by_id} if listing.proposed_by_id else set()
    inst = workflow.instance_for(listing, "credit_listing")
    for task in workflow.history(inst):
        if task.bpmn_id in HANDLING_STEPS and task.completed_by_id:
            ids.add(task.completed_by_id)
    return ids


def require_decider(user: User, listing: CreditListing) -> None:
    require(
        user.has_role(Role.LEADER) and is_staff_in_scope(user, listing),
        "列入决定须由本辖区决定机关负责人作出",
    )
    require(
        user.id not in handlers(listing), "提出、告知、送达、记录陈述申辩或核查该列入的人员不能作出列入决定"
    )


def before_decision(user: User, listing: CreditListing, today: date | None = None) -> None:
    """Every gate of the 列入决定: the decider, the window, the person where the criterion requires one."""
    require_decider(user, listing)
    require_window_closed(listing, today)
    if includes_head(listing.criterion) and not (listing.person_name or "").strip():
        raise InvalidState("该列入情形须将单位及其主要负责人一并列入，告知时未列明主要负责人，请退回重新告知")
