"""What a listing does while in force, and undoing it (contract "Effects"; spec §7.3, §7.4, §8.1):

    take_effect(listing, *, actor)                          served 列入决定书: publish, push, apply measures,
                                                            start the term's timer; the penalty decision under
                                                            it public for the serious maximum (发改委令第58号)
    end_effects(listing, end, reason, *, actor, on)         期满移出 / 提前移出 / 撤销列入: status and end,
                                                            publication withdrawn, measures lifted (移出通知 to
                                                            each department told), push, timer cancelled, an
                                                            open 信用修复 application terminated (已终止)
    restore_effects(listing, *, actor)                      撤销移出决定 (fraud in a repair): back in force with
                                                            its original term — or 期满移出 at once if over
    record_feedback(measure, data, *, actor)                a department's feedback on a 联合惩戒通知
    feedback_sweep(today=None)                              overdue feedback marked, the officers told once

Measures (app/credit/measures.py, data/measures.json): internal ones apply by themselves — `class_up` raises
the enterprise's 分类分级 class one step through app.org.operations.change_category (the previous class kept in
the measure's detail, restored on lift unless someone changed it since), `banner` is the 重点监管 flag that
follows the enterprise (app.org.flags, while the listing is in force), `interview` schedules the 约谈 within
the interview period and tells the officers; external ones get one numbered 联合惩戒通知 per department with a
feedback window. Explicit actor, flush never commit, an audit record per step.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select

from app import audit, clock, notifications, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.credit import measures as library
from app.credit import publicity, push
from app.credit.models import (
    CreditListing,
    FeedbackStatus,
    ListingEnd,
    ListingMeasure,
    ListingStatus,
    RepairApplication,
    RepairStatus,
)
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.workflow.models import InstanceStatus

LISTED_LABEL = "严重失信主体"
HEAD_LISTED_LABEL = "主要负责人列入严重失信主体名单"  # 第五项: the person is listed, not the unit
KEY_LABEL = "重点监管"
FEEDBACK_MAX = 2000
FEEDBACK_ROLES = (Role.OFFICER, Role.SECTION_HEAD, Role.LEADER)

TAKEN = "credit.effects_taken"
ENDED = "credit.effects_ended"
REPAIR_TERMINATED = "credit.repair_terminated"
RESTORED = "credit.effects_restored"
FEEDBACK = "credit.feedback_recorded"
FEEDBACK_CORRECTED = "credit.feedback_corrected"
CORRECTION_MAX = 500
OVERDUE = "credit.feedback_overdue"
audit.register_action_labels(
    {
        TAKEN: "名单生效（公示、推送、惩戒措施）",
        ENDED: "名单移出（撤回公示、解除措施）",
        RESTORED: "恢复列入（重新公示、恢复措施）",
        FEEDBACK: "登记联合惩戒反馈",
        FEEDBACK_CORRECTED: "更正联合惩戒反馈",
        OVERDUE: "联合惩戒反馈逾期",
        REPAIR_TERMINATED: "信用修复申请终止（名单已移出或撤销）",
        "credit.pushed": "推送全国信用信息共享平台",
    }
)


# --- helpers ----------------------------------------------------------------------------------------------


def _pack(listing: CreditListing, on: date):
    from app.credit.rules import credit_pack

    return credit_pack(listing.region_path, on)


def _term():
    from app.credit.operations import term  # helper "term": imported when used

    return term


def officers_of(listing: CreditListing) -> list[User]:
    """Who handles the listing: the officers and 科室负责人 of its agency covering its region (谁处罚、谁负责)."""
    users: list[User] = []
    for role in (Role.OFFICER, Role.SECTION_HEAD):
        users += users_with_role(role, region_path=listing.region_path, agency_id=listing.agency_id)
    return list(dict.fromkeys(users))


def head_only(listing: CreditListing) -> bool:
    """第五项: the unit's main 负责人 is listed alone (应急管理部令第11号第六条第五项), not the unit."""
    from app.credit import criteria

    return criteria.criterion(listing.criterion).head_only


