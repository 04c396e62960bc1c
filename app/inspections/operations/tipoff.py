"""举报 / 有奖举报 (issue #12 journey 10; 安全生产法第七十三条、第七十四条; 应急〔2018〕19号《安全生产领域举报奖励
办法》).

    receive         an officer records a tip-off (电话/来信/网上/来访; anonymous allowed); the informant gets a
                    query code (shown once; only its hash is kept). Starts the tip_off workflow.
    assign          (section head) 受理 → an officer verifies it by report_verify_period working days, or
                    不予受理 with the reason (still fed back to the informant).
    open_inspection (the assigned officer) the verifying inspection: create_inspection with source 举报 (exempt
                    from the yearly cap, recorded), source_ref = the tip-off's number — never the informant.
    verify          (the assigned officer) the result of the inspection: 属实 / 部分属实 / 不属实, 核查情况, and
                    whether a 重大事故隐患 was found; the feedback is due by report_feedback_period.
    feed_back       (the intake officer — who alone knows how to reach the informant — or the 负责人) the
                    result told to the informant: 电话/书面/当面; an anonymous informant through the query code
                    (查询码) or recorded as not possible (无法反馈).
    decide_reward   (负责人) when verified 属实: with a penalty decision (its 罚没款 the basis) or a hazard the
                    负责人 judges 重大, the reward per the pack's reward_bands — the system computes the
                    suggested amount, a different amount needs a reason; the 举报奖励决定 (奖决) is numbered
                    and locked. Or 不予奖励 with the reason.

Identity: see app.inspections.tipoff_access. Nothing here writes the informant's name, phone, ID number or
address into workflow data, audit events, notifications or documents.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app import audit, clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.errors import InvalidState, NotFound, invalid, require
from app.extensions import db
from app.inspections.models.tipoff import TipOff, TipOffChannel, TipOffStatus, Verdict
from app.org.models import Enterprise

PROCESS = "tip_off"
SUBJECT_TYPE = "tip_offs"
NUMBER_WORD = "举报"
REWARD_DOC = "report_reward"

VERDICTS = {"true": Verdict.TRUE, "partly": Verdict.PARTLY, "false": Verdict.FALSE}
FEEDBACK_NAMED = ("电话", "书面", "当面")
FEEDBACK_CODE = "查询码"
FEEDBACK_NONE = "无法反馈"
FEEDBACK_METHODS = {
    "phone": "电话",
    "letter": "书面",
    "in_person": "当面",
    "code": FEEDBACK_CODE,
    "none": FEEDBACK_NONE,
}
# the inspection statuses at which the team has been on site: a result may be recorded from then on
VISITED = ("检查中", "待处理", "已完成")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 12


# ---- small helpers --------------------------------------------------------------------------------------


def _text(data: dict, field: str) -> str:
    return str(data.get(field) or "").strip()


def iso_end_of(d: date) -> str:
    """The moment a deadline day has passed (00:00 China time the next day): what BPMN timers read."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=clock.TZ).isoformat()


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(("tipoff-query:" + normalize_code(code)).encode()).hexdigest()


def pack_for(region_path: str, on: date):
    """The inspection parameter pack (app.inspections.rules, owner: classify) in force."""
    from app.inspections.rules import inspection_pack

    return inspection_pack(region_path, on)


def period_end(region_path: str, name: str, start: date) -> date:
    """The last day of the pack's period `name` counted from `start`, through app.calendar."""
    return pack_for(region_path, start).end_of(name, start)


def _staff_in_scope(user: User, tipoff: TipOff) -> bool:
    return not user.is_enterprise_user and in_scope(user, tipoff.region_path)


def _require_role(user: User, tipoff: TipOff, *roles: str, message: str) -> None:
    require(user.has_role(*roles) and _staff_in_scope(user, tipoff), message)


def ready_task(tipoff: TipOff, bpmn_id: str, task=None):
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != tipoff.id or task.subject_type != SUBJECT_TYPE:
            raise InvalidState("任务与举报事项不匹配")
        return task
    inst = workflow.instance_for(tipoff, PROCESS)
    if inst is not None:
        for t in workflow.ready_tasks(inst):
            if t.bpmn_id == bpmn_id:
                return t
    raise InvalidState(f"该举报当前为“{tipoff.status}”，不能办理该事项")


