"""User trial: an inspection still 待检查 or 待审批 after its due_on (after its planned_on when it has none) is marked
逾期 on the list and on its page — one rule (Inspection.is_overdue); a started, finished or cancelled one never is,
nor one whose day has not passed."""

from __future__ import annotations

import re
from datetime import timedelta

from app import clock
from app.inspections.models import InspectionStatus
from tests.factories.db import commit
from tests.factories.inspections_web import inspection_at


def _overdue_rows(html: str) -> set[int]:
    rows = re.findall(r'<tr data-testid="inspection-row" data-inspection-id="(\d+)">(.*?)</tr>', html, re.S)
    return {int(i) for i, body in rows if 'data-testid="inspection-overdue"' in body}


def test_overdue_is_marked_on_the_list_and_the_page(world, frozen, login):
    today = clock.today()
    past, future = today - timedelta(days=3), today + timedelta(days=3)
    late = {
        "due_passed": inspection_at(
            world, InspectionStatus.PLANNED, planned_on=past - timedelta(days=20), due_on=past
        ),
        "approval": inspection_at(world, InspectionStatus.PENDING_APPROVAL, planned_on=past),  # no due_on
    }
    not_late = {
        "due_ahead": inspection_at(world, InspectionStatus.PLANNED, planned_on=past, due_on=future),
        "due_today": inspection_at(world, InspectionStatus.PLANNED, planned_on=past, due_on=today),
        "planned_ahead": inspection_at(world, InspectionStatus.PLANNED, planned_on=future),
        "on_site": inspection_at(world, InspectionStatus.ON_SITE, planned_on=past, due_on=past),
        "done": inspection_at(world, InspectionStatus.DONE, planned_on=past, due_on=past),
        "cancelled": inspection_at(world, InspectionStatus.CANCELLED, planned_on=past, due_on=past),
    }
    commit()
    assert all(i.is_overdue for i in late.values())
    assert not any(i.is_overdue for i in not_late.values())
    client = login(world.officer)
    html = client.get("/inspections/").get_data(as_text=True)
    assert _overdue_rows(html) == {i.id for i in late.values()}
    for insp in late.values():
        page = client.get(f"/inspections/{insp.id}")
        assert page.status_code == 200
        assert 'data-testid="inspection-overdue"' in page.get_data(as_text=True)
    page = client.get(f"/inspections/{not_late['due_ahead'].id}").get_data(as_text=True)
    assert 'data-testid="inspection-overdue"' not in page
