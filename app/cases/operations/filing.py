"""案件线索 and 立案: proposals come in (a hazard referral, an inspection finding tagged 违法行为, a tip-off, a
transfer from another agency, an assignment); a case officer drafts the 立案审批表 with ≥ 2 certified
officers; 承办机构负责人 → 负责人 approve; the approval takes the case's number 应急立〔年〕N号, whose
serial every later document of the case shares. A proposal that is never filed stays open (Art.54, 76)."""

from __future__ import annotations

from datetime import date

from app import clock, workflow
from app.auth.models import User
from app.auth.permissions import in_scope
from app.auth.roles import Role
from app.cases import gates, legal_time, separation, signals
from app.cases.models import (
    CaseOfficer,
    CaseProposal,
    CaseStatus,
    PenaltyCase,
    Procedure,
    ProposalSource,
    ProposalStatus,
)
from app.cases.operations.common import (
    ORDINARY,
    iso_end_of,
    ready_task,
    record,
    require_role,
    step,
)
from app.cases.rules import pack_for
from app.documents import issue_document
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.org.models import Enterprise

FILING_DECISIONS = {"agree": "同意", "return": "退回修改", "reject": "不予立案"}


# ---- proposals ----------------------------------------------------------------------------------------


def receive_referral(referral) -> CaseProposal:
    """The hazard loop referred a hazard for a penalty (its `referral_made` signal): a proposal, in our tables."""
    proposal = CaseProposal(
        source=ProposalSource.REFERRAL,
        referral_id=referral.id,
        source_ref=f"隐患移送（{referral.evidence.splitlines()[0] if referral.evidence else ''}）",
        enterprise_id=referral.enterprise_id,
        region_path=referral.region_path,
        facts=referral.facts,
        evidence=referral.evidence,
        provisions=referral.provisions,
        act_date=referral.referred_at.astimezone(clock.TZ).date() if referral.referred_at else clock.today(),
        received_on=clock.today(),
        status=ProposalStatus.PENDING,
        created_by_id=referral.referred_by_id,
    )
    from app.cases import linked

    parent = linked.parent_for(referral.enterprise_id, referral.id, referral.provisions)
    proposal.parent_case_id = parent.id if parent is not None else None  # 逾期未改正: the second stage
    db.session.add(proposal)
    db.session.flush()
    return proposal


def register_proposal(data: dict, *, actor: User) -> CaseProposal:
    """An officer registers a lead: an inspection finding tagged 违法行为, a tip-off, a transfer, an assignment."""
    require(
        actor.has_role(Role.OFFICER, Role.SECTION_HEAD) and not actor.is_enterprise_user,
        "只有执法人员可以登记案件线索",
    )
    enterprise = db.session.get(Enterprise, int(data["enterprise_id"]))
    if enterprise is None or not in_scope(actor, enterprise.region_path, enterprise.id):
        raise invalid("enterprise_id", "请选择辖区内的企业")
    source = data.get("source")
    if source not in {s.value for s in ProposalSource} or source == ProposalSource.REFERRAL:
        raise invalid("source", "请选择案件来源")
    proposal = CaseProposal(
        source=source,
        source_ref=data.get("source_ref"),
        enterprise_id=enterprise.id,
        region_path=enterprise.region_path,
        facts=data["facts"],
        evidence=data.get("evidence"),
        provisions=data.get("provisions"),
        act_date=data.get("act_date"),
        received_on=clock.today(),
        status=ProposalStatus.PENDING,
        created_by_id=actor.id,
    )
    db.session.add(proposal)
    db.session.flush()
    record(actor, "case.proposal_registered", proposal, f"登记案件线索（{source}）：{enterprise.name}")
    return proposal


def decline_proposal(proposal: CaseProposal, reason: str, *, actor: User) -> CaseProposal:
    """不予立案 with the reason (a section head of the jurisdiction); the hazard loop hears the answer."""
    require(
        actor.has_role(Role.SECTION_HEAD, Role.LEADER)
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区承办机构负责人或负责人可以决定不予立案",
    )
    if proposal.status != ProposalStatus.PENDING:
        raise InvalidState(f"该线索已处理（{proposal.status}）")
    if proposal.case is not None:  # its 立案审批 decides (负责人: 不予立案), never one of its officers
        raise InvalidState("该线索已提出立案，是否立案由立案审批决定")
    separation.require_not_own_lead(proposal, actor, "不予立案")
    from app.cases.operations.transfer import require_no_pending_transfer

    require_no_pending_transfer(proposal)
    if not (reason or "").strip():
        raise invalid("reason", "请填写不予立案的理由")
    _close_proposal(proposal, ProposalStatus.DECLINED, actor, reason=reason.strip())
    record(actor, "case.proposal_declined", proposal, f"不予立案：{reason.strip()}")
    return proposal


