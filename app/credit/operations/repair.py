"""信用修复 (提前移出严重失信主体名单; 应急管理部令第11号, spec §7.3): after `repair_after` (12 months) on the
list, the listed enterprise applies online (its own account) or an officer of the deciding agency records a
paper application; what the system can prove is checked (`repair_checks`); an officer verifies; the agency's
负责人 decides within `repair_decision_period` working days (the task's dueDate and a reminder timer):
准予 → 信用修复决定书 and the listing ends early (effects.end_effects(ListingEnd.REPAIRED)); 不予 → the
same document type with the refusal; 退回 → verified again. ★ Fraud found later: `revoke_repair` — 撤销移出决定,
the listing back in force with its ORIGINAL term (effects.restore_effects restarts the timer, or ends it as
期满移出 on the spot when the term is over meanwhile).

Gates of an application (`repair_gate`), checked whoever calls: the listing is 已列入; its criterion is not
barred from early removal (pack.repair_barred_criteria); repair_after has run since term_start; no other
application of the listing is open; the applicant is the listed enterprise's account or an officer/section
head of the jurisdiction; a 信用承诺书 is uploaded (by the applicant).

The checks (`repair_checks(listing, repair=None)` → [{key, label, passed, evidence}]):
- paid        the penalty paid in full: app.cases.operations.execution.balance(case).owed == 0 (a listing
              without a penalty case in this system: the officer confirms it with evidence)
- no_new      no other listing of the enterprise proposed or decided since term_start (不予列入 and overturned
              ones are not listing events)
- corrected   the violation corrected: the hazard referred for the case passed its 复查 (销号), or the
              officer confirms it with evidence at verify_repair
- commitment  the 信用承诺书 uploaded with the application

Workflow credit_repair (one instance per application; subject credit_repairs): verify_repair (officer) →
decide_repair (leader) → 准予/不予/退回. RepairApplication.status follows the workflow (app.credit.repair_tasks).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, text

from app import attachments, audit, clock, workflow
from app.auth.models import User
from app.auth.roles import Role
from app.credit import documents
from app.credit.criteria import item_of
from app.credit.models import (
    CreditListing,
    ListingEnd,
    ListingStatus,
    RepairApplication,
    RepairStatus,
)
from app.credit.operations.common import require_role
from app.credit.rules import credit_pack
from app.errors import InvalidState, NotFound, invalid, require
from app.extensions import db

PROCESS = "credit_repair"
SUBJECT_TYPE = "credit_repairs"
OPEN = (RepairStatus.VERIFYING, RepairStatus.DECIDING)
CHANNEL_ONLINE = "网上申请"
CHANNEL_RECORDED = "窗口登记"
DECISIONS = {"grant": "准予", "refuse": "不予"}

LABELS = {
    "paid": "处罚决定已全部履行（罚款已缴清）",
    "no_new": "列入以来未发生新的列入事项",
    "corrected": "违法行为已纠正、影响已消除",
    "commitment": "已提交信用承诺书",
}


# ---- checks ---------------------------------------------------------------------------------------------


def _check(key: str, passed: bool, evidence: str) -> dict[str, Any]:
    return {"key": key, "label": LABELS[key], "passed": bool(passed), "evidence": evidence}


def _case(listing: CreditListing):
    if not listing.case_id:
        return None
    from app.cases.models import PenaltyCase

    return db.session.get(PenaltyCase, listing.case_id)


def _paid_check(listing: CreditListing, today: date) -> dict[str, Any]:
    case = _case(listing)
    if case is None:
        return _check(
            "paid", False, "本系统无该名单所依据的行政处罚案件，处罚决定履行情况须由执法人员核实确认"
        )
    from app.cases.operations.execution import balance

    bal = balance(case, today)
    number = case.display_no
    if bal.principal <= 0:
        return _check("paid", True, f"{number}：处罚决定未处罚款")
    if bal.owed <= 0:
        paid_on = f"，{case.paid_on:%Y年%m月%d日}缴清" if case.paid_on else ""
        return _check("paid", True, f"{number}：罚款{bal.principal}元已全部缴清{paid_on}")
    return _check(
        "paid",
        False,
        f"{number}：罚款{bal.principal}元，已缴{bal.paid_principal}元，尚欠{bal.owed}元（含加处罚款）",
    )


def new_listing_events(listing: CreditListing) -> list[CreditListing]:
    """Other listings of the enterprise proposed or decided since the term started (不予列入 and overturned
    ones are not listing events)."""
    if listing.term_start is None:
        return []
    since = listing.term_start
    rows = db.session.scalars(
        select(CreditListing)
        .where(
            CreditListing.enterprise_id == listing.enterprise_id,
            CreditListing.id != listing.id,
            CreditListing.status.notin_((ListingStatus.DECLINED, ListingStatus.REVOKED)),
        )
        .order_by(CreditListing.id)
    )
    return [r for r in rows if r.proposed_on >= since or (r.decided_on is not None and r.decided_on >= since)]


def _no_new_check(listing: CreditListing) -> dict[str, Any]:
    events = new_listing_events(listing)
    if not events:
        since = f"{listing.term_start:%Y年%m月%d日}" if listing.term_start else "列入"
        return _check("no_new", True, f"自{since}以来未发生新的列入事项")
    text = "；".join(
        f"列入情形{item_of(e.criterion)}（{e.proposed_on:%Y年%m月%d日}提出，{e.status}）" for e in events
    )
    return _check("no_new", False, f"发现新的列入事项：{text}")


def _corrected_check(listing: CreditListing) -> dict[str, Any]:
    case = _case(listing)
    proposal = case.proposal if case is not None else None
    if proposal is not None and proposal.referral_id:
        from app.hazards.models import PenaltyReferral

        referral = db.session.get(PenaltyReferral, proposal.referral_id)
        hazard = referral.hazard if referral is not None else None
        if hazard is not None:
            if hazard.closed_on is not None:
                return _check(
                    "corrected",
                    True,
                    f"隐患“{hazard.description[:40]}”已于{hazard.closed_on:%Y年%m月%d日}销号",
                )
            passed = [r for r in hazard.reviews if r.passed]
            if passed:
                r = passed[-1]
                return _check(
                    "corrected",
                    True,
                    f"隐患“{hazard.description[:40]}”于{r.reviewed_on:%Y年%m月%d日}复查合格",
                )
    return _check("corrected", False, "系统中无复查合格（销号）记录，须由执法人员核查确认")


def _commitment_check(repair: RepairApplication | None) -> dict[str, Any]:
    files = attachments.attachments_for(repair, "commitment") if repair is not None and repair.id else []
    if files:
        return _check("commitment", True, "已上传：" + "、".join(f.original_name for f in files))
    return _check("commitment", False, "申请时须上传加盖公章的信用承诺书")


def repair_checks(listing: CreditListing, repair: RepairApplication | None = None) -> list[dict[str, Any]]:
    """What the system can prove for a 信用修复 of `listing`, as of today: [{key, label, passed, evidence}]
    (paid, no_new, corrected, commitment). Confirmations an officer recorded on `repair` are kept."""
    today = clock.today()
    checks = [
        _paid_check(listing, today),
        _no_new_check(listing),
        _corrected_check(listing),
        _commitment_check(repair),
    ]
    confirmed = {
        c["key"]: c for c in (repair.checks if repair is not None else None) or [] if c.get("confirmed_by")
    }
    for i, c in enumerate(checks):
        if not c["passed"] and c["key"] in confirmed:
            checks[i] = confirmed[c["key"]]
    return checks


# ---- gates ----------------------------------------------------------------------------------------------


def open_application(listing: CreditListing) -> RepairApplication | None:
    return db.session.scalars(
        select(RepairApplication)
        .where(RepairApplication.listing_id == listing.id, RepairApplication.status.in_(OPEN))
        .limit(1)
    ).first()


def applicant_channel(user: User, listing: CreditListing) -> str:
    """网上申请 by the listed enterprise's own account, or 窗口登记 by an officer of the jurisdiction."""
    if user.is_enterprise_user:
        require(
            user.has_role(Role.ENTERPRISE) and user.enterprise_id == listing.enterprise_id,
            "只有被列入单位本单位的账号可以申请信用修复",
        )
        return CHANNEL_ONLINE
    require_role(
        user,
        listing,
        Role.OFFICER,
        Role.SECTION_HEAD,
        message="只有被列入单位，或本辖区执法人员登记书面申请，方可申请信用修复",
    )
    return CHANNEL_RECORDED


