"""How an inspection is named on shared pages (helper "web"): its subject registration (label, name, the
summary on the generic task page, the audit trail's scope — another county's officer and an enterprise see
none of ours), the enterprise's progress (nothing before the team arrived), and the field labels taken from
the tables' comments."""

from __future__ import annotations

from datetime import date

from flask import render_template

from app import subjects, ui
from app.extensions import db
from app.inspections import labels, view
from app.inspections.models import Inspection, InspectionStatus
from tests.factories.db import commit
from tests.factories.inspections_web import inspection_at


def _scoped_ids(user) -> set[int]:
    v = subjects.view_of("inspections")
    return set(db.session.scalars(v.scope(user)))


def test_the_subject_is_registered_and_scoped(app, world):
    planned = inspection_at(world, InspectionStatus.PLANNED, planned_on=date(2026, 5, 6))
    done = inspection_at(world, InspectionStatus.DONE, planned_on=date(2026, 5, 6))
    other = inspection_at(
        world, InspectionStatus.DONE, enterprise=world.ent_other, planned_on=date(2026, 5, 6)
    )
    commit()
    v = subjects.view_of(subjects.type_of(Inspection))
    assert v is not None and v.label == "监督检查"
    assert v.name(db.session.get(Inspection, done.id)) == f"{done.code} {world.ent_a.name}"
    assert _scoped_ids(world.officer) == {planned.id, done.id}
    assert _scoped_ids(world.other_officer) == {other.id}
    assert _scoped_ids(world.manager_a) == {done.id}  # never the planned one
    assert _scoped_ids(world.manager_b) == set()
    with app.test_request_context():
        html = render_template(v.summary_template, subject=db.session.get(Inspection, done.id))
    assert done.code in html and "王执法（34130001）" in html


def test_the_enterprise_reads_its_progress_from_the_arrival_on(world):
    made = {s: inspection_at(world, s, planned_on=date(2026, 5, 6)) for s in InspectionStatus}
    commit()
    assert view.outsider_progress(made[InspectionStatus.PLANNED]) == []
    assert view.outsider_progress(made[InspectionStatus.PENDING_APPROVAL]) == []
    assert view.outsider_progress(made[InspectionStatus.CANCELLED]) == []
    on_site = [s.label for s in view.outsider_progress(made[InspectionStatus.ON_SITE])]
    assert on_site == ["执法人员到场检查", "现场检查进行中"]
    handling = view.outsider_progress(made[InspectionStatus.HANDLING])
    assert handling[1].note.startswith("现场检查记录 （萧）应急检记") and handling[-1].state == "current"
    assert view.outsider_progress(made[InspectionStatus.DONE])[-1].label == "检查办结"


def test_field_labels_come_from_the_column_comments(app):
    got = labels.field_labels()
    assert got["over_cap_reason"] == "超出上限检查的理由"
    assert got["record_no"] == "现场检查记录文号"
    assert got["code"] == "编号"  # a name other tables share keeps its general word
    assert ui.field_label("status") == "状态"  # never overwritten
    assert ui.field_label("planned_on") == "计划检查日期"
