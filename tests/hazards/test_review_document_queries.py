"""The 整改复查意见书's bookkeeping in fewer statements (issue #15): whether a visit is over is one query that
answers as the per-hazard lookups did, and the reviews' document number and link reach the database with
the step's flush."""

from __future__ import annotations

from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.hazards import documents as hazard_docs
from app.hazards import operations as ops
from app.hazards.models import HazardReview
from tests.factories.db import commit
from tests.factories.hazards import ready_task, rect_data, review_data


def _per_hazard(order, bpmn_id: str) -> bool:
    """The former check: each hazard's latest instance, then its READY task names."""
    for h in order.hazards:
        inst = workflow.instance_for(h)
        if inst is not None and bpmn_id in workflow.ready_task_names(inst):
            return True
    return False


def test_awaiting_review_is_one_query_with_the_same_answer(make_order, world, upload):
    order = make_order({"location": "配电室"}, {"location": "仓库"})
    h1, h2 = order.hazards
    answers = []

    def check():
        for bpmn_id in ("review_rectification", "acceptance_review", "submit_rectification"):
            got = hazard_docs._awaits(order, bpmn_id)
            assert got == _per_hazard(order, bpmn_id), bpmn_id
        answers.append(hazard_docs._awaits(order, "review_rectification"))

    check()  # both rectifying
    ops.submit_rectification(h1, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    check()  # one awaits 复查
    ops.review_hazards(
        [(h1, review_data(world))], actor=world.officer, tasks={h1.id: ready_task(h1, "review_rectification")}
    )
    commit()
    check()  # reviewed: none awaits 复查, the other still rectifying
    ops.submit_rectification(h2, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    check()
    assert answers == [False, True, False, True]


def test_the_reviews_carry_their_document_in_the_database(make_order, world, upload):
    order = make_order({"location": "配电室"})
    [h] = order.hazards
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    [r] = ops.review_hazards(
        [(h, review_data(world))], actor=world.officer, tasks={h.id: ready_task(h, "review_rectification")}
    )
    commit()
    review_id = r.id
    db.session.expunge_all()
    row = db.session.execute(
        select(HazardReview.document_id, HazardReview.doc_number).where(HazardReview.id == review_id)
    ).one()
    doc = db.session.get(hazard_docs.OfficialDocument, row.document_id)
    assert doc is not None and row.doc_number == doc.number.text
    assert doc.locked  # the only item reviewed: the visit is over
    assert [it["review_id"] for it in doc.content["items"]] == [review_id]
