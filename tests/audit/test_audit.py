import threading
from datetime import UTC, datetime

import pytest
from flask import render_template_string
from sqlalchemy import delete, func, select, text, update

from app import audit, clock
from app.audit import AuditEvent, AuditImmutableError
from app.audit.models import PG_APPEND_ONLY_DROP_SQL, PG_APPEND_ONLY_SQL
from tests.factories.db import is_postgres


def _count(db):
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _events(db, world, n):
    for i in range(n):
        audit.record(world.officer, "test.step", world.ent_a, summary=f"第{i + 1}步",
                     changes={"status": [str(i), str(i + 1)]}, data={"i": i})
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_record_writes_in_the_callers_transaction(db, world):
    event = audit.record(world.officer, "enterprise.updated", world.ent_a, summary="修改企业信息",
                         changes={"phone": ["1", "2"]})
    db.session.flush()
    assert audit.history(world.ent_a) == [event]  # visible in the transaction before commit
    assert event.id is None and _count(db) == 0  # chained and inserted at commit
    db.session.rollback()
    assert audit.history(world.ent_a) == []
    assert _count(db) == 0
    assert audit.verify().ok

    audit.record(world.officer, "enterprise.updated", world.ent_a, summary="修改企业信息")
    db.session.commit()
    [e] = audit.history(world.ent_a)
    assert (e.object_type, e.object_id, e.actor_id, e.actor_name) == ("enterprises", world.ent_a.id,
                                                                      world.officer.id, "王执法")
    assert e.actor_roles == "officer"
    assert e.seq == 1 and e.prev_hash == "0" * 64 and len(e.hash) == 64


def test_rolled_back_event_leaves_chain_intact(db, world):
    audit.record(world.officer, "a", None, summary="一")
    db.session.commit()
    audit.record(world.officer, "b", None, summary="二（回滚）")
    db.session.rollback()
    audit.record(None, "c", None, summary="三")
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in events] == [1, 2]
    assert events[1].prev_hash == events[0].hash
    assert events[1].actor_name == "系统" and events[1].actor_id is None
    assert audit.verify() == audit.VerifyResult(True, 2, None, "审计链完整，共校验 2 条")


def test_savepoint_rollback_discards_only_its_events(db, world):
    audit.record(world.officer, "outer.before", None, summary="外层")
    with db.session.begin_nested():
        audit.record(world.officer, "inner.kept", None, summary="保留")
    nested = db.session.begin_nested()
    audit.record(world.officer, "inner.dropped", None, summary="丢弃")
    nested.rollback()
    audit.record(world.officer, "outer.after", None, summary="外层之后")
    db.session.commit()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["outer.before", "inner.kept", "outer.after"]
    assert audit.verify().checked == 3


def test_events_and_changes_commit_together(db, world):
    world.ent_a.phone = "13900000000"
    audit.record(world.officer, "enterprise.updated", world.ent_a, summary="改电话")
    db.session.commit()
    db.session.expire_all()
    assert world.ent_a.phone == "13900000000" and len(audit.history(world.ent_a)) == 1
    world.ent_a.phone = "0"
    audit.record(world.officer, "enterprise.updated", world.ent_a, summary="再改")
    db.session.rollback()
    assert world.ent_a.phone == "13900000000" and len(audit.history(world.ent_a)) == 1


def test_history_is_per_object_oldest_first(db, world):
    audit.record(world.officer, "x.one", world.ent_a, summary="1")
    audit.record(world.officer, "x.other", world.ent_b, summary="b")
    audit.record(world.officer2, "x.two", world.ent_a, summary="2")
    audit.record(world.officer, "x.user", world.officer, summary="u")
    db.session.commit()
    assert [e.summary for e in audit.history(world.ent_a)] == ["1", "2"]
    assert [e.summary for e in audit.history(object_type="users", object_id=world.officer.id)] == ["u"]


def test_subject_type_attribute_overrides_table_name(db, world):
    class Thing:
        __subject_type__ = "thing"
        id = 7

    audit.record(None, "thing.made", Thing(), summary="造物")
    db.session.commit()
    assert audit.history(Thing())[0].object_type == "thing"


