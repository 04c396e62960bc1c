"""The facts at each decision (issue #10 items 5, 6, 7): the generic task page shows what the decider needs
and pre-fills the form; the API's task detail carries the same pre-filled values."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from app import clock
from app.hazards import operations as ops
from tests.factories.db import commit
from tests.factories.hazards import ready_task, rect_data, rectification_form, review_data


def _input_value(html: str, name: str) -> str | None:
    m = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html
    )
    return m.group(1) if m else None


def _textarea(html: str, name: str) -> str | None:
    m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>([^<]*)</textarea>', html)
    return m.group(1) if m else None


def _request_extension(hazard, world, upload):
    proof = upload(world.manager_a)
    requested = hazard.deadline + timedelta(days=10)
    ops.request_extension(
        hazard,
        {
            "action": "extension",
            "ext_reason": "防爆配电箱到货延迟",
            "ext_deadline": requested,
            "ext_interim_measures": "停用该配电箱，设置警戒区，专人值守",
            "ext_files": [proof],
        },
        actor=world.manager_a,
    )
    commit()
    return requested, proof


def test_extension_task_shows_whole_request_and_prefills_requested_date(make_hazard, world, upload, login):
    """Item 5: reason, requested date, interim measures and the proof, and 批准延期至 = the requested date,
    so the first submit of 批准 goes through."""
    h = make_hazard()
    requested, proof = _request_extension(h, world, upload)
    task = ready_task(h, "review_extension")
    c = login(world.officer)
    html = c.get(f"/tasks/{task.id}").get_data(as_text=True)
    facts = html[html.index('data-testid="task-facts"') :]
    assert "防爆配电箱到货延迟" in facts
    assert "停用该配电箱，设置警戒区，专人值守" in facts
    assert requested.isoformat() in facts
    assert f'data-testid="attachment-{proof}"' in facts and f"/attachments/{proof}" in facts
    assert _input_value(html, "approved_deadline") == requested.isoformat()

    api = c.get(f"/api/v1/tasks/{task.id}").get_json()
    assert api["initial"] == {"approved_deadline": requested.isoformat()}

    r = c.post(f"/tasks/{task.id}", data={"approved": "yes", "approved_deadline": requested.isoformat(),
                                          "opinion": "同意"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    commit()
    assert h.deadline == requested


def test_review_task_shows_after_photos_and_five_implementations(make_hazard, world, upload, login):
    """Item 6: the 复查 page shows what the enterprise reported: 五落实 and the after-photos."""
    h = make_hazard()
    data = rect_data(upload, world.manager_a, responsible_dept="设备科", responsible_person="李四",
                     funds=Decimal("1.25"), emergency_measures="制定配电室火灾应急处置方案")
    ops.submit_rectification(h, data, actor=world.manager_a)
    commit()
    photo = data["after_photos"][0]
    task = ready_task(h, "review_rectification")
    html = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    facts = html[html.index('data-testid="task-facts"') :]
    for text in ("清理杂物，划设警示线", "设备科", "李四", "1.25 万元", clock.today().isoformat(),
                 "制定配电室火灾应急处置方案"):
        assert text in facts, text
    photos = facts[facts.index('data-testid="report-photos"') :]
    assert f'data-testid="attachment-{photo}"' in photos and "<img" in photos


def test_review_task_says_when_the_enterprise_reported_nothing(make_hazard, world, login, frozen):
    h = make_hazard(deadline=clock.today() + timedelta(days=1))
    frozen.advance(timedelta(days=3))
    from app import workflow

    workflow.tick()
    commit()
    task = ready_task(h, "review_rectification")
    html = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="report-missing"' in html


def _fail_review(h, world, upload, opinion="警示线未划设，杂物仍未清理"):
    data = rect_data(upload, world.manager_a, responsible_dept="设备科", responsible_person="李四",
                     funds=Decimal("2.00"), measures="清理杂物", emergency_measures="专人巡查",
                     remarks="第一次整改")
    ops.submit_rectification(h, data, actor=world.manager_a)
    evidence = upload(world.officer)
    new_deadline = clock.today() + timedelta(days=5)
    ops.review_hazards(
        [(h, review_data(world, result="整改不合格", decision="return", new_deadline=new_deadline,
                         opinion=opinion, evidence=[evidence]))],
        actor=world.officer,
    )
    commit()
    return data["after_photos"][0], evidence, new_deadline


def test_resubmission_task_shows_reasons_results_and_is_prefilled(make_hazard, world, upload, login):
    """Item 7: after a failed 复查 the enterprise sees why, per item, and starts from its previous report."""
    h = make_hazard()
    old_photo, evidence, new_deadline = _fail_review(h, world, upload)
    task = ready_task(h, "submit_rectification")
    c = login(world.manager_a)
    html = c.get(f"/tasks/{task.id}").get_data(as_text=True)
    facts = html[html.index('data-testid="task-facts"') :]
    assert "警示线未划设，杂物仍未清理" in facts and "整改不合格" in facts
    assert new_deadline.isoformat() in facts and h.latest_review.doc_number in facts
    assert f'data-testid="attachment-{evidence}"' in facts  # the reviewer's photo
    previous = facts[facts.index('data-testid="previous-photos"') :]
    assert f'data-testid="attachment-{old_photo}"' in previous  # listed as previous evidence
    form = html[html.index('data-testid="form-submit_rectification"') :]
    assert _input_value(form, "responsible_dept") == "设备科"
    assert _input_value(form, "responsible_person") == "李四"
    assert _input_value(form, "funds") == "2.00"
    assert _textarea(form, "measures") == "清理杂物"
    assert _textarea(form, "emergency_measures") == "专人巡查"
    assert _textarea(form, "remarks") == "第一次整改"
    assert 'name="after_photos__keep"' not in form  # new photos are required, the old ones stay evidence

    api = c.get(f"/api/v1/tasks/{task.id}").get_json()
    assert api["initial"]["responsible_person"] == "李四" and api["initial"]["funds"] == "2.00"

    # the pre-filled form goes through with only the new photo added
    r = c.post(f"/tasks/{task.id}", data=rectification_form(
        responsible_dept="设备科", responsible_person="李四", measures="清理杂物并划设警示线", funds="2.00",
        emergency_measures="专人巡查"), content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    commit()
    assert h.latest_rectification.round == 2


def test_resubmission_shows_every_item_of_the_review_document(make_order, world, upload, login):
    order = make_order({"location": "配电室"}, {"location": "仓库"})
    h1, h2 = order.hazards
    for h in (h1, h2):
        ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    ops.review_hazards(
        [
            (h1, review_data(world)),
            (h2, review_data(world, result="未整改", decision="return", opinion="仓库通道仍被占用",
                             new_deadline=clock.today() + timedelta(days=5))),
        ],
        actor=world.officer,
    )
    commit()
    task = ready_task(h2, "submit_rectification")
    html = login(world.manager_a).get(f"/tasks/{task.id}").get_data(as_text=True)
    table = html[html.index('data-testid="failed-items"') :]
    assert "配电室" in table and "已整改" in table and "仓库通道仍被占用" in table


def test_refused_extension_reason_on_the_enterprise_task(make_hazard, world, upload, login):
    h = make_hazard()
    _request_extension(h, world, upload)
    ops.decide_extension(h, {"approved": "no", "opinion": "理由不充分，应先停用设备"},
                         actor=world.officer, task=ready_task(h, "review_extension"))
    commit()
    task = ready_task(h, "submit_rectification")
    html = login(world.manager_a).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "理由不充分，应先停用设备" in html[html.index('data-testid="refused-extension"') :]


def test_first_rectification_task_has_no_facts_and_no_prefill(make_hazard, world, login):
    h = make_hazard()
    task = ready_task(h, "submit_rectification")
    html = login(world.manager_a).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="task-facts"' not in html
    assert _input_value(html, "responsible_person") in ("", None)


def test_exception_task_prefills_the_reviewers_proposed_deadline(make_hazard, world, upload, login):
    h = make_hazard()
    _fail_review(h, world, upload)
    ops.submit_rectification(h, rect_data(upload, world.manager_a), actor=world.manager_a)
    proposed = clock.today() + timedelta(days=9)
    ops.review_hazards(
        [(h, review_data(world, result="部分整改", decision="exception", new_deadline=proposed,
                         opinion="仍有一处未整改"))],
        actor=world.officer,
    )
    commit()
    task = ready_task(h, "approve_exception")
    html = login(world.leader).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "仍有一处未整改" in html[html.index('data-testid="task-facts"') :]
    assert _input_value(html, "new_deadline") == proposed.isoformat()


def test_extension_proof_on_the_hazard_page_form_prefill(make_hazard, world, upload, login):
    """The hazard page's own task form starts from the same values as the task page."""
    h = make_hazard()
    requested, _ = _request_extension(h, world, upload)
    html = login(world.officer).get(f"/hazards/{h.id}").get_data(as_text=True)
    assert _input_value(html, "approved_deadline") == requested.isoformat()


