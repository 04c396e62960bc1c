"""复议 / 诉讼 against a 列入决定, and ★ propagation: when the listing, or the penalty decision it rests on, is
overturned (撤销 / 确认违法), the listing ends as 撤销列入 — its publication withdrawn within `withdraw_period`
(3 working days) of the outcome, measures lifted, the departments told, pushed (effects.end_effects with
on = the outcome's date).

    record_remedy(listing, data, *, actor) -> ListingRemedy          # 复议/诉讼 filed against the listing
    decide_remedy(listing, data, *, actor) -> ListingRemedy          # its outcome; 撤销/确认违法 → overturn
    overturn(listing, reason, *, actor, on) -> bool                  # the listing withdrawn (whatever stage)
    on_case_overturned(case, outcome=..., **kw)                      # receiver of
                                                                     # app.cases.signals.decision_overturned

A penalty decision 变更 (changed, e.g. a lower fine) does not by itself overturn the listing resting on it: the
listing's officers are told to review it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app import audit, clock, notifications, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.credit.models import CreditListing, ListingEnd, ListingRemedy, ListingStatus
from app.credit.models.listing import OPEN
from app.credit.operations.common import LISTING, done_by, lock, require_role
from app.errors import InvalidState, invalid
from app.extensions import db
from app.workflow.models import InstanceStatus

KINDS = ("复议", "诉讼")
OUTCOMES = ("维持", "驳回", "撤销", "确认违法")
OVERTURNING = ("撤销", "确认违法")


def _running(listing: CreditListing) -> ListingRemedy | None:
    return next((r for r in reversed(listing.remedies) if r.outcome is None), None)


def record_remedy(listing: CreditListing, data: dict[str, Any], *, actor: User) -> ListingRemedy:
    """A 复议 / 诉讼 filed against the 列入决定 (recorded by staff of the jurisdiction)."""
    require_role(
        actor,
        listing,
        Role.OFFICER,
        Role.SECTION_HEAD,
        Role.LEADER,
        message="复议、诉讼情况由本辖区执法人员登记",
    )
    if listing.decided_on is None or listing.status in (ListingStatus.DECLINED, ListingStatus.REVOKED):
        raise InvalidState(f"名单状态为“{listing.status}”，没有可申请复议或提起诉讼的列入决定")
    if _running(listing) is not None:
        raise InvalidState("该列入决定已有尚未审结的复议或诉讼")
    kind = data.get("kind")
    if kind not in KINDS:
        raise invalid("kind", "请选择复议或诉讼")
    body = (data.get("body") or "").strip()
    if not body:
        raise invalid("body", "请填写复议机关或受理法院")
    filed_on = data.get("filed_on")
    if not isinstance(filed_on, date):
        raise invalid("filed_on", "请填写申请/起诉日期")
    if filed_on > clock.today() or filed_on < listing.decided_on:
        raise invalid(
            "filed_on", f"申请/起诉日期应在列入决定（{listing.decided_on:%Y年%m月%d日}）之后、不晚于今天"
        )
    remedy = ListingRemedy(
        kind=kind,
        body=body,
        filed_on=filed_on,
        note=(data.get("note") or "").strip() or None,
        recorded_by_id=actor.id,
    )
    listing.remedies.append(remedy)
    db.session.flush()
    audit.record(
        actor,
        "credit.remedy_filed",
        listing,
        summary=f"当事人对列入决定申请{kind}（{body}，{filed_on:%Y-%m-%d}）",
        data={"remedy_id": remedy.id},
    )
    return remedy


def last_outcome(listing: CreditListing) -> str:
    """Who recorded the latest 复议/诉讼 outcome and when — "（复议结果“撤销”已由周局长于2026-11-02 10:00登记）" —
    or "" when none was recorded."""
    decided = [r for r in listing.remedies if r.outcome is not None]
    if not decided:
        return ""
    r = decided[-1]
    who = done_by(listing, "credit.remedy_decided", remedy_id=r.id)
    return f"（{r.kind}结果“{r.outcome}”已由{who}登记）" if who else f"（{r.kind}结果“{r.outcome}”已登记）"


def decide_remedy(listing: CreditListing, data: dict[str, Any], *, actor: User) -> ListingRemedy:
    """The outcome of the running 复议/诉讼. 撤销/确认违法 (recorded by the section head or the 负责人, with the
    document it rests on) overturn the listing on the outcome's date."""
    require_role(
        actor,
        listing,
        Role.OFFICER,
        Role.SECTION_HEAD,
        Role.LEADER,
        message="复议、诉讼结果由本辖区执法人员登记",
    )
    lock(listing)  # two people recording the outcome at once: the second finds the first's
    remedy = _running(listing)
    if remedy is None:
        raise InvalidState("没有尚未审结的复议或诉讼" + last_outcome(listing))
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        raise invalid("outcome", "请选择复议（诉讼）结果")
    outcome_on = data.get("outcome_on") or clock.today()
    if outcome_on > clock.today() or outcome_on < remedy.filed_on:
        raise invalid("outcome_on", f"结果日期应在{remedy.filed_on:%Y年%m月%d日}之后、不晚于今天")
    ref = (data.get("ref") or "").strip()
    if outcome in OVERTURNING:
        require_role(
            actor,
            listing,
            Role.SECTION_HEAD,
            Role.LEADER,
            message="列入决定被撤销或确认违法的结果，由承办机构负责人或负责人登记",
        )
        if not ref:
            raise invalid("ref", "请填写复议决定书或裁判文书文号")
    remedy.outcome, remedy.outcome_on = outcome, outcome_on
    remedy.note = "；".join(
        x
        for x in [remedy.note, (data.get("note") or "").strip(), f"{outcome}（{ref}）" if ref else outcome]
        if x
    )
    audit.record(
        actor,
        "credit.remedy_decided",
        listing,
        summary=f"列入决定{remedy.kind}结果：{outcome}（{outcome_on:%Y-%m-%d}{'，' + ref if ref else ''}）",
        data={"remedy_id": remedy.id},
    )
    if outcome in OVERTURNING:
        overturn(listing, f"列入决定经{remedy.kind}{outcome}（{ref}）", actor=actor, on=outcome_on)
    return remedy