def test_values_are_normalised_and_hash_survives_round_trip(db, world):
    from datetime import date, datetime
    from decimal import Decimal

    audit.record(world.officer, "t", world.ent_a, summary="规范化",
                 changes={"deadline": [date(2026, 1, 2), None], 3: [Decimal("1.50"), 2.5]},
                 data={"when": datetime(2026, 1, 2, 8, 0, tzinfo=UTC), "tags": {"b", "a"},
                       "ent": world.ent_b})
    db.session.commit()
    db.session.expire_all()
    e = audit.history(world.ent_a)[0]
    assert e.changes == {"deadline": ["2026-01-02", None], "3": ["1.50", 2.5]}
    assert e.data == {"when": "2026-01-02T08:00:00+00:00", "tags": ["a", "b"], "ent": world.ent_b.id}
    assert audit.verify().ok


def test_time_comes_from_the_clock(db, world):
    clock.freeze(datetime(2026, 3, 1, 10, 30))
    e = audit.record(None, "t", None, summary="冻结时间")
    db.session.commit()
    assert clock.now() == e.at


def test_tampered_row_is_detected_at_that_row(db, world, app):
    events = _events(db, world, 6)
    victim = events[3]
    db.session.execute(text("UPDATE audit_events SET summary = '篡改' WHERE id = :id"), {"id": victim.id})
    db.session.commit()
    result = audit.verify(chunk_size=2)
    assert not result.ok
    assert result.first_bad_id == victim.id
    assert result.checked == 3
    assert result.message.startswith(f"审计链在第 {victim.id} 条记录处断裂：")

    runner = app.test_cli_runner()
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code != 0
    assert f"审计链在第 {victim.id} 条记录处断裂：" in out.output


def test_tampered_json_field_is_detected(db, world):
    events = _events(db, world, 3)
    db.session.execute(text("UPDATE audit_events SET changes = :c WHERE id = :id"),
                       {"c": '{"status": ["0", "9"]}', "id": events[0].id})
    db.session.commit()
    assert audit.verify().first_bad_id == events[0].id


def test_rehashed_row_still_breaks_the_next_link(db, world):
    events = _events(db, world, 3)
    db.session.execute(text("UPDATE audit_events SET hash = :h WHERE id = :id"),
                       {"h": "f" * 64, "id": events[1].id})
    db.session.commit()
    assert audit.verify().first_bad_id == events[1].id


def test_deleted_middle_row_is_detected(db, world):
    events = _events(db, world, 5)
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[2].id})
    db.session.commit()
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_id == events[3].id
    assert "删除" in result.message


def test_deleted_last_row_is_detected(db, world):
    events = _events(db, world, 4)
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[-1].id})
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.checked == 3
    assert "审计链在第 4 条记录处断裂" in result.message


def test_cli_reports_intact_chain(db, world, app):
    _events(db, world, 7)
    out = app.test_cli_runner().invoke(args=["audit", "verify", "--chunk-size", "3"])
    assert out.exit_code == 0, out.output
    assert "审计链完整，共校验 7 条" in out.output


def test_empty_chain_verifies(db):
    assert audit.verify() == audit.VerifyResult(True, 0, None, "审计链完整，共校验 0 条")


def test_orm_update_and_delete_are_refused(db, world):
    [event] = _events(db, world, 1)
    event.summary = "改一下"
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()

    db.session.delete(event)
    with pytest.raises(AuditImmutableError):
        db.session.flush()
    db.session.rollback()

    with pytest.raises(AuditImmutableError):
        db.session.execute(update(AuditEvent).values(summary="批量"))
    with pytest.raises(AuditImmutableError):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert audit.verify().ok and _count(db) == 1


def test_ip_comes_from_the_request(db, world, app, monkeypatch):
    headers = {"X-Forwarded-For": "203.0.113.9, 10.0.0.2"}
    with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        e1 = audit.record(world.officer, "t", None, summary="直连")
    monkeypatch.setitem(app.config, "AUDIT_TRUST_PROXY", True)
    with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        e2 = audit.record(world.officer, "t", None, summary="经代理")
    monkeypatch.setitem(app.config, "AUDIT_TRUST_PROXY", 2)
    with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        e3 = audit.record(world.officer, "t", None, summary="两级代理")
    e4 = audit.record(None, "t", None, summary="无请求")
    db.session.commit()
    assert (e1.ip, e2.ip, e3.ip, e4.ip) == ("10.0.0.1", "10.0.0.2", "203.0.113.9", None)
    assert audit.verify().ok