def _step(tipoff: TipOff, task, data: dict, *, actor) -> dict:
    old = tipoff.status
    workflow.complete_task(task, data, actor=actor)
    return {"status": [old, tipoff.status]} if tipoff.status != old else {}


def _title(tipoff: TipOff) -> str:
    target = tipoff.enterprise.name if tipoff.enterprise is not None else (tipoff.place or "未指明单位")
    return f"举报{tipoff.no}：{target}"


# ---- reward computation (pure) --------------------------------------------------------------------------


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


@dataclass(frozen=True)
class RewardSuggestion:
    amount: Decimal  # the suggested reward (元)
    fine: Decimal  # the 罚没款 it is computed from (元)
    band: Any  # the app.inspections.rules.RewardBand applied (None: none)
    basis: str  # in words: the band and how the amount follows from it


def band_text(band: Any) -> str:
    """A band in words: 罚没款3,000元以上不足…元，按15%计，最低3,000元，最高300,000元."""
    parts = []
    if band.min_fine or band.max_fine is not None:
        upper = f"不足{band.max_fine:,.0f}元" if band.max_fine is not None else ""
        parts.append(f"罚没款{band.min_fine:,.0f}元以上{upper}")
    if band.amount is not None:
        parts.append(f"奖励{band.amount:,.0f}元")
    else:
        parts.append(f"按罚没款的{((band.rate or Decimal(0)) * 100).normalize():f}%计")
    if band.floor:
        parts.append(f"最低{band.floor:,.0f}元")
    if band.cap is not None:
        parts.append(f"最高{band.cap:,.0f}元")
    return "，".join(parts)


def suggested_reward(
    bands: Any, fine: Decimal | int | str | None, *, major: bool = False
) -> RewardSuggestion:
    """The reward the pack's bands (app.inspections.rules.RewardBand: [min_fine, max_fine), a fixed `amount` or
    `rate` × fine, between `floor` and `cap` — RewardBand.reward is the one computation) give for `fine`
    (罚没款, 元). Without a fine, a hazard judged 重大 is rewarded as a fine of 0 (the lowest band's floor);
    otherwise nothing."""
    fine_d = _dec(fine) or Decimal(0)
    if fine_d <= 0 and not major:
        return RewardSuggestion(Decimal(0), Decimal(0), None, "无罚没款且未认定重大事故隐患，不予计奖")
    band = next((b for b in bands or () if b.contains(fine_d)), None)
    if band is None:
        return RewardSuggestion(Decimal(0), fine_d, None, "无适用的奖励档次")
    amount = band.reward(fine_d).quantize(Decimal("0.01"))
    head = "重大事故隐患（无罚没款）" if fine_d <= 0 else f"罚没款{fine_d:,.2f}元"
    return RewardSuggestion(amount, fine_d, band, f"{head}：{band_text(band)}，计{amount:,.2f}元")


def max_reward(bands: Any) -> Decimal | None:
    """The highest reward any band allows (its cap or fixed amount); None when a band is unbounded."""
    top = Decimal(0)
    for band in bands or ():
        bound = band.cap if band.cap is not None else band.amount
        if bound is None:
            return None
        top = max(top, bound)
    return top


def penalty_basis(tipoff: TipOff) -> tuple[Decimal, list[str]]:
    """The 罚没款 decided in the penalty cases that came from the verifying inspection's findings (罚款 +
    没收违法所得 of every decided line) and those cases' numbers. (0, []) when there is none."""
    if tipoff.inspection_id is None:
        return Decimal(0), []
    from app.cases.models import CaseProposal, PenaltyCase, PenaltyLine
    from app.inspections.models.onsite import Finding

    cases = list(
        db.session.scalars(
            select(PenaltyCase)
            .join(CaseProposal, PenaltyCase.proposal_id == CaseProposal.id)
            .join(Finding, Finding.case_proposal_id == CaseProposal.id)
            .where(Finding.inspection_id == tipoff.inspection_id, PenaltyCase.decided_on.is_not(None))
            .order_by(PenaltyCase.id)
        ).unique()
    )
    if not cases:
        return Decimal(0), []
    total = Decimal(0)
    for line in db.session.scalars(select(PenaltyLine).where(PenaltyLine.case_id.in_([c.id for c in cases]))):
        total += (line.decided_fine or Decimal(0)) + (line.confiscated or Decimal(0))
    return total, [c.display_no for c in cases]


