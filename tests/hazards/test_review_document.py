"""One 整改复查意见书 per visit (issue #10 item 10, domain spec §3.3): the items of one 指令书 reviewed in the
same visit go on one document with per-item results and one number, whether reviewed together or one task
at a time; another visit gets its own document; the numbers stay gap-free."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import audit, clock
from app.documents import DocumentLocked, DocumentNumber, OfficialDocument
from app.extensions import db
from app.hazards import operations as ops
from app.hazards.documents import REVIEW_DOC
from tests.factories.db import commit
from tests.factories.hazards import ready_task, rect_data, review_data


def _review_docs() -> list[OfficialDocument]:
    return list(
        db.session.scalars(
            select(OfficialDocument)
            .where(OfficialDocument.doc_type == REVIEW_DOC)
            .order_by(OfficialDocument.id)
        )
    )


def _serials() -> list[int]:
    return list(
        db.session.scalars(
            select(DocumentNumber.serial)
            .where(DocumentNumber.code_word == "复查")
            .order_by(DocumentNumber.serial)
        )
    )


@pytest.fixture
def three_reported(make_order, world, upload):
    """An order of three items, each reported fixed by the enterprise: all three await 复查."""
    order = make_order({"location": "配电室"}, {"location": "仓库"}, {"location": "喷漆房"})
    for h in order.hazards:
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    return order


def _review_one(h, world, officer=None, **kw):
    [r] = ops.review_hazards(
        [(h, review_data(world, **kw))],
        actor=officer or world.officer,
        tasks={h.id: ready_task(h, "review_rectification")},
    )
    commit()
    return r


def test_three_items_reviewed_one_task_at_a_time_make_one_document(three_reported, world):
    h1, h2, h3 = three_reported.hazards
    r1 = _review_one(h1, world)
    [doc] = _review_docs()
    assert not doc.locked  # the visit is not over: two items still await 复查
    r2 = _review_one(
        h2,
        world,
        result="整改不合格",
        decision="return",
        opinion="警示线未划设",
        new_deadline=clock.today() + timedelta(days=5),
    )
    r3 = _review_one(h3, world)
    [doc] = _review_docs()
    assert r1.document_id == r2.document_id == r3.document_id == doc.id
    assert r1.doc_number == r2.doc_number == r3.doc_number == doc.number.text
    rows = doc.content["items"]
    assert [(it["seq"], it["location"], it["result"]) for it in rows] == [
        (1, "配电室", "已整改"),
        (2, "仓库", "整改不合格"),
        (3, "喷漆房", "已整改"),
    ]
    assert rows[1]["deadline"] == (clock.today() + timedelta(days=7)).isoformat()  # as it stood when reviewed
    assert rows[1]["new_deadline"] == (clock.today() + timedelta(days=5)).isoformat()
    assert "部分隐患未整改到位" in doc.content["conclusion"]
    assert doc.locked  # every item awaiting 复查 was reviewed: finalized
    assert _serials() == [1]
    actions = [e.action for e in audit.history(doc)]
    assert (
        actions.count("hazard.review_document_extended") == 2
        and actions[-1] == "hazard.review_document_finalized"
    )
    with pytest.raises(DocumentLocked):
        doc.content = {**doc.content, "conclusion": "改"}
        db.session.flush()
    db.session.rollback()


def test_the_printed_document_shows_every_row(three_reported, world, login):
    for h in three_reported.hazards:
        _review_one(h, world)
    [doc] = _review_docs()
    html = login(world.officer).get(f"/documents/{doc.id}").get_data(as_text=True)
    table = html[html.index('data-testid="doc-items"') :]
    assert table.count("<tr>") == 4 and "配电室" in table and "仓库" in table and "喷漆房" in table
    assert 'data-testid="doc-open"' not in html


def test_open_document_says_so_when_printed(three_reported, world, login):
    _review_one(three_reported.hazards[0], world)
    [doc] = _review_docs()
    html = login(world.officer).get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'data-testid="doc-open"' in html and "未定稿" in html


def test_batch_page_then_the_last_item_join_one_document(three_reported, world):
    h1, h2, h3 = three_reported.hazards
    ops.review_hazards([(h1, review_data(world)), (h2, review_data(world))], actor=world.officer)
    commit()
    _review_one(h3, world)
    [doc] = _review_docs()
    assert len(doc.content["items"]) == 3 and doc.locked and _serials() == [1]


def test_another_day_is_another_visit(three_reported, world, frozen):
    h1, h2, h3 = three_reported.hazards
    _review_one(h1, world)
    frozen.advance(timedelta(days=1))
    _review_one(h2, world)
    _review_one(h3, world)
    first, second = _review_docs()
    assert [it["location"] for it in first.content["items"]] == ["配电室"]
    assert [it["location"] for it in second.content["items"]] == ["仓库", "喷漆房"]
    assert first.locked and second.locked  # the new visit finalized the first one
    assert _serials() == [1, 2]  # consecutive, no gap


def test_another_officer_is_another_visit(three_reported, world):
    h1, h2, h3 = three_reported.hazards
    _review_one(h1, world)
    _review_one(h2, world, officer=world.town_officer)
    _review_one(h3, world, officer=world.town_officer)
    first, second = _review_docs()
    assert len(first.content["items"]) == 1 and len(second.content["items"]) == 2
    assert first.number.serial + 1 == second.number.serial


def test_other_orders_never_share_a_document(make_order, world, upload):
    a = make_order({"location": "配电室"}).hazards[0]
    b = make_order({"location": "仓库"}).hazards[0]
    for h in (a, b):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    ra, rb = _review_one(a, world), _review_one(b, world)
    assert ra.document_id != rb.document_id and _serials() == [1, 2]


def test_an_item_still_rectifying_does_not_hold_the_document_open(make_order, world, upload):
    order = make_order({"location": "配电室"}, {"location": "仓库"})
    h1, _h2 = order.hazards
    ops.submit_rectification(h1, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    _review_one(h1, world)
    [doc] = _review_docs()
    assert doc.locked and len(doc.content["items"]) == 1


def test_officer_finalizes_an_open_document_from_the_order_page(three_reported, world, login):
    _review_one(three_reported.hazards[0], world)
    [doc] = _review_docs()
    c = login(world.officer)
    page = c.get(f"/hazards/orders/{three_reported.id}").get_data(as_text=True)
    assert 'data-testid="finalize-review-document"' in page
    assert login(world.manager_a).post(
        f"/hazards/orders/{three_reported.id}/review-document/finalize"
    ).status_code in (403, 404)
    c = login(world.officer)
    r = c.post(f"/hazards/orders/{three_reported.id}/review-document/finalize")
    assert r.status_code == 302
    commit()
    doc = db.session.get(OfficialDocument, doc.id)
    assert doc.locked
    _review_one(three_reported.hazards[1], world)
    assert len(_review_docs()) == 2 and _serials() == [1, 2]


def test_an_item_reviewed_again_the_same_day_starts_a_new_document(make_order, world, upload):
    """h1 fails while h2 still awaits 复查; h1 is fixed and reviewed again the same day: an item is on a
    visit's 意见书 once, so its second review opens the next document."""
    order = make_order({"location": "配电室"}, {"location": "仓库"})
    h1, h2 = order.hazards
    for h in (h1, h2):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    _review_one(
        h1,
        world,
        result="未整改",
        decision="return",
        opinion="未整改",
        new_deadline=clock.today() + timedelta(days=3),
    )
    ops.submit_rectification(h1, rect_data(upload, world.manager_a), actor=world.manager_a)
    commit()
    _review_one(h1, world)
    first, second = _review_docs()
    assert [it["location"] for it in first.content["items"]] == ["配电室"] and first.locked
    assert [it["location"] for it in second.content["items"]] == ["配电室"] and not second.locked
    _review_one(h2, world)
    assert [it["location"] for it in _review_docs()[1].content["items"]] == ["配电室", "仓库"]
    assert _serials() == [1, 2]
