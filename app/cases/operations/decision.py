"""案件处理呈批表 → 法制审核 (Art.58, a hard gate) → 集体讨论 (Art.57 ¶2) → 负责人决定 (Art.57, 59) → 送达 and
公示 (Art.61; 安全生产法 Art.78: within 7 working days). Every gate is app.cases.gates.before_decision,
checked by `decide` whoever calls it."""

from __future__ import annotations

from decimal import Decimal

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import gates, legal_time, linked, policy, signals
from app.cases.models import (
    OUTCOME_LABELS,
    REVIEW_OPINION_LABELS,
    CaseDiscussion,
    LegalReview,
    Outcome,
    PenaltyCase,
    PenaltyKind,
    ReviewOpinion,
)
from app.cases.money import capital
from app.cases.operations.common import (
    case_document,
    iso_end_of,
    ready_task,
    record,
    require_case_officer,
    require_role,
    step,
)
from app.cases.operations.investigation import _line_content
from app.cases.rules import pack_for
from app.documents import OfficialDocument
from app.errors import InvalidState, invalid
from app.extensions import db

# ---- 案件处理呈批表 ------------------------------------------------------------------------------------------


def prepare_decision(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """The 承办人's 案件处理呈批表: the penalty to decide per party (never heavier than notified), the
    handling of the party's statement; then the case goes to 法制审核 / 集体讨论 / 负责人 as the rules say."""
    require_case_officer(actor, case)
    task = ready_task(case, "prepare_decision", task)
    today = clock.today()
    if case.outcome == Outcome.PENALTY:
        adjustments = {int(r["line_no"]): r for r in (data.get("adjustments") or []) if r.get("line_no")}
        for no, line in enumerate(case.lines, 1):
            row = adjustments.get(no)
            fine = (
                Decimal(row["fine"])
                if row and row.get("fine") is not None
                else Decimal(line.proposed_fine or 0)
            )
            line.decided_fine = fine
            line.decided_kinds = list(line.proposed_kinds or [])
        gates.require_not_heavier(case, field="adjustments")
    pack = pack_for(case.region_path, today)
    case.review_required = case.review_required or policy.review_required(case, pack, stage="decided")
    case.discussion_required = case.discussion_required or policy.discussion_required(
        case, pack, stage="decided"
    )
    doc = case_document(
        case,
        "case_decision_form",
        {
            "outcome": OUTCOME_LABELS[Outcome(case.outcome or "")],
            "opinion": data["opinion"],
            "lines": [_line_content(ln, "decided") for ln in case.lines]
            if case.outcome == Outcome.PENALTY
            else [],
            "statements": [
                {"kind": s.kind, "content": s.content, "review": s.review_result, "reason": s.review_reason}
                for s in case.statements
            ],
            "review_required": case.review_required,
            "discussion_required": case.discussion_required,
        },
        actor=actor,
    )
    review_data = {}
    if case.review_required:
        due = legal_time.review_due(today, pack)
        db.session.add(
            LegalReview(case=case, round=len(case.reviews) + 1, submitted_on=today, due_on=due, checklist=[])
        )
        review_data = {"review_due": due.isoformat(), "review_due_at": iso_end_of(due)}
    changes = step(
        case,
        task,
        {
            "review_required": case.review_required,
            "discussion_required": case.discussion_required,
            **review_data,
        },
        actor=actor,
    )
    record(
        actor,
        "case.decision_prepared",
        case,
        f"制作案件处理呈批表{doc.number.text}" + ("，送法制审核" if case.review_required else ""),
        changes=changes,
    )


# ---- 法制审核 ---------------------------------------------------------------------------------------------


def pending_review(case: PenaltyCase) -> LegalReview:
    review = case.reviews[-1] if case.reviews else None
    if review is None or review.opinion is not None:
        raise InvalidState("没有待审核的送审材料")
    return review


def legal_review(case: PenaltyCase, data: dict, *, actor: User, task=None) -> LegalReview:
    """The reviewer judges each §8.3 item (the system's proof pre-filled) and gives 同意 / 建议修改 /
    建议补充调查 / 不同意 with reasons; the 法制审核意见书 is issued. Only a qualified reviewer who is not a
    case officer may review; an item the system shows failing cannot be passed with 同意."""
    require_role(actor, case, Role.LEGAL_REVIEWER)
    gates.require_reviewer(case, actor)
    task = ready_task(case, "legal_review", task)
    review = pending_review(case)
    today = clock.today()
    opinion = data.get("review_opinion")
    if opinion not in {o.value for o in ReviewOpinion}:
        raise invalid("review_opinion", "请选择审核意见")
    if not (data.get("reasons") or "").strip():
        raise invalid("reasons", "请写明审核意见的理由")
    items = gates.checklist(case, today)
    judged = set(data.get("confirmed") or [])
    failing = [i for i in items if i.proven is False]
    if opinion == ReviewOpinion.AGREE:
        if failing:
            raise invalid(
                "review_opinion",
                "系统核验未通过的事项："
                + "；".join(f"{i.label}（{i.detail}）" for i in failing)
                + "。不能同意，请选择建议修改、补充调查或不同意",
            )
        missing = [i.label for i in items if i.key not in judged]
        if missing:
            raise invalid("confirmed", "同意前请逐项确认审核事项：" + "、".join(missing))
    review.reviewer_id, review.qualification_no = actor.id, actor.legal_qualification_no
    review.checklist = [
        {"key": i.key, "label": i.label, "proven": i.proven, "detail": i.detail, "confirmed": i.key in judged}
        for i in items
    ]
    review.opinion, review.reasons, review.reviewed_on = opinion, data["reasons"].strip(), today
    case.review_passed = opinion == ReviewOpinion.AGREE
    doc = case_document(
        case,
        "legal_review",
        {
            "round": review.round,
            "submitted_on": review.submitted_on.isoformat(),
            "checklist": review.checklist,
            "opinion": REVIEW_OPINION_LABELS[ReviewOpinion(opinion)],
            "reasons": review.reasons,
            "reviewer": actor.name,
            "qualification_no": actor.legal_qualification_no,
        },
        actor=actor,
    )
    review.document_id = doc.id
    if opinion != ReviewOpinion.AGREE:  # the next submission is reviewed anew
        case.review_passed = False
    changes = step(case, task, {"review_opinion": opinion}, actor=actor)
    record(
        actor,
        "case.legal_reviewed",
        case,
        f"法制审核（第{review.round}次）：{REVIEW_OPINION_LABELS[ReviewOpinion(opinion)]}。{review.reasons}（{doc.number.text}）",
        changes=changes,
    )
    return review


def review_overdue(case: PenaltyCase) -> None:
    from app import audit

    audit.record(None, "case.review_overdue", case, summary="法制审核期限届满，尚未出具审核意见")


# ---- 集体讨论 ---------------------------------------------------------------------------------------------


def collective_discussion(case: PenaltyCase, data: dict, *, actor: User, task=None) -> CaseDiscussion:
    """行政处罚集体讨论记录: chair, attendees with each one's opinion, the conclusion. An empty record is
    refused: at least three participants, each with an opinion."""
    require_role(actor, case, Role.LEADER)
    gates.require_not_handling(case, actor)
    task = ready_task(case, "collective_discussion", task)
    opinions = [r for r in (data.get("opinions") or []) if (r.get("name") or "").strip()]
    if len(opinions) < 3 or any(not (r.get("opinion") or "").strip() for r in opinions):
        raise invalid("opinions", "集体讨论应记录每位参加人员（不少于3人）的意见")
    if not (data.get("conclusion") or "").strip():
        raise invalid("conclusion", "请填写讨论结论")
    held_on = data.get("held_on") or clock.today()
    if held_on > clock.today():
        raise invalid("held_on", "讨论日期不能晚于今天")
    discussion = CaseDiscussion(
        case=case,
        held_on=held_on,
        place=data["place"],
        chair=data["chair"],
        presenter=data.get("presenter"),
        opinions=[
            {"name": r["name"].strip(), "position": r.get("position"), "opinion": r["opinion"].strip()}
            for r in opinions
        ],
        conclusion=data["conclusion"].strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(discussion)
    db.session.flush()
    doc = case_document(
        case,
        "discussion_record",
        {
            "held_on": held_on.isoformat(),
            "place": discussion.place,
            "chair": discussion.chair,
            "presenter": discussion.presenter,
            "opinions": discussion.opinions,
            "conclusion": discussion.conclusion,
        },
        actor=actor,
    )
    discussion.document_id = doc.id
    changes = step(case, task, {}, actor=actor)
    record(
        actor,
        "case.discussed",
        case,
        f"集体讨论（{doc.number.text}）：{discussion.conclusion}",
        changes=changes,
    )
    return discussion


# ---- 决定 -------------------------------------------------------------------------------------------------


def decide(case: PenaltyCase, data: dict, *, actor: User, task=None) -> OfficialDocument | None:
    """负责人 decides (or returns the 呈批表). Every gate first (gates.before_decision): a decision without a
    required 法制审核, before the 告知's windows, while a hearing is pending, heavier than notified, or a
    second fine for one act is refused. Issues the 行政处罚决定书 (or 不予行政处罚决定书)."""
    require_role(actor, case, Role.LEADER)
    gates.require_not_handling(case, actor)
    task = ready_task(case, "decide", task)
    decision = data.get("decision")
    if decision not in ("decide", "return"):
        raise invalid("decision", "请选择审批意见")
    if decision == "return":
        changes = step(case, task, {"decision": "return"}, actor=actor)
        record(
            actor,
            "case.decision_returned",
            case,
            f"负责人退回案件处理呈批表：{data['opinion']}",
            changes=changes,
        )
        return None
    today = clock.today()
    gates.before_decision(case, today)
    pack = pack_for(case.region_path, today)
    case.decided_on, case.decided_by_id = today, actor.id
    if case.outcome == Outcome.PENALTY:
        content = decision_content(case, pack)
        doc = case_document(case, "penalty_decision", content, actor=actor)
    else:
        doc = case_document(
            case,
            "no_penalty_decision",
            {
                "outcome": OUTCOME_LABELS[Outcome(case.outcome or "")],
                "reason": case.no_penalty_reason,
                "facts": case.report_text,
                "remedy": remedy_text(case),
            },
            actor=actor,
        )
    changes = step(case, task, {"decision": "decide"}, actor=actor)
    record(actor, "case.decided", case, f"负责人作出决定：{doc.title} {doc.number.text}", changes=changes)
    from app.cases import art113

    art113.after_decision(case, actor=actor)  # 提请关闭 when this decision reaches the Art.113 count
    signals.decision_made.send(case)  # credit: a proposal when the violation carries a 列入情形
    return doc


def remedy_text(case: PenaltyCase) -> str:
    """复议 to the people's government at the agency's own level (2023 行政复议法 Art.24), 诉讼 within 6 months."""
    region = getattr(case.agency, "region", None)
    gov = f"{region.name}人民政府" if region is not None else "本级人民政府"
    return (
        f"如不服本决定，可以在收到本决定书之日起六十日内向{gov}申请行政复议，或者在六个月内依法向人民法院"
        "提起行政诉讼。申请行政复议或者提起行政诉讼的，不停止本决定的执行。"
    )


# how an officer's 调查终结报告 usually opens its facts, and the party as it names it there
FACT_OPENINGS = (
    "经调查核实，",
    "经调查核实,",
    "经调查，",
    "经调查,",
    "经查明，",
    "经查明,",
    "经核查，",
    "经查，",
    "经查,",
)
PARTY_WORDS = ("当事人", "你单位", "该单位", "该公司", "该企业")


def stated_facts(text: str | None) -> str:
    """The facts as a 决定书 states them: “经查，你单位……”. The report's own opening (经调查，) and its name for
    the party (当事人, 该公司…) give way to the decision's; facts that open otherwise (a date, a place) follow
    “经查，” as written. Only the first paragraph is reworded."""
    body = (text or "").strip()
    if not body:
        return ""
    first, sep, rest = body.partition("\n")
    first = first.strip()
    for opening in FACT_OPENINGS:
        if first.startswith(opening):
            first = first[len(opening) :].lstrip()
            break
    for word in PARTY_WORDS:
        if first.startswith(word):
            first = "你单位" + first[len(word) :]
            break
    return "经查，" + first + sep + rest


def decision_content(case: PenaltyCase, pack) -> dict:
    """Art.59: party, facts and evidence, basis, the handling of the statement/hearing, each party's penalty
    (figures and capital characters), how and when to pay, the surcharge, remedies."""
    from app.cases import discretion

    entry = discretion.entry(case.violation_code, case.violation_version) if case.violation_code else None
    return {
        "facts": case.report_text,
        "facts_stated": stated_facts(case.report_text),
        "provisions": case.provisions,
        "basis": discretion.describe(entry) if entry is not None else case.provisions,
        "breached": entry.breached_article if entry is not None else None,
        "penalty_article": entry.penalty_article if entry is not None else None,
        "standard": (
            f"{entry.standard}（{entry.doc_no}，{entry.violation}）"
            + ("〔示例数据〕" if entry.illustrative else "")
            if entry is not None
            else None
        ),
        "evidence": [{"kind": e.kind, "title": e.title} for e in case.evidence_items],
        # one sentence per distinct answer: a case notified twice (补充调查, 重新告知) and waived twice said
        # "当事人书面放弃陈述申辩和听证；当事人书面放弃陈述申辩和听证。"
        "statements": list(
            {
                (s.kind, s.review_result, s.review_reason): {
                    "kind": s.kind,
                    "review": s.review_result,
                    "reason": s.review_reason,
                }
                for s in case.statements
            }.values()
        ),
        "hearing": [
            {"held_on": h.held_on.isoformat() if h.held_on else None, "status": h.status}
            for h in case.hearings
        ],
        "lines": [
            {**_line_content(ln, "decided"), "fine_capital": capital(ln.decided_fine or 0)}
            for ln in case.lines
        ],
        "payment_days": pack.payment.n,
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "surcharge": "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款数额",
        "remedy": remedy_text(case),
    }


# ---- 送达 and 公示 ----------------------------------------------------------------------------------------


def decision_document(case: PenaltyCase) -> OfficialDocument:
    from app.documents import documents_for

    docs = [
        d
        for d in documents_for(case, include_voided=False)
        if d.doc_type in ("penalty_decision", "no_penalty_decision")
    ]
    if not docs:
        raise InvalidState("尚未制发决定书")
    return docs[-1]


def serve_decision(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """送达 the decision (送达回执); a fine becomes payable within 15 days of receipt (Art.67)."""
    from app.cases.operations.notice import record_service

    require_case_officer(actor, case)
    task = ready_task(case, "serve_decision", task)
    service = record_service(case, decision_document(case), data, actor=actor)
    case.decision_served_on = service.effective_on
    pack = pack_for(case.region_path, service.effective_on)
    total = sum((linked.line_total(ln) for ln in case.lines), Decimal(0))
    to_execute = case.outcome == Outcome.PENALTY and total > 0
    step_data: dict = {"to_execute": to_execute}
    if to_execute:
        case.payment_due = legal_time.payment_due(service.effective_on, pack)
        _opens, closes = legal_time.enforcement_window(service.effective_on, pack)
        step_data.update(payment_due_at=iso_end_of(case.payment_due), enforcement_due_at=iso_end_of(closes))
    changes = step(case, task, step_data, actor=actor)
    record(
        actor,
        "case.decision_served",
        case,
        f"决定书已送达（{service.method}，{service.effective_on:%Y-%m-%d}）"
        + (f"，缴款期限至{case.payment_due:%Y年%m月%d日}" if to_execute else ""),
        changes=changes,
    )


def publish_decision(case: PenaltyCase) -> None:
    """公示 a penalty decision (安全生产法 Art.78, within 7 working days; persons' ID numbers masked) — run by
    the service task right after service, so it is never late; no-penalty decisions are not published."""
    if case.outcome != Outcome.PENALTY or case.decided_on is None:
        return
    pack = pack_for(case.region_path, case.decided_on)
    from app.cases.publicity import publish

    publish(case, due_on=legal_time.publication_due(case.decided_on, pack))


# make the kinds used in documents importable for templates
__all__ = [
    "PenaltyKind",
    "collective_discussion",
    "decide",
    "legal_review",
    "prepare_decision",
    "publish_decision",
    "serve_decision",
]