def reward_preview(tipoff: TipOff, *, major: bool | None = None) -> dict[str, Any]:
    """What the 负责人 sees before deciding: the fine basis, the cases, whether a reward may be granted and
    the suggested amount."""
    fine, cases = penalty_basis(tipoff)
    is_major = tipoff.major_hazard if major is None else major
    pack = pack_for(tipoff.region_path, clock.today())
    bands = tuple(pack.reward_bands)
    s = suggested_reward(bands, fine, major=is_major)
    return {
        "fine": fine,
        "cases": cases,
        "eligible": tipoff.verified == Verdict.TRUE and (fine > 0 or is_major),
        "suggested": s.amount,
        "basis": s.basis,
        "band": s.band,
        "bands": bands,
        "source": _source_of(pack, "reward_bands"),
    }


def _source_of(pack, name: str) -> str:
    """The citation as printed in the 举报奖励决定 and shown before the decision (Pack.plain_source_of)."""
    return pack.plain_source_of(name)


# ---- operations -----------------------------------------------------------------------------------------


def _channel(data: dict) -> str:
    raw = _text(data, "channel")
    by_key = {
        "phone": TipOffChannel.PHONE,
        "letter": TipOffChannel.LETTER,
        "online": TipOffChannel.ONLINE,
        "visit": TipOffChannel.VISIT,
    }
    if raw in by_key:
        return by_key[raw]
    if raw in {c.value for c in TipOffChannel}:
        return raw
    raise invalid("channel", "请选择举报渠道")


def _enterprise(data: dict, actor: User) -> Enterprise | None:
    raw = data.get("enterprise_id")
    if raw in (None, ""):
        return None
    try:
        ent = db.session.get(Enterprise, int(raw))
    except (TypeError, ValueError):
        ent = None
    if ent is None or not in_scope(actor, ent.region_path, ent.id):
        raise invalid("enterprise_id", "被举报单位不在本辖区")
    return ent


def _region(data: dict, actor: User, enterprise: Enterprise | None) -> str:
    if enterprise is not None:
        return enterprise.region_path
    raw = _text(data, "region_path")
    if raw:
        if not in_scope(actor, raw):
            raise invalid("region_path", "举报涉及的属地不在本辖区")
        return raw
    if actor.scope_path:
        return actor.scope_path
    raise invalid("region_path", "请选择举报涉及的属地")


def receive(data: dict[str, Any], *, actor: User) -> tuple[TipOff, str]:
    """登记 a tip-off (officer, section head or 负责人 of the jurisdiction). Returns the tip-off and its query
    code — handed to the informant now and never again (only its hash is kept)."""
    require(
        not actor.is_enterprise_user
        and actor.has_role(Role.OFFICER, Role.SECTION_HEAD, Role.LEADER)
        and actor.department is not None,
        "举报由本机关执法人员受理登记",
    )
    channel = _channel(data)
    enterprise = _enterprise(data, actor)
    region_path = _region(data, actor, enterprise)
    assert actor.department is not None
    return _create(data, channel, actor.department.agency, region_path, enterprise, actor=actor)


def _informant_fields(data: dict) -> dict[str, Any]:
    """The informant's fields of a submission (none for an anonymous one); a named one needs a name and a
    way to reach them."""
    content = _text(data, "content")
    if not content:
        raise invalid("content", "请填写举报内容")
    if data.get("anonymous"):
        return {"anonymous": True, "content": content}
    name = _text(data, "informant_name")
    phone = _text(data, "informant_phone")
    address = _text(data, "informant_address")
    if not name:
        raise invalid("informant_name", "实名举报请填写举报人姓名（匿名举报请勾选“匿名”）")
    if not phone and not address:
        raise invalid("informant_phone", "实名举报请至少填写联系电话或通信地址，以便反馈")
    return {
        "anonymous": False,
        "content": content,
        "informant_name": name,
        "informant_phone": phone or None,
        "informant_id_no": _text(data, "informant_id_no") or None,
        "informant_address": address or None,
    }