def repair_gate(listing: CreditListing, today: date | None = None) -> None:
    """Raise InvalidState when `listing` may not be repaired (now): not in force, barred criterion, before
    repair_after, an application already open."""
    today = today or clock.today()
    if listing.status != ListingStatus.LISTED or listing.term_start is None:
        raise InvalidState(f"名单状态为“{listing.status}”，不能申请信用修复")
    pack = credit_pack(listing.region_path, today)
    if pack.repair_barred(listing.criterion):
        raise InvalidState(
            f"依{item_of(listing.criterion)}情形列入的，不得提前移出（{pack.source_of('repair_barred_criteria')}）"
        )
    opens = pack.repair_opens_on(listing.term_start)
    if today < opens:
        raise InvalidState(
            f"列入满{pack.repair_after.label()}后方可申请信用修复（{opens:%Y年%m月%d日}起可以申请）"
        )
    if open_application(listing) is not None:
        raise InvalidState("该名单已有尚未办结的信用修复申请")


def _files(data: dict, field: str, actor: User) -> list[int]:
    ids = []
    for raw in data.get(field) or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            raise invalid(field, "上传的文件无效，请重新上传") from None
    found = attachments.get_many(ids)
    if len(found) != len(ids) or any(a.uploaded_by_id != actor.id for a in found):
        raise invalid(field, "上传的文件无效，请重新上传")
    return ids