def _listed_as(listing: CreditListing) -> str:
    """Who is listed, in a notice's or notification's words: the unit, or its main 负责人 by name."""
    if head_only(listing):
        return f"{listing.enterprise.name}{listing.person_role or '主要负责人'}{listing.person_name or ''}"
    return listing.enterprise.name


def _live(listing: CreditListing) -> list[ListingMeasure]:
    return [m for m in listing.measures if m.lifted_on is None]


def _names(listing: CreditListing, codes: Iterable[str]) -> list[str]:
    lib = library.library()
    out = []
    for code in codes:
        try:
            out.append(lib.get(code).name)
        except LookupError:
            out.append(str(code))
    return out


def _joint_number(measure: ListingMeasure) -> str:
    from app.documents import OfficialDocument

    if measure.document_id is None:
        return ""
    doc = db.session.get(OfficialDocument, measure.document_id)
    return doc.number.text if doc is not None else ""


# --- measures: apply and lift -----------------------------------------------------------------------------


def _class_up(listing: CreditListing, m: ListingMeasure, *, actor) -> None:
    from app.org.operations import change_category

    enterprise = listing.enterprise
    other = _class_holder(listing)
    if other is not None:  # another listing in force raised it already: one step, not two
        m.detail = {
            "previous": None,
            "raised_to": None,
            "held_by": other.id,
            "note": "已因另一名单上调，不重复上调",
        }
        return
    current = enterprise.category
    target = library.next_class(current)
    if target is None:
        m.detail = {
            "previous": current,
            "raised_to": None,
            "note": f"已为最高监管类别（{current}类），不再上调",
        }
        return
    change_category(
        enterprise,
        target,
        reason=f"列入安全生产严重失信主体名单，加大执法检查频次（名单{listing.id}）",
        actor=actor,
    )
    m.detail = {"previous": current, "raised_to": target}


def _class_holder(listing: CreditListing) -> ListingMeasure | None:
    """A live class_up measure of another listing of the same enterprise in force that raised the class."""
    rows = db.session.scalars(
        select(ListingMeasure)
        .join(CreditListing, ListingMeasure.listing_id == CreditListing.id)
        .where(
            CreditListing.enterprise_id == listing.enterprise_id,
            CreditListing.id != listing.id,
            CreditListing.status == ListingStatus.LISTED,
            ListingMeasure.lifted_on.is_(None),
        )
    )
    for m in rows:
        if _kind(m) == "class_up" and (m.detail or {}).get("raised_to"):
            return m
    return None


def _kind(m: ListingMeasure) -> str:
    if not m.internal:
        return "external"
    try:
        return library.get(m.code).kind
    except LookupError:
        return str((m.detail or {}).get("kind", ""))


def _restore_class(listing: CreditListing, m: ListingMeasure, *, actor, on: date) -> None:
    from app.org.operations import change_category

    detail = dict(m.detail or {})
    previous, raised_to = detail.get("previous"), detail.get("raised_to")
    if not raised_to or not previous:
        return
    enterprise = listing.enterprise
    # another listing of the enterprise still in force keeps the class up: it takes over the restoring
    heir = next(
        (
            other
            for other in db.session.scalars(
                select(ListingMeasure)
                .join(CreditListing, ListingMeasure.listing_id == CreditListing.id)
                .where(
                    CreditListing.enterprise_id == listing.enterprise_id,
                    CreditListing.id != listing.id,
                    CreditListing.status == ListingStatus.LISTED,
                    ListingMeasure.lifted_on.is_(None),
                )
            )
            if _kind(other) == "class_up"
        ),
        None,
    )
    if heir is not None:
        heir.detail = {**(heir.detail or {}), "previous": previous, "raised_to": raised_to, "held_by": None}
        detail["restored"] = False
        detail["note"] = f"另一名单（{heir.listing_id}）仍在管理期限内，分类分级维持{raised_to}类"
    elif enterprise.category != raised_to:
        detail["restored"] = False
        detail["note"] = f"分类分级已被调整为{enterprise.category}类，未自动恢复"
    else:
        change_category(
            enterprise,
            previous,
            reason=f"移出安全生产严重失信主体名单，恢复原分类分级（名单{listing.id}）",
            actor=actor,
        )
        detail["restored"] = True
        detail["restored_on"] = on.isoformat()
    m.detail = detail