def _create(data: dict, channel: str, agency, region_path: str, enterprise: Enterprise | None, *, actor):
    """The tip-off row, its number, its query code and its workflow; `actor` None: submitted online by the
    informant (no 受理人)."""
    fields = _informant_fields(data)
    today = clock.today()
    from app.documents.numbering import next_number

    number = next_number(agency, NUMBER_WORD, year=today.year)
    code = new_query_code()
    tipoff = TipOff(
        no=number.text,
        channel=channel,
        **fields,
        query_code_hash=hash_code(code),
        place=_text(data, "place") or None,
        enterprise_id=enterprise.id if enterprise is not None else None,
        region_path=region_path,
        agency_id=agency.id,
        received_on=today,
        received_by_id=actor.id if actor is not None else None,
        status=TipOffStatus.ASSIGNING,
    )
    tipoff.enterprise = enterprise
    db.session.add(tipoff)
    db.session.flush()
    receiver = actor.id if actor is not None else None
    workflow.start(
        PROCESS,
        subject=tipoff,
        title=_title(tipoff),
        region_path=region_path,
        enterprise_id=None,  # never on the enterprise's task lists or progress: the reported unit learns nothing
        data={
            "tipoff_id": tipoff.id,
            "received_by_id": receiver,
            "feedback_by_id": receiver,
            "decision": "",
            "verified": "",
        },
        actor=actor,
    )
    how = "受理举报" if actor is not None else "收到网上举报（举报人自行提交）"
    audit.record(
        actor,
        "tipoff.received",
        tipoff,
        summary=f"{how}{tipoff.no}（{channel}{'，匿名' if tipoff.anonymous else '，实名'}）",
        data={"channel": channel, "anonymous": tipoff.anonymous, "enterprise_id": tipoff.enterprise_id},
    )
    from app.auth.queries import users_with_role
    from app.notifications import notify

    notify(
        users_with_role(Role.SECTION_HEAD, region_path=region_path, exclude_id=receiver),
        tipoff,
        kind="tipoff",
        key=f"received:{tipoff.id}",
        title=f"新举报待分派：{tipoff.no}",
        body=_title(tipoff),
    )
    return tipoff, code


def online_agencies() -> list:
    """The issuing agencies (局) a member of the public may address an online tip-off to."""
    from app.org.models import Department

    rows = db.session.scalars(
        select(Department).where(Department.parent_id.is_(None)).order_by(Department.id)
    )
    return [d for d in rows if d.region is not None and d.short_name]


def submit_online(data: dict[str, Any]) -> tuple[TipOff, str]:
    """网上举报 by the informant (no login; the route checks CSRF and throttles per address): addressed to an
    agency; an enterprise named exactly as registered in its jurisdiction is linked, otherwise its name stays
    in the text. No 受理人: the identity is the 负责人's only; the feedback goes through the query code."""
    from app.auth.permissions import path_prefix

    agency = next((d for d in online_agencies() if str(d.id) == str(data.get("agency_id") or "")), None)
    if agency is None:
        raise invalid("agency_id", "请选择受理举报的应急管理部门")
    region_path = agency.region.path
    name = _text(data, "enterprise_name")
    enterprise = None
    if name:
        enterprise = db.session.scalars(
            select(Enterprise).where(
                Enterprise.name == name, path_prefix(Enterprise.region_path, region_path)
            )
        ).first()
    place = _text(data, "place")
    if name and enterprise is None:
        place = f"{name}{('，' + place) if place else ''}"
    if enterprise is not None:
        region_path = enterprise.region_path
    return _create(
        {**data, "place": place}, TipOffChannel.ONLINE, agency, region_path, enterprise, actor=None
    )


def _officer(data: dict, tipoff: TipOff) -> User:
    raw = data.get("assignee_id")
    try:
        user = db.session.get(User, int(raw)) if raw not in (None, "") else None
    except (TypeError, ValueError):
        user = None
    if (
        user is None
        or not user.is_active_flag
        or not user.has_role(Role.OFFICER)
        or not _staff_in_scope(user, tipoff)
    ):
        raise invalid("assignee_id", "请选择本辖区的执法人员承办核查")
    return user


