"""Hazard fixtures: a frozen clock, uploaded photos, and factories that register + issue 指令书 and walk a
hazard through its steps at the operation level (what the pages and the generic task page call)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from werkzeug.datastructures import FileStorage

from app import attachments, clock, workflow
from app.extensions import db as _db
from app.hazards import operations as ops
from app.hazards.models import Hazard, RectificationOrder

START = date(2026, 11, 2)  # Monday; clock.freeze(date) = 09:00 China time
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"jpeg-body" * 50
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def frozen():
    clock.freeze(START)
    return clock


def at(d: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=clock.TZ)


def tick_at(d: date | datetime, hour: int = 9) -> int:
    """Move the clock and fire due timers (commits, like the worker)."""
    when = d if isinstance(d, datetime) else at(d, hour)
    clock.freeze(when)
    fired = workflow.tick()
    _db.session.expire_all()
    return fired


@pytest.fixture
def upload(db):
    def _upload(actor, data: bytes = JPEG, name: str = "照片.jpg", mime: str = "image/jpeg") -> int:
        att = attachments.store(
            FileStorage(stream=io.BytesIO(data), filename=name, content_type=mime), actor=actor
        )
        return att.id

    return _upload


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


def commit():
    _db.session.commit()
    _db.session.expire_all()
