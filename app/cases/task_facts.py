"""The facts at each decision of the penalty case, on the generic task page (/tasks/<id>), and the values its
form starts with (page and API alike): registered with `@workflow.task_facts` for every user task of
penalty_case. Templates: app/cases/templates/cases/tasks/*.html.

    approve_filing / decide_filing / revise_filing   the 立案审批表: facts, articles, limitation (2 or 5 years),
                                                     officers with certificate validity, approvals so far,
                                                     other cases on the same party and act (gates.same_act_open)
    investigate / review_report                      evidence list, the violation chosen, the factors and the
                                                     discretion suggestion per party line (tier and band)
    issue_notice                                     what will be notified, whether the hearing right applies
                                                     and why (the pack's thresholds with their sources)
    serve_notice / serve_decision                    the document to serve
    state_case                                       for the party: its notified penalty, rights, window ends
    schedule_hearing / hold_hearing                  the earliest legal hearing day / the hearing arranged
    review_statement / prepare_decision              the party's statements and the notified lines
    legal_review                                     the §8.3 checklist (★ system-proven, failing in red), documents
    collective_discussion / decide                   every gate of before_decision as passed/failing + the lines
    execute                                          the balance with the 加处罚款 to the day
    decide_transfer / transfer_case                  the transfer report
    close_case / approve_closing                     casefile.contents and casefile.missing

Facts belong to the decision at hand: only READY tasks get them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from app import clock, workflow
from app.cases import casefile, discretion, gates, legal_time, linked
from app.cases.models import PenaltyCase, StatementKind, TargetKind
from app.cases.money import capital, yuan
from app.cases.operations.common import ORDINARY
from app.cases.rules import pack_for
from app.errors import InvalidState, ValidationFailed
from app.extensions import db

T = "cases/tasks/"


def _case(task) -> PenaltyCase | None:
    if task.status != "ready" or not task.subject_id or task.subject_type != "penalty_cases":
        return None
    return db.session.get(PenaltyCase, task.subject_id)


def _facts(template: str, title: str, case: PenaltyCase, initial: dict | None = None, **context):
    return workflow.TaskFacts(
        template=T + template, title=title, context={"case": case, **context}, initial=initial or {}
    )


# ---- 立案 -------------------------------------------------------------------------------------------------


def filing_context(case: PenaltyCase) -> dict:
    today = clock.today()
    two = legal_time.limitation_ends(case.act_date, False)
    five = legal_time.limitation_ends(case.act_date, True)
    return {
        "officers": [
            {
                "name": o.user.name,
                "cert_no": o.cert_no,
                "lead": o.lead,
                "valid_until": o.user.cert_expires_on,
                "valid": o.user.cert_valid_on(today),
            }
            for o in case.officers
        ],
        "limitation_two": two,
        "limitation_five": five,
        "limitation_ends": five if case.five_year_limitation else two,
        "past_two": today > two,
        "same_act": gates.same_act_open(case),
    }


@workflow.task_facts(ORDINARY, "approve_filing")
@workflow.task_facts(ORDINARY, "decide_filing")
@workflow.task_facts(ORDINARY, "revise_filing")
def filing_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    initial: dict = {}
    if task.bpmn_id == "revise_filing":
        lead = next((o.user_id for o in case.officers if o.lead), None)
        initial = {
            "name": case.name,
            "facts": case.facts,
            "provisions": case.provisions,
            "act_date": case.act_date,
            "urgent_handled_on": case.urgent_handled_on,
            "officer_ids": [str(o.user_id) for o in case.officers],
            "lead_officer_id": str(lead) if lead else None,
        }
        initial = {k: v for k, v in initial.items() if v is not None}
    return _facts("filing.html", "立案审批表", case, initial, **filing_context(case))


# ---- 调查终结 ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineSuggestion:
    party_name: str
    target: str
    tier: str | None
    band: tuple[int, int] | None
    reasons: list[str]
    fine: Decimal | None
    error: str | None = None


def suggestions(case: PenaltyCase) -> tuple[discretion.Entry | None, list[LineSuggestion]]:
    """The violation entry chosen so far and, once factors are recorded, the discretion suggestion per party
    (discretion.suggest: the unit and the principal/responsible person bands)."""
    if not case.violation_code:
        return None, []
    try:
        entry = discretion.entry(case.violation_code, case.violation_version)
    except ValidationFailed:
        return None, []
    from app.cases.operations.investigation import discretion_target

    rows = []
    targets = [(ln.party_name, discretion_target(ln), ln.proposed_fine) for ln in case.lines] or [
        (case.enterprise.name, "unit", None)
    ]
    for name, target, fine in targets:
        try:
            s = discretion.suggest(entry, target, list(case.factors or []))
        except ValidationFailed as exc:
            rows.append(LineSuggestion(name, target, None, None, [], fine, exc.message))
            continue
        rows.append(LineSuggestion(name, target, s.tier, (s.band_min, s.band_max), s.reasons, fine))
    return entry, rows


def _line_values(case: PenaltyCase, line) -> dict:
    """A stored penalty line as the report form's row; a unit line's name and code stay blank, as typed
    (the report fills them from the enterprise)."""
    person = line.target == TargetKind.PERSON
    row = {
        "target": line.target,
        "party_name": line.party_name if person else None,
        "position": line.position,
        "id_number": line.id_number if person else None,
        "kinds": list(line.proposed_kinds or []),
        "fine": line.proposed_fine if line.proposed_fine else None,
        "deviation_reason": line.deviation_reason,
    }
    return {k: v for k, v in row.items() if v not in (None, "", [])}


@workflow.task_facts(ORDINARY, "investigate")
@workflow.task_facts(ORDINARY, "review_report")
def investigation_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    entry, rows = suggestions(case)
    initial: dict = {}
    if task.bpmn_id == "investigate" and case.report_text:  # back for more investigation: start from the last
        initial = {
            "report_text": case.report_text,
            "outcome": case.outcome,
            "violation_code": case.violation_code,
            "factors": list(case.factors or []),
            "no_penalty_reason": case.no_penalty_reason,
            "lines": [
                _line_values(case, ln) for ln in case.lines
            ],  # not retyped after a review sends it back
        }
        initial = {k: v for k, v in initial.items() if v}
    return _facts(
        "investigation.html",
        "证据与裁量",
        case,
        initial,
        entry=entry,
        describe=discretion.describe(entry) if entry else None,
        suggestions=rows,
        factors=[discretion.FACTORS[f].label for f in case.factors or [] if f in discretion.FACTORS],
        same_act=gates.same_act_open(case),
        reviews=[r for r in case.reviews if r.opinion],
    )


# ---- 告知, 送达, 陈述申辩, 听证 ---------------------------------------------------------------------------


@workflow.task_facts(ORDINARY, "issue_notice")
def notice_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    pack = pack_for(case.region_path, clock.today())
    from app.cases.policy import party_kind

    rows = []
    for ln in case.lines:
        kind: Literal["person", "unit"] = "unit" if party_kind(ln) == "unit" else "person"
        fine = linked.line_total(ln, "proposed")  # what the party faces: the fine and any 按日连续处罚
        threshold = pack.hearing_threshold(kind)
        listed = sorted(set(ln.proposed_kinds or []) & set(pack.hearing_always_kinds))
        rows.append(
            {
                "line": ln,
                "fine": yuan(fine),
                "capital": capital(fine),
                "threshold": yuan(threshold),
                "right": pack.hearing_right(kind, fine, ln.proposed_kinds or []),
                "listed": listed,
            }
        )
    return _facts(
        "notice.html",
        "拟告知的内容与听证权利",
        case,
        {"facts": case.report_text} if case.report_text else {},
        rows=rows,
        hearing_right=any(r["right"] for r in rows),
        pack=pack,
        sources={
            n: pack.plain_source_of(n)
            for n in (
                "hearing_threshold_unit",
                "hearing_threshold_person",
                "hearing_always_kinds",
                "statement_window",
                "hearing_request",
            )
        },
    )


@workflow.task_facts(ORDINARY, "serve_notice")
@workflow.task_facts(ORDINARY, "serve_decision")
def serve_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    document = None
    try:
        if task.bpmn_id == "serve_notice":
            notice = gates.latest_notice(case)
            from app.documents import OfficialDocument

            document = db.session.get(OfficialDocument, notice.document_id) if notice else None
        else:
            from app.cases.operations.decision import decision_document

            document = decision_document(case)
    except InvalidState:
        document = None
    return _facts(
        "serve.html",
        "待送达的文书",
        case,
        {"recipient": case.enterprise.legal_rep or ""} if case.enterprise.legal_rep else {},
        document=document,
    )


@workflow.task_facts(ORDINARY, "state_case")
def statement_facts(task, *, actor):
    """For the party (in its terms): the notified penalty, its rights and the window end dates."""
    case = _case(task)
    if case is None:
        return None
    notice = gates.latest_notice(case)
    return _facts(
        "statement.html",
        "拟作出的行政处罚及您的权利",
        case,
        notice=notice,
        lines=[(ln, capital(Decimal(ln.notified_fine or 0))) for ln in case.lines],
    )


@workflow.task_facts(ORDINARY, "schedule_hearing")
@workflow.task_facts(ORDINARY, "hold_hearing")
def hearing_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    pack = pack_for(case.region_path, clock.today())
    earliest = legal_time.earliest_hearing_day(clock.today(), pack)
    hearing = gates.pending_hearing(case)
    initial = {"hearing_on": earliest} if task.bpmn_id == "schedule_hearing" else {}
    return _facts(
        "hearing.html",
        "听证",
        case,
        initial,
        earliest=earliest,
        hearing=hearing,
        investigators=[o.user.name for o in case.officers],
        statements=[s for s in case.statements if s.kind == StatementKind.HEARING],
    )


@workflow.task_facts(ORDINARY, "review_statement")
@workflow.task_facts(ORDINARY, "prepare_decision")
def statement_review_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    hearings = [h for h in case.hearings if h.record or h.report]
    return _facts(
        "review_statement.html",
        "当事人意见与告知的处罚",
        case,
        statements=list(case.statements),
        hearings=hearings,
        lines=list(case.lines),
    )


# ---- 法制审核, 集体讨论, 决定 ------------------------------------------------------------------------------


def decision_gates(case: PenaltyCase) -> list[dict]:
    """Every gate of gates.before_decision as passed/failing with the reason (why a decision would be refused)."""
    today = clock.today()
    checks: list[tuple[str, Callable[..., None], tuple]] = [
        ("执法人员：两名以上持有效执法证", gates.require_case_officers_valid, (case, today))
    ]
    from app.cases.models import Outcome

    if case.outcome == Outcome.PENALTY:
        checks += [
            ("告知已送达，陈述申辩、听证期限已过或书面放弃", gates.require_notice_completed, (case, today)),
            ("无待举行的听证", gates.require_no_pending_hearing, (case,)),
            ("决定不重于告知的处罚", gates.require_not_heavier, (case,)),
            ("一事不二罚", gates.require_no_double_fine, (case,)),
            ("追责时效", gates.require_within_limitation, (case, today)),
        ]
    checks += [
        (
            "法制审核" + ("（本案须经审核）" if case.review_required else "（本案无须审核）"),
            gates.require_review,
            (case,),
        ),
        (
            "集体讨论" + ("（本案须经讨论）" if case.discussion_required else "（本案无须讨论）"),
            gates.require_discussion,
            (case,),
        ),
    ]
    out = []
    for label, fn, args in checks:
        try:
            fn(*args)
        except (ValidationFailed, InvalidState) as exc:
            out.append({"label": label, "ok": False, "reason": exc.message})
        else:
            out.append({"label": label, "ok": True, "reason": ""})
    return out


@workflow.task_facts(ORDINARY, "legal_review")
def review_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    items = gates.checklist(case, clock.today())
    from app.documents import documents_for

    proven = [i.key for i in items if i.proven is True]
    return _facts(
        "legal_review.html",
        "法制审核事项（★为系统核验）",
        case,
        {"confirmed": proven} if proven else {},
        items=items,
        documents=documents_for(case, include_voided=False),
        earlier=[r for r in case.reviews if r.opinion],
    )


@workflow.task_facts(ORDINARY, "collective_discussion")
@workflow.task_facts(ORDINARY, "decide")
def decide_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    lines = [
        (ln, yuan(Decimal(ln.decided_fine or 0)), capital(Decimal(ln.decided_fine or 0))) for ln in case.lines
    ]
    return _facts(
        "decide.html",
        "决定前的法定条件",
        case,
        gates=decision_gates(case),
        lines=lines,
        reviews=[r for r in case.reviews if r.opinion],
        discussions=list(case.discussions),
    )


# ---- 执行, 移送, 结案 --------------------------------------------------------------------------------------


@workflow.task_facts(ORDINARY, "execute")
def execute_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    from app.cases.operations.execution import balance

    b = balance(case)
    return _facts(
        "execute.html",
        "应缴款项（计至今日）",
        case,
        balance=b,
        today=clock.today(),
        payments=list(case.payments),
        yuan=yuan,
        capital=capital,
    )


@workflow.task_facts(ORDINARY, "decide_transfer")
@workflow.task_facts(ORDINARY, "transfer_case")
def transfer_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    from app.cases.operations.transfer import current_transfer

    return _facts("transfer.html", "移送报告", case, transfer=current_transfer(case))


@workflow.task_facts(ORDINARY, "close_case")
@workflow.task_facts(ORDINARY, "approve_closing")
def closing_facts(task, *, actor):
    case = _case(task)
    if case is None:
        return None
    return _facts(
        "closing.html",
        "执法案卷",
        case,
        contents=casefile.contents(case),
        missing=casefile.missing(case),
        performance=casefile.performance(case),
    )