# ---- operations -----------------------------------------------------------------------------------------

_TOUCH = text("UPDATE credit_listings SET id = id WHERE id = :id")


def _lock(listing: CreditListing) -> None:
    """One writer per listing for what no workflow step serialises (the one-open-application rule): a row
    lock on PostgreSQL, the database write lock on SQLite, taken before the open applications are read."""
    db.session.execute(_TOUCH, {"id": listing.id})


def apply_repair(listing: CreditListing, data: dict[str, Any], *, actor: User) -> RepairApplication:
    """Apply for (or record a paper application of) 信用修复 of `listing`; starts credit_repair."""
    channel = applicant_channel(actor, listing)
    today = clock.today()
    _lock(listing)  # two applications at once: the second waits, then finds the first open
    repair_gate(listing, today)
    statement = (data.get("statement") or "").strip()
    if not statement:
        raise invalid("statement", "请填写申请理由（整改及履行情况）")
    commitment = _files(data, "commitment", actor)
    if not commitment:
        raise invalid("commitment", "请上传加盖公章的信用承诺书")
    materials = _files(data, "materials", actor)
    pack = credit_pack(listing.region_path, today)
    due = pack.end_of("repair_decision_period", today)
    repair = RepairApplication(
        listing_id=listing.id,
        applied_on=today,
        channel=channel,
        applied_by_id=actor.id,
        statement=statement,
        status=RepairStatus.VERIFYING,
        decision_due=due,
        checks=[],
    )
    repair.listing = listing
    db.session.add(repair)
    db.session.flush()
    attachments.link_all(commitment, repair, "commitment")
    attachments.link_all(materials, repair, "materials")
    repair.checks = repair_checks(listing, repair)
    workflow.start(
        PROCESS,
        subject=repair,
        title=f"{listing.enterprise.name}：信用修复申请",
        region_path=listing.region_path,
        enterprise_id=listing.enterprise_id,
        data={"listing_id": listing.id, "decision_due": due.isoformat()},
        actor=actor,
    )
    passed = sum(1 for c in repair.checks if c["passed"])
    audit.record(
        actor,
        "credit.repair_applied",
        repair,
        summary=f"信用修复申请（{channel}）：系统核验{passed}/{len(repair.checks)}项符合，"
        f"应于{due:%Y年%m月%d日}前作出决定",
        data={"listing_id": listing.id, "checks": repair.checks, "decision_due": due},
    )
    return repair


def ready_task(repair: RepairApplication, bpmn_id: str, task=None):
    if task is not None:
        if task.bpmn_id != bpmn_id or task.subject_id != repair.id or task.subject_type != SUBJECT_TYPE:
            raise InvalidState("任务与信用修复申请不匹配")
        return task
    inst = workflow.instance_for(repair, PROCESS)
    for t in workflow.ready_tasks(inst):
        if t.bpmn_id == bpmn_id:
            return t
    raise InvalidState(f"该信用修复申请当前为“{repair.status}”，不能办理该事项")


def _step(repair: RepairApplication, task, data: dict, *, actor) -> dict:
    old = repair.status
    workflow.complete_task(task, data, actor=actor)
    return {"status": [old, repair.status]} if repair.status != old else {}


