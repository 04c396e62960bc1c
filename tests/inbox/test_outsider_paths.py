"""Every path by which an enterprise account could reach the agency's tasks on its own hazard (issue #11 item
4), on the leader's 挂牌督办 decision of a 重大事故隐患: the task page, the task API (read and complete),
claim / release / reassign, the hazard page's completion route (which answered 403, telling the task
exists), the hazard page and its API (no link to, no listing of the agency's task), the inbox's completed
notice and the notice it receives (which leads to its hazard, not to the task). All 404 or absent; the
leader still opens and decides it."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.hazards import operations as ops
from app.notifications import Notification
from tests.factories.hazards import ready, ready_task

MAJOR = {"level": "重大", "criterion_code": "GM2023-11-3", "location": "抛光车间除尘系统",
         "description": "铝粉干式除尘系统未设置泄爆、惰化、抑爆装置", "deadline": date(2026, 11, 30)}
DECISION = {"listed": "yes", "level": "县级", "supervising_unit": "萧县安全生产委员会办公室",
            "responsible_unit": "执法大队", "contact": "王执法 0557-5000001", "deadline": date(2026, 12, 31),
            "plan_days": 7, "opinion": "立即停止使用"}


def _denied_everywhere(c, hazard, task) -> None:
    assert c.get(f"/tasks/{task.id}").status_code == 404
    assert c.get(f"/api/v1/tasks/{task.id}").status_code == 404
    assert c.api("POST", f"/api/v1/tasks/{task.id}/complete", json={"data": {"listed": "no"}}).status_code == 404
    for action in ("claim", "release", "reassign"):
        assert c.post(f"/tasks/{task.id}/{action}", data={"user_id": "1"}).status_code == 404, action
    assert c.post(f"/hazards/{hazard.id}/tasks/{task.id}", data={"listed": "no"}).status_code == 404
    page = c.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert f"/tasks/{task.id}" not in page
    body = c.get(f"/api/v1/hazards/{hazard.id}").get_json()
    assert task.id not in [t["id"] for t in body["tasks"]] and body["history"] == []


def test_the_leaders_decision_is_not_the_enterprises_page(world, make_hazard, login):
    h = make_hazard(**MAJOR)
    assert ready(h) == ["decide_supervision"]
    decision = ready_task(h, "decide_supervision")
    c = login(world.manager_a)
    _denied_everywhere(c, h, decision)
    db.session.expire_all()
    assert ready(h) == ["decide_supervision"]  # nothing was completed, claimed or reassigned
    assert db.session.get(type(decision), decision.id).claimed_by_id is None

    leader = login(world.leader)
    assert leader.get(f"/tasks/{decision.id}").status_code == 200

    ops.decide_supervision(h, DECISION, actor=world.leader)
    db.session.commit()
    _denied_everywhere(c, h, decision)  # nor once decided
    assert decision.name not in c.get(f"/inbox?completed={decision.id}").get_data(as_text=True)
    notice = db.session.scalars(
        db.select(Notification).where(Notification.user_id == world.manager_a.id)
        .order_by(Notification.id.desc())).first()
    assert notice is not None
    r = c.get(f"/notifications/{notice.id}")
    assert r.status_code == 302 and "/tasks/" not in r.headers["Location"]
    assert c.get(r.headers["Location"]).status_code == 200