def _close_proposal(
    proposal: CaseProposal, status: str, actor, *, reason: str | None = None, case_no: str | None = None
) -> None:
    proposal.status = status
    proposal.reason = reason
    proposal.handled_by_id = actor.id
    proposal.handled_at = clock.now()
    signals.proposal_closed.send(proposal, case_no=case_no)  # e.g. an inspection finding's outcome
    if proposal.referral_id is not None:
        from app.hazards.models import PenaltyReferral
        from app.hazards.operations import answer_referral

        referral = db.session.get(PenaltyReferral, proposal.referral_id)
        if referral is not None:
            answer_referral(
                referral, filed=case_no is not None, case_number=case_no, reason=reason or status, actor=actor
            )


# ---- 立案审批表 ------------------------------------------------------------------------------------------


def _officers(ids) -> list[User]:
    users = [User.load_active(int(i)) for i in dict.fromkeys(ids or [])]
    return [u for u in users if u is not None]


def _check_filing(case_or_proposal, data: dict, actor: User, today: date) -> list[User]:
    officers = _officers(data.get("officer_ids"))
    for u in officers:
        if not (
            u.has_role(Role.OFFICER)
            and in_scope(u, case_or_proposal.region_path, case_or_proposal.enterprise_id)
        ):
            raise invalid("officer_ids", f"{u.name}不是本辖区执法人员")
    gates.require_officers(officers, today)
    act_date = data.get("act_date")
    if act_date is None:
        raise invalid("act_date", "请填写违法行为发生（终了）日期")
    if act_date > today:
        raise invalid("act_date", "违法行为日期不能晚于今天")
    urgent = data.get("urgent_handled_on")
    if urgent is not None and urgent > today:
        raise invalid("urgent_handled_on", "先行处置日期不能晚于今天")
    return officers


def _agency_id(actor: User) -> int:
    if actor.department is None:
        raise InvalidState("您未隶属于执法机关，不能提出立案")
    return actor.department.agency.id


def submit_filing(proposal: CaseProposal, data: dict, *, actor: User) -> PenaltyCase:
    """The 承办人 submits the 立案审批表 for a proposal: the case is created (立案审批中) and its procedure
    starts. Data: name, facts, provisions, act_date, officer_ids (≥ 2), lead_officer_id, urgent_handled_on,
    opinion (承办人意见)."""
    require(
        actor.has_role(Role.OFFICER)
        and not actor.is_enterprise_user
        and in_scope(actor, proposal.region_path, proposal.enterprise_id),
        "只有辖区执法人员可以提出立案",
    )
    if proposal.status != ProposalStatus.PENDING or proposal.case is not None:
        raise InvalidState(f"该线索已处理（{proposal.status}）")
    from app.cases.operations.transfer import require_no_pending_transfer

    require_no_pending_transfer(proposal)
    today = clock.today()
    officers = _check_filing(proposal, data, actor, today)
    if actor.id not in {u.id for u in officers}:
        raise invalid("officer_ids", "提出立案的执法人员应为承办人员之一")
    separation.require_approvers_left(officers, proposal.region_path, _agency_id(actor))
    case = PenaltyCase(
        procedure=Procedure.ORDINARY,
        proposal=proposal,
        agency_id=_agency_id(actor),
        region_path=proposal.region_path,
        enterprise_id=proposal.enterprise_id,
        name=data["name"].strip(),
        source=proposal.source,
        facts=data["facts"],
        provisions=data["provisions"],
        act_date=data["act_date"],
        urgent_handled_on=data.get("urgent_handled_on"),
        submitted_on=today,
        status=CaseStatus.FILING,
        created_by_id=actor.id,
        parent_case_id=proposal.parent_case_id,
        filing_approvals=[
            _approval("承办人意见", actor, "submit", data.get("opinion") or "建议立案", officers=officers)
        ],
    )
    lead = int(data.get("lead_officer_id") or actor.id)
    case.officers = [
        CaseOfficer(user_id=u.id, lead=(u.id == lead), cert_no=u.cert_no or "") for u in officers
    ]
    gates.record_handlers(case)
    db.session.add(case)
    db.session.flush()
    limitation_warning = _limitation_warning(case, today)
    same_act = gates.same_act_open(case)  # 一事不二罚: warned here, refused at the decision
    if same_act:
        nos = "、".join(c.display_no for c in same_act)
        same_warning = f"注意：{nos}与本案当事人、违法行为日期和条款相同，同一违法行为不得重复罚款"
        limitation_warning = "；".join(w for w in (limitation_warning, same_warning) if w)
    pack = pack_for(case.region_path, today)
    filing_due = (
        legal_time.late_filing_due(case.urgent_handled_on, pack)
        if case.urgent_handled_on
        else legal_time.review_due(today, pack)
    )
    workflow.start(
        ORDINARY,
        subject=case,
        title=f"{case.name}（立案审批）",
        region_path=case.region_path,
        enterprise_id=case.enterprise_id,
        actor=actor,
        data={"filing_due": filing_due.isoformat(), "filing_due_at": iso_end_of(filing_due)},
    )
    separation.escalate(case)
    record(
        actor,
        "case.filing_submitted",
        case,
        f"提交立案审批表：{case.name}" + (f"（{limitation_warning}）" if limitation_warning else ""),
        data={"officers": [u.name for u in officers]},
    )
    return case