def _apply_measures(listing: CreditListing, *, actor, today: date) -> list[ListingMeasure]:
    lib = library.library()
    pack = _pack(listing, today)
    codes = list(dict.fromkeys(listing.measure_codes or []))
    chosen = []
    for code in codes:
        try:
            chosen.append(lib.get(code))
        except LookupError:
            raise invalid("measure_codes", f"措施库中没有该惩戒措施：{code}") from None
    if head_only(listing):
        # the person is listed, not the unit: only the measures concerning a person (measures.json
        # `person`) — no class raise, no 重点监管 banner, nothing aimed at the unit (a decision made before
        # the 列入决定 refused them may still carry them: they are not applied)
        chosen = [m for m in chosen if m.person]
    created: list[ListingMeasure] = []
    external: OrderedDict[str, list[ListingMeasure]] = OrderedDict()
    for spec in chosen:
        m = ListingMeasure(
            listing=listing,
            code=spec.code,
            name=spec.name,
            basis=spec.basis,
            department=spec.department,
            internal=spec.internal,
            status=FeedbackStatus.INTERNAL if spec.internal else FeedbackStatus.WAITING,
            detail={},
        )
        db.session.add(m)
        created.append(m)
        if spec.kind == "class_up":
            _class_up(listing, m, actor=actor)
        elif spec.kind == "banner":
            m.detail = {"label": KEY_LABEL}
        elif spec.kind == "interview":
            due = pack.end_of("interview_period", today)
            m.interview_on = due
            m.detail = {
                "with": listing.person_name or listing.enterprise.main_person or "",
                "scheduled_on": today.isoformat(),
                "note": f"于{due:%Y年%m月%d日}前约谈主要负责人",
            }
        else:
            external.setdefault(spec.department, []).append(m)
    db.session.flush()
    if any(_kind(m) == "interview" for m in created):
        interview = next(m for m in created if _kind(m) == "interview")
        assert interview.interview_on is not None
        notifications.notify(
            officers_of(listing),
            listing,
            kind="credit_interview",
            key=f"interview:{interview.id}",
            title=f"约谈安排：{_listed_as(listing)}",
            body=(
                f"{_listed_as(listing)}已列入严重失信主体名单，请于{interview.interview_on:%Y年%m月%d日}前约谈"
                + ("并责令参加安全培训。" if head_only(listing) else "其主要负责人并责令参加安全培训。")
            ),
        )
    feedback_due = pack.end_of("feedback_period", today) if external else None
    for department, items in external.items():
        doc = _issue_joint(listing, department, items, feedback_due=feedback_due, actor=actor)
        for m in items:
            m.document_id = doc.id
            m.notified_on = today
            m.feedback_due = feedback_due
    db.session.flush()
    return created


def _issue_joint(
    listing: CreditListing, department: str, items: list[ListingMeasure], *, feedback_due, actor
):
    from app.credit import documents

    return documents.issue(
        listing,
        documents.JOINT,
        {
            **_notice_subject(listing),
            "department": department,
            "measures": [{"code": m.code, "name": m.name, "basis": m.basis} for m in items],
            "decision_no": publicity._decision_no(listing),
            "term_start": listing.term_start,
            "term_end": listing.term_end,
            "feedback_due": feedback_due,
        },
        actor=actor,
        title=f"联合惩戒通知（{department}）",
    )


def _notice_subject(listing: CreditListing) -> dict[str, Any]:
    """A 联合惩戒通知's / 移出通知's subject for a head-only listing: the person named (自然人), the ID masked —
    the full number goes to the national platform only (push file); the unit only as where the person works."""
    if not head_only(listing):
        return {}
    from app.publication.masking import mask_text

    return {
        "person": {
            "name": listing.person_name or "",
            "id_no": mask_text(listing.person_id_no) if listing.person_id_no else "",
            "role": listing.person_role or "主要负责人",
        }
    }