def overturn(listing: CreditListing, reason: str, *, actor, on: date) -> bool:
    """The listing (or the penalty under it) was overturned on `on`: in force → 撤销列入 through
    effects.end_effects (publication withdrawn within withdraw_period of `on`); still in procedure → the
    procedure is stopped and the listing 已撤销; already removed → recorded as 撤销列入. False when there is
    nothing to do (不予列入, already 已撤销)."""
    if listing.status == ListingStatus.LISTED:
        from app.credit import effects

        effects.end_effects(listing, ListingEnd.OVERTURNED, reason, actor=actor, on=on)
        return True
    if listing.status in (ListingStatus.DECLINED, ListingStatus.REVOKED):
        return False
    old = listing.status
    if listing.status in OPEN:
        inst = workflow.instance_for(listing, LISTING)
        if inst is not None and inst.status == InstanceStatus.RUNNING:
            workflow.cancel(inst, actor=actor, reason=reason)
        listing.ended_on = on
    # (an ended listing keeps the day it left the list; what it was ends up overturned)
    listing.status = ListingStatus.REVOKED
    listing.end_kind = ListingEnd.OVERTURNED
    listing.end_reason = reason if old in OPEN else f"{listing.end_reason or ''}；{reason}".lstrip("；")
    db.session.flush()
    audit.record(
        actor,
        "credit.overturned",
        listing,
        summary=f"列入事项撤销：{reason}",
        changes={"status": [old, listing.status]},
        data={"on": on},
    )
    return True


def _outcome_on(case, outcome: Any) -> date:
    on = getattr(outcome, "outcome_on", None)
    if isinstance(on, date):
        return on
    dated = [r.outcome_on for r in getattr(case, "remedies", []) or [] if r.outcome_on is not None]
    return max(dated) if dated else clock.today()


def _outcome_word(case, outcome: Any) -> str:
    if isinstance(outcome, str):
        return outcome
    word = getattr(outcome, "outcome", None)
    if word:
        return str(word)
    decided = [r for r in getattr(case, "remedies", []) or [] if r.outcome]
    return decided[-1].outcome if decided else ""


def on_case_overturned(case, outcome: Any = None, **kw: Any) -> list[CreditListing]:
    """Receiver of app.cases.signals.decision_overturned (sender: the PenaltyCase; outcome: 撤销/变更/确认违法, or
    the remedy row). 撤销/确认违法: every listing resting on the case is overturned on the outcome's date.
    变更: the listings' officers are told to review them. Returns the listings overturned."""
    word = _outcome_word(case, outcome)
    on = _outcome_on(case, outcome)
    actor = kw.get("actor")
    listings = list(db.session.scalars(select(CreditListing).where(CreditListing.case_id == case.id)))
    done: list[CreditListing] = []
    if word in OVERTURNING:
        for listing in listings:
            if overturn(
                listing, f"所依据的行政处罚决定（{case.display_no}）经复议或诉讼{word}", actor=actor, on=on
            ):
                done.append(listing)
        return done
    live = [x for x in listings if x.status == ListingStatus.LISTED or x.status in OPEN]
    for listing in live:
        from app.credit.effects import officers_of

        body = f"{listing.enterprise.name}：所依据的行政处罚决定（{case.display_no}）经复议或诉讼{word or '变更'}，请复核列入事项"
        notifications.notify(
            officers_of(listing),
            listing,
            kind="credit_deadline",
            key=f"basis_changed:{case.id}:{on}",
            title="列入依据的处罚决定已变更",
            body=body,
            level="warning",
        )
        audit.record(actor, "credit.basis_changed", listing, summary=body)
    return done


def connect() -> None:
    """Connect the receiver (app.credit.init_app)."""
    from app.cases import signals

    signals.decision_overturned.connect(on_case_overturned, weak=False)


__all__ = [
    "OUTCOMES",
    "OVERTURNING",
    "connect",
    "decide_remedy",
    "on_case_overturned",
    "overturn",
    "record_remedy",
]
