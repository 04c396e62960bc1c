"""Inspections built directly at a given stage — no workflow — for the read side (helper "web": scope, list,
API, ledger, statistics). The steps' own journeys go through the real operations (the other areas' tests).

    inspection_at(world, status=InspectionStatus.PLANNED, *, enterprise=None, planned_on=None,
                  members=None, **columns) -> Inspection
    finding_at(inspection, level="一般", **columns) -> Finding
    class_at(enterprise, year, klass="B", cap=2) -> EnterpriseClass
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from app import clock
from app.extensions import db
from app.inspections.models import (
    EnterpriseClass,
    Finding,
    Inspection,
    InspectionMember,
    InspectionSource,
    InspectionStatus,
)

_serial = count(1)
STARTED = (InspectionStatus.ON_SITE, InspectionStatus.HANDLING, InspectionStatus.DONE)


def inspection_at(
    world,
    status: InspectionStatus = InspectionStatus.PLANNED,
    *,
    enterprise=None,
    planned_on: date | None = None,
    members=None,
    **columns,
) -> Inspection:
    """An inspection as the workflow leaves it at `status` (the times that stage has set)."""
    e = enterprise or world.ent_a
    other = e is world.ent_other
    day = planned_on or clock.today() - timedelta(days=10)
    team = members or ([world.other_officer] if other else [world.officer, world.officer2])
    n = next(_serial)
    values: dict = dict(
        code=f"JC{day.year}{n:06d}",
        source=InspectionSource.PLAN,
        source_ref=f"{day.year}年度监督检查计划",
        enterprise_id=e.id,
        region_path=e.region_path,
        agency_id=(world.other_bureau if other else world.bureau).id,
        created_by_id=team[0].id,
        lead_officer_id=team[0].id,
        planned_on=day,
        status=status,
        cap_year=day.year,
    )
    if status in STARTED:
        start = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
        values.update(started_at=start, credentials_shown_at=start, recusal_explained_at=start)
    if status in (InspectionStatus.HANDLING, InspectionStatus.DONE):
        values.update(
            ended_at=datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC),
            record_no=f"（萧）应急检记〔{day.year}〕{n}号",
        )
    if status == InspectionStatus.DONE:
        values.update(completed_on=day + timedelta(days=5))
    if status == InspectionStatus.CANCELLED:
        values.update(cancelled_reason="企业已停产")
    values.update(columns)
    insp = Inspection(**values)
    for i, user in enumerate(team):
        insp.members.append(
            InspectionMember(user_id=user.id, role="主办" if i == 0 else "组员", cert_no=user.cert_no)
        )
    db.session.add(insp)
    db.session.flush()
    return insp


def finding_at(inspection: Inspection, level: str = "一般", **columns) -> Finding:
    seq = 1 + (db.session.query(Finding).filter(Finding.inspection_id == inspection.id).count())
    values: dict = dict(
        inspection_id=inspection.id,
        seq=seq,
        location="二号车间",
        description="粉尘清扫制度未落实",
        provision="《工贸企业粉尘防爆安全规定》第十二条",
        level=level,
        recorded_by_id=inspection.lead_officer_id,
    )
    values.update(columns)
    f = Finding(**values)
    db.session.add(f)
    db.session.flush()
    return f


def class_at(enterprise, year: int, klass: str = "B", cap: int = 2) -> EnterpriseClass:
    ec = EnterpriseClass(
        enterprise_id=enterprise.id,
        year=year,
        region_path=enterprise.region_path,
        sector="非高危",
        computed_class=klass,
        klass=klass,
        max_inspections=cap,
        planned_frequency=1,
        rule_version="test",
    )
    db.session.add(ec)
    db.session.flush()
    return ec