def verify_repair(repair: RepairApplication, data: dict[str, Any], *, actor: User, task=None) -> None:
    """核查 (officer or section head of the jurisdiction): the checks computed again; the officer may confirm
    the correction (or, without a penalty case, the performance) with evidence; 核查意见 and a proposal."""
    listing = repair.listing
    require_role(actor, listing, Role.OFFICER, Role.SECTION_HEAD, message="信用修复申请由本辖区执法人员核查")
    task = ready_task(repair, "verify_repair", task)
    verification = (data.get("verification") or "").strip()
    if not verification:
        raise invalid("verification", "请填写核查意见")
    proposal = data.get("proposal")
    if proposal not in DECISIONS:
        raise invalid("proposal", "请选择核查结论")
    checks = repair_checks(listing, repair)
    confirmations = {
        "corrected": ("corrected_confirmed", "corrected_evidence", "请写明违法行为已纠正的依据"),
        "paid": ("paid_confirmed", "paid_evidence", "请写明处罚决定已履行的依据"),
    }
    for key, (flag, field, message) in confirmations.items():
        if not data.get(flag):
            continue
        if key == "paid" and listing.case_id:
            raise invalid(
                flag, "该名单所依据的处罚案件在本系统中，履行情况以案件的缴款记录为准，不能人工确认"
            )
        evidence = (data.get(field) or "").strip()
        if not evidence:
            raise invalid(field, message)
        for i, c in enumerate(checks):
            if c["key"] == key and not c["passed"]:
                checks[i] = {
                    **c,
                    "passed": True,
                    "evidence": f"执法人员核查确认：{evidence}",
                    "confirmed_by": actor.id,
                    "confirmed_on": clock.today().isoformat(),
                }
    if proposal == "grant" and not all(c["passed"] for c in checks):
        failed = "、".join(c["label"] for c in checks if not c["passed"])
        raise invalid("proposal", f"以下修复条件尚不符合，不能建议准予：{failed}")
    repair.checks = checks
    repair.verification = verification
    repair.verified_by_id = actor.id
    repair.verified_on = clock.today()
    changes = _step(repair, task, {"proposal": proposal, "verification": verification}, actor=actor)
    audit.record(
        actor,
        "credit.repair_verified",
        repair,
        summary=f"核查信用修复申请：{'建议准予' if proposal == 'grant' else '建议不予'}",
        changes=changes,
        data={"checks": checks},
    )


def _documents_content(repair: RepairApplication, decision: str, reason: str) -> dict[str, Any]:
    listing = repair.listing
    return {
        "outcome": decision,
        "applied_on": repair.applied_on,
        "statement": repair.statement,
        "checks": repair.checks,
        "verification": repair.verification,
        "reason": reason,
        "decided_on": clock.today(),
        "term_start": listing.term_start,
        "term_end": listing.term_end,
        "basis": "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）",
    }


def decide_repair(repair: RepairApplication, data: dict[str, Any], *, actor: User, task=None) -> None:
    """The 负责人 of the jurisdiction decides: grant (信用修复决定书, the listing ends early), refuse (不予信用修复
    decision, same document type) or return (verified again). A grant needs every check passed."""
    listing = repair.listing
    require_role(actor, listing, Role.LEADER, message="信用修复决定须由本辖区负责人作出")
    require(actor.id != repair.verified_by_id, "核查该申请的人员不能作出修复决定")
    require(
        not (repair.channel == CHANNEL_RECORDED and actor.id == repair.applied_by_id),
        "登记该书面申请的人员不能作出修复决定",
    )
    task = ready_task(repair, "decide_repair", task)
    decision = data.get("repair_decision")
    if decision not in ("grant", "refuse", "return"):
        raise invalid("repair_decision", "请选择决定")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise invalid("reason", "请填写理由")
    today = clock.today()
    if decision == "grant":
        checks = repair_checks(listing, repair)  # as of today: a new listing event or an arrear since verify
        if not all(c["passed"] for c in checks):
            failed = "、".join(c["label"] for c in checks if not c["passed"])
            raise invalid("repair_decision", f"以下修复条件不符合，不能准予：{failed}")
        if listing.status != ListingStatus.LISTED:
            raise InvalidState(f"名单状态为“{listing.status}”，不能提前移出")
        repair.checks = checks
    if decision != "return":
        repair.decision = DECISIONS[decision]
        repair.decided_on = today
        repair.decided_by_id = actor.id
        repair.decision_reason = reason
    changes = _step(repair, task, {"repair_decision": decision, "reason": reason}, actor=actor)
    if decision == "return":
        audit.record(
            actor,
            "credit.repair_returned",
            repair,
            summary=f"信用修复申请退回补充核查：{reason}",
            changes=changes,
        )
        return
    title = "信用修复决定书" if decision == "grant" else "不予信用修复决定书"
    doc = documents.issue(
        listing,
        documents.REPAIR_DECISION,
        _documents_content(repair, DECISIONS[decision], reason),
        actor=actor,
        title=title,
    )
    if decision == "grant":
        from app.credit import effects

        effects.end_effects(
            listing, ListingEnd.REPAIRED, f"信用修复（{doc.number.text}）：{reason}", actor=actor, on=today
        )
    audit.record(
        actor,
        "credit.repair_decided",
        repair,
        summary=f"{title}{doc.number.text}：{reason}",
        changes=changes,
        data={"decision": decision, "document_id": doc.id, "listing_id": listing.id},
    )