def _lift_measures(listing: CreditListing, end: ListingEnd, reason: str, *, actor, on: date) -> None:
    from app.credit import documents

    live = _live(listing)
    told: OrderedDict[str, list[ListingMeasure]] = OrderedDict()
    for m in live:
        kind = _kind(m)
        if kind == "class_up":
            _restore_class(listing, m, actor=actor, on=on)
        elif kind == "interview" and m.interview_on and m.interview_on > on:
            m.detail = {**(m.detail or {}), "note": "名单移出，约谈不再进行"}
        if not m.internal and m.document_id is not None:
            told.setdefault(m.department, []).append(m)
        m.lifted_on = on
        m.status = FeedbackStatus.LIFTED
    for department, items in told.items():
        joint_nos = list(dict.fromkeys(n for n in (_joint_number(m) for m in items) if n))
        doc = documents.issue(
            listing,
            documents.REMOVAL,
            {
                **_notice_subject(listing),
                "department": department,
                "end_kind": str(end),
                "removed_on": on,
                "reason": reason,
                "joint_no": "、".join(joint_nos),
                "measures": [{"code": m.code, "name": m.name} for m in items],
            },
            actor=actor,
            title=f"移出通知（{department}）",
        )
        for m in items:
            m.lift_document_id = doc.id
    db.session.flush()


# --- the three verbs --------------------------------------------------------------------------------------


def take_effect(listing: CreditListing, *, actor) -> None:
    """The served 列入决定书 takes effect: 公示 (expires_on = term_end), push 列入, the measures applied, the
    term's timer started; a penalty decision the listing rests on becomes serious and stays public for the
    serious maximum (info_repair.extend_for_listing). Refused for a listing not 已列入, without its term, or
    already in effect."""
    from app.credit.operations.info_repair import extend_for_listing

    if listing.status != ListingStatus.LISTED:
        raise InvalidState(f"名单状态为“{listing.status}”，不能生效")
    if listing.term_start is None or listing.term_end is None:
        raise InvalidState("该名单尚未确定管理期限")
    if _live(listing):
        raise InvalidState("该名单的惩戒措施已在实施中")
    today = clock.today()
    names = _names(listing, listing.measure_codes or [])
    created = _apply_measures(listing, actor=actor, today=today)
    entry = publicity.publish(listing, names, actor=actor)
    row = push.push(listing, push.LISTED, names, actor=actor)
    _term().start_expiry(listing, actor=actor)
    extended = extend_for_listing(listing, actor=actor)
    audit.record(
        actor,
        TAKEN,
        listing,
        summary=f"严重失信主体名单生效：公示、推送，实施惩戒措施{len(created)}项",
        data={
            "publication_id": entry.id if entry is not None else None,
            "push_id": row.id,
            "measures": [m.code for m in created],
            "term_end": listing.term_end,
            "case_publication_extended": extended,
        },
    )


def _terminate_repairs(listing: CreditListing, end: ListingEnd, reason: str, *, actor, on: date) -> None:
    """An application for 信用修复 still open (核查中/待决定) when the listing ends another way has nothing left
    to decide: 已终止, its credit_repair workflow cancelled, an audit record on the application."""
    from app.credit.operations.repair import OPEN, PROCESS

    rows = db.session.scalars(
        select(RepairApplication)
        .where(RepairApplication.listing_id == listing.id, RepairApplication.status.in_(OPEN))
        .order_by(RepairApplication.id)
    )
    for repair in rows:
        old = repair.status
        repair.status = RepairStatus.TERMINATED
        inst = workflow.instance_for(repair, PROCESS)
        if inst is not None and inst.status == InstanceStatus.RUNNING:
            workflow.cancel(inst, actor=actor, reason=f"名单{end}：{reason}")
        audit.record(
            actor,
            REPAIR_TERMINATED,
            repair,
            summary=f"名单已于{on:%Y年%m月%d日}{end}，信用修复申请终止，不再作出修复决定",
            changes={"status": [str(old), RepairStatus.TERMINATED.value]},
            data={"listing_id": listing.id, "end_kind": end.value, "instance_id": inst.id if inst else None},
        )