def assign(tipoff: TipOff, data: dict[str, Any], *, actor: User, task=None) -> None:
    """受理并分派 (section head of the jurisdiction): accept → an officer verifies it within
    report_verify_period working days; decline → 不予受理 with the reason, fed back to the informant."""
    _require_role(actor, tipoff, Role.SECTION_HEAD, message="举报由本辖区科室负责人分派")
    task = ready_task(tipoff, "assign", task)
    decision = _text(data, "decision")
    today = clock.today()
    if decision == "accept":
        officer = _officer(data, tipoff)
        due = period_end(tipoff.region_path, "report_verify_period", today)
        tipoff.assigned_to_id = officer.id
        tipoff.assigned_to = officer
        tipoff.assigned_by_id = actor.id
        tipoff.assigned_on = today
        tipoff.verify_due = due
        step_data = {
            "decision": "accept",
            "assignee_id": officer.id,
            "verify_due": due.isoformat(),
            "verify_due_at": iso_end_of(due),
        }
        summary = f"受理举报{tipoff.no}，交{officer.name}核查，核查期限{due:%Y年%m月%d日}"
    elif decision == "decline":
        reason = _text(data, "reason")
        if not reason:
            raise invalid("reason", "请填写不予受理的理由")
        due = period_end(tipoff.region_path, "report_feedback_period", today)
        tipoff.decline_reason = reason
        tipoff.assigned_by_id = actor.id
        tipoff.feedback_due = due
        step_data = {
            "decision": "decline",
            "reason": reason,
            "feedback_due": due.isoformat(),
            "feedback_due_at": iso_end_of(due),
        }
        summary = f"举报{tipoff.no}不予受理：{reason}"
    else:
        raise invalid("decision", "请选择受理或不予受理")
    # who feeds back: the 受理人 (who holds the contact); an online submission has none: the verifying officer
    # (through the query code), or on a decline any officer of the jurisdiction (the task is unassigned)
    step_data["feedback_by_id"] = tipoff.received_by_id or (
        tipoff.assigned_to_id if decision == "accept" else None
    )
    changes = _step(tipoff, task, step_data, actor=actor)
    audit.record(
        actor,
        "tipoff.assigned",
        tipoff,
        summary=summary,
        changes=changes,
        data={"decision": decision, "assigned_to_id": tipoff.assigned_to_id},
    )
    if decision == "accept":
        from app.notifications import notify

        notify(
            [tipoff.assigned_to],
            tipoff,
            kind="tipoff",
            key=f"assigned:{tipoff.id}:{tipoff.assigned_to_id}",
            title=f"举报核查：{tipoff.no}",
            body=f"请于{tipoff.verify_due:%Y年%m月%d日}前核查办结",
        )


def _may_verify(actor: User, tipoff: TipOff) -> bool:
    return _staff_in_scope(actor, tipoff) and (
        actor.id == tipoff.assigned_to_id or actor.has_role(Role.SECTION_HEAD)
    )