def test_login_is_audited(world, login):
    login(world.officer)
    [e] = audit.history(world.officer)
    assert e.action == "auth.login" and e.ip == "127.0.0.1"


def test_changes_of_reports_pending_changes(db, world):
    world.ent_a.phone = "13800000000"
    world.ent_a.risk_grade = "较大"
    changes = audit.changes_of(world.ent_a, ["phone", "risk_grade", "name"])
    assert changes == {"phone": ["0557-5000000", "13800000000"], "risk_grade": ["一般", "较大"]}
    audit.record(world.officer, "enterprise.updated", world.ent_a, summary="修改", changes=changes)
    db.session.commit()
    assert audit.history(world.ent_a)[0].changes["phone"][1] == "13800000000"
    world.ent_a.phone = "13800000000"  # unchanged value: no change reported
    world.ent_a.name = "新名称"
    assert audit.changes_of(world.ent_a) == {"name": ["萧县龙城机械制造有限公司", "新名称"]}


def test_history_partial_renders_timeline(db, world, app):
    audit.register_action_labels({"hazard.reviewed": "复查"})
    audit.record(world.officer, "hazard.reviewed", world.ent_a, summary="复查不合格",
                 changes={"status": ["待复查", "整改中"], "passed": [None, False]})
    db.session.commit()
    with app.test_request_context("/"):
        html = render_template_string('{% include "audit/_history.html" %}',
                                      events=audit.history(world.ent_a), labels={"status": "状态"})
    assert '<ul class="timeline"' in html
    assert "王执法" in html and "复查</strong>" in html and "复查不合格" in html
    assert "状态</span>：待复查 → 整改中" in html
    # a field no package named never shows its code (tests/audit/test_labels.py keeps the real ones named)
    assert "其他信息</span>：<span class=\"text-muted\">（空）</span> → 否" in html and ">passed<" not in html
    local = clock.now().astimezone(clock.TZ).strftime("%Y-%m-%d")
    assert local in html
    with app.test_request_context("/"):
        assert "暂无记录" in render_template_string('{% include "audit/_history.html" %}', events=[])


def test_audit_page_is_not_for_officers(db, world, login):
    assert login(world.officer).get("/audit/").status_code == 403


def test_audit_page_and_verify_for_admin(db, world, login):
    _events(db, world, 2)
    admin = login(world.admin)
    page = admin.get("/audit/")
    assert page.status_code == 200 and "第2步" in page.get_data(as_text=True)
    r = admin.post("/audit/verify", follow_redirects=True)
    assert "审计链完整" in r.get_data(as_text=True)


def test_concurrent_appenders_keep_one_chain(db, world, app):
    """Two threads × 50 events, each in its own transaction: the chain must not fork."""
    user_ids = [world.officer.id, world.officer2.id]
    errors = []
    barrier = threading.Barrier(2)

    def worker(user_id):
        try:
            with app.app_context():
                from app.auth.models import User

                user = db.session.get(User, user_id)
                barrier.wait()
                for i in range(50):
                    audit.record(user, "test.concurrent", None, summary=f"{user.name} 第{i}条")
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    result = audit.verify(chunk_size=17)
    assert result.ok, result.message
    assert result.checked == 100
    seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
    assert seqs == list(range(1, 101))  # id order == chain order


def test_postgres_trigger_blocks_raw_update_and_delete(db, world, app):
    if not is_postgres(app):
        pytest.skip("PostgreSQL only")
    _events(db, world, 1)
    db.session.commit()  # release the session's locks before DDL
    with db.engine.begin() as conn:
        conn.exec_driver_sql(PG_APPEND_ONLY_SQL)
    try:
        for sql in ("UPDATE audit_events SET summary = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(sql)
        audit.record(None, "t", None, summary="触发器不影响追加")
        db.session.commit()
        assert audit.verify().checked == 2
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(PG_APPEND_ONLY_DROP_SQL)