def revoked_by(repair: RepairApplication) -> str:
    """Who revoked the application and when — "（已由周局长于2028年03月01日撤销）" — or "" if not revoked."""
    if repair.status != RepairStatus.REVOKED or repair.revoked_on is None:
        return ""
    from app.auth.models import User

    who = db.session.get(User, repair.revoked_by_id) if repair.revoked_by_id else None
    return f"（已由{who.name if who else '他人'}于{repair.revoked_on:%Y年%m月%d日}撤销）"


def revoke_repair(repair: RepairApplication, data: dict[str, Any], *, actor: User) -> None:
    """★ Fraud in a granted application found later: 撤销移出决定 by the 负责人 of the jurisdiction; the listing is
    back in force with its ORIGINAL term_end (effects.restore_effects: republished, measures back, push
    恢复列入, the term's timer restarted — or 期满移出 on the spot when the term is over meanwhile)."""
    listing = repair.listing
    require_role(actor, listing, Role.LEADER, message="撤销移出决定须由本辖区负责人作出")
    _lock(listing)  # two 负责人 revoking at once: the second waits, then finds the first's revocation
    db.session.refresh(repair)
    if repair.status != RepairStatus.GRANTED:
        raise InvalidState(f"该信用修复申请为“{repair.status}”{revoked_by(repair)}，只有已准予移出的可以撤销")
    if listing.status != ListingStatus.REMOVED or listing.end_kind != ListingEnd.REPAIRED:
        raise InvalidState(f"名单状态为“{listing.status}”，不是经信用修复提前移出的名单")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise invalid("reason", "请写明申请弄虚作假的事实与证据")
    evidence = _files(data, "evidence", actor)
    today = clock.today()
    term_end = listing.term_end
    doc = documents.issue(
        listing,
        documents.REVOKE,
        {
            "repair_id": repair.id,
            "repair_applied_on": repair.applied_on,
            "repair_decided_on": repair.decided_on,
            "reason": reason,
            "decided_on": today,
            "term_start": listing.term_start,
            "term_end": term_end,
            "basis": "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）：申请信用修复弄虚作假的，撤销移出决定，恢复列入",
        },
        actor=actor,
        title="撤销移出决定",
    )
    old = repair.status
    repair.status = (
        RepairStatus.REVOKED
    )  # the application's workflow has ended: this is the one step after it
    repair.revoked_on = today
    repair.revoked_by_id = actor.id
    repair.revoke_reason = reason
    attachments.link_all(evidence, repair, "revoke_evidence")
    from app.credit import effects

    effects.restore_effects(listing, actor=actor)
    audit.record(
        actor,
        "credit.repair_revoked",
        repair,
        summary=f"撤销移出决定{doc.number.text}：{reason}；按原管理期限（至{term_end:%Y年%m月%d日}）恢复列入"
        if term_end
        else f"撤销移出决定{doc.number.text}：{reason}",
        changes={"status": [old, repair.status]},
        data={"document_id": doc.id, "listing_id": listing.id, "listing_status": listing.status},
    )


def load(repair_id: int) -> RepairApplication:
    repair = db.session.get(RepairApplication, repair_id)
    if repair is None:
        raise NotFound("信用修复申请不存在")
    return repair


__all__ = [
    "CHANNEL_ONLINE",
    "CHANNEL_RECORDED",
    "LABELS",
    "PROCESS",
    "applicant_channel",
    "apply_repair",
    "decide_repair",
    "new_listing_events",
    "open_application",
    "repair_checks",
    "repair_gate",
    "revoke_repair",
    "revoked_by",
    "verify_repair",
]