def open_inspection(tipoff: TipOff, data: dict[str, Any], *, actor: User):
    """The verifying inspection (the assigned officer, or the section head): create_inspection with source 举报
    — exempt from the enterprise's yearly cap, recorded — and source_ref the tip-off's number."""
    require(_may_verify(actor, tipoff), "举报由分派的承办人员核查")
    if tipoff.status != TipOffStatus.VERIFYING:
        raise InvalidState(f"该举报当前为“{tipoff.status}”，不能安排核查检查")
    if tipoff.inspection_id is not None:
        raise InvalidState("该举报已安排核查检查")
    enterprise = tipoff.enterprise or _enterprise(data, actor)
    if enterprise is None:
        raise invalid("enterprise_id", "请选择核查的单位")
    if not in_scope(actor, enterprise.region_path, enterprise.id) or not enterprise.region_path.startswith(
        tipoff.region_path
    ):
        raise invalid("enterprise_id", "核查的单位不在该举报的属地范围内")
    from app.inspections.models.inspection import InspectionMode, InspectionSource
    from app.inspections.operations.inspection import create_inspection

    planned_on = data.get("planned_on") or clock.today()
    if isinstance(planned_on, str):
        try:
            planned_on = date.fromisoformat(planned_on)
        except ValueError:
            raise invalid("planned_on", "请填写计划检查日期") from None
    try:
        members = [int(m) for m in (data.get("member_ids") or [])]
    except (TypeError, ValueError):
        raise invalid("member_ids", "请选择检查人员") from None
    try:
        # the lead: as given, else the officer the tip-off was assigned to (who verifies it, even when the
        # section head arranges the inspection) — added to the team if not ticked
        lead = int(data.get("lead_officer_id") or tipoff.assigned_to_id or actor.id)
    except (TypeError, ValueError):
        raise invalid("lead_officer_id", "请选择主办执法人员") from None
    if lead not in members:
        members.insert(0, lead)
    inspection = create_inspection(
        enterprise,
        {
            "source": InspectionSource.REPORT,
            "source_ref": tipoff.no,
            "mode": data.get("mode") or InspectionMode.COVERT,
            "planned_on": planned_on,
            "due_on": tipoff.verify_due,
            "lead_officer_id": lead,
            "member_ids": members,
            "checklist_code": data.get("checklist_code") or None,
        },
        actor=actor,
        origin=tipoff,
    )
    tipoff.inspection_id = inspection.id
    if tipoff.enterprise_id is None:
        tipoff.enterprise_id = enterprise.id
        tipoff.enterprise = enterprise
    db.session.flush()
    audit.record(
        actor,
        "tipoff.inspection",
        tipoff,
        summary=f"举报{tipoff.no}核查检查{inspection.code}（举报核查，不计入年度检查频次）",
        data={"inspection_id": inspection.id, "enterprise_id": enterprise.id},
    )
    return inspection


def verify(tipoff: TipOff, data: dict[str, Any], *, actor: User, task=None) -> None:
    """核查结论 (the assigned officer, or the section head): after the verifying inspection has been on site,
    属实 / 部分属实 / 不属实 with the 核查情况; the feedback falls due in report_feedback_period working days."""
    require(_may_verify(actor, tipoff), "举报由分派的承办人员核查")
    task = ready_task(tipoff, "verify", task)
    if tipoff.inspection_id is None:
        raise InvalidState("请先安排核查检查（举报须经检查核实）")
    from app.inspections.models.inspection import Inspection

    inspection = db.session.get(Inspection, tipoff.inspection_id)
    if inspection is None or inspection.status not in VISITED:
        raise InvalidState(
            f"核查检查尚未实施（{inspection.status if inspection else '无'}），不能作出核查结论"
        )
    key = _text(data, "verified")
    if key not in VERDICTS:
        raise invalid("verified", "请选择核查结论")
    verification = _text(data, "verification")
    if not verification:
        raise invalid("verification", "请填写核查情况")
    today = clock.today()
    due = period_end(tipoff.region_path, "report_feedback_period", today)
    tipoff.verified = VERDICTS[key]
    tipoff.verification = verification
    tipoff.major_hazard = bool(data.get("major_hazard")) and key != "false"
    tipoff.verified_on = today
    tipoff.verified_by_id = actor.id
    tipoff.feedback_due = due
    changes = _step(
        tipoff,
        task,
        {
            "verified": key,
            "major_hazard": tipoff.major_hazard,
            "feedback_due": due.isoformat(),
            "feedback_due_at": iso_end_of(due),
        },
        actor=actor,
    )
    audit.record(
        actor,
        "tipoff.verified",
        tipoff,
        summary=f"举报{tipoff.no}核查结论：{tipoff.verified}"
        + ("（发现重大事故隐患）" if tipoff.major_hazard else ""),
        changes=changes,
        data={"verified": str(tipoff.verified), "inspection_id": tipoff.inspection_id},
    )


