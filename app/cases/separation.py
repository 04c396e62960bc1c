"""审批与办案分离: a case's approvals and reviews are never made by one who handles it — its officers (主办/协办,
the case_officers rows), and anyone who handled it before: an officer dropped from the team when the 立案审批表
was revised, whoever submitted or revised that 表 (gates.handler_ids) — whatever other role they hold, through any
channel; and a case never waits on nobody.

    step (process: user task)                                  who may do it
    立案审核 (penalty_case: approve_filing)                       a 承办机构负责人 (section head) not among the
    调查终结审查 (penalty_case: review_report)                     case's officers; if every section head of the
    当场处罚备案 (penalty_simple: file_simple)                     case's agency and jurisdiction is one of them,
                                                               a 负责人 (leader): the task is escalated
    立案审批, 集体讨论, 负责人决定, 移送决定, 结案审批               a leader not among the case's officers
    法制审核                                                     a qualified legal reviewer, not an officer
                                                               (gates.require_reviewer)
    先行登记保存审批 (evidence_preservation: approve_preservation)  a leader not among the case's officers
    延长办案期限, 延期（分期）缴纳 (case page / API, no task)        a leader (or section head) not among them
    before 立案, on a lead (案件线索):
    不予立案, 不予处罚 (proposal page / operation, no task)         a section head or leader who did not register it
                                                               (`require_not_own_lead`); a lead under 立案审批
                                                               is decided there only
    移送决定 of a lead (penalty_transfer: decide_transfer)          a leader neither its registrant nor a reporter
                                                               (`transfer_handler_ids`); a report holding every
                                                               leader is refused

The operations enforce it (gates.require_not_handling, `require_section_review`), so a page, the API, the
generic task page or a timer cannot bypass it. The inbox (its list, counts and badges, the API's task list) never
offers these tasks to anyone who handles or handled the case, read from the same case_handlers rows as
gates.handler_ids; the task page, claim and API completion answer gates.OWN_CASE, or HANDLED_CASE to a former
handler (`refused_clause` and `refusal`, registered with app.inbox.queries.refuse). `escalate` runs whenever a case's
workflow moves (operations.common.step, and the starts of the ordinary and simple processes): a section-head
review nobody eligible holds is offered to the leaders of the case's jurisdiction instead (its row's
candidate_role), recorded in the case's trail. The deadline notices that ask for one of these steps (立案审批超期,
法制审核超期, 移送决定超期, 当场处罚备案超期: app.cases.workflow_handlers) go to `approvers_among` the role's users,
never to one who handles or handled the case (a lead's 移送: `transfer_deciders_among`); its own officers are
told of their case as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from flask import g, has_request_context
from sqlalchemy import and_, false, or_, select

from app import audit, workflow
from app.auth.models import User
from app.auth.queries import users_with_role
from app.auth.roles import Role
from app.cases import gates
from app.cases.models import CaseEvidence, CaseHandler, CaseProposal, CaseTransfer, PenaltyCase
from app.errors import PermissionDenied, invalid
from app.extensions import db
from app.workflow.models import HumanTask, WorkflowInstance

SECTION_REVIEWS = frozenset({"approve_filing", "review_report", "file_simple"})
# the approval/review tasks of penalty_case and penalty_simple (subject: the case)
CASE_APPROVALS = SECTION_REVIEWS | frozenset(
    {"decide_filing", "legal_review", "collective_discussion", "decide", "decide_transfer", "approve_closing"}
)
# evidence_preservation (subject: the item of evidence)
EVIDENCE_APPROVALS = frozenset({"approve_preservation"})

ESCALATED_LANE = "负责人（承办机构负责人均为本案承办人员）"


def officer_ids(case: PenaltyCase) -> set[int]:
    return {o.user_id for o in case.officers}


def approvers_among(users: Iterable[User], case: PenaltyCase) -> list[User]:
    """Those of `users` who may approve, review or decide `case`: everyone but whoever handles or handled it
    (gates.handler_ids: its officers, also one dropped from the team, the drafter of its 立案审批表). A notice
    asking for an approval goes to these only."""
    mine = gates.handler_ids(case)
    return [u for u in users if u.id not in mine]


def free_section_heads(case: PenaltyCase) -> list[User]:
    """Section heads of the case's agency whose jurisdiction covers it and who never handled it."""
    heads = users_with_role(Role.SECTION_HEAD, region_path=case.region_path, agency_id=case.agency_id)
    return approvers_among(heads, case)


def _in_scope(user: User, case: PenaltyCase) -> bool:
    from app.cases.operations.common import is_staff_in_scope

    return is_staff_in_scope(user, case)


