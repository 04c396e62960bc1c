"""统计分析 panel of the penalty cases: figures from the demo cases, scoped to the viewer, filtered, bounded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.models import User
from app.auth.roles import Role
from app.cases import stats
from app.cases.models import CaseStatus, LegalReview, PenaltyCase
from app.extensions import db
from app.org.models import Department, Region
from app.seed import seed_demo

EARLY = MultiDict({"filed_from": "2000-01-01"})


@pytest.fixture
def demo(app):
    ctx = seed_demo()
    db.session.commit()
    return ctx


def filters(**kw):
    return stats.panel_filters(MultiDict({"filed_from": "2000-01-01", **kw}))[0]


def test_figures_match_the_cases(demo):
    officer = demo["users"]["officer"]
    board = stats.build(officer, filters())
    filed = db.session.scalars(select(PenaltyCase).where(PenaltyCase.filed_on.is_not(None))).all()
    decided = [c for c in filed if c.decided_on]
    t = board.total
    assert t.filed == len(filed) >= 8 and t.decided == len(decided) >= 3
    assert t.closed == sum(1 for c in filed if c.closed_on) >= 3  # paid, 不予处罚, 移送
    assert t.fines == sum((ln.decided_fine or Decimal(0) for c in decided for ln in c.lines), Decimal(0)) > 0
    assert t.avg_days == pytest.approx(sum((c.decided_on - c.filed_on).days for c in decided) / len(decided))
    today = clock.today()
    assert t.unpaid_overdue == sum(
        1 for c in filed if c.payment_due and c.payment_due < today and not c.paid_on
    )
    assert t.unpaid_overdue >= 1  # the demo's overdue payment
    assert t.overdue == sum(1 for c in filed if c.is_overdue)
    # every case is counted once by town and once by industry
    assert sum(f.filed for _n, _p, f in board.by_town) == t.filed
    assert sum(f.filed for _n, f in board.by_industry) == t.filed
    assert {n for n, _f in board.by_industry} == {c.enterprise.industry for c in filed}
    towns = {n for n, _p, _f in board.by_town}
    assert "黄口镇" in towns and "县（区）直属" not in towns


def test_review_workload(demo):
    legal = demo["users"]["legal"]
    w = stats.build(legal, filters()).reviews
    pending = db.session.scalars(select(LegalReview).where(LegalReview.opinion.is_(None))).all()
    assert w.pending == len(pending) >= 1
    assert w.pending_overdue == sum(1 for r in pending if r.due_on < clock.today())
    done = db.session.scalars(select(LegalReview).where(LegalReview.opinion.is_not(None))).all()
    assert w.done == len(done) and w.sent_back >= 1  # the 补充调查 round
    assert w.avg_days == pytest.approx(sum((r.reviewed_on - r.submitted_on).days for r in done) / len(done))


def test_scoped_to_the_viewer(demo):
    city = db.session.scalar(select(Region).where(Region.code == "341300"))
    county = Region(code="341321", name="砀山县", level="county", parent=city, path=city.path + "341321/")
    dept = Department(name="砀山县应急管理局", short_name="砀", kind="局", region=county)
    stranger = User(username="dangshan", name="冯执法", department=dept, cert_no="34132101001")
    stranger.set_roles([Role.OFFICER])
    stranger.set_password("Dangshan@2026x")
    db.session.add_all([county, dept, stranger])
    db.session.commit()
    board = stats.build(stranger, filters())
    assert board.total.filed == 0 and board.by_town == [] and board.reviews.pending == 0
    assert not stats.can_view(demo["users"]["qiye"])  # the panel is for staff
    town_officer = demo["users"]["town_officer"]  # 龙城镇安监站: the town's cases only
    mine = stats.build(town_officer, filters()).total.filed
    town = demo["towns"]["龙城镇"]
    assert mine == len(
        db.session.scalars(
            select(PenaltyCase).where(
                PenaltyCase.filed_on.is_not(None), PenaltyCase.region_path.like(town.path + "%")
            )
        ).all()
    )


def test_filters_narrow_the_figures(demo):
    officer = demo["users"]["officer"]
    everything = stats.build(officer, filters()).total.filed
    chem = stats.build(officer, filters(industry="危险化学品")).total.filed
    assert 0 < chem < everything
    town = demo["towns"]["黄口镇"]
    board = stats.build(officer, filters(town=town.path))
    assert [n for n, _p, _f in board.by_town] == ["黄口镇"]
    recent = (clock.today() - timedelta(days=20)).isoformat()
    assert stats.build(officer, filters(filed_from=recent)).total.filed < everything
    # this year by default; a bad value falls back with its message
    f, error = stats.panel_filters(MultiDict())
    assert f.filed_from == date(clock.today().year, 1, 1) and error is None
    f, error = stats.panel_filters(MultiDict({"filed_from": "2026-13-01"}))
    assert error and f.filed_from == date(clock.today().year, 1, 1)


def test_a_fixed_number_of_statements(demo):
    officer = demo["users"]["officer"]
    assert officer.scope_path  # the user's own rows loaded (after the commit) before counting
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        stats.build(officer, filters())
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(seen) <= 6  # cases, fines, their parties' industries, towns, two for the review workload


def test_the_dashboard_shows_the_panel(demo, login):
    from tests.factories.auth import PASSWORD

    leader = demo["users"]["leader"]
    leader.set_password(PASSWORD)
    db.session.commit()
    page = login(leader).get("/dashboard?filed_from=2000-01-01").get_data(as_text=True)
    assert "行政处罚案件统计" in page and "法制审核工作量" in page
    filed = len(db.session.scalars(select(PenaltyCase).where(PenaltyCase.filed_on.is_not(None))).all())
    assert f'data-testid="cases-filed">{filed}<' in page
    assert "/cases/?" in page and "status=%E6%B3%95%E5%88%B6%E5%AE%A1%E6%A0%B8" in page  # 待审核 → the list
    assert CaseStatus.LEGAL_REVIEW == "法制审核"
