"""The results pages through HTTP: the forms of inspections/_results.html, a rejected form shown again with the
message next to its field and what was typed, denials by route, the section head's open items (scoped, the
overdue 公示 flagged) and the measures an enterprise sees."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.hazards.models import Hazard
from app.inspections.models import OnSiteMeasure
from app.inspections.operations import results as ops


def test_order_form_issues_the_order_and_a_refusal_keeps_what_was_typed(world, results_inspection, login):
    insp = results_inspection({}, {"level": "重大", "criterion_code": "没有这条"})
    a, b = ops.findings_of(insp)
    client = login(world.officer)
    page = client.get(f"/inspections/{insp.id}/results").get_data(as_text=True)
    assert 'data-testid="order-form"' in page and f'name="category-{a.id}"' in page

    r = client.post(
        f"/inspections/{insp.id}/results/order",
        data={f"category-{a.id}": "物", f"category-{b.id}": "管理", f"requirement-{a.id}": "清理通道杂物"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'data-testid="error-criterion_code-{b.id}"' in html  # next to the finding's field
    assert "清理通道杂物" in html  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(Hazard)) == 0

    b.criterion_code = None
    b.level = "一般"
    db.session.commit()
    r = client.post(
        f"/inspections/{insp.id}/results/order",
        data={f"category-{a.id}": "物", f"category-{b.id}": "管理"},
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert insp.order_id is not None
    page = client.get(f"/inspections/{insp.id}/results").get_data(as_text=True)
    assert 'data-testid="order"' in page and 'data-testid="order-form"' not in page


def test_order_form_names_every_missing_category_at_once(world, results_inspection, login):
    """Trial: with two findings and neither category chosen, only the first was flagged; the officer fixed it,
    sent again and only then learnt of the second. Every missing field is named next to itself in one reply."""
    insp = results_inspection({}, {})
    a, b = ops.findings_of(insp)
    client = login(world.officer)
    r = client.post(f"/inspections/{insp.id}/results/order", data={f"requirement-{a.id}": "清理通道杂物"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert f'data-testid="error-category-{a.id}"' in html and f'data-testid="error-category-{b.id}"' in html
    assert "请修改以下2处内容" in html and "清理通道杂物" in html
    assert db.session.scalar(select(func.count()).select_from(Hazard)) == 0


def test_routes_deny_outsiders(world, results_inspection, login):
    insp = results_inspection({"is_violation": True})
    m = ops.issue_measure(
        insp, {"kind": "撤出作业人员", "facts": "有限空间未检测", "scope": "1号池"}, actor=world.officer
    )
    db.session.commit()
    # another county: the inspection does not exist for them
    other = login(world.other_officer)
    assert other.get(f"/inspections/{insp.id}/results").status_code == 404
    assert other.post(f"/inspections/{insp.id}/results/referrals").status_code == 404
    assert other.post(f"/inspections/measures/{m.id}/lift", data={"review": "x"}).status_code == 404
    # another enterprise's account: not found; the enterprise itself may look, never act
    assert login(world.manager_b).get(f"/inspections/{insp.id}/results").status_code == 404
    own = login(world.manager_a)
    assert own.get(f"/inspections/{insp.id}/results").status_code == 200
    assert own.post(f"/inspections/{insp.id}/results/referrals").status_code == 403
    assert own.get("/inspections/open-items").status_code == 403
    # an officer of the team cannot lift a withdrawal of workers: a section head approves it
    assert (
        login(world.officer).post(f"/inspections/measures/{m.id}/lift", data={"review": "已检测"}).status_code
        == 403
    )
    r = login(world.section_head).post(f"/inspections/measures/{m.id}/lift", data={"review": ""})
    assert r.status_code == 422 and f'data-testid="error-review-{m.id}"' in r.get_data(as_text=True)
    r = login(world.section_head).post(
        f"/inspections/measures/{m.id}/lift", data={"review": "复查合格，同意恢复作业"}
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(OnSiteMeasure, m.id).status == "已解除"


def test_enterprise_does_not_see_a_planned_inspection(world, results_inspection, login):
    planned = results_inspection({}, status="待检查", record_no=None)
    assert login(world.manager_a).get(f"/inspections/{planned.id}/results").status_code == 404
    assert login(world.officer).get(f"/inspections/{planned.id}/results").status_code == 200


def test_measure_and_referral_forms(world, results_inspection, login):
    insp = results_inspection({"is_violation": True}, {})
    client = login(world.officer)
    r = client.post(
        f"/inspections/{insp.id}/results/measures", data={"kind": "责令暂时停产停业", "facts": "除尘停用"}
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'data-testid="error-scope"' in html and "除尘停用" in html
    r = client.post(
        f"/inspections/{insp.id}/results/measures",
        data={"kind": "责令暂时停产停业", "facts": "除尘停用", "scope": "抛光车间"},
    )
    assert r.status_code == 303
    r = client.post(f"/inspections/{insp.id}/results/referrals")
    assert r.status_code == 303
    db.session.expire_all()
    (f, _) = ops.findings_of(insp)
    assert f.case_proposal_id is not None
    page = client.get(f"/inspections/{insp.id}/results").get_data(as_text=True)
    assert f'data-testid="outcome-{f.id}"' in page and "待处理" in page
    # the officer can open the 案件线索 the referral made (trial: the row said 待处理 with no way to it)
    assert f'href="/cases/proposals/{f.case_proposal_id}" data-testid="proposal-link-{f.id}"' in page
    assert client.get(f"/cases/proposals/{f.case_proposal_id}").status_code == 200
    # the enterprise reads what it must do, never the agency's pending decision on the violation
    theirs = login(world.manager_a).get(f"/inspections/{insp.id}/results").get_data(as_text=True)
    assert f'data-testid="finding-{f.id}"' in theirs and f'data-testid="outcome-{f.id}"' not in theirs
    assert 'data-testid="measure-form"' not in theirs and 'data-testid="refer-form"' not in theirs
    assert "proposal-link-" not in theirs


def test_open_items_are_scoped_and_flag_an_overdue_result(world, results_inspection, login, frozen):
    insp = results_inspection({"is_violation": True}, source="双随机")
    insp.result_publish_due = clock.today() - timedelta(days=1)  # passed
    on_time = results_inspection(source="双随机")
    on_time.result_publish_due = clock.today() + timedelta(days=5)
    m = ops.issue_measure(insp, {"kind": "立即改正", "facts": "安全出口上锁"}, actor=world.officer)
    far = results_inspection(
        {"is_violation": True}, enterprise=world.ent_other, members=[world.other_officer], source="双随机"
    )
    far.result_publish_due = clock.today() - timedelta(days=3)
    db.session.commit()
    (f,) = ops.findings_of(insp)
    (g,) = ops.findings_of(far)

    page = login(world.section_head).get("/inspections/open-items").get_data(as_text=True)
    assert (
        f'data-testid="open-violation-{f.id}"' in page and f'data-testid="open-violation-{g.id}"' not in page
    )
    assert f'data-testid="open-measure-{m.id}"' in page
    assert f'data-testid="overdue-{insp.id}"' in page and f'data-testid="open-result-{on_time.id}"' in page
    assert (
        f'data-testid="overdue-{on_time.id}"' not in page
        and f'data-testid="open-result-{far.id}"' not in page
    )
    other = login(world.other_officer).get("/inspections/open-items").get_data(as_text=True)
    assert (
        f'data-testid="open-violation-{g.id}"' in other
        and f'data-testid="open-violation-{f.id}"' not in other
    )

    assert f'data-testid="measure-expired-{m.id}"' not in page  # no period set
    # once handled, they leave the list
    ops.lift_measure(m, {"review": "已打开"}, actor=world.officer)
    insp.result_published_on = clock.today()
    db.session.commit()
    page = login(world.section_head).get("/inspections/open-items").get_data(as_text=True)
    assert (
        f'data-testid="open-measure-{m.id}"' not in page
        and f'data-testid="open-result-{insp.id}"' not in page
    )


def test_enterprise_sees_its_own_measures(world, results_inspection, login):
    mine = results_inspection({})
    theirs = results_inspection({}, enterprise=world.ent_b)
    m1 = ops.issue_measure(mine, {"kind": "立即改正", "facts": "安全出口上锁"}, actor=world.officer)
    m2 = ops.issue_measure(theirs, {"kind": "立即改正", "facts": "通道堵塞"}, actor=world.officer)
    db.session.commit()
    menu = login(world.manager_a).get("/inbox").get_data(as_text=True)
    assert 'href="/inspections/measures"' in menu  # the enterprise's menu has its measures
    page = login(world.manager_a).get("/inspections/measures").get_data(as_text=True)
    assert f'data-testid="measure-row-{m1.id}"' in page and f'data-testid="measure-row-{m2.id}"' not in page
    staff = login(world.section_head).get("/inspections/measures?in_force=1").get_data(as_text=True)
    assert f'data-testid="measure-row-{m1.id}"' in staff and f'data-testid="measure-row-{m2.id}"' in staff


def test_a_measure_past_its_period_and_still_in_force_is_flagged(world, results_inspection, login, frozen):
    insp = results_inspection({})
    m = ops.issue_measure(
        insp,
        {
            "kind": "停止使用相关设施设备",
            "facts": "压力容器超期未检",
            "scope": "2号储气罐",
            "until": (clock.today() + timedelta(days=1)).isoformat(),
        },
        actor=world.officer,
    )
    db.session.commit()
    assert f'data-testid="measure-expired-{m.id}"' not in login(world.section_head).get(
        "/inspections/open-items"
    ).get_data(as_text=True)
    clock.freeze(clock.today() + timedelta(days=3))
    page = login(world.section_head).get("/inspections/open-items").get_data(as_text=True)
    assert f'data-testid="measure-expired-{m.id}"' in page


def test_the_dashboard_panel_counts_the_open_items(world, results_inspection, login, frozen):
    insp = results_inspection({"is_violation": True}, {"is_violation": True}, source="双随机")
    insp.result_publish_due = clock.today() - timedelta(days=1)
    ops.issue_measure(insp, {"kind": "立即改正", "facts": "安全出口上锁"}, actor=world.officer)
    db.session.commit()
    page = login(world.section_head).get("/dashboard").get_data(as_text=True)
    assert 'data-testid="inspection-open-items-panel"' in page
    for key, n in (("violations", 2), ("measures", 1), ("results", 1), ("overdue", 1)):
        assert f'data-testid="open-count-{key}">{n}<' in page, key
    assert 'data-testid="inspection-open-items-panel"' not in login(world.officer).get(
        "/dashboard/"
    ).get_data(as_text=True)
    other = login(world.other_officer).get("/dashboard").get_data(as_text=True)
    assert 'data-testid="open-count-violations">2<' not in other
