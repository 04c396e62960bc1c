"""The plan's 一般检查 quotas and the 双随机 batches they become (issue #12 journeys 2 and 6):

- the monthly sweep (and the approval, for the current month) turns an approved plan month's 一般 quotas into
  that month's 双随机 batch DRAFT — strata = the quotas by industry × town, owned by the plan's agency and
  region, linked by plan_id/plan_month, the draw_batch workflow started — once (idempotent, also across an
  amendment); the section head commits and draws it as any batch;
- the plan's progress counts, for 一般, the inspections those batches drew that are done (已完成 or 待处理),
  for 重点 the plan's own; every number links to the inspection list (plan=, kind=, status=done) showing
  exactly those rows;
- the public batch record gives each drawn target its 结果公示期限 and its state (已公示 with the entry /
  逾期未公示 / 未到期), no login.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import date
from urllib.parse import unquote

import pytest

from app import clock, publication, workflow
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.inspections.models import DrawBatch, Inspection, InspectionSource, InspectionStatus, PlanStatus
from app.inspections.models.draw import DrawStatus
from app.inspections.operations import draw as draw_ops
from app.inspections.operations import plan as ops
from app.inspections.operations import results
from tests.factories.clock import at

LINK = re.compile(r'<a[^>]*href="(/inspections/\?[^"]*)"[^>]*>\s*([0-9]+)\s*</a>')
TOTAL = re.compile(r'data-testid="total">共 (\S+) 条')


def _links(html: str) -> list[tuple[str, int]]:
    return [(unquote(htmllib.unescape(href)), int(n)) for href, n in LINK.findall(html)]


def _total(client, href: str) -> int:
    page = client.get(href)
    assert page.status_code == 200, href
    return int(TOTAL.search(page.get_data(as_text=True)).group(1))


def sweep_on(d: date) -> str | None:
    clock.freeze(at(d))
    message = ops.sweep_plans()
    db.session.commit()
    return message


@pytest.fixture
def december(make_plan, world, spot_item):
    """The county's 2026 plan approved on 2026-11-02 (November: ent_a2's 重点 inspection; December: the
    一般 quota 龙城镇 工贸 ×1), then the December sweep."""
    w = make_plan(2026).submit().approve()
    assert ops.month_batch(w.plan, 11) is None  # no 一般 quota in November
    assert sweep_on(date(2026, 12, 1)) == "按年度监督检查计划生成12月一般检查双随机批次草稿1个"
    return w


def test_the_sweep_makes_the_months_batch_draft_once(december, world, spot_item):
    plan = december.plan
    batch = ops.month_batch(plan, 12)
    assert batch is not None and batch.status == DrawStatus.DRAFT and batch.number is None
    assert (batch.plan_id, batch.plan_month) == (plan.id, 12)
    assert (batch.agency_id, batch.region_path) == (plan.agency_id, plan.region_path)
    assert batch.strata == [{"industry": "工贸", "town": world.town_a.name, "count": 1, "ratio": None}]
    assert batch.filters == {"industries": ["工贸"], "towns": [world.town_a.name], "classes": []}
    assert batch.item_id == spot_item.id  # the jurisdiction's published 事项
    assert (batch.planned_on, batch.due_on) == (date(2026, 12, 1), date(2026, 12, 31))
    inst = workflow.instance_for(batch, draw_ops.PROCESS)
    assert [t.bpmn_id for t in workflow.ready_tasks(inst)] == ["commit_batch"]
    # idempotent: the same day, later in the month
    assert sweep_on(date(2026, 12, 1)) is None
    assert sweep_on(date(2026, 12, 15)) is None
    assert db.session.query(DrawBatch).filter_by(plan_id=plan.id).count() == 1
    assert ops.plan_batches(plan) == [batch]


def test_an_amendment_does_not_make_the_month_again(december, world):
    v2 = december.amend("调整一般检查配额")
    v2.submit().approve()
    assert v2.plan.status == PlanStatus.APPROVED
    assert ops.month_batch(v2.plan, 12).plan_id == december.plan.id  # the batch of the version it amends
    assert sweep_on(date(2026, 12, 2)) is None
    assert db.session.query(DrawBatch).count() == 1
    assert ops.plan_batches(v2.plan) == ops.plan_batches(december.plan)


def test_no_batch_for_a_plan_not_approved_or_of_another_year(make_plan, world):
    w = make_plan(2027)  # 草稿: February holds the 一般 quota
    assert ops.create_month_batch(w.plan, date(2027, 2, 1)) is None
    w.submit().approve()
    assert ops.create_month_batch(w.plan, date(2026, 2, 1)) is None  # not the plan's year
    assert ops.create_month_batch(w.plan, date(2027, 3, 1)) is None  # March: no 一般 quota
    assert db.session.query(DrawBatch).count() == 0


def test_without_a_published_item_the_draft_waits_for_one(make_plan, world):
    w = make_plan(2026).submit().approve()
    clock.freeze(at(date(2026, 12, 1)))
    batch = ops.create_month_batch(w.plan, clock.today())
    db.session.commit()
    assert batch is not None and batch.item_id is None
    with pytest.raises(ValidationFailed) as exc:  # never committed without its 抽查事项
        draw_ops.commit_batch(batch, {}, actor=world.section_head)
    assert "抽查事项" in str(exc.value.field_errors)


def test_the_batch_is_drawn_as_usual_and_fills_the_progress(december, world, login):
    plan = december.plan
    batch = ops.month_batch(plan, 12)
    with pytest.raises(PermissionDenied):  # an officer does not commit it
        draw_ops.commit_batch(batch, {}, actor=world.officer)
    db.session.rollback()
    draw_ops.commit_batch(batch, {}, actor=world.section_head)
    draw_ops.draw_batch(batch, {}, actor=world.section_head)
    db.session.commit()
    [target] = batch.targets
    assert target.enterprise_id == world.ent_a.id  # 龙城镇 工贸: the quota's stratum
    drawn = db.session.get(Inspection, target.inspection_id)
    assert drawn.source == InspectionSource.RANDOM and drawn.planned_on == date(2026, 12, 1)

    p = ops.progress(plan)
    assert (p.general[12].planned, p.general[12].done) == (1, 0)  # 待检查: not done
    drawn.status = InspectionStatus.HANDLING  # visited, record signed: done for the plan
    key = db.session.get(Inspection, next(i.inspection_id for i in plan.items if i.is_key))
    key.status = InspectionStatus.DONE
    db.session.commit()
    p = ops.progress(plan)
    assert (p.general[12].planned, p.general[12].done, p.general[12].rate) == (1, 1, 100)
    assert (p.key[11].planned, p.key[11].done) == (1, 1)
    assert p.by_town[world.town_a.id].done == 2 and p.by_industry["工贸"].done == 1

    # the plan page and the batch page link each other
    head = login(world.section_head)
    page = head.get(f"/inspections/plans/{plan.id}?month=12").get_data(as_text=True)
    assert f'href="/inspections/draws/{batch.id}"' in page and 'data-testid="month-batch"' in page
    page = head.get(f"/inspections/draws/{batch.id}").get_data(as_text=True)
    assert 'data-testid="draw-plan"' in page and f"/inspections/plans/{plan.id}?month=12" in page


@pytest.mark.parametrize("who", ["section_head", "officer", "supervisor"])
def test_every_progress_number_equals_the_list_it_links_to(december, world, login, who):
    plan = december.plan
    batch = ops.month_batch(plan, 12)
    draw_ops.commit_batch(batch, {}, actor=world.section_head)
    draw_ops.draw_batch(batch, {}, actor=world.section_head)
    drawn = db.session.get(Inspection, batch.targets[0].inspection_id)
    drawn.status = InspectionStatus.DONE
    # a done 双随机 inspection of the county drawn by no batch of the plan: not the plan's
    stray = Inspection(
        code="JC2026999990", source=InspectionSource.RANDOM, enterprise_id=world.ent_b.id,
        region_path=world.ent_b.region_path, agency_id=world.bureau.id, created_by_id=world.officer.id,
        lead_officer_id=world.officer.id, planned_on=date(2026, 12, 3), status=InspectionStatus.DONE,
        cap_year=2026,
    )  # fmt: skip
    db.session.add(stray)
    db.session.commit()
    c = login(getattr(world, who))
    page = c.get(f"/inspections/plans/{plan.id}/progress")
    assert page.status_code == 200
    links = _links(page.get_data(as_text=True))
    assert len(links) >= 4  # 11月 重点, 12月 一般, 龙城镇, 工贸 (and 危险化学品)
    assert any(n == 1 and "kind=一般" in href for href, n in links)
    for href, n in links:
        assert f"plan={plan.id}" in href and "status=done" in href and "year=2026" in href, href
        assert _total(c, href) == n, href
    listed = c.get(f"/inspections/?plan={plan.id}&kind=一般&status=done&year=2026&month=12")
    body = listed.get_data(as_text=True)
    assert drawn.code in body and stray.code not in body


def test_the_list_filters_plan_kind_and_done(december, world, login):
    plan = december.plan
    key_id = next(i.inspection_id for i in plan.items if i.is_key)
    head = login(world.section_head)
    assert _total(head, f"/inspections/?plan={plan.id}") == 1  # the 重点 one; the batch not drawn yet
    assert _total(head, f"/inspections/?plan={plan.id}&kind=重点") == 1
    assert _total(head, f"/inspections/?plan={plan.id}&kind=一般") == 0
    assert _total(head, f"/inspections/?plan={plan.id}&status=done") == 0
    db.session.get(Inspection, key_id).status = InspectionStatus.HANDLING
    db.session.commit()
    assert _total(head, f"/inspections/?plan={plan.id}&status=done") == 1
    assert _total(head, "/inspections/?status=done") == 1
    assert head.get(f"/inspections/?plan={plan.id}&kind=其他").status_code == 422
    assert head.get("/inspections/?plan=abc").status_code == 422
    # another county's officer: the filter narrows their own scope, never widens it
    other = login(world.other_officer)
    assert _total(other, f"/inspections/?plan={plan.id}") == 0
    api = head.api("GET", f"/api/v1/inspections?plan={plan.id}&status=done")
    assert api.status_code == 200


def _public(app):
    return app.test_client()  # no login


def test_public_record_shows_each_targets_result_deadline_and_state(new_batch, world, app):
    batch = new_batch("drawn")
    targets = list(batch.targets)
    assert len(targets) == 2
    first, second = (db.session.get(Inspection, t.inspection_id) for t in targets)
    anon = _public(app)
    draft = new_batch("draft")  # a draft is no public record
    assert anon.get(f"/gongshi/draws/{draft.id}").status_code == 404
    html = anon.get(f"/gongshi/draws/{batch.id}").get_data(as_text=True)
    assert html.count("检查后20个工作日内") == 2 and html.count("未到期") == 2  # not visited yet
    # both visited on 11-09, due 20 working days later; the second published on 11-16, the first not
    clock.freeze(at(date(2026, 11, 16)))
    first.result_publish_due = results.result_due(first)
    second.result_publish_due = results.result_due(second)
    entry = publication.publish(
        second, results.RESULT_KIND,
        results.result_fields(second, results.RESULT_NONE, results.default_check_items(second)),
        region_path=second.region_path, agency=second.agency, decided_on=second.planned_on,
        due_on=second.result_publish_due, actor=world.officer,
    )  # fmt: skip
    second.result_published_on = entry.published_on
    db.session.commit()
    html = anon.get(f"/gongshi/draws/{batch.id}").get_data(as_text=True)
    assert first.result_publish_due.isoformat() in html
    assert f'href="/gongshi/{entry.id}"' in html and "已公示" in html
    assert "逾期未公示" not in html  # not yet due
    clock.freeze(at(date(2027, 1, 4)))
    html = anon.get(f"/gongshi/draws/{batch.id}").get_data(as_text=True)
    row = html[html.index(f'data-testid="public-target-{targets[0].id}"') :]
    row = row[: row.index("</tr>")]
    assert "逾期未公示" in row and "text-danger" in row
    states = results.public_result_states([first, second])
    assert states[first.id].state == "overdue" and states[second.id].state == "published"
    assert states[second.id].publication_id == entry.id and states[second.id].late is False
    # cancelled: no deadline to keep
    first.status = InspectionStatus.CANCELLED
    assert results.public_result_states([first])[first.id].state == "cancelled"