def end_effects(listing: CreditListing, end: ListingEnd, reason: str, *, actor, on: date) -> None:
    """The listing ends (期满移出 / 提前移出 → 已移出; 撤销列入 → 已撤销) on `on`: publication withdrawn (an overturn
    within the withdraw period), measures lifted and the departments told (移出通知), push 移出/撤销, the
    term's timer cancelled (unless it is the one ending it), an open 信用修复 application terminated (已终止,
    its workflow cancelled) — the application being granted is no longer open when 提前移出 ends it."""
    end = ListingEnd(end)
    if listing.status != ListingStatus.LISTED:
        raise InvalidState(f"名单状态为“{listing.status}”，不能移出或撤销")
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "请填写移出或撤销的理由")
    listing.status = ListingStatus.REVOKED if end == ListingEnd.OVERTURNED else ListingStatus.REMOVED
    listing.ended_on = on
    listing.end_kind = end
    listing.end_reason = reason
    withdraw_due = _pack(listing, on).end_of("withdraw_period", on) if end == ListingEnd.OVERTURNED else None
    publicity.withdraw(listing, f"{end}：{reason}", actor=actor, due_on=withdraw_due)
    names = [m.name for m in _live(listing)]
    _lift_measures(listing, end, reason, actor=actor, on=on)
    push.push(listing, push.end_action(end), names, actor=actor)
    # the expiry timer's own step (期满移出 from its service task) is left to finish: term.cancel_expiry skips it
    _term().cancel_expiry(listing, actor=actor, reason=f"{end}：{reason}")
    _terminate_repairs(listing, end, reason, actor=actor, on=on)
    db.session.flush()
    audit.record(
        actor,
        ENDED,
        listing,
        summary=f"严重失信主体名单{end}：{reason}",
        changes={"status": [ListingStatus.LISTED.value, listing.status.value]},
        data={"end_kind": end.value, "ended_on": on, "withdraw_due_on": withdraw_due},
    )


def restore_effects(listing: CreditListing, *, actor) -> None:
    """撤销移出决定: the early removal is revoked, the listing is back in force with its ORIGINAL term — published
    again, measures applied again (new 联合惩戒通知), push 恢复列入, the timer restarted. If the term is already
    over, it ends on the spot as 期满移出 (ended_on = term_end)."""
    if listing.status == ListingStatus.REMOVED and listing.end_kind == ListingEnd.REPAIRED:
        listing.status = ListingStatus.LISTED
    elif listing.status != ListingStatus.LISTED:
        raise InvalidState(f"名单状态为“{listing.status}”，只有提前移出的名单可以恢复列入")
    if _live(listing):
        raise InvalidState("该名单的惩戒措施仍在实施中，无需恢复")
    if listing.term_start is None or listing.term_end is None:
        raise InvalidState("该名单尚未确定管理期限")
    previous = {"ended_on": listing.ended_on, "end_kind": listing.end_kind}
    listing.ended_on = None
    listing.end_kind = None
    listing.end_reason = None
    names = _names(listing, listing.measure_codes or [])
    push.push(listing, push.RESTORED, names, actor=actor)
    term = _term()
    if term.term_over(listing):
        db.session.flush()
        audit.record(
            actor,
            RESTORED,
            listing,
            summary=f"恢复列入：原管理期限已于{listing.term_end:%Y年%m月%d日}届满，即行期满移出",
            data={"previous": previous, "term_end": listing.term_end},
        )
        term.expire(listing, actor=actor)
        return
    created = _apply_measures(listing, actor=actor, today=clock.today())
    entry = publicity.publish(listing, names, actor=actor)
    term.start_expiry(listing, actor=actor)
    audit.record(
        actor,
        RESTORED,
        listing,
        summary=f"恢复列入：管理期限至{listing.term_end:%Y年%m月%d日}，重新公示，恢复惩戒措施{len(created)}项",
        changes={"status": [ListingStatus.REMOVED.value, ListingStatus.LISTED.value]},
        data={
            "previous": previous,
            "publication_id": entry.id if entry is not None else None,
            "measures": [m.code for m in created],
        },
    )


# --- departments' feedback --------------------------------------------------------------------------------


