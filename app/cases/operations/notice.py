"""告知 (Art.44), 送达 (Art.61), 陈述申辩 and 听证 (Art.45, 63–65), and the 复核 of what the party said.

A 告知 fixes what was notified per party line; the decision can never be heavier without a new one (Art.45:
`review_statement` with renotice sends the case back to issue_notice). The windows (陈述申辩, 听证申请) run
from the day the 告知书 is served (its effective day: 公告送达 takes 30 days)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import gates, legal_time, linked, policy
from app.cases.models import (
    CaseHearing,
    CaseNotice,
    CasePause,
    CaseService,
    CaseStatement,
    HearingStatus,
    Outcome,
    PauseKind,
    PenaltyCase,
    PenaltyKind,
    ServiceMethod,
    StatementKind,
)
from app.cases.money import capital
from app.cases.operations.common import (
    case_document,
    is_staff_in_scope,
    iso_end_of,
    ready_task,
    record,
    require_case_officer,
    require_role,
    step,
)
from app.cases.operations.investigation import _line_content, refresh_clock
from app.cases.rules import pack_for
from app.documents import OfficialDocument
from app.errors import InvalidState, invalid, require
from app.extensions import db

STATEMENT_LABELS = {
    StatementKind.STATED: "陈述申辩",
    StatementKind.HEARING: "要求听证",
    StatementKind.WAIVED: "书面放弃陈述申辩和听证",
}


# ---- 告知 -------------------------------------------------------------------------------------------------


def issue_notice(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseNotice:
    """The 行政处罚告知书 (with the hearing right where the law gives it): facts, articles, the proposed
    penalty per party, the rights and their windows. What it says becomes each line's notified penalty."""
    require_case_officer(actor, case)
    task = ready_task(case, "issue_notice", task)
    today = clock.today()
    gates.require_case_officers_valid(case, today)
    if case.outcome != Outcome.PENALTY or not case.lines:
        raise InvalidState("只有拟给予行政处罚的案件需要告知")
    pack = pack_for(case.region_path, today)
    for line in case.lines:
        line.notified_kinds = list(line.proposed_kinds or [])
        line.notified_fine = line.proposed_fine
    case.hearing_right = policy.hearing_right(case, pack, stage="notified")
    case.review_required = case.review_required or policy.review_required(case, pack, stage="notified")
    total = sum((linked.line_total(ln, "notified") for ln in case.lines), Decimal(0))  # with Art.112's part
    rnd = len(case.notices) + 1
    content = {
        "facts": data.get("facts") or case.report_text,
        "provisions": case.provisions,
        "lines": [
            {**_line_content(ln, "notified"), "fine_capital": capital(ln.notified_fine or 0)}
            for ln in case.lines
        ],
        "basis": _basis(case),
        "evidence": [{"kind": e.kind, "title": e.title} for e in case.evidence_items],
        "hearing_right": case.hearing_right,
        "statement_window": pack.statement_window.n,
        "hearing_request": pack.hearing_request.n,
        "statement_window_label": pack.statement_window.label(),
        "hearing_request_label": pack.hearing_request.label(),
        "contact": data.get("contact"),
        "round": rnd,
    }
    doc = case_document(
        case, "hearing_notice" if case.hearing_right else "penalty_notice", content, actor=actor
    )
    notice = CaseNotice(
        case=case,
        round=rnd,
        hearing_right=case.hearing_right,
        document_id=doc.id,
        issued_on=today,
        total_fine=total,
    )
    db.session.add(notice)
    changes = step(case, task, {}, actor=actor)
    record(
        actor,
        "case.notice_issued",
        case,
        f"制发{'行政处罚听证告知书' if case.hearing_right else '行政处罚告知书'} {doc.number.text}（第{rnd}次告知）",
        changes=changes,
    )
    return notice


def _basis(case: PenaltyCase) -> str | None:
    """违反…的规定，依据…的规定 from the case's 违法行为库 entry (the 告知书 states the legal basis, Art.44)."""
    if not case.violation_code:
        return None
    from app.cases import discretion

    return discretion.describe(discretion.entry(case.violation_code, case.violation_version))


