"""Hazard factories: register hazards and issue their 指令书 (make_order / make_hazard), and the data of
each step as the operations take it (rect_data, review_data) or as a browser posts it
(rectification_form). Steps are walked at the operation level, as the pages and the task page do."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest

from app import clock, workflow
from app.hazards import operations as ops
from app.hazards.models import Hazard, RectificationOrder
from tests.factories.files import JPEG


def hazard_data(world, **kw) -> dict:
    data = {
        "enterprise_id": world.ent_a.id,
        "source": "执法检查",
        "found_on": clock.today(),
        "location": "二车间配电室",
        "description": "配电箱前堆放杂物，未保持通道畅通",
        "category": "物",
        "level": "一般",
        "criterion_code": None,
        "provision": "《中华人民共和国安全生产法》第三十六条第一款",
        "requirement": "清理杂物，设置警示标志",
        "deadline": clock.today() + timedelta(days=7),
        "photos": [],
    }
    data.update(kw)
    return data


@pytest.fixture
def make_order(db, world, frozen, upload):
    """Register hazards (list of overrides) for one enterprise and issue the 指令书; returns the order."""

    def _make(*items: dict, officer=None, co=None, issue: bool = True) -> RectificationOrder:
        officer = officer or world.officer
        items = items or ({},)
        hazards = []
        for kw in items:
            kw = dict(kw)
            if "photos" not in kw:
                kw["photos"] = [upload(officer)]
            hazards.append(ops.register_hazard(hazard_data(world, **kw), actor=officer))
        order = hazards[0].order
        if issue:
            ops.issue_order(
                order,
                {
                    "co_officer_id": (co or world.officer2).id,
                    "inspection_record_no": "（萧）应急检记〔2026〕1号",
                    "interim_measures": "整改期间落实临时管控措施",
                },
                actor=officer,
            )
        db.session.commit()
        return order

    return _make


@pytest.fixture
def make_hazard(make_order):
    def _make(**kw) -> Hazard:
        return make_order(kw).hazards[0]

    return _make


def ready(hazard: Hazard) -> list[str]:
    """The BPMN ids of the hazard's READY tasks."""
    return workflow.ready_task_names(workflow.instance_for(hazard))


def ready_task(hazard: Hazard, bpmn_id: str):
    """The hazard's READY task with this BPMN id (its HumanTask row)."""
    return next(t for t in workflow.ready_tasks(workflow.instance_for(hazard)) if t.bpmn_id == bpmn_id)


def rectification_form(**extra) -> dict:
    """The 企业整改 form as a browser posts it (multipart: a fresh photo each call)."""
    today = clock.today().isoformat()
    return {
        "action": "rectified",
        "responsible_person": "张工",
        "measures": "清理杂物，划设警示线",
        "funds": "0.5",
        "planned_date": today,
        "completed_on": today,
        "emergency_measures": "专人巡查",
        "after_photos": (io.BytesIO(JPEG), "整改后.jpg", "image/jpeg"),
        **extra,
    }


def rect_data(upload, actor, **kw) -> dict:
    data = {
        "action": "rectified",
        "responsible_dept": "设备科",
        "responsible_person": "张工",
        "measures": "清理杂物，划设警示线",
        "funds": Decimal("0.50"),
        "planned_date": clock.today(),
        "completed_on": clock.today(),
        "emergency_measures": "设专人巡查",
        "after_photos": [upload(actor)],
        "documents": [],
        "remarks": "",
    }
    data.update(kw)
    return data


def review_data(world, **kw) -> dict:
    data = {
        "reviewed_on": clock.today(),
        "co_reviewer_id": world.officer2.id,
        "result": "已整改",
        "opinion": "经现场复查，已整改到位",
        "evidence": [],
        "decision": "close",
        "new_deadline": None,
        "facts": None,
    }
    data.update(kw)
    return data