def _date(value: Any, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise invalid(field, f"请填写{label}（年-月-日）") from None


def record_feedback(measure: ListingMeasure, data: Mapping[str, Any], *, actor) -> ListingMeasure:
    """登记 a department's feedback on its 联合惩戒通知: the text (实施情况) and the date it came. Staff of the
    listing's jurisdiction only; not before the notice, not in the future; only while the measure is live.

    A feedback already received is never overwritten silently: under the listing's row lock the measure is
    read again, and a second registration without a 更正理由 is refused (409) naming who recorded the first and
    when. Correcting it is explicit: `correction_reason` (更正理由) given — an audited 更正 (credit.feedback_corrected) keeping
    the replaced text, date and recorder in its data. A reason on a first registration is refused."""
    from app.credit.operations.common import done_by, lock

    listing = measure.listing
    require(
        actor is not None
        and not actor.is_enterprise_user
        and actor.has_role(*FEEDBACK_ROLES)
        and in_scope(actor, listing.region_path),
        "只有名单所属辖区的执法人员可以登记联合惩戒反馈",
    )
    if measure.internal:
        raise InvalidState("本局实施的措施无需外部门反馈")
    lock(listing)  # one writer per listing: the second of two finds the first's feedback
    db.session.refresh(measure)
    correction = str(data.get("correction_reason") or "").strip()
    received = measure.status == FeedbackStatus.RECEIVED or measure.feedback_on is not None
    if received and not correction:
        who = done_by(listing, FEEDBACK, measure_id=measure.id) or done_by(
            listing, FEEDBACK_CORRECTED, measure_id=measure.id
        )
        # 409, the form kept as typed with the message at 更正理由 (not a lost race: a correction can follow)
        message = (
            f"{measure.department}对“{measure.name}”的反馈已由{who or '他人'}登记"
            f"（反馈日期{measure.feedback_on:%Y年%m月%d日}：{measure.feedback}），不能重复登记；"
            "如需更正，请填写更正理由后提交更正"
        )
        raise InvalidState(message, field_errors={"correction_reason": message})
    if not received and correction:
        raise invalid("correction_reason", "该措施尚未登记反馈，无需更正")
    if len(correction) > CORRECTION_MAX:
        raise invalid("correction_reason", f"更正理由不超过{CORRECTION_MAX}字")
    if measure.lifted_on is not None:
        raise InvalidState(f"该措施已于{measure.lifted_on:%Y年%m月%d日}解除，不能再登记反馈")
    if measure.notified_on is None:
        raise InvalidState("该措施尚未发出联合惩戒通知")
    text = str(data.get("feedback") or "").strip()
    if not text:
        raise invalid("feedback", "请填写反馈内容（实施情况）")
    if len(text) > FEEDBACK_MAX:
        raise invalid("feedback", f"反馈内容不超过{FEEDBACK_MAX}字")
    on = _date(data.get("feedback_on"), "feedback_on", "反馈日期")
    if on < measure.notified_on:
        raise invalid("feedback_on", f"反馈日期不能早于通知日期（{measure.notified_on:%Y年%m月%d日}）")
    if on > clock.today():
        raise invalid("feedback_on", "反馈日期不能晚于今天")
    before = measure.status
    previous = {
        "feedback": measure.feedback,
        "feedback_on": measure.feedback_on,
        "by": measure.feedback_by_id,
    }
    measure.feedback = text
    measure.feedback_on = on
    measure.feedback_by_id = actor.id
    measure.status = FeedbackStatus.RECEIVED
    db.session.flush()
    late = measure.feedback_due is not None and on > measure.feedback_due
    if received:
        audit.record(
            actor,
            FEEDBACK_CORRECTED,
            listing,
            summary=f"更正{measure.department}联合惩戒反馈：{measure.name}（更正理由：{correction}）",
            changes={"feedback": [previous["feedback"], text], "feedback_on": [previous["feedback_on"], on]},
            data={
                "measure_id": measure.id,
                "feedback_on": on,
                "late": late,
                "reason": correction,
                "previous": previous,
            },
        )
        return measure
    audit.record(
        actor,
        FEEDBACK,
        listing,
        summary=f"登记{measure.department}联合惩戒反馈：{measure.name}" + ("（逾期反馈）" if late else ""),
        changes={"status": [str(before), FeedbackStatus.RECEIVED.value]},
        data={"measure_id": measure.id, "feedback_on": on, "late": late},
    )
    return measure


def feedback_sweep(today: date | None = None) -> int:
    """Mark the feedback windows that passed without an answer (待反馈 → 逾期未反馈) and tell the listing's
    officers once per measure. Idempotent. Returns how many became overdue."""
    today = today or clock.today()
    rows = list(
        db.session.scalars(
            select(ListingMeasure)
            .join(CreditListing, ListingMeasure.listing_id == CreditListing.id)
            .where(
                ListingMeasure.status == FeedbackStatus.WAITING,
                ListingMeasure.feedback_due < today,
                CreditListing.status == ListingStatus.LISTED,
            )
            .order_by(ListingMeasure.id)
        )
    )
    for m in rows:
        listing = m.listing
        m.status = FeedbackStatus.OVERDUE
        m.reminded_at = clock.now()
        notifications.notify(
            officers_of(listing),
            listing,
            kind="credit_feedback_overdue",
            key=f"feedback_overdue:{m.id}",
            title=f"联合惩戒反馈逾期：{m.department}",
            body=f"{listing.enterprise.name}：{m.department}应于{m.feedback_due:%Y年%m月%d日}前反馈“{m.name}”的实施情况，至今未反馈，请催办。",
            level="warning",
        )
        audit.record(
            None,
            OVERDUE,
            listing,
            summary=f"{m.department}未在{m.feedback_due:%Y年%m月%d日}前反馈联合惩戒实施情况",
            changes={"status": [FeedbackStatus.WAITING.value, FeedbackStatus.OVERDUE.value]},
            data={"measure_id": m.id, "feedback_due": m.feedback_due},
        )
    db.session.flush()
    return len(rows)


def _sweep() -> str | None:
    """app.periodic's pass (the timer worker, hourly)."""
    n = feedback_sweep()
    return f"联合惩戒反馈：新逾期 {n} 项" if n else None


# --- the enterprise banner (app.org.flags) ----------------------------------------------------------------


def enterprise_flags(enterprise_ids: list[int]) -> dict[int, list[str]]:
    """app.org.flags provider: an enterprise with a listing in force carries LISTED_LABEL, and KEY_LABEL while
    a 重点监管 (banner) measure of it is live. An enterprise whose main 负责人 alone is listed (第五项) is not
    itself listed: it carries HEAD_LISTED_LABEL only."""
    from app.credit.queries import head_listed_ids, listed_ids

    listed = listed_ids(enterprise_ids)
    heads = head_listed_ids(enterprise_ids) - listed
    if not listed:
        return {eid: [HEAD_LISTED_LABEL] for eid in heads}
    banner_codes = [m.code for m in library.library().measures if m.kind == "banner"]
    watched = set(
        db.session.scalars(
            select(CreditListing.enterprise_id)
            .join(ListingMeasure, ListingMeasure.listing_id == CreditListing.id)
            .where(
                CreditListing.enterprise_id.in_(listed),
                CreditListing.status == ListingStatus.LISTED,
                ListingMeasure.code.in_(banner_codes),
                ListingMeasure.lifted_on.is_(None),
            )
        )
    )
    flags = {eid: [LISTED_LABEL] + ([KEY_LABEL] if eid in watched else []) for eid in listed}
    return {**flags, **{eid: [HEAD_LISTED_LABEL] for eid in heads}}


def init_app(app) -> None:
    from app import periodic
    from app.org import flags

    flags.register_enterprise_flags(enterprise_flags, name="credit.listed")
    periodic.register_sweep("credit.feedback", _sweep, every=3600.0)


__all__ = [
    "HEAD_LISTED_LABEL",
    "KEY_LABEL",
    "LISTED_LABEL",
    "end_effects",
    "enterprise_flags",
    "feedback_sweep",
    "head_only",
    "init_app",
    "officers_of",
    "record_feedback",
    "restore_effects",
    "take_effect",
]