# ---- 送达 -------------------------------------------------------------------------------------------------


def record_service(case: PenaltyCase, document: OfficialDocument, data: dict, *, actor: User) -> CaseService:
    """A 送达回执 for one outward document: method, date, recipient and what each method needs (留置:
    witnesses and the refusal; 电子: the party's consent; 公告: takes effect after 30 days, a period that does
    not count toward the decision clock)."""
    require_case_officer(actor, case)
    if document.subject_type != "penalty_cases" or document.subject_id != case.id or document.voided:
        raise invalid("document_id", "请选择本案有效的文书")
    method = data.get("method")
    if method not in {m.value for m in ServiceMethod}:
        raise invalid("method", "请选择送达方式")
    served_on: date = data.get("served_on") or clock.today()
    if served_on > clock.today() or served_on < document.issued_at.astimezone(clock.TZ).date():
        raise invalid("served_on", "送达日期应在文书制发之后、不晚于今天")
    if method == ServiceMethod.LEFT and not (
        (data.get("witnesses") or "").strip() and (data.get("refusal_reason") or "").strip()
    ):
        raise invalid("witnesses", "留置送达应记明拒收事由，并由见证人签名")
    if method == ServiceMethod.ELECTRONIC and not (data.get("consent_ref") or "").strip():
        raise invalid(
            "consent_ref", "电子送达须经受送达人同意并签订送达地址确认书（《行政处罚法》第六十一条）"
        )
    if method == ServiceMethod.POST and not (data.get("post_no") or "").strip():
        raise invalid("post_no", "请填写邮件号")
    if method == ServiceMethod.ANNOUNCEMENT and not (data.get("post_no") or "").strip():
        raise invalid("post_no", "请填写公告载体（报纸、网站名称）")
    if method != ServiceMethod.ANNOUNCEMENT and not (data.get("recipient") or "").strip():
        raise invalid("recipient", "请填写受送达人")
    pack = pack_for(case.region_path, served_on)
    effective = legal_time.service_effective_on(method, served_on, pack)
    service = CaseService(
        case=case,
        document_id=document.id,
        method=method,
        served_on=served_on,
        effective_on=effective,
        recipient=(data.get("recipient") or case.enterprise.name).strip(),
        signer=data.get("signer"),
        place=data.get("place"),
        witnesses=data.get("witnesses"),
        refusal_reason=data.get("refusal_reason"),
        consent_ref=data.get("consent_ref"),
        post_no=data.get("post_no"),
        served_by_id=actor.id,
    )
    db.session.add(service)
    if method == ServiceMethod.ANNOUNCEMENT and case.decided_on is None and case.filed_on:
        if any(p.ended_on is None for p in case.pauses):
            raise invalid("method", "已有未结束的不计入期间，请先登记其结束日期")
        db.session.add(
            CasePause(
                case=case,
                kind=PauseKind.ANNOUNCEMENT,
                started_on=served_on,
                ended_on=effective,
                reason=f"公告送达{document.title}",
            )
        )
        refresh_clock(case)
    receipt = case_document(
        case,
        "service_receipt",
        {
            "document": document.title,
            "document_no": document.number.text,
            "method": method,
            "served_on": served_on.isoformat(),
            "effective_on": effective.isoformat(),
            "recipient": service.recipient,
            "signer": service.signer,
            "place": service.place,
            "witnesses": service.witnesses,
            "refusal_reason": service.refusal_reason,
            "consent_ref": service.consent_ref,
            "post_no": service.post_no,
            "served_by": actor.name,
        },
        actor=actor,
        title=f"送达回执（{document.title}）",
    )
    service.receipt_document_id = receipt.id
    db.session.flush()
    record(
        actor,
        "case.document_served",
        case,
        f"{method}{document.title} {document.number.text}（{served_on:%Y-%m-%d}）",
        data={"document_id": document.id, "service_id": service.id},
    )
    return service