def require_a_leader_left(
    officers: list[User], region_path: str, agency_id: int, handled: AbstractSet[int] = frozenset()
) -> None:
    """The 负责人's steps have no one to escalate to within the agency: a case whose officers would include
    every leader of its agency and jurisdiction could never be approved, so such a team is refused at 立案.
    `handled`: who handled the case before (a revision: gates.handler_ids) and may not approve it either."""
    leaders = users_with_role(Role.LEADER, region_path=region_path, agency_id=agency_id)
    if leaders and {u.id for u in leaders} <= {u.id for u in officers} | set(handled):
        raise invalid(
            "officer_ids",
            "本机关负责人均在承办人员之中，本案将无人可以审批（审批与办案分离），请另行指定承办人员",
        )


def require_a_legal_reviewer_left(
    officers: list[User], region_path: str, agency_id: int, handled: AbstractSet[int] = frozenset()
) -> None:
    """法制审核 is a qualified legal reviewer's (法律职业资格, gates.require_reviewer) who never handled the case, and
    has no one to escalate to: a team (with `handled`, who handled the case before) holding every qualified
    legal reviewer of the agency and jurisdiction could never pass it, so such a team is refused at 立案."""
    reviewers = [
        u
        for u in users_with_role(Role.LEGAL_REVIEWER, region_path=region_path, agency_id=agency_id)
        if (u.legal_qualification_no or "").strip()
    ]
    if reviewers and {u.id for u in reviewers} <= {u.id for u in officers} | set(handled):
        raise invalid(
            "officer_ids",
            "本机关具有法律职业资格的法制审核人员均在承办人员之中，本案将无人可以进行法制审核（审批与办案分离），"
            "请另行指定承办人员",
        )


def require_approvers_left(
    officers: list[User], region_path: str, agency_id: int, handled: AbstractSet[int] = frozenset()
) -> None:
    """立案 (submit, revise: the only times a case's team is set): someone outside the team must remain for the
    leader's approvals and for 法制审核."""
    require_a_leader_left(officers, region_path, agency_id, handled)
    require_a_legal_reviewer_left(officers, region_path, agency_id, handled)


# ---- a lead (案件线索) before 立案 --------------------------------------------------------------------------


def own_lead_reason(proposal: CaseProposal, user: User, what: str) -> str | None:
    """Why `user` may not decide `what` (不予立案, 不予处罚) on a lead: he registered it (an officer's 登记, or the
    officer who referred the hazard). Any other section head or leader of the jurisdiction may decide it."""
    if proposal.created_by_id is not None and user.id == proposal.created_by_id:
        return f"您是该线索的登记人，不能决定{what}（审批与办案分离），请由其他承办机构负责人或负责人决定"
    return None


def require_not_own_lead(proposal: CaseProposal, user: User, what: str) -> None:
    why = own_lead_reason(proposal, user, what)
    if why:
        raise PermissionDenied(why)


OWN_TRANSFER = "您是该线索的登记人或移送报告人，不能决定是否移送（审批与办案分离），请由其他负责人决定"


def transfer_handler_ids(transfer: CaseTransfer, proposal: CaseProposal) -> set[int]:
    """Who handles a lead's 移送 report: the lead's registrant and the reporting officers (kept in the trail's
    case.transfer_reported: `reporter_ids`, and its actor)."""
    ids: set[int | None] = {proposal.created_by_id}
    for e in audit.history(proposal):
        data = e.data or {}
        if e.action == "case.transfer_reported" and data.get("transfer_id") == transfer.id:
            ids.add(e.actor_id)
            ids.update(data.get("reporter_ids") or ())
    return {i for i in ids if i is not None}


def transfer_deciders_among(
    users: Iterable[User], transfer: CaseTransfer, proposal: CaseProposal
) -> list[User]:
    """Those of `users` who may decide a lead's 移送 report: neither its registrant nor a reporter."""
    mine = transfer_handler_ids(transfer, proposal)
    return [u for u in users if u.id not in mine]


def require_a_leader_left_for_transfer(reporters: list[User], proposal: CaseProposal, agency_id: int) -> None:
    """The 正职负责人 decides a lead's 移送: a report whose officers (with the lead's registrant) would include every
    leader of the agency and jurisdiction could never be decided, so it is refused."""
    leaders = users_with_role(Role.LEADER, region_path=proposal.region_path, agency_id=agency_id)
    handling = {u.id for u in reporters} | {proposal.created_by_id}
    if leaders and {u.id for u in leaders} <= handling:
        raise invalid(
            "officer_ids",
            "本机关负责人均为该线索的登记人或报告人，移送将无人可以决定（审批与办案分离），请另行指定报告人",
        )


def require_section_review(case: PenaltyCase, actor: User, bpmn_id: str, task=None) -> None:
    """A 承办机构负责人's review of the case (user task `bpmn_id`): a section head in scope, or a leader in scope
    once the review was escalated (every section head handles the case); never one of the case's officers."""
    if task is None:
        task = next(
            (t for t in workflow.ready_tasks(workflow.instance_for(case)) if t.bpmn_id == bpmn_id), None
        )
    if not _in_scope(actor, case):
        raise PermissionDenied("您无权办理该案件的此项事务")
    if actor.has_role(Role.SECTION_HEAD):
        pass
    elif actor.has_role(Role.LEADER) and (
        (task is not None and task.candidate_role == Role.LEADER) or not free_section_heads(case)
    ):
        pass
    else:
        raise PermissionDenied("您无权办理该案件的此项事务")
    gates.require_not_handling(case, actor)


