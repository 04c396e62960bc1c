"""The facts at each decision of the hazard loop, on the generic task page (/tasks/<id>), and the values
its form starts with (page and API alike): registered with `@workflow.task_facts`.

    review_extension      the whole 延期申请 (reason, dates, interim measures, proof); 批准延期至 = requested
    review_rectification  the enterprise's report of this round: 五落实, after-photos, documents, and the
    acceptance_review     earlier rounds' results (验收: the evaluation report too)
    submit_rectification  after a failed 复查: the reviewer's reasons, the per-item results of the 意见书,
    submit_acceptance     the previous report (photos as previous evidence), and the form pre-filled from it;
                          after a refused 延期: the reason
    approve_exception     the rounds that failed; 整改期限 = the deadline the reviewer proposed

Facts belong to the decision at hand: a task that is no longer READY shows what was decided instead
(its form values), so these providers answer READY tasks only.
"""

from __future__ import annotations

from sqlalchemy import select

from app import attachments, workflow
from app.extensions import db
from app.hazards.models import Hazard, HazardReview, Rectification
from app.hazards.operations.common import GENERAL_PROCESS, MAJOR_PROCESS

TEMPLATES = "hazards/tasks/"
# 五落实 carried from one report to the next (the form field is the Rectification column of the same name)
RESUBMIT_FIELDS = {
    "submit_rectification": (
        "responsible_dept",
        "responsible_person",
        "measures",
        "funds",
        "planned_date",
        "emergency_measures",
        "remarks",
    ),
    "submit_acceptance": (
        "responsible_person",
        "measures",
        "funds",
        "emergency_measures",
        "evaluation_org",
        "evaluation_conclusion",
    ),
}


def _hazard(task) -> Hazard | None:
    if task.status != "ready" or not task.subject_id:
        return None
    return db.session.get(Hazard, task.subject_id)


def rectification_files(rect: Rectification) -> dict:
    return {
        "after_photos": attachments.attachments_for(rect, "after_photos"),
        "documents": attachments.attachments_for(rect, "documents")
        + attachments.attachments_for(rect, "evaluation_report"),
    }


def current_report(hazard: Hazard) -> Rectification | None:
    """The enterprise's report of the round now under review (None when it reported nothing: overdue)."""
    rect = hazard.latest_rectification
    return rect if rect is not None and rect.round == hazard.failed_rounds + 1 else None


def document_items(review: HazardReview) -> list[HazardReview]:
    """Every item of the 整改复查意见书 the review is on (the per-item results), in 指令书 order."""
    if review.document_id is None:
        return [review]
    rows = db.session.scalars(
        select(HazardReview).where(HazardReview.document_id == review.document_id)
    ).all()
    return sorted(rows, key=lambda r: (r.hazard.seq, r.id))


@workflow.task_facts(GENERAL_PROCESS, "review_extension")
def extension_facts(task, *, actor) -> workflow.TaskFacts | None:
    hazard = _hazard(task)
    ext = hazard.pending_extension if hazard is not None else None
    if hazard is None or ext is None:
        return None
    earlier = [e for e in hazard.extensions if e.id != ext.id]
    return workflow.TaskFacts(
        template=TEMPLATES + "extension.html",
        title="延期申请（企业报送）",
        context={
            "hazard": hazard,
            "ext": ext,
            "files": attachments.attachments_for(ext, "files"),
            "earlier": earlier,
        },
        initial={"approved_deadline": ext.requested_deadline},
    )


@workflow.task_facts(GENERAL_PROCESS, "review_rectification")
@workflow.task_facts(MAJOR_PROCESS, "acceptance_review")
def review_facts(task, *, actor) -> workflow.TaskFacts | None:
    hazard = _hazard(task)
    if hazard is None:
        return None
    rect = current_report(hazard)
    return workflow.TaskFacts(
        template=TEMPLATES + "review.html",
        title="企业报告的整改情况（五落实）" if not hazard.is_major else "企业报送的治理完成情况和评估报告",
        context={
            "hazard": hazard,
            "rect": rect,
            "files": rectification_files(rect) if rect is not None else {},
            "reviews": list(hazard.reviews),
        },
    )


@workflow.task_facts(GENERAL_PROCESS, "submit_rectification")
@workflow.task_facts(MAJOR_PROCESS, "submit_acceptance")
def resubmit_facts(task, *, actor) -> workflow.TaskFacts | None:
    """After a failed 复查/验收 (or a refused 延期): why, and the previous report to start from."""
    hazard = _hazard(task)
    if hazard is None:
        return None
    review = hazard.latest_review
    failed = review if review is not None and not review.passed else None
    refused = next((e for e in reversed(hazard.extensions) if e.status == "rejected"), None)
    if (
        refused is not None
        and failed is not None
        and refused.decided_at
        and failed.created_at > refused.decided_at
    ):
        refused = None  # the latest word is the review's
    if failed is None and refused is None:
        return None
    previous = hazard.latest_rectification if failed is not None else None
    initial: dict = {}
    if previous is not None:
        initial = {
            name: getattr(previous, name)
            for name in RESUBMIT_FIELDS[task.bpmn_id]
            if getattr(previous, name) is not None
        }
        if task.bpmn_id == "submit_rectification":
            initial["action"] = "rectified"
    return workflow.TaskFacts(
        template=TEMPLATES + "resubmit.html",
        title="复查不合格，请重新整改" if failed is not None else "延期申请未获批准",
        context={
            "hazard": hazard,
            "review": failed,
            "doc_items": document_items(failed) if failed is not None else [],
            "evidence": attachments.attachments_for(failed, "evidence") if failed is not None else [],
            "refused": refused,
            "previous": previous,
            "files": rectification_files(previous) if previous is not None else {},
        },
        initial=initial,
    )


@workflow.task_facts(GENERAL_PROCESS, "approve_exception")
@workflow.task_facts(MAJOR_PROCESS, "approve_exception")
def exception_facts(task, *, actor) -> workflow.TaskFacts | None:
    hazard = _hazard(task)
    review = hazard.latest_review if hazard is not None else None
    if hazard is None or review is None:
        return None
    return workflow.TaskFacts(
        template=TEMPLATES + "exception.html",
        title="历次复查情况",
        context={"hazard": hazard, "reviews": list(hazard.reviews)},
        initial={"new_deadline": review.new_deadline} if review.new_deadline else {},
    )
