"""The 执法全过程记录 is scoped to the viewer's jurisdiction (issue #11 item 4): a leader or supervisor of a town
reads the events about objects in that town (its enterprises, their hazards, 指令书 and photos, its users and
units), never other towns' enterprises, users or their IP addresses, nor platform events about no object;
admins read the whole trail. Rows whose seal fails are marked 未通过校验, never shown as genuine."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import attachments, audit, clock
from app.audit import keys
from app.audit.models import AuditChainHead, AuditEvent
from app.audit.service import canonical_json
from app.auth.roles import Role
from tests.factories.org import _user


def _town_viewers(db, world):
    leader = _user("town_leader", "龙城镇长", [Role.LEADER], world.town_station)
    supervisor = _user("town_supervisor", "龙城统计", [Role.SUPERVISOR], world.town_station)
    db.session.commit()
    return leader, supervisor


def _trail(world, make_hazard, db):
    mine = make_hazard(enterprise_id=world.ent_a.id)
    theirs = make_hazard(enterprise_id=world.ent_b.id)
    photo_b = attachments.attachments_for(theirs, "photos")[0]
    audit.record(world.admin, "enterprise.updated", world.ent_a, summary="修改企业甲")
    audit.record(world.admin, "enterprise.updated", world.ent_b, summary="修改企业乙")
    audit.record(world.admin, "enterprise.updated", world.ent_other, summary="修改外县企业")
    audit.record(world.manager_b, "auth.login", world.manager_b, summary="陈安全 登录系统")
    audit.record(world.manager_a, "auth.login", world.manager_a, summary="李安全 登录系统")
    audit.record(world.officer, "attachment.downloaded", photo_b, summary="查看乙的照片")
    audit.record(None, "auth.login_throttled", None, summary="来源 10.9.9.9 登录失败过多")
    db.session.commit()
    return mine, theirs



def test_town_leader_and_supervisor_see_only_their_town(db, world, make_hazard, login):
    leader, supervisor = _town_viewers(db, world)
    mine, theirs = _trail(world, make_hazard, db)
    for viewer in (leader, supervisor):
        html = login(viewer).get("/audit/").get_data(as_text=True)
        assert "修改企业甲" in html and "李安全 登录系统" in html and mine.code in html
        assert "修改企业乙" not in html and "修改外县企业" not in html and "陈安全 登录系统" not in html
        assert theirs.code not in html and "查看乙的照片" not in html and world.ent_b.name not in html
        assert "10.9.9.9" not in html  # an event about no object is the whole county's
        # the filter by action does not reach around the scope
        html = login(viewer).get("/audit/?action=enterprise.updated").get_data(as_text=True)
        assert "修改企业甲" in html and "修改企业乙" not in html
        html = login(viewer).get("/audit/?actor=陈安全").get_data(as_text=True)
        assert "陈安全 登录系统" not in html and "暂无记录" in html


def test_county_viewers_see_the_county_admins_everything(db, world, make_hazard, login):
    _trail(world, make_hazard, db)
    html = login(world.leader).get("/audit/").get_data(as_text=True)
    assert "修改企业甲" in html and "修改企业乙" in html and "查看乙的照片" in html
    assert "修改外县企业" not in html and "10.9.9.9" not in html
    html = login(world.admin).get("/audit/").get_data(as_text=True)
    assert "修改外县企业" in html and "10.9.9.9" in html


def test_paging_stays_in_scope(db, world, login):
    leader, _ = _town_viewers(db, world)
    for i in range(215):
        audit.record(world.admin, "enterprise.updated", world.ent_b if i % 2 else world.ent_a, summary=f"第{i}次")
    db.session.commit()
    client = login(leader)
    html = client.get("/audit/").get_data(as_text=True)
    before = re.search(r"before=(\d+)", html)
    assert before and len(re.findall(r"<tr data-action=", html)) == 100
    older = client.get(f"/audit/?before={before.group(1)}").get_data(as_text=True)
    shown = re.findall(r"第(\d+)次", html + older)
    assert shown and all(int(i) % 2 == 0 for i in shown)


def test_rows_whose_seal_fails_are_marked(db, world, login):
    audit.record(world.admin, "enterprise.updated", world.ent_a, summary="真实的记录")
    db.session.commit()
    head = db.session.execute(select(AuditChainHead.seq, AuditChainHead.last_hash)).one()
    db.session.execute(AuditEvent.__table__.insert().values(
        seq=head.seq + 1, at=clock.now(), actor_name="王执法", actor_roles="officer", action="enterprise.updated",
        object_type="enterprises", object_id=world.ent_a.id, summary="伪造的记录", prev_hash=head.last_hash,
        hash=keys.plain_hash(canonical_json({"x": 1})), hash_version=2))
    db.session.commit()
    html = login(world.admin).get("/audit/").get_data(as_text=True)
    rows = re.findall(r"<tr data-action=.*?</tr>", html, re.S)
    forged = [r for r in rows if "伪造的记录" in r]
    genuine = [r for r in rows if "真实的记录" in r]
    assert forged and "未通过校验" in forged[0] and "data-forged" in forged[0]
    assert genuine and "未通过校验" not in genuine[0]


def test_every_subject_type_has_a_scope(app):
    """A type without one would be hidden from every leader and supervisor of a town: register it."""
    from app import subjects

    missing = [t for t in subjects.registered_types() if subjects.view_of(t).scope is None]
    assert missing == []
