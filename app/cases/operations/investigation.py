"""调查取证 and 调查终结: the evidence list (each file kept by its SHA-256), the periods that do not count
toward the 90-day clock (鉴定, 听证, 公告), the 调查终结报告 with the violation picked from the 违法行为库 and
the discretion engine's band, and the 承办机构负责人's review of the report."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from app import clock
from app.auth.models import User
from app.cases import discretion, gates, legal_time, linked, policy, separation
from app.cases.models import (
    OUTCOME_LABELS,
    CaseEvidence,
    CasePause,
    EvidenceKind,
    NoPenaltyReason,
    Outcome,
    PauseKind,
    PenaltyCase,
    PenaltyKind,
    PenaltyLine,
    TargetKind,
)
from app.cases.money import capital
from app.cases.operations.common import (
    case_document,
    iso_end_of,
    link,
    ready_task,
    record,
    require_case_officer,
    step,
)
from app.cases.rules import pack_for
from app.errors import InvalidState, ValidationFailed, invalid
from app.extensions import db

CLOSED_FOR_EVIDENCE = ("已结案", "不予立案", "立案审批中")


def _require_open(case: PenaltyCase) -> None:
    if case.status in CLOSED_FOR_EVIDENCE or case.decided_on is not None:
        raise InvalidState(f"案件处于“{case.status}”阶段，不能再补充证据")


def add_evidence(case: PenaltyCase, data: dict, *, actor: User) -> CaseEvidence:
    """One item of the evidence list. 询问笔录 need the Q&A and every page signed; an 鉴定委托书 pauses the
    decision clock until the appraisal returns (Art.60 excludes it)."""
    require_case_officer(actor, case)
    _require_open(case)
    kind = data.get("kind")
    if kind not in {k.value for k in EvidenceKind} or kind == EvidenceKind.PRESERVATION:
        raise invalid("kind", "请选择证据种类（先行登记保存请通过“申请先行登记保存”办理）")
    today = clock.today()
    collected_on = data.get("collected_on") or today
    if collected_on > today:
        raise invalid("collected_on", "取证日期不能晚于今天")
    if case.filed_on and collected_on < case.filed_on and not case.urgent_handled_on:
        raise invalid("collected_on", "取证日期早于立案日期（先行处置的案件除外）")
    details: dict = {}
    if kind == EvidenceKind.INQUIRY:
        qa = [row for row in (data.get("qa") or []) if (row.get("question") or "").strip()]
        if not qa:
            raise invalid("qa", "询问笔录应记录问答内容")
        if not data.get("signed_every_page"):
            raise invalid("signed_every_page", "询问笔录应由被询问人逐页签名（或捺指印）确认")
        if not data.get("rights_explained"):
            raise invalid("rights_explained", "应告知被询问人执法人员身份、如实回答义务和申请回避的权利")
        started_at, ended_at = data.get("started_at"), data.get("ended_at")
        if started_at is not None and ended_at is not None and ended_at < started_at:
            raise invalid("ended_at", "询问结束时间不能早于开始时间")
        details = {
            "interviewee": data.get("interviewee"),
            "qa": qa,
            "signed_every_page": True,
            "rights_explained": True,
            "started_at": _s(data.get("started_at")),
            "ended_at": _s(data.get("ended_at")),
        }
    elif kind == EvidenceKind.APPRAISAL:
        if not (data.get("appraiser") or "").strip():
            raise invalid("appraiser", "请填写鉴定机构")
        details = {"appraiser": data["appraiser"]}
    item = CaseEvidence(
        case=case,
        kind=kind,
        title=data["title"],
        description=data.get("description"),
        collected_on=collected_on,
        place=data.get("place"),
        details=details,
        recorded_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    link(data.get("files"), item, "files")
    if kind == EvidenceKind.INQUIRY_NOTICE and case.case_no:
        doc = case_document(
            case,
            "inquiry_notice",
            {"to": data["title"], "when": data.get("description"), "place": data.get("place")},
            actor=actor,
        )
        item.document_id = doc.id
    if kind == EvidenceKind.APPRAISAL:
        start_pause(
            case,
            {
                "kind": PauseKind.APPRAISAL,
                "started_on": collected_on,
                "reason": f"委托{data['appraiser']}鉴定",
            },
            actor=actor,
        )
    record(
        actor, "case.evidence_added", case, f"补充证据：{kind}《{item.title}》", data={"evidence_id": item.id}
    )
    return item


def _s(value) -> str | None:
    return value.isoformat() if value is not None else None


# ---- paused periods -------------------------------------------------------------------------------------


def start_pause(case: PenaltyCase, data: dict, *, actor: User) -> CasePause:
    require_case_officer(actor, case)
    if case.decided_on is not None or case.filed_on is None:
        raise InvalidState("只有已立案、未作出决定的案件可以计算不计入办案期限的期间")
    kind = data.get("kind")
    if kind not in {k.value for k in PauseKind}:
        raise invalid("kind", "请选择不计入办案期限的事由")
    if any(p.ended_on is None for p in case.pauses):
        raise InvalidState("已有未结束的不计入期间，请先登记其结束日期")
    started = data.get("started_on") or clock.today()
    if started < case.filed_on or started > clock.today():
        raise invalid("started_on", "起始日应在立案之后、不晚于今天")
    pause = CasePause(case=case, kind=kind, started_on=started, reason=data.get("reason"))
    db.session.add(pause)
    refresh_clock(case)
    record(actor, "case.clock_paused", case, f"{kind}期间开始（{started:%Y-%m-%d}），不计入办案期限")
    return pause


def end_pause(case: PenaltyCase, data: dict, *, actor: User) -> CasePause:
    require_case_officer(actor, case)
    open_ = [p for p in case.pauses if p.ended_on is None]
    if not open_:
        raise InvalidState("没有未结束的不计入期间")
    pause = open_[0]
    ended = data.get("ended_on") or clock.today()
    if ended < pause.started_on or ended > clock.today():
        raise invalid("ended_on", "结束日应不早于起始日、不晚于今天")
    pause.ended_on = ended
    refresh_clock(case)
    record(actor, "case.clock_resumed", case, f"{pause.kind}期间结束（{ended:%Y-%m-%d}），恢复计算办案期限")
    return pause


def refresh_clock(case: PenaltyCase) -> None:
    """Recompute the decision deadline (90 days from 立案, paused periods excluded) and the overdue flag."""
    if case.filed_on is None or case.decided_on is not None:
        return
    pack = pack_for(case.region_path, case.filed_on)
    # the filing day itself never counts (a period runs from the next day): a pause begun that day starts the next
    first = case.filed_on + timedelta(days=1)
    pauses = [
        (max(p.started_on, first), p.ended_on if p.ended_on is None else max(p.ended_on, first))
        for p in case.pauses
    ]
    case.decision_due = legal_time.decision_due(case.filed_on, pauses, case.extra_days, pack)
    case.is_overdue = case.decision_due is not None and clock.today() > case.decision_due


# ---- 调查终结报告 -----------------------------------------------------------------------------------------


def _lines(case: PenaltyCase, rows: list[dict], entry, today) -> list[PenaltyLine]:
    """The penalty lines of the report: the unit and each responsible person separately (处罚到人), each
    fine checked against the discretion band of its tier."""
    if not rows:
        raise invalid("lines", "请填写处罚对象及拟处罚内容（单位和责任人员分别填写）")
    stage = linked.stage_for(case, entry) if entry is not None else 1  # a linked case: 逾期未改正 stage
    lines = []
    for i, row in enumerate(rows, 1):
        target = row.get("target")
        if target not in {t.value for t in TargetKind}:
            raise invalid("lines", f"第{i}行：请选择处罚对象类别")
        kinds = list(row.get("kinds") or [])
        bad = [k for k in kinds if k not in {p.value for p in PenaltyKind}]
        if not kinds or bad:
            raise invalid("lines", f"第{i}行：请选择处罚种类")
        fine = Decimal(row.get("fine") or 0)
        if (PenaltyKind.FINE in kinds) != (fine > 0):
            raise invalid("lines", f"第{i}行：处罚种类含罚款时应填写罚款金额，不含罚款时金额应为0")
        if target == TargetKind.PERSON and not (row.get("party_name") or "").strip():
            raise invalid("lines", f"第{i}行：请填写责任人员姓名")
        line = PenaltyLine(
            target=target,
            party_name=(row.get("party_name") or case.enterprise.name).strip(),
            id_number=row.get("id_number")
            or (case.enterprise.credit_code if target == TargetKind.UNIT else None),
            position=row.get("position"),
            violation_code=case.violation_code,
            proposed_kinds=kinds,
            proposed_fine=fine,
            deviation_reason=(row.get("deviation_reason") or "").strip() or None,
            other_terms=row.get("other_terms"),
        )
        if fine > 0 and entry is not None:
            band_target = discretion_target(line)
            try:
                suggestion = discretion.suggest(entry, band_target, list(case.factors or []), stage=stage)
            except ValidationFailed as exc:
                raise invalid("lines", f"第{i}行（{line.party_name}）：{exc.message}") from None
            line.tier = suggestion.tier
            line.band_min, line.band_max = Decimal(suggestion.band_min), Decimal(suggestion.band_max)
            try:
                check = discretion.check_amount(
                    entry, band_target, suggestion.tier, fine, line.deviation_reason, stage=stage
                )
            except ValidationFailed as exc:
                raise invalid("lines", f"第{i}行（{line.party_name}）：{exc.message}") from None
            if check.needs_discussion:
                case.discussion_required = True
        lines.append(line)
    return lines


def discretion_target(line: PenaltyLine) -> str:
    """The 裁量基准's target of a line: the unit, its 主要负责人, or another responsible person."""
    if line.target == TargetKind.UNIT:
        return "unit"
    return "principal" if "主要负责人" in (line.position or "") else "responsible_person"