def feed_back(tipoff: TipOff, data: dict[str, Any], *, actor: User, task=None) -> None:
    """反馈 the result to the informant: by the intake officer (who alone holds the contact) or the 负责人.
    Named informant: 电话/书面/当面; anonymous: through the query code, or recorded as not possible."""
    require(
        _staff_in_scope(actor, tipoff)
        and (
            actor.id == tipoff.received_by_id
            or actor.has_role(Role.LEADER)
            or (
                tipoff.received_by_id is None
                and (actor.has_role(Role.SECTION_HEAD) or actor.id == tipoff.assigned_to_id)
            )
        ),
        "举报办理结果由受理登记人员（或负责人）反馈举报人",
    )
    task = ready_task(tipoff, "feedback", task)
    method = FEEDBACK_METHODS.get(_text(data, "method"))
    if method is None:
        raise invalid("method", "请选择反馈方式")
    if tipoff.anonymous and method in FEEDBACK_NAMED:
        raise invalid("method", "匿名举报只能通过查询码反馈，或记录为无法反馈")
    if not tipoff.anonymous and method == FEEDBACK_NONE:
        raise invalid("method", "实名举报应以电话、书面或当面方式反馈")
    from app.inspections.tipoff_access import may_see_informant

    if method in FEEDBACK_NAMED and not may_see_informant(actor, tipoff):
        raise invalid(
            "method", "网上提交的举报，举报人联系方式仅负责人可见：请通过查询码反馈，或由负责人反馈"
        )
    text = _text(data, "feedback")
    if not text:
        raise invalid("feedback", "请填写反馈内容" if method != FEEDBACK_NONE else "请写明无法反馈的原因")
    tipoff.feedback = text
    tipoff.feedback_method = method
    tipoff.fed_back_on = clock.today()
    tipoff.fed_back_by_id = actor.id
    changes = _step(tipoff, task, {"method": _text(data, "method")}, actor=actor)
    audit.record(
        actor,
        "tipoff.fed_back",
        tipoff,
        summary=f"举报{tipoff.no}办理结果反馈（{method}）",
        changes=changes,
        data={"method": method},
    )


def decide_reward(tipoff: TipOff, data: dict[str, Any], *, actor: User, task=None) -> None:
    """奖励决定 (负责人 of the jurisdiction) of a tip-off verified 属实: grant (the amount; the suggestion from
    the bands, a different amount with its reason; 举报奖励决定 issued) or none (不予奖励, with the reason).
    A grant needs a penalty decision (its 罚没款) or a hazard the 负责人 judges 重大."""
    _require_role(actor, tipoff, Role.LEADER, message="举报奖励由本辖区负责人决定")
    task = ready_task(tipoff, "decide_reward", task)
    decision = _text(data, "reward_decision")
    reason = _text(data, "reason")
    if decision not in ("grant", "none"):
        raise invalid("reward_decision", "请选择奖励决定")
    if not reason:
        raise invalid("reason", "请填写理由")
    today = clock.today()
    major = bool(data.get("major_hazard")) or tipoff.major_hazard
    doc = None
    if decision == "grant":
        preview = reward_preview(tipoff, major=major)
        if not preview["eligible"]:
            raise invalid(
                "reward_decision",
                "无已作出的行政处罚决定，且未认定重大事故隐患，不能给予奖励（可选择不予奖励）",
            )
        suggested: Decimal = preview["suggested"]
        amount = _dec(data.get("amount"))
        if amount is None:
            amount = suggested
        if amount <= 0:
            raise invalid("amount", "奖励金额应大于0")
        top = max_reward(preview["bands"])
        if top is not None and amount > top:
            raise invalid("amount", f"奖励金额不得超过最高奖励标准{top:,.0f}元")
        deviation = _text(data, "deviation_reason")
        if amount != suggested and not deviation:
            raise invalid("deviation_reason", f"奖励金额与按标准计算的{suggested:,.2f}元不一致，请说明理由")
        tipoff.major_hazard = major
        tipoff.reward_fine_basis = preview["fine"]
        tipoff.reward_suggested = suggested
        tipoff.reward_amount = amount
        tipoff.reward_basis = preview["basis"] + (f"（{preview['source']}）" if preview["source"] else "")
        tipoff.reward_deviation_reason = deviation or None
    tipoff.reward_decision = "奖励" if decision == "grant" else "不予奖励"
    tipoff.reward_reason = reason
    tipoff.reward_decided_by_id = actor.id
    tipoff.reward_decided_on = today
    if decision == "grant":
        doc = issue_reward_document(tipoff, actor=actor, cases=penalty_basis(tipoff)[1])
        tipoff.reward_document_id = doc.id
    changes = _step(tipoff, task, {"reward_decision": decision}, actor=actor)
    audit.record(
        actor,
        "tipoff.reward_decided",
        tipoff,
        summary=(
            f"举报{tipoff.no}奖励决定{doc.number.text}：奖励{tipoff.reward_amount:,.2f}元"
            if doc is not None
            else f"举报{tipoff.no}不予奖励：{reason}"
        ),
        changes=changes,
        data={
            "decision": decision,
            "amount": tipoff.reward_amount,
            "suggested": tipoff.reward_suggested,
            "document_id": doc.id if doc is not None else None,
        },
    )


