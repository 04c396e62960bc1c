"""双随机 fixtures: a published 随机抽查事项, and batches defined (草稿), committed and drawn through the
operations by the world's section head."""

from __future__ import annotations

from datetime import date

import pytest

from app.inspections.operations import draw as ops

DRAW_PLANNED_ON = date(2026, 11, 9)  # a Monday after the frozen START (2026-11-02)


def batch_data(item, **over) -> dict:
    data = {
        "title": "2026年第四季度危化、工贸企业双随机抽查",
        "item_id": item.id,
        "industries": [],
        "towns": "",
        "classes": [],
        "strata": [{"industry": None, "town": None, "count": 2}],
        "inspectors_per_target": 2,
        "exclude_recent_days": 90,
        "exclude_at_cap": True,
        "planned_on": DRAW_PLANNED_ON.isoformat(),
        "due_on": date(2026, 11, 30).isoformat(),
    }
    data.update(over)
    return data


@pytest.fixture
def spot_item(db, world, frozen):
    item = ops.create_item(
        {
            "code": "AJ-001",
            "name": "危险化学品、工贸企业安全生产监督检查",
            "basis": "《中华人民共和国安全生产法》第六十二条、第六十五条",
            "subject_scope": "辖区内危险化学品、工贸企业",
            "method": "现场检查",
            "ratio": "按分层设定，不低于5%",
            "frequency": "每季度一次",
        },
        actor=world.section_head,
    )
    ops.publish_item(item, actor=world.section_head)
    db.session.commit()
    return item


@pytest.fixture
def new_batch(db, world, frozen, spot_item):
    """new_batch(stage="draft"|"committed"|"drawn", **data) -> DrawBatch"""

    def make(stage: str = "draft", **over):
        batch = ops.create_batch(batch_data(spot_item, **over), actor=world.section_head)
        if stage in ("committed", "drawn"):
            ops.commit_batch(batch, {}, actor=world.section_head)
        if stage == "drawn":
            ops.draw_batch(batch, {}, actor=world.section_head)
        db.session.commit()
        return batch

    return make
