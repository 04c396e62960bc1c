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
        origin = drawn_target(world) if source == "双随机" else None
        insp = create_inspection(
            world.ent_a, inspection_data(world, source=source), actor=world.officer, origin=origin
        )
        if origin is not None:
            origin.inspection_id = insp.id
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


def drawn_target(world):
    """A 双随机 batch already drawn, with world.ent_a drawn (officer leading, officer2): the origin a 双随机
    inspection is created from (create_inspection refuses the source without it)."""
    from app.inspections.models.draw import DrawBatch, DrawStatus, DrawTarget

    team = [world.officer.id, world.officer2.id]
    batch = DrawBatch(
        number=f"双随机〔2026〕{next(_serial)}号",
        title="2026年双随机抽查",
        agency_id=world.bureau.id,
        region_path=world.ent_a.region_path,
        planned_on=clock.today(),
        status=DrawStatus.DRAWN,
        created_by_id=world.officer.id,
    )
    target = DrawTarget(enterprise_id=world.ent_a.id, stratum="*", rank=1, team=team)
    batch.targets.append(target)
    _db.session.add(batch)
    _db.session.flush()
    return target


@pytest.fixture
def recorded_inspection(db, world, frozen):
    """recorded_inspection(*problems) -> an inspection taken through the on-site operations to its issued
    现场检查记录 (待处理): created, 检查方案, started on site, each problem recorded on a checklist item, the other
    items 符合, the refusal to sign with a witness, the record issued — the page then shows the results part."""
    from app.inspections import checklists
    from app.inspections.operations import inspection as onsite
    from tests.factories.inspections_onsite import answer_all, inspection_data, scheme_data, start_data

    def _make(*problems: dict) -> Inspection:
        today = clock.today().isoformat()
        insp = onsite.create_inspection(
            world.ent_a, inspection_data(world, planned_on=today), actor=world.officer
        )
        onsite.prepare_scheme(insp, scheme_data(scheduled_on=today), actor=world.officer)
        onsite.start_onsite(insp, start_data(world), actor=world.officer)
        items = checklists.find(insp.checklist_code).items
        used = []
        for item, problem in zip(items, problems, strict=False):
            data = {"item_code": item.code, **finding(**problem)}
            if data.get("deadline") is not None:
                data["deadline"] = data["deadline"].isoformat()
            onsite.save_finding(insp, data, actor=world.officer)
            used.append(item.code)
        answer_all(insp, world.officer2, skip=used)
        onsite.refuse_signature(
            insp,
            {"refusal_note": "负责人拒绝签字", "refusal_witness": "村委会主任 刘某"},
            actor=world.officer,
        )
        onsite.issue_record(
            insp, {"summary": "检查了有限空间作业安全管理，发现问题如记录所列。"}, actor=world.officer
        )
        _db.session.commit()
        assert insp.status == "待处理" and insp.record_document_id, insp.status
        return insp

    return _make