def test_major_acceptance_shows_the_evaluation_and_a_failed_one_prefills_the_next(make_hazard, world, upload, login):
    """The 验收 task shows the evaluation report and photos; after a failed 验收 the enterprise's next
    application starts from its previous one."""
    from tests.hazards.test_major_flow import MAJOR, apply, plan, supervise

    h = make_hazard(**MAJOR)
    supervise(h, world)
    plan(h, world, upload)
    apply(h, world, upload)
    commit()
    task = ready_task(h, "acceptance_review")
    html = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    facts = html[html.index('data-testid="task-facts"') :]
    assert "安徽某安全评价有限公司" in facts and "隐患已消除" in facts and "已加装泄爆装置" in facts
    assert "<img" in facts[facts.index('data-testid="report-photos"') :]
    assert "评估报告.jpg" in facts[facts.index('data-testid="report-documents"') :]

    ops.acceptance_review(
        h,
        review_data(world, result="部分整改", decision="return", opinion="泄爆片规格不符",
                    new_deadline=clock.today() + timedelta(days=20)),
        actor=world.officer,
    )
    commit()
    task = ready_task(h, "submit_acceptance")
    html = login(world.manager_a).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "泄爆片规格不符" in html[html.index('data-testid="task-facts"') :]
    assert _input_value(html, "evaluation_org") == "安徽某安全评价有限公司"
    assert _textarea(html, "measures") == "已加装泄爆装置"