def issue_reward_document(tipoff: TipOff, *, actor: User, cases: list[str]):
    """举报奖励决定 (奖决): names the tip-off by its number, never the informant (who claims the reward with
    the number and the query code, or in person with proof of identity)."""
    from app.documents import issue_document

    inspection_code = None
    if tipoff.inspection_id is not None:
        from app.inspections.models.inspection import Inspection

        insp = db.session.get(Inspection, tipoff.inspection_id)
        inspection_code = insp.code if insp is not None else None
    return issue_document(
        REWARD_DOC,
        agency=tipoff.agency,
        subject=tipoff,
        content={
            "tipoff_no": tipoff.no,
            "received_on": tipoff.received_on,
            "channel": tipoff.channel,
            "anonymous": tipoff.anonymous,
            "enterprise": tipoff.enterprise.name if tipoff.enterprise is not None else None,
            "inspection_code": inspection_code,
            "verified": tipoff.verified,
            "verification": tipoff.verification,
            "major_hazard": tipoff.major_hazard,
            "cases": cases,
            "fine": tipoff.reward_fine_basis,
            "suggested": tipoff.reward_suggested,
            "amount": tipoff.reward_amount,
            "basis": tipoff.reward_basis,
            "deviation_reason": tipoff.reward_deviation_reason,
            "reason": tipoff.reward_reason,
            "decided_on": tipoff.reward_decided_on,
            "claim": "举报人凭举报编号及查询码（实名举报人凭本人有效身份证件），自本决定作出之日起领取奖励；"
            "举报人身份信息依法予以保密。",
            "law": "《中华人民共和国安全生产法》第七十四条、第七十六条；《安全生产领域举报奖励办法》（应急〔2018〕19号）",
        },
        actor=actor,
        title="举报奖励决定",
    )


# ---- the public query (no login) ------------------------------------------------------------------------


def public_status(tipoff: TipOff) -> dict[str, Any]:
    """What the informant reads with the query code: the number, received date, status in the public's
    terms, and the feedback once given — no officer's name, no internal verdict text before feedback."""
    steps = {
        TipOffStatus.ASSIGNING: "已受理，正在分派",
        TipOffStatus.VERIFYING: "正在核查",
        TipOffStatus.FEEDBACK: "核查完毕，待反馈",
        TipOffStatus.REWARD: "已反馈，奖励审定中",
        TipOffStatus.CLOSED: "已办结",
        TipOffStatus.DECLINED: "不予受理",
    }
    fed = tipoff.fed_back_on is not None
    return {
        "no": tipoff.no,
        "received_on": tipoff.received_on,
        "status": steps.get(TipOffStatus(tipoff.status), tipoff.status),
        "feedback": tipoff.feedback if fed and tipoff.feedback_method != FEEDBACK_NONE else None,
        "fed_back_on": tipoff.fed_back_on if fed else None,
        "reward": (
            f"奖励{tipoff.reward_amount:,.2f}元，请凭举报编号及查询码领取"
            if tipoff.reward_decision == "奖励" and tipoff.reward_amount
            else ("不予奖励" if tipoff.reward_decision == "不予奖励" else None)
        ),
    }


def find_by_code(code: str) -> TipOff | None:
    norm = normalize_code(code)
    if len(norm) != CODE_LENGTH:
        return None
    return db.session.scalars(select(TipOff).where(TipOff.query_code_hash == hash_code(norm))).first()


def load(tipoff_id: int) -> TipOff:
    tipoff = db.session.get(TipOff, tipoff_id)
    if tipoff is None:
        raise NotFound("举报不存在")
    return tipoff


__all__ = [
    "PROCESS",
    "RewardSuggestion",
    "assign",
    "decide_reward",
    "feed_back",
    "find_by_code",
    "load",
    "max_reward",
    "online_agencies",
    "open_inspection",
    "penalty_basis",
    "public_status",
    "receive",
    "reward_preview",
    "submit_online",
    "suggested_reward",
    "verify",
]
