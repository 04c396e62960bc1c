"""Who may issue or change a draft 责令限期整改指令书 (issue #11 item 4): the officer who drafted it or a section
head (科室负责人) whose jurisdiction covers it; a colleague of the same unit may not, through the page or the
operation, and the page shows them neither the 签发 form nor the delete buttons."""

from __future__ import annotations

import pytest

from app.errors import PermissionDenied
from app.extensions import db
from app.hazards import operations as ops
from app.hazards.models import Hazard, RectificationOrder

ISSUE = {"inspection_record_no": "", "interim_measures": "落实防范措施"}


def _form(world, co):
    return {**ISSUE, "co_officer_id": str(co.id)}


def test_a_colleague_cannot_issue_or_delete_through_the_pages(world, make_order, login):
    order = make_order({}, {"location": "仓库"}, issue=False)
    hazard_id = order.hazards[0].id
    colleague = login(world.officer2)
    html = colleague.get(f"/hazards/orders/{order.id}").get_data(as_text=True)
    assert f"/hazards/orders/{order.id}/issue" not in html and f"/hazards/{hazard_id}/remove" not in html
    assert colleague.post(f"/hazards/orders/{order.id}/issue", data=_form(world, world.officer)).status_code == 403
    assert colleague.post(f"/hazards/{hazard_id}/remove").status_code == 403
    db.session.expire_all()
    order = db.session.get(RectificationOrder, order.id)
    assert order.is_draft and len(order.hazards) == 2 and db.session.get(Hazard, hazard_id) is not None

    own = login(world.officer)
    html = own.get(f"/hazards/orders/{order.id}").get_data(as_text=True)
    assert f"/hazards/orders/{order.id}/issue" in html and f"/hazards/{hazard_id}/remove" in html
    assert own.post(f"/hazards/{hazard_id}/remove").status_code == 302
    assert own.post(f"/hazards/orders/{order.id}/issue", data=_form(world, world.officer2)).status_code == 302
    db.session.expire_all()
    assert db.session.get(RectificationOrder, order.id).doc_number


def test_a_section_head_of_the_jurisdiction_may_issue(world, make_order, login):
    order = make_order(issue=False)
    head = login(world.section_head)
    assert f"/hazards/orders/{order.id}/issue" in head.get(f"/hazards/orders/{order.id}").get_data(as_text=True)
    assert head.post(f"/hazards/orders/{order.id}/issue", data=_form(world, world.officer2)).status_code == 302
    db.session.expire_all()
    assert db.session.get(RectificationOrder, order.id).doc_number


def test_the_operation_refuses_a_colleague(world, make_order):
    order = make_order({}, {"location": "仓库"}, issue=False)
    with pytest.raises(PermissionDenied):
        ops.issue_order(order, {**ISSUE, "co_officer_id": world.officer.id}, actor=world.officer2)
    with pytest.raises(PermissionDenied):
        ops.remove_draft_hazard(order.hazards[0], actor=world.officer2)
    with pytest.raises(PermissionDenied):  # a section head outside the order's jurisdiction neither
        ops.issue_order(order, {**ISSUE, "co_officer_id": world.officer.id}, actor=world.other_officer)
    db.session.rollback()
    ops.remove_draft_hazard(order.hazards[1], actor=world.section_head)
    ops.issue_order(order, {**ISSUE, "co_officer_id": world.officer2.id}, actor=world.officer)
    db.session.commit()
    assert order.doc_number and len(order.hazards) == 1
