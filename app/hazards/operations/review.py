"""复查 (and 重大隐患 现场审查验收) of the hazards of one 指令书 → one 整改复查意见书; each hazard is closed,
sent back for another period, referred for a penalty case, or put to the leader (特批) once the rounds are
used up; and the leader's decision on that exception. The round cap is this module's rule: the BPMN
gateways only follow the decision."""

from __future__ import annotations

from app import audit, clock
from app.auth.models import User
from app.documents import OfficialDocument
from app.errors import InvalidState, ValidationFailed, concerning, invalid, require
from app.extensions import db
from app.hazards import documents as hazard_docs
from app.hazards import notices, settings
from app.hazards import permissions as perm
from app.hazards.models import Hazard, HazardReview, RectificationOrder, ReviewDecision, ReviewResult
from app.hazards.operations.common import link, other_officer, ready_task, set_overdue_title, step
from app.hazards.operations.referral import refer


def _check_decision(hazard: Hazard, result: str, decision: str, data: dict) -> int:
    """Validate the decision against the result and the round cap; returns the new failed-round count."""
    if result not in tuple(ReviewResult):
        raise invalid("result", "复查结果无效")
    passed = result == ReviewResult.DONE
    if passed != (decision == ReviewDecision.CLOSE):
        raise invalid("decision", "复查结果为“已整改”时应予销号；未整改到位的不能销号")
    if passed:
        return hazard.failed_rounds
    failed = hazard.failed_rounds + 1
    max_rounds = int(settings.get("HAZARD_MAX_ROUNDS"))
    if decision == ReviewDecision.RETURN and failed >= max_rounds:
        raise invalid("decision", f"已{failed}轮复查不合格，只能移送立案或报请负责人批准再次限期整改")
    if decision == ReviewDecision.EXCEPTION:
        if failed < max_rounds:
            raise invalid("decision", f"未满{max_rounds}轮复查不合格，可直接责令重新限期整改，无需报请特批")
        if hazard.exception_granted:
            raise invalid("decision", "负责人已特批过一次再次整改，只能移送立案")
    if decision in (ReviewDecision.RETURN, ReviewDecision.EXCEPTION):
        nd = data.get("new_deadline")
        if nd is None or nd <= clock.today():
            raise invalid("new_deadline", "请确定晚于今天的整改期限")
    if decision == ReviewDecision.REFER and not (data.get("facts") or "").strip():
        raise invalid("facts", "请填写移送的违法事实")
    return failed


def review_hazards(
    items: list[tuple[Hazard, dict]], *, actor: User, kind: str = "复查", tasks: dict | None = None
) -> list[HazardReview]:
    """复查 (or 重大隐患 验收) of one or more hazards of one 指令书 → their rows on the visit's one 整改复查意见书
    (app.hazards.documents.record_reviews says what one visit is).

    items: [(hazard, {result, decision, opinion, reviewed_on, co_reviewer_id, new_deadline, facts,
    evidence})]. Each hazard's own workflow moves on according to its decision.
    """
    if not items:
        raise ValidationFailed("没有需要复查的隐患")
    orders = {h.order_id for h, _ in items}
    if len(orders) != 1:
        raise ValidationFailed("一份整改复查意见书只能针对同一份指令书")
    bpmn_id = "acceptance_review" if kind == "验收" else "review_rectification"
    prepared = []
    for hazard, data in items:
        with concerning(hazard.id):  # the batch page shows a broken rule on this hazard's card
            require(perm.can_review(actor, hazard), "只有辖区执法人员可以复查该隐患")
            task = ready_task(hazard, bpmn_id, (tasks or {}).get(hazard.id))
            failed = _check_decision(hazard, data["result"], data["decision"], data)
            co = other_officer(data.get("co_reviewer_id"))
            if co is not None and (co.id == actor.id or not perm.can_review(co, hazard)):
                raise invalid("co_reviewer_id", "共同复查人须为另一名辖区执法人员")
            reviewed_on = data.get("reviewed_on")
            if reviewed_on is not None and reviewed_on < hazard.found_on:  # the list relies on 销号 ≥ 排查
                raise invalid("reviewed_on", f"复查日期不能早于排查日期（{hazard.found_on.isoformat()}）")
        prepared.append((hazard, data, task, failed, co))
    reviews = []
    for hazard, data, _task, _failed, co in prepared:
        review = HazardReview(
            hazard=hazard,
            kind=kind,
            round=hazard.failed_rounds + 1,
            reviewed_on=data.get("reviewed_on") or clock.today(),
            reviewer_id=actor.id,
            co_reviewer_id=co.id if co else None,
            result=data["result"],
            passed=data["decision"] == ReviewDecision.CLOSE,
            opinion=data["opinion"],
            decision=data["decision"],
            new_deadline=data.get("new_deadline") if data["decision"] in ("return", "exception") else None,
            was_overdue=hazard.is_overdue,
        )
        db.session.add(review)
        reviews.append(review)
    db.session.flush()
    # one 意见书 per visit: joins the visit's open one
    issued = hazard_docs.record_reviews(reviews, actor=actor)
    for (hazard, data, task, failed, _co), review in zip(prepared, reviews, strict=True):
        link(data.get("evidence"), review, "evidence")
        _apply_review(hazard, review, data, task, failed, actor)
    hazard_docs.close_if_complete(prepared[0][0].order, bpmn_id, actor=actor, document=issued.document)
    return reviews