def submit_report(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """调查终结报告 (the investigate task): facts, evidence, the violation (违法行为库), the factors, the proposal:
    a penalty (lines per party), 不予处罚 (reason and education record), 事实不成立, or 移送."""
    require_case_officer(actor, case)
    task = ready_task(case, "investigate", task)
    today = clock.today()
    gates.require_case_officers_valid(case, today)
    outcome = data.get("outcome")
    if outcome not in {o.value for o in Outcome}:
        raise invalid("outcome", "请选择处理意见")
    if not case.evidence_items and outcome != Outcome.NOT_ESTABLISHED:
        raise invalid("outcome", "证据清单为空：请先登记调查取得的证据")
    case.outcome = outcome
    case.report_text = data["report_text"]
    case.factors = list(data.get("factors") or [])
    case.no_penalty_reason = None
    case.discussion_required = False
    entry = None
    competing: list[str] = []
    if outcome in (Outcome.PENALTY, Outcome.NO_PENALTY):
        code = data.get("violation_code")
        codes = [c for c in dict.fromkeys(data.get("violation_codes") or []) if c]
        if len(codes) > 1:  # one act, several norms: the norm with the higher fine (Art.29)
            code, competing = discretion.higher_norm(codes, on=case.act_date), codes
        if not code:
            raise invalid("violation_code", "请从违法行为库选择违法行为")
        entry = discretion.applicable_entry(code, case.act_date, today)
        if entry is None:
            raise invalid("violation_code", "违法行为库中没有该条目")
        case.violation_code, case.violation_version = code, str(entry.version)
    case.continuing_fine = None
    if outcome == Outcome.PENALTY:
        case.lines = _lines(case, list(data.get("lines") or []), entry, today)
        gates.require_within_limitation(case, today)
        if data.get("continuing_fine"):  # Art.112, offered on a linked case (app/cases/linked.py)
            if case.parent is None:
                raise invalid("continuing_fine", "按日连续处罚适用于责令改正并处罚款后拒不改正的关联案件")
            if not any(ln.target == TargetKind.UNIT for ln in case.lines):
                raise invalid(
                    "continuing_fine", "按日连续处罚是对生产经营单位的处罚：请在处罚内容中填写对单位的处罚"
                )
            case.continuing_fine = linked.continuing_fine(case.parent, today, data.get("order_on"))
    else:
        case.lines = []
        if outcome == Outcome.NO_PENALTY:
            reason = data.get("no_penalty_reason")
            if reason not in {r.value for r in NoPenaltyReason}:
                raise invalid("no_penalty_reason", "请选择不予处罚的理由（轻微/首违/无过错/时效）")
            if not (data.get("education") or "").strip():
                raise invalid(
                    "education",
                    "不予行政处罚的，应当对当事人进行教育（《行政处罚法》第三十三条），请记录教育情况",
                )
            case.no_penalty_reason = reason
    if outcome == Outcome.TRANSFER:
        from app.cases.operations.transfer import report_transfer

        report_transfer(case, data, actor=actor)
    pack = pack_for(case.region_path, today)
    case.hearing_right = policy.hearing_right(case, pack, stage="proposed")
    case.review_required = policy.review_required(case, pack, stage="proposed")
    case.discussion_required = case.discussion_required or policy.discussion_required(
        case, pack, stage="proposed"
    )
    content = {
        "report_text": case.report_text,
        "outcome": OUTCOME_LABELS[Outcome(outcome)],
        "violation": discretion.describe(entry) if entry is not None else None,
        "competing_norms": competing or None,
        "stage": linked.stage_for(case, entry) if entry is not None else None,
        "parent_case": case.parent.case_no if case.parent is not None else None,
        "continuing_fine": case.continuing_fine,
        "factors": [discretion.FACTORS[f].label for f in case.factors if f in discretion.FACTORS],
        "no_penalty_reason": case.no_penalty_reason,
        "education": data.get("education"),
        "lines": [_line_content(ln, "proposed") for ln in case.lines],
        "evidence": [
            {"kind": e.kind, "title": e.title, "on": e.collected_on.isoformat()} for e in case.evidence_items
        ],
    }
    doc = case_document(case, "investigation_report", content, actor=actor)
    changes = step(case, task, {"outcome": outcome}, actor=actor)
    record(
        actor,
        "case.report_submitted",
        case,
        f"提交调查终结报告（{doc.number.text}）：{OUTCOME_LABELS[Outcome(outcome)]}",
        changes=changes,
    )


def _line_content(line: PenaltyLine, stage: str) -> dict:
    return {
        "target": line.target,
        "party_name": line.party_name,
        "position": line.position,
        "kinds": getattr(line, f"{stage}_kinds"),
        "fine": str(getattr(line, f"{stage}_fine") or 0),
        "tier": line.tier,
        "band": [str(line.band_min), str(line.band_max)] if line.band_min is not None else None,
        "deviation_reason": line.deviation_reason,
        **_continuing(line, stage),
    }


def _continuing(line: PenaltyLine, stage: str) -> dict:
    """Art.112 按日连续处罚 on the unit's line: its own part beside the fine, and the line's total."""
    part = linked.continuing_content(line, stage)
    if part is None:
        return {}
    total = linked.line_total(line, stage)
    return {"continuing": part, "total": str(total), "total_capital": capital(total)}


def review_report(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """承办机构负责人 reviews the 调查终结报告 (Art.57): agree with the proposal, or send it back for more
    investigation. A case returned here by 法制审核 (不同意) may also change the outcome."""
    separation.require_section_review(case, actor, "review_report", task)
    task = ready_task(case, "review_report", task)
    decision = data.get("report_decision")
    if decision not in ("agree", "more"):
        raise invalid("report_decision", "请选择审查意见")
    step_data = {"report_decision": decision, "outcome": case.outcome}
    if decision == "agree" and case.outcome == Outcome.TRANSFER:
        from app.cases.operations.transfer import current_transfer

        transfer = current_transfer(case)
        if transfer is None or transfer.decision is not None:
            raise invalid("report_decision", "移送须由承办人员在调查终结报告中提出移送报告")
        due = legal_time.transfer_decision_due(clock.now(), pack_for(case.region_path, clock.today()))
        step_data.update(transfer_decide_due=due.isoformat(), transfer_decide_due_at=iso_end_of(due))
    if decision == "agree" and case.outcome in (Outcome.NO_PENALTY, Outcome.NOT_ESTABLISHED):
        # no 告知 and no 呈批表 on this path: the gates of the decision are set here
        from app.cases.models import LegalReview

        today = clock.today()
        pack = pack_for(case.region_path, today)
        case.review_required = case.review_required or policy.review_required(case, pack, stage="proposed")
        case.discussion_required = case.discussion_required or policy.discussion_required(
            case, pack, stage="proposed"
        )
        step_data.update(review_required=case.review_required, discussion_required=case.discussion_required)
        if case.review_required:
            due = legal_time.review_due(today, pack)
            db.session.add(
                LegalReview(
                    case=case, round=len(case.reviews) + 1, submitted_on=today, due_on=due, checklist=[]
                )
            )
            step_data.update(review_due=due.isoformat(), review_due_at=iso_end_of(due))
    if decision == "agree" and case.outcome is None:
        raise invalid("report_decision", "移送未获批准，请退回承办人员补充调查后重新提出处理意见")
    changes = step(case, task, step_data, actor=actor)
    record(
        actor,
        "case.report_reviewed",
        case,
        f"承办机构负责人审查调查终结报告：{'同意' if decision == 'agree' else '退回补充调查'}。{data['opinion']}",
        changes=changes,
    )
