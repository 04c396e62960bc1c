"""Rows the 分类分级 tests need: inspections of any source and state (the cap counts them), accidents,
penalty decisions and listings in force, written as rows (the classification only reads them)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from app import clock
from app.cases.models import CaseStatus, Outcome, PenaltyCase
from app.credit.models import ListingStatus
from app.credit.models.accident import Accident
from app.extensions import db as _db
from app.inspections.models import Inspection, InspectionSource, InspectionStatus
from tests.factories.credit import new_listing

_seq = itertools.count(1)


def add_inspection(
    world,
    enterprise,
    *,
    source=InspectionSource.PLAN,
    status=InspectionStatus.PLANNED,
    year: int | None = None,
    counts: bool | None = None,
) -> Inspection:
    year = year or clock.today().year
    row = Inspection(
        code=f"JC{year}{next(_seq):05d}",
        source=source,
        enterprise_id=enterprise.id,
        region_path=enterprise.region_path,
        agency_id=world.bureau.id,
        created_by_id=world.officer.id,
        lead_officer_id=world.officer.id,
        planned_on=date(year, 6, 1),
        status=status,
        cap_year=year,
        counts_against_cap=(source != InspectionSource.REPORT) if counts is None else counts,
    )
    _db.session.add(row)
    _db.session.flush()
    return row


def add_accident(world, enterprise, *, level="较大", occurred_on: date) -> Accident:
    row = Accident(
        enterprise_id=enterprise.id,
        region_path=enterprise.region_path,
        agency_id=world.bureau.id,
        name=f"{enterprise.name}{occurred_on.isoformat()}{level}事故",
        occurred_on=occurred_on,
        level=level,
        deaths=3 if level != "一般" else 1,
        recorded_by_id=world.officer.id,
    )
    _db.session.add(row)
    _db.session.flush()
    return row


def add_penalty(world, enterprise, *, decided_on: date, outcome=Outcome.PENALTY) -> PenaltyCase:
    row = PenaltyCase(
        agency_id=world.bureau.id,
        region_path=enterprise.region_path,
        enterprise_id=enterprise.id,
        name=f"{enterprise.name}涉嫌违法案{next(_seq)}",
        source="执法检查",
        facts="未如实记录隐患排查治理情况",
        provisions="《中华人民共和国安全生产法》第四十一条",
        act_date=decided_on,
        submitted_on=decided_on,
        filed_on=decided_on,
        status=CaseStatus.CLOSED,
        outcome=outcome,
        decided_on=decided_on,
    )
    _db.session.add(row)
    _db.session.flush()
    return row


def list_enterprise(world, enterprise):
    """A listing in force (已列入) of the enterprise itself (第九项)."""
    listing = new_listing(world, enterprise=enterprise, term_start=clock.today(), decided_on=clock.today())
    listing.status = ListingStatus.LISTED
    _db.session.flush()
    return listing


@pytest.fixture
def classify_rows(db, world, frozen):
    """The helpers above, bound to the world."""

    class Rows:
        inspection = staticmethod(lambda ent, **kw: add_inspection(world, ent, **kw))
        accident = staticmethod(lambda ent, **kw: add_accident(world, ent, **kw))
        penalty = staticmethod(lambda ent, **kw: add_penalty(world, ent, **kw))
        listing = staticmethod(lambda ent: list_enterprise(world, ent))

    return Rows