def _apply_review(hazard: Hazard, review: HazardReview, data: dict, task, failed: int, actor: User) -> None:
    decision = review.decision
    changes: dict = {}
    wf_data: dict = {"decision": decision}
    if decision == ReviewDecision.CLOSE:
        hazard.closed_on = review.reviewed_on
        hazard.closed_by_id = actor.id
        hazard.is_overdue = False
        if hazard.is_major and hazard.supervision is not None:
            hazard.supervision.delisted_on = review.reviewed_on
        action, summary = "hazard.closed", f"{actor.name}{review.kind}合格，隐患{hazard.code}销号"
        if hazard.is_major:
            summary += "、摘牌，同意恢复生产"
    else:
        hazard.failed_rounds = failed
        changes["failed_rounds"] = [failed - 1, failed]
        if decision == ReviewDecision.RETURN:
            new_deadline = data["new_deadline"]  # required for a return (_check_decision)
            changes["deadline"] = [hazard.deadline.isoformat(), new_deadline.isoformat()]
            hazard.deadline = new_deadline
            hazard.is_overdue = False
            set_overdue_title(task.instance, False)
            wf_data.update(settings.deadline_vars(hazard.deadline))
            action = "hazard.review_failed"
            summary = f"{actor.name}{review.kind}不合格（第{failed}轮），责令于{hazard.deadline.isoformat()}前重新整改"
        elif decision == ReviewDecision.EXCEPTION:
            wf_data["exception_due"] = settings.working_due(clock.today(), "HAZARD_EXCEPTION_DAYS")
            action = "hazard.exception_requested"
            summary = f"{actor.name}{review.kind}不合格（第{failed}轮），报请负责人批准再次限期整改"
        else:
            refer(hazard, data.get("facts") or review.opinion, actor)
            action = "hazard.referred"
            summary = f"{actor.name}{review.kind}不合格（第{failed}轮），移送立案处罚"
    changes.update(step(hazard, task, wf_data, actor=actor))
    audit.record(
        actor,
        action,
        hazard,
        summary=summary,
        changes=changes,
        data={
            "review_id": review.id,
            "result": review.result,
            "decision": decision,
            "doc_number": review.doc_number,
            "opinion": review.opinion,
            "evidence": list(data.get("evidence") or []),
        },
    )
    notices.review_decided(hazard, review)


def finalize_review_document(order: RectificationOrder, *, actor: User) -> OfficialDocument:
    """定稿 the order's open 整改复查意见书 before every item awaiting 复查 was reviewed: the officer ends the
    visit, and the next review of the order starts a new 意见书."""
    require(bool(order.hazards) and perm.can_review(actor, order.hazards[0]), "只有辖区执法人员可以定稿复查意见书")
    doc = hazard_docs.open_review_document(order)
    if doc is None:
        raise InvalidState("该指令书没有未定稿的整改复查意见书")
    hazard_docs.finalize_review_document(doc, actor=actor, reason="执法人员定稿")
    return doc


def decide_exception(hazard: Hazard, data: dict, *, actor: User, task=None) -> None:
    """Leader: approve one more rectification period, or refuse (→ referral)."""
    require(perm.can_lead(actor, hazard), "只有辖区负责人可以审批")
    task = ready_task(hazard, "approve_exception", task)
    approved = data["approved"] == "yes"
    review = hazard.latest_review
    changes: dict = {}
    if approved:
        nd = data.get("new_deadline") or (review.new_deadline if review else None)
        if nd is None or nd <= clock.today():
            raise invalid("new_deadline", "请确定晚于今天的整改期限")
        changes["deadline"] = [hazard.deadline.isoformat(), nd.isoformat()]
        hazard.deadline = nd
        hazard.exception_granted = True
        hazard.is_overdue = False
        set_overdue_title(task.instance, False)
        wf = {"exception_approved": True, **settings.deadline_vars(nd)}
    else:
        facts = (review.opinion if review else "") + f"\n负责人意见：{data['opinion']}"
        refer(hazard, facts.strip(), actor)
        wf = {"exception_approved": False}
    changes.update(step(hazard, task, wf, actor=actor))
    audit.record(
        actor,
        "hazard.exception_approved" if approved else "hazard.exception_rejected",
        hazard,
        summary=(
            f"{actor.name}批准再次限期整改至{hazard.deadline.isoformat()}"
            if approved
            else f"{actor.name}不批准再次整改，移送立案"
        ),
        changes=changes,
        data={"opinion": data["opinion"]},
    )
    notices.exception_decided(hazard, approved=approved, opinion=data["opinion"], round_no=hazard.failed_rounds)