def serve_notice(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseService:
    """The serve_notice task: the 告知书's 送达回执; the party's windows start from its effective day."""
    require_case_officer(actor, case)
    task = ready_task(case, "serve_notice", task)
    notice = gates.latest_notice(case)
    if notice is None:
        raise InvalidState("尚未制发告知书")
    document = db.session.get(OfficialDocument, notice.document_id)
    if document is None:
        raise InvalidState("告知书不存在")
    service = record_service(case, document, data, actor=actor)
    pack = pack_for(case.region_path, service.effective_on)
    notice.served_on = service.effective_on
    notice.statement_until = legal_time.statement_until(service.effective_on, pack)
    notice.hearing_until = (
        legal_time.hearing_request_until(service.effective_on, pack) if notice.hearing_right else None
    )
    until = max(d for d in (notice.statement_until, notice.hearing_until) if d is not None)
    changes = step(
        case,
        task,
        {"statement_until": until.isoformat(), "statement_until_at": iso_end_of(until)},
        actor=actor,
    )
    record(
        actor,
        "case.notice_served",
        case,
        f"告知书已送达，陈述申辩、听证申请期限至{until:%Y年%m月%d日}",
        changes=changes,
    )
    return service


# ---- 陈述申辩, 听证申请, 放弃 -------------------------------------------------------------------------------


def can_state(user: User, case: PenaltyCase) -> bool:
    """The party's own enterprise account, or a case officer recording it (陈述申辩笔录)."""
    if user.is_enterprise_user:
        return user.has_role(Role.ENTERPRISE) and user.enterprise_id == case.enterprise_id
    return is_staff_in_scope(user, case) and (
        user.id in {o.user_id for o in case.officers} or user.has_role(Role.SECTION_HEAD)
    )


def state_case(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseStatement:
    """陈述申辩 / 要求听证 / 书面放弃, online by the enterprise or recorded by an officer, within the windows."""
    require(can_state(actor, case), "只有当事人或本案承办人员可以提交陈述申辩")
    task = ready_task(case, "state_case", task)
    notice = gates.latest_notice(case)
    if notice is None or notice.served_on is None:
        raise InvalidState("告知书尚未送达")
    kind = data.get("statement")
    if kind not in {k.value for k in StatementKind}:
        raise invalid("statement", "请选择陈述申辩、要求听证或放弃")
    today = clock.today()
    if kind == StatementKind.HEARING:
        if not notice.hearing_right:
            raise invalid("statement", "本案拟作出的处罚不属于听证范围，可以提出陈述申辩")
        if notice.hearing_until is None or today > notice.hearing_until:
            raise invalid("statement", "听证申请期限已过（告知书送达之日起5个工作日内）")
    elif kind == StatementKind.STATED:
        if today > (notice.statement_until or today):
            raise invalid("statement", "陈述申辩期限已过")
        if not (data.get("content") or "").strip():
            raise invalid("content", "请填写陈述申辩的事实和理由")
    elif not data.get("waiver_signed"):
        raise invalid("waiver_signed", "放弃陈述申辩和听证须由当事人书面确认（上传签字的放弃声明）")
    statement = CaseStatement(
        case=case,
        notice_id=notice.id,
        kind=kind,
        channel="企业在线" if actor.is_enterprise_user else "执法人员记录",
        content=data.get("content"),
        submitted_on=today,
        submitted_by_id=actor.id,
    )
    db.session.add(statement)
    db.session.flush()
    if kind == StatementKind.WAIVED:
        case.notice_waived = True
    if kind == StatementKind.HEARING:
        db.session.add(CaseHearing(case=case, statement_id=statement.id, status=HearingStatus.REQUESTED))
        if not any(p.ended_on is None for p in case.pauses):
            db.session.add(
                CasePause(case=case, kind=PauseKind.HEARING, started_on=today, reason="当事人申请听证")
            )
        refresh_clock(case)
    from app.cases.operations.common import link

    link(data.get("files"), statement, "files")
    changes = step(case, task, {"statement": kind}, actor=actor)
    record(
        actor,
        "case.party_stated",
        case,
        f"当事人{STATEMENT_LABELS[StatementKind(kind)]}（{statement.channel}）",
        changes=changes,
    )
    return statement


def statement_window_closed(case: PenaltyCase) -> None:
    """The windows ran out with no word from the party (the interrupting timer): record the silence."""
    from app import audit

    audit.record(
        None,
        "case.statement_window_closed",
        case,
        summary="陈述申辩、听证申请期限届满，当事人未提出意见，视为放弃",
    )


# ---- 听证 -------------------------------------------------------------------------------------------------


SERVICE_FIELDS = (
    "method",
    "served_on",
    "recipient",
    "signer",
    "witnesses",
    "refusal_reason",
    "consent_ref",
    "post_no",
)


def schedule_hearing(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseHearing:
    """听证会通知书, issued and served in this step: the presiding officer (not an investigator), time and
    place, the hearing ≥ 7 working days after the notice takes effect (Art.64(二); 公告送达 takes 30 days)."""
    require_role(actor, case, Role.SECTION_HEAD)
    task = ready_task(case, "schedule_hearing", task)
    hearing = gates.pending_hearing(case)
    if hearing is None:
        raise InvalidState("没有待安排的听证申请")
    presiding = User.load_active(int(data["presiding_id"])) if data.get("presiding_id") else None
    if presiding is None or presiding.is_enterprise_user:
        raise invalid("presiding_id", "请选择听证主持人")
    gates.require_presiding(case, presiding)
    today = clock.today()
    pack = pack_for(case.region_path, today)
    service = {k: data.get(k) for k in SERVICE_FIELDS}  # the notice's 送达 (its own place: not the hearing's)
    service["recipient"] = service.get("recipient") or case.enterprise.name
    method, served_on = service.get("method"), service.get("served_on") or today
    if method not in {m.value for m in ServiceMethod}:
        raise invalid("method", "请选择听证会通知书的送达方式")
    earliest = legal_time.earliest_hearing_day(legal_time.service_effective_on(method, served_on, pack), pack)
    hearing_on = data.get("hearing_on")
    if hearing_on is None or hearing_on < earliest:
        raise invalid(
            "hearing_on",
            f"应在举行听证的7个工作日前通知当事人（自通知书送达之日起算），听证日期不得早于{earliest:%Y年%m月%d日}",
        )
    hearing.presiding_id, hearing.hearing_on, hearing.place = presiding.id, hearing_on, data["place"]
    hearing.public = data.get("public", True) is not False
    hearing.recorder = data.get("recorder")
    hearing.status = HearingStatus.SCHEDULED
    doc = case_document(
        case,
        "hearing_meeting_notice",
        {
            "hearing_on": hearing_on.isoformat(),
            "place": hearing.place,
            "presiding": presiding.name,
            "public": hearing.public,
            "recorder": hearing.recorder,
        },
        actor=actor,
    )
    hearing.notice_document_id = doc.id
    record_service(case, doc, service, actor=actor)
    changes = step(
        case, task, {"presiding_id": presiding.id, "hearing_at": iso_end_of(hearing_on)}, actor=actor
    )
    record(
        actor,
        "case.hearing_scheduled",
        case,
        f"定于{hearing_on:%Y年%m月%d日}在{hearing.place}举行听证，主持人{presiding.name}（{doc.number.text}）",
        changes=changes,
    )
    return hearing


def hold_hearing(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseHearing:
    """The presiding officer records the hearing: 听证笔录 (signed by the party, or the refusal noted) and the
    听证会报告书 with the recommendation. A party absent without reason waives it (the hearing ends)."""
    task = ready_task(case, "hold_hearing", task)
    hearing = gates.pending_hearing(case)
    if hearing is None or hearing.status != HearingStatus.SCHEDULED:
        raise InvalidState("没有已通知待举行的听证")
    require(
        actor.id == hearing.presiding_id and is_staff_in_scope(actor, case),
        "只有指定的听证主持人可以记录听证",
    )
    gates.require_presiding(case, actor)
    if not any(s.document_id == hearing.notice_document_id for s in case.services):
        raise InvalidState("听证会通知书尚未送达当事人，不能举行听证（《行政处罚法》第六十四条）")
    today = clock.today()
    if hearing.hearing_on and today < hearing.hearing_on:
        raise InvalidState(f"听证定于{hearing.hearing_on:%Y年%m月%d日}举行，尚未到期")
    attended = data.get("attended") == "yes"
    if attended:
        if not (data.get("record") or "").strip():
            raise invalid("record", "请填写听证笔录")
        if not (data.get("report") or "").strip():
            raise invalid("report", "请填写听证会报告书（主持人意见）")
        if data.get("party_signed") is None:
            raise invalid("party_signed", "请记录当事人是否在听证笔录上签字")
    hearing.status = HearingStatus.HELD if attended else HearingStatus.WAIVED
    hearing.held_on = today
    hearing.attendees, hearing.record = data.get("attendees"), data.get("record")
    hearing.party_signed = data.get("party_signed") == "yes" if attended else None
    hearing.report, hearing.recommendation = data.get("report"), data.get("recommendation")
    for pause in case.pauses:
        if pause.kind == PauseKind.HEARING and pause.ended_on is None:
            pause.ended_on = today
    refresh_clock(case)
    if attended:
        case.review_required = True  # Art.58(二): a case that went through a hearing is reviewed
        rec = case_document(
            case,
            "hearing_record",
            {
                "record": hearing.record,
                "attendees": hearing.attendees,
                "party_signed": hearing.party_signed,
                "held_on": today.isoformat(),
            },
            actor=actor,
        )
        rep = case_document(
            case,
            "hearing_report",
            {"report": hearing.report, "recommendation": hearing.recommendation},
            actor=actor,
        )
        summary = f"举行听证，制作听证笔录{rec.number.text}、听证会报告书{rep.number.text}"
    else:
        summary = "当事人无正当理由未出席听证，视为放弃听证权利，听证终止"
    changes = step(case, task, {}, actor=actor)
    record(actor, "case.hearing_held", case, summary, changes=changes)
    return hearing


# ---- 复核 -------------------------------------------------------------------------------------------------


def review_statement(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """复核 of the party's statement or the hearing (Art.45): adopted / partly / not adopted, with reasons.
    Adjusted lines may only be lighter; a heavier penalty needs a new 告知 (renotice)."""
    require_case_officer(actor, case)
    task = ready_task(case, "review_statement", task)
    result = data.get("review_result")
    if result not in ("采纳", "部分采纳", "不采纳"):
        raise invalid("review_result", "请选择复核结论")
    if not (data.get("review_reason") or "").strip():
        raise invalid("review_reason", "请写明复核理由")
    today = clock.today()
    for s in case.statements:
        if s.review_result is None and s.kind != StatementKind.WAIVED:
            s.review_result, s.review_reason, s.reviewed_by_id, s.reviewed_on = (
                result,
                data["review_reason"],
                actor.id,
                today,
            )
    renotice = data.get("renotice") == "yes"
    heavier = False
    for row in data.get("adjustments") or []:
        no = int(row.get("line_no") or 0)
        if not 1 <= no <= len(case.lines):
            raise invalid("adjustments", f"没有第{no}项处罚")
        line = case.lines[no - 1]
        fine = Decimal(row.get("fine") or 0)
        if fine > Decimal(line.notified_fine or 0):
            heavier = True
            if not renotice:
                raise invalid(
                    "adjustments",
                    f"{line.party_name}的罚款高于告知的{line.notified_fine}元：当事人的陈述申辩不得导致"
                    "加重处罚；确需加重的，应选择“重新告知”（《行政处罚法》第四十五条）",
                )
        if (fine > 0) != (PenaltyKind.FINE in (line.proposed_kinds or [])):
            raise invalid("adjustments", f"{line.party_name}的处罚种类不含罚款，不能调整罚款金额")
        line.proposed_fine = fine
    if renotice and not heavier:
        raise invalid("renotice", "调整后的处罚没有加重，无需重新告知")
    changes = step(case, task, {"renotice": renotice}, actor=actor)
    record(
        actor,
        "case.statement_reviewed",
        case,
        f"复核当事人意见：{result}。{data['review_reason']}" + ("；拟加重处罚，重新告知" if renotice else ""),
        changes=changes,
    )
