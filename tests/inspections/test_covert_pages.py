"""The 暗访 through its pages and the generic task page, as its users do it: the lead starts it from the task
page, the team records the 情况表 with a photo, the lead issues it, the section head 交办 with the pre-filled
problems, the lead records the 回头看; the documents print; outsiders get 404 at every step's page."""

from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select

from app import clock
from app.documents.models import OfficialDocument
from app.extensions import db
from app.inspections.exif import exif_segment
from app.inspections.models.covert import AssignmentStatus, CovertStatus
from tests.factories.files import JPEG
from tests.factories.inspections_covert import extra_users, make_visit, task_of


def test_the_journey_through_the_pages(world, frozen, login):
    extra = extra_users(world)
    visit = make_visit(world)
    lead, member = login(world.officer), login(world.officer2)

    # start from the task page (the lead's inbox)
    task = task_of(visit, "start_visit")
    assert world.ent_a.name in lead.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert login(extra.officer3).get(f"/tasks/{task.id}").status_code == 404
    assert member.post(f"/tasks/{task.id}", data={}).status_code in (403, 404)
    r = lead.post(f"/tasks/{task.id}", data={"over_cap_reason": ""})
    assert r.status_code == 302
    db.session.refresh(visit)
    assert visit.status == CovertStatus.ACTIVE and visit.targets[0].inspection_id is not None

    # a member records a row with a photo on the visit page
    photo = b"\xff\xd8" + exif_segment(datetime(2026, 11, 2, 8, 5)) + JPEG[2:]
    r = member.post(
        f"/inspections/covert/{visit.id}/rows",
        data={
            "observed_at": "2026-11-02T08:10",
            "place": "园区南门",
            "unit": "龙城镇人民政府",
            "problems": "园区企业动火作业无监护",
            "evidence": (io.BytesIO(photo), "现场.jpg", "image/jpeg"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    page = lead.get(f"/inspections/covert/{visit.id}").get_data(as_text=True)
    assert "园区企业动火作业无监护" in page and "EXIF" in page
    assert login(extra.officer3).post(
        f"/inspections/covert/{visit.id}/rows", data={"place": "x"}
    ).status_code in (403, 404, 422)

    # the lead issues the 情况表 with 交办
    task = task_of(visit, "record_sheet")
    body = lead.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "园区企业动火作业无监护" in body  # the facts
    r = lead.post(f"/tasks/{task.id}", data={"conclusion": "发现问题1处", "needs_assignment": "y"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]

    # the section head's 交办 task, its problems pre-filled
    task = task_of(visit, "assign")
    assert task.candidate_role == "section_head" and task.region_path == world.county.path
    head = login(world.section_head)
    body = head.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "龙城镇人民政府（园区南门）：园区企业动火作业无监护" in body
    r = head.post(
        f"/tasks/{task.id}",
        data={
            "to_name": "龙城镇人民政府",
            "to_region_id": str(world.town_a.id),
            "problems": "督促落实监护制度",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    (assignment,) = visit.assignments

    # the lead's 回头看
    clock.freeze(datetime(2026, 11, 20, 10, 0, tzinfo=clock.TZ))
    task = task_of(visit, "return_visit")
    r = lead.post(f"/tasks/{task.id}", data={"visited_on": "2026-11-20", "result": "fixed", "note": "已整改"})
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    db.session.refresh(visit)
    assert visit.status == CovertStatus.DONE and assignment.status == AssignmentStatus.CLOSED

    # the documents print for the county's staff; not for the town officer or the enterprise
    docs = list(
        db.session.scalars(select(OfficialDocument).where(OfficialDocument.subject_type == "covert_visits"))
    )
    assert sorted(d.doc_type for d in docs) == ["assignment_letter", "covert_sheet"]
    for d in docs:
        text = head.get(f"/documents/{d.id}").get_data(as_text=True)
        assert d.number.text in text
        assert login(world.town_officer).get(f"/documents/{d.id}").status_code == 404
        assert login(world.manager_a).get(f"/documents/{d.id}").status_code == 404
    sheet = next(d for d in docs if d.doc_type == "covert_sheet")
    assert sheet.content["rows"][0]["evidence"][0]["captured_source"] == "EXIF"

    # the bulletin page
    r = login(world.leader).post(
        "/inspections/covert/bulletins/new",
        data={"title": "11月暗访通报", "period_from": "2026-11-01", "period_to": "2026-11-20"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1500]
    assert "园区企业动火作业无监护" in login(extra.officer3).get(r.headers["Location"]).get_data(as_text=True)
    assert login(world.officer).get("/inspections/covert/bulletins/new").status_code == 403


def test_the_pages_render_for_the_team(world, frozen, login):
    visit = make_visit(world)
    leader = login(world.leader)
    for url in ("/inspections/covert/new", "/inspections/covert/bulletins/new"):
        assert leader.get(url).status_code == 200, url
    listing = leader.get("/inspections/covert/").get_data(as_text=True)
    assert visit.code in listing and "密封 1" in listing
    assert "随机暗访" in leader.get("/dashboard").get_data(as_text=True)
    body = leader.get(f"/inspections/covert/{visit.id}").get_data(as_text=True)
    assert "取消暗访任务" in body and world.ent_a.name in body  # its creator may cancel it while sealed
    r = leader.post(f"/inspections/covert/{visit.id}/cancel", data={"reason": "改期"})
    assert r.status_code == 302
    db.session.refresh(visit)
    assert visit.status == CovertStatus.CANCELLED
    # keyset paging: a second page through the cursor
    for i in range(3):
        make_visit(world, purpose=f"暗访{i}")
    from app.inspections.covert_pages import visible_page

    first = visible_page(world.leader, {}, per_page=2)
    second = visible_page(world.leader, {"after": first.next_after}, per_page=2)
    assert len(first.items) == 2 and len(second.items) == 2
    assert not {v.id for v in first.items} & {v.id for v in second.items}
