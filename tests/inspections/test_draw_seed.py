"""The demo's 双随机 part: a drawn batch (seed public, inspections created, the replay matching) and a
committed one (seed secret)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.inspections.models import DrawBatch, DrawStatus, Inspection, InspectionSource
from app.inspections.operations import draw as ops
from app.seed import seed_demo


def test_demo_has_a_committed_and_a_drawn_batch(app):
    ctx = seed_demo()
    db.session.commit()
    assert "draw" in ctx["inspections_seeded"]["areas"]
    batches = {b.status: b for b in db.session.scalars(select(DrawBatch))}
    drawn, committed = batches[DrawStatus.DRAWN], batches[DrawStatus.COMMITTED]
    assert drawn.targets and all(t.inspection_id for t in drawn.targets)
    insp = db.session.get(Inspection, drawn.targets[0].inspection_id)
    assert insp.source == InspectionSource.RANDOM and insp.source_ref == drawn.number
    outcome = ops.replay(ops.published_inputs(drawn), published=drawn)
    assert outcome.ok and sorted(c["kind"] for c in outcome.changes) == ["回避替换", "补抽"]
    assert ops.published_inputs(committed)["seed"] == "" and committed.seed_commitment
