"""Inspection results factories: an inspection whose on-site record is issued (status 待处理 by default), with
its team (officer as lead, officer2) and findings, built directly with the models — the results part needs an
inspection after the visit, whatever produced it. `finding(**kw)` gives one finding's overrides."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest

from app import clock
from app.extensions import db as _db
from app.inspections.models import Finding, Inspection, InspectionMember

_serial = count(1)


def finding(**kw) -> dict:
    data = {
        "location": "二车间配电室",
        "description": "配电箱前堆放杂物，未保持通道畅通",
        "provision": "《中华人民共和国安全生产法》第三十六条第一款",
        "level": "一般",
        "deadline": clock.today() + timedelta(days=7),
    }
    data.update(kw)
    return data


@pytest.fixture
def results_inspection(db, world, frozen):
    """results_inspection(*findings, source=, status=, record_no=, enterprise=, members=) -> Inspection."""

    def _make(
        *findings: dict,
        source: str = "执法检查",
        status: str = "待处理",
        record_no: str | None = "（萧）应急检记〔2026〕7号",
        enterprise=None,
        members=None,
    ) -> Inspection:
        ent = enterprise or world.ent_a
        team = members or [world.officer, world.officer2]
        n = next(_serial)
        insp = Inspection(
            code=f"JC2026{n:06d}",
            source=source,
            mode="常规检查",
            enterprise_id=ent.id,
            region_path=ent.region_path,
            agency_id=world.bureau.id,
            created_by_id=team[0].id,
            lead_officer_id=team[0].id,
            planned_on=clock.today(),
            cap_year=clock.today().year,
            counts_against_cap=source != "举报",
            status=status,
            started_at=clock.now() if status not in ("待检查", "待审批") else None,
            record_no=record_no,
        )
        insp.members = [
            InspectionMember(user_id=u.id, role="主办" if i == 0 else "组员", cert_no=u.cert_no)
            for i, u in enumerate(team)
        ]
        _db.session.add(insp)
        _db.session.flush()
        for seq, kw in enumerate(findings, start=1):
            _db.session.add(
                Finding(inspection_id=insp.id, seq=seq, recorded_by_id=team[0].id, **finding(**kw))
            )
        _db.session.commit()
        return insp

    return _make


@pytest.fixture
def inspection_at_results(db, world, frozen):
    """inspection_at_results(*findings, source=) -> an inspection created through create_inspection (its workflow
    started), walked to handle_results: the on-site steps completed at the engine (whatever operations they are
    bound to), the record issued, the findings added."""
    from app import workflow
    from app.inspections.operations.inspection import create_inspection
    from tests.factories.inspections_onsite import inspection_data

    def _make(*findings: dict, source: str = "年度计划") -> Inspection:
        insp = create_inspection(world.ent_a, inspection_data(world, source=source), actor=world.officer)
        inst = workflow.instance_for(insp)
        for bpmn_id in ("prepare_scheme", "onsite_record"):
            task = next((t for t in workflow.ready_tasks(inst) if t.bpmn_id == bpmn_id), None)
            if task is not None:
                workflow.complete_task(task, {}, actor=world.officer)
        insp.started_at = clock.now()
        insp.record_no = f"（萧）应急检记〔2026〕{insp.id}号"
        for seq, kw in enumerate(findings, start=1):
            _db.session.add(
                Finding(inspection_id=insp.id, seq=seq, recorded_by_id=world.officer.id, **finding(**kw))
            )
        _db.session.commit()
        assert insp.status == "待处理", insp.status
        return insp

    return _make
