"""Enterprise accounts read statuses in their terms on every hazard list (issue #10 item 9): no 移送立案 or
领导审批, which name the agency's internal steps; staff read the real status."""

from __future__ import annotations

import pytest

from app.hazards.models import HazardStatus
from app.hazards.view import OUTSIDER_STATUS, status_for
from tests.factories.db import commit


@pytest.mark.parametrize("status", list(OUTSIDER_STATUS))
def test_internal_statuses_read_in_the_enterprises_terms(world, make_hazard, login, status):
    hazard = make_hazard()
    hazard.status = status
    commit()
    manager = world.manager_a
    assert status_for(hazard, manager) == OUTSIDER_STATUS[status]
    assert status_for(hazard, world.officer) == status
    page = login(manager).get("/hazards").get_data(as_text=True)
    assert OUTSIDER_STATUS[status] in page
    assert str(status) not in page.split("<tbody", 1)[-1]
    staff = login(world.officer).get("/hazards").get_data(as_text=True)
    assert str(status) in staff.split("<tbody", 1)[-1]


def test_ordinary_statuses_read_the_same_to_everyone(world, make_hazard):
    hazard = make_hazard()
    hazard.status = HazardStatus.RECTIFYING
    assert status_for(hazard, world.manager_a) == status_for(hazard, world.officer) == "整改中"
