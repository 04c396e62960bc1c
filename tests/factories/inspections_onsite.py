"""Inspections for the on-site tests: created through the operation (the cap counted, the workflow started),
and a helper that runs one to a given step."""

from __future__ import annotations

from datetime import date

import pytest

from app.inspections.models import InspectionSource
from app.inspections.operations import inspection as ops

PLANNED_ON = date(2026, 11, 4)  # a Wednesday after the frozen START (2026-11-02)


def inspection_data(world, **over) -> dict:
    data = {
        "source": InspectionSource.PLAN,
        "source_ref": "2026年度监督检查计划",
        "planned_on": PLANNED_ON.isoformat(),
        "lead_officer_id": world.officer.id,
        "member_ids": [world.officer.id, world.officer2.id],
        "checklist_code": "confined_space",
    }
    data.update(over)
    return data


@pytest.fixture
def new_inspection(db, world, frozen):
    """new_inspection(enterprise=None, actor=None, approved_over_cap_by=None, **data) -> Inspection"""

    def make(enterprise=None, actor=None, approved_over_cap_by=None, **over):
        return ops.create_inspection(
            enterprise or world.ent_a,
            inspection_data(world, **over),
            actor=actor or world.officer,
            approved_over_cap_by=approved_over_cap_by,
        )

    return make