def _limitation_warning(case: PenaltyCase, today: date) -> str | None:
    pack = pack_for(case.region_path, today)
    two = legal_time.limitation_ends(case.act_date, False, pack)
    five = legal_time.limitation_ends(case.act_date, True, pack)
    if today > five:
        raise invalid(
            "act_date",
            f"违法行为已超过五年追责时效（至{five:%Y年%m月%d日}），依法不予立案处罚，请作不予立案处理",
        )
    if today > two and not case.five_year_limitation:
        return f"已超过两年追责时效（至{two:%Y年%m月%d日}），须由法制审核人员认定适用五年时效后方可批准立案"
    return None


def _approval(
    role: str, actor: User, decision: str, opinion: str, officers: list[User] | None = None
) -> dict:
    """One opinion on the 立案审批表; a 承办人意见 (submit, revise) keeps the team it submitted, so whoever was
    ever on the team stays barred from approving the case (gates.handler_ids)."""
    entry = {
        "role": role,
        "name": actor.name,
        "user_id": actor.id,
        "decision": decision,
        "opinion": opinion,
        "on": clock.today().isoformat(),
    }
    if officers is not None:
        entry["officer_ids"] = [u.id for u in officers]
    return entry


def approve_filing(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """承办机构负责人 reviews the 立案审批表: agree (to the 负责人) or return it for changes."""
    separation.require_section_review(case, actor, "approve_filing", task)
    task = ready_task(case, "approve_filing", task)
    decision = data.get("filing_decision")
    if decision not in ("agree", "return"):
        raise invalid("filing_decision", "请选择审核意见")
    case.filing_approvals = [
        *case.filing_approvals,
        _approval("承办机构负责人意见", actor, decision, data["opinion"]),
    ]
    changes = step(case, task, {"filing_decision": decision}, actor=actor)
    record(
        actor,
        "case.filing_reviewed",
        case,
        f"承办机构负责人审核立案：{FILING_DECISIONS[decision]}，{data['opinion']}",
        changes=changes,
    )


def revise_filing(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """The 承办人 revises a returned 立案审批表."""
    require(
        actor.id in {o.user_id for o in case.officers} or actor.has_role(Role.SECTION_HEAD),
        "只有本案承办人员可以修改立案审批表",
    )
    require_role(actor, case, Role.OFFICER, Role.SECTION_HEAD)
    task = ready_task(case, "revise_filing", task)
    today = clock.today()
    officers = _check_filing(case, data, actor, today)
    separation.require_approvers_left(
        officers, case.region_path, case.agency_id, gates.handler_ids(case) | {actor.id}
    )
    case.name, case.facts, case.provisions = data["name"].strip(), data["facts"], data["provisions"]
    case.act_date, case.urgent_handled_on = data["act_date"], data.get("urgent_handled_on")
    lead = int(data.get("lead_officer_id") or officers[0].id)
    _set_officers(case, officers, lead)
    _limitation_warning(case, today)
    case.filing_approvals = [
        *case.filing_approvals,
        _approval("承办人意见", actor, "submit", data.get("opinion") or "已修改", officers=officers),
    ]
    gates.record_handlers(case)  # the new team and the reviser; whoever left the team stays
    changes = step(case, task, {}, actor=actor)
    record(actor, "case.filing_revised", case, "修改立案审批表后重新提交", changes=changes)


def _set_officers(case: PenaltyCase, officers: list[User], lead: int) -> None:
    """Keep the rows of officers who stay (a row per officer and case), drop the others, add the new ones."""
    wanted = {u.id: u for u in officers}
    for row in list(case.officers):
        if row.user_id not in wanted:
            case.officers.remove(row)
    have = {row.user_id for row in case.officers}
    for uid, u in wanted.items():
        if uid not in have:
            case.officers.append(CaseOfficer(user_id=uid, cert_no=u.cert_no or ""))
    for row in case.officers:
        row.lead = row.user_id == lead
    db.session.flush()


def set_five_year_limitation(case: PenaltyCase, five_years: bool, reason: str, *, actor: User) -> None:
    """A 法制审核人员 decides whether the 5-year limitation applies (Art.36: life, health or financial safety
    of citizens, with harmful consequences) — a legal judgement, never the officer's."""
    require(
        actor.has_role(Role.LEGAL_REVIEWER)
        and not actor.is_enterprise_user
        and in_scope(actor, case.region_path, case.enterprise_id),
        "只有法制审核人员可以认定追责时效",
    )
    if not (reason or "").strip():
        raise invalid("reason", "请写明认定理由")
    old = case.five_year_limitation
    case.five_year_limitation = bool(five_years)
    case.limitation_flag_by_id = actor.id
    record(
        actor,
        "case.limitation_set",
        case,
        f"认定{'适用' if five_years else '不适用'}五年追责时效：{reason.strip()}",
        changes={"five_year_limitation": [old, case.five_year_limitation]},
    )


def decide_filing(case: PenaltyCase, data: dict, *, actor: User, task=None) -> None:
    """负责人 approves the filing (the case number is taken and the 90-day clock starts), returns it, or
    decides 不予立案 (the proposal is answered with the reason)."""
    require_role(actor, case, Role.LEADER)
    gates.require_not_handling(case, actor)
    task = ready_task(case, "decide_filing", task)
    decision = data.get("filing_decision")
    if decision not in FILING_DECISIONS:
        raise invalid("filing_decision", "请选择审批意见")
    today = clock.today()
    # The case's own changes are set together just before the step: they go out in one UPDATE with the
    # status the step gives it (an earlier assignment would be flushed by the reads in between).
    approvals = [*case.filing_approvals, _approval("负责人审批意见", actor, decision, data["opinion"])]
    step_data: dict = {"filing_decision": decision}
    if decision == "agree":
        gates.require_case_officers_valid(case, today)
        warning = _limitation_warning(case, today)
        if warning:
            raise invalid("filing_decision", warning)
        document = issue_document(
            "case_filing",
            agency=case.agency,
            subject=case,
            actor=actor,
            content=_filing_content(case, approvals),
            title=f"立案审批表（{case.name}）",
        )
        number = document.number
        if case.proposal is not None:
            _close_proposal(case.proposal, ProposalStatus.FILED, actor, case_no=number.text)
        inst = task.instance  # the case's workflow: its new title is stored with the step's state
        inst.title = f"{number.text} {case.name}"[:200]
        case.case_no, case.serial, case.year = number.text, number.serial, number.year
        case.filed_on = today
        case.decision_due = legal_time.decision_due(today, [], 0, pack_for(case.region_path, today))
        step_data.update(_deadline_data(case))
    elif decision == "reject":
        if case.proposal is not None:
            _close_proposal(case.proposal, ProposalStatus.DECLINED, actor, reason=data["opinion"])
    case.filing_approvals = approvals
    changes = step(case, task, step_data, actor=actor)
    summary = {
        "agree": f"批准立案，立案号{case.case_no}",
        "return": "退回修改立案审批表",
        "reject": f"不予立案：{data['opinion']}",
    }[decision]
    record(actor, "case.filing_decided", case, summary, changes=changes)


def _filing_content(case: PenaltyCase, approvals: list[dict]) -> dict:
    from app.cases.operations.common import party_of

    return {
        "party": party_of(case),
        "name": case.name,
        "source": case.source,
        "facts": case.facts,
        "provisions": case.provisions,
        "act_date": case.act_date.isoformat(),
        "limitation": f"{'五' if case.five_year_limitation else '两'}年追责时效至"
        f"{legal_time.limitation_ends(case.act_date, case.five_year_limitation, pack_for(case.region_path, clock.today())):%Y年%m月%d日}",
        "officers": [{"name": o.user.name, "cert_no": o.cert_no, "lead": o.lead} for o in case.officers],
        "approvals": approvals,
        "urgent_handled_on": case.urgent_handled_on.isoformat() if case.urgent_handled_on else None,
    }


def _deadline_data(case: PenaltyCase) -> dict:
    """The decision deadline as task data (the tasks' dueDate); the periodic job keeps it current."""
    due = case.decision_due
    return {"decision_due": due.isoformat() if due else ""}