def escalate(case: PenaltyCase, inst=None) -> None:
    """Offer the case's READY section-head reviews to the leaders when no section head may do them (`inst`:
    the case's workflow instance when the caller holds it)."""
    inst = inst if inst is not None else workflow.instance_for(case)
    if inst is None:
        return
    waiting = [
        t
        for t in workflow.ready_tasks(inst)
        if t.bpmn_id in SECTION_REVIEWS and t.candidate_role == Role.SECTION_HEAD and t.assignee_id is None
    ]
    if not waiting or free_section_heads(case):
        return
    for t in waiting:
        t.candidate_role, t.lane, t.claimed_by_id = Role.LEADER.value, ESCALATED_LANE, None
        audit.record(
            None,
            "case.review_escalated",
            case,
            summary=f"“{t.name}”：本辖区承办机构负责人均为本案承办人员，改由负责人办理（审批与办案分离）",
            data={"task_id": t.id},
        )
    db.session.flush()


# ---- the inbox ------------------------------------------------------------------------------------------


def refused_clause(user: User):
    """The READY tasks never offered to `user`: approvals of the cases (and their evidence) `user` handles or
    handled (gates.handler_ids).

    Their ids are read first, from the user's own case_handlers rows (ix_case_handlers_user) through the
    instances' subject index (a handful, usually none), and the inbox's page and counts get `HumanTask.id IN
    (those ids)`: they keep reading their covering indexes. A condition on each candidate task's subject and step made them read every
    candidate's row (inbox page at 100,000 open tasks: 11 → 32 ms; as a subquery joined to the instances,
    19 ms)."""
    memo = g.setdefault("_case_refused_tasks", {}) if has_request_context() else {}
    if user.id not in memo:  # a page asks for its list, its counts and its badges: read once per request
        memo[user.id] = _refused_task_ids(user)
    ids = memo[user.id]
    return HumanTask.id.in_(ids) if ids else false()


def _refused_task_ids(user: User) -> list[int]:
    mine = select(CaseHandler.case_id).where(CaseHandler.user_id == user.id)
    evidence = select(CaseEvidence.id).where(CaseEvidence.case_id.in_(mine))
    instances = select(WorkflowInstance.id).where(
        or_(
            and_(
                WorkflowInstance.subject_type == PenaltyCase.__tablename__,
                WorkflowInstance.subject_id.in_(mine),
            ),
            and_(
                WorkflowInstance.subject_type == CaseEvidence.__tablename__,
                WorkflowInstance.subject_id.in_(evidence),
            ),
        )
    )
    return list(
        db.session.scalars(
            select(HumanTask.id).where(
                HumanTask.instance_id.in_(instances),
                HumanTask.status == "ready",
                HumanTask.bpmn_id.in_(sorted(CASE_APPROVALS | EVIDENCE_APPROVALS)),
            )
        )
    )


def case_of(task) -> PenaltyCase | None:
    if not task.subject_id:
        return None
    if task.subject_type == PenaltyCase.__tablename__ and task.bpmn_id in CASE_APPROVALS:
        return db.session.get(PenaltyCase, task.subject_id)
    if task.subject_type == CaseEvidence.__tablename__ and task.bpmn_id in EVIDENCE_APPROVALS:
        item = db.session.get(CaseEvidence, task.subject_id)
        return item.case if item is not None else None
    return None


def refusal(user: User, task) -> str | None:
    """Why `user` may not do `task` although their role could (gates.OWN_CASE, HANDLED_CASE, OWN_TRANSFER),
    or None."""
    case = case_of(task)
    if case is not None:
        return gates.own_case_reason(case, user)
    transfer = lead_transfer_of(task)
    if transfer is not None and user.id in transfer_handler_ids(*transfer):
        return OWN_TRANSFER
    return None


def lead_transfer_of(task) -> tuple[CaseTransfer, CaseProposal] | None:
    """A lead's 移送 decision task (penalty_transfer: decide_transfer) with its transfer and lead, or None (a
    case's 移送 decision is the case's own task)."""
    if (
        task.subject_type != CaseTransfer.__tablename__
        or task.bpmn_id != "decide_transfer"
        or not task.subject_id
    ):
        return None
    transfer = db.session.get(CaseTransfer, task.subject_id)
    if transfer is None or transfer.proposal_id is None:
        return None
    proposal = db.session.get(CaseProposal, transfer.proposal_id)
    return (transfer, proposal) if proposal is not None else None
