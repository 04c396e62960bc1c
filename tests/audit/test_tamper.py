"""The audit trail is tamper-evident against someone with database access (issue #11 item 1): a forged
row past the head, a truncated tail with a rewound head, a re-hashed middle without the key, a keyed row
rewritten as an unkeyed one, a rewrite by a key holder after an anchor, a direct INSERT on PostgreSQL.
A forged row never makes the app unusable: the writer appends after it and reports the conflict."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select, text

from app import audit, clock
from app.audit import anchors, keys
from app.audit.models import (
    PG_APPEND_ONLY_DROP_SQL,
    PG_APPEND_ONLY_SQL,
    PG_APPEND_PATH_DROP_SQL,
    PG_APPEND_PATH_SQL,
    AuditChainHead,
    AuditEvent,
)
from app.audit.service import CONFLICT, canonical_json, compute_hash, hash_payload
from app.serving.checks import audit_key_problem, production_problems

pytestmark = pytest.mark.usefixtures("world")


def _events(db, world, n, obj=None):
    for i in range(n):
        audit.record(world.officer, "test.step", obj or world.ent_a, summary=f"第{i + 1}步", data={"i": i})
        db.session.commit()
    return _chain(db)


def _chain(db):
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _head(db):
    return db.session.execute(select(AuditChainHead.seq, AuditChainHead.last_hash)).one()


def _raw_insert(db, **row):
    """INSERT an audit row straight into the database, as someone with SQL access would."""
    values = {"at": clock.now(), "actor_name": "王执法", "actor_roles": "officer", "action": "test.step",
              "object_type": None, "object_id": None, "summary": "伪造", "changes": None, "data": None,
              "ip": None, "hash_version": 2, **row}
    db.session.execute(AuditEvent.__table__.insert().values(**values))
    db.session.commit()


def _rewrite(db, rows, hasher, version=keys.V2, start_prev=None):
    """Re-chain `rows` (their content as it is now) with `hasher`, as an attacker would, and move the head."""
    prev = start_prev if start_prev is not None else rows[0].prev_hash
    for row in rows:
        db.session.refresh(row)
        row_payload = {**hash_payload(row), "prev_hash": prev}
        new_hash = hasher(canonical_json(row_payload))
        db.session.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h, hash_version = :v WHERE id = :id"),
                           {"p": prev, "h": new_hash, "v": version, "id": row.id})
        prev = new_hash
    db.session.execute(text("UPDATE audit_chain_head SET last_hash = :h"), {"h": prev})
    db.session.commit()
    db.session.expire_all()


def _anchor(app, path):
    run = app.test_cli_runner().invoke(args=["audit", "anchor", "--out", str(path)])
    return run


# --- a forged row past the head -----------------------------------------------------------------------


def test_forged_row_past_the_head_is_reported_and_never_blocks_a_login(db, world, app, login, caplog):
    _events(db, world, 3)
    head = _head(db)
    forged_payload = {"seq": 4, "prev_hash": head.last_hash}
    _raw_insert(db, seq=4, prev_hash=head.last_hash, object_type="enterprises", object_id=world.ent_a.id,
                summary="伪造的整改记录", hash=keys.plain_hash(canonical_json(forged_payload)))
    forged = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 4))

    result = audit.verify()
    assert not result.ok and result.first_bad_id == forged.id
    assert "链头（第 3 条）之后的记录，不是由本系统追加（伪造）" in result.message
    assert forged not in audit.history(world.ent_a) and len(audit.history(world.ent_a)) == 3
    assert not forged.authentic and all(e.authentic for e in _chain(db)[:3])

    with caplog.at_level(logging.ERROR, logger="app.audit.service"):
        client = login(world.officer)  # asserts the redirect: no 500 on the unique seq
    assert client.get("/", follow_redirects=True).status_code == 200
    assert any("audit chain conflict" in r.getMessage() for r in caplog.records)
    conflict, login_event = _chain(db)[4:]
    assert (conflict.seq, conflict.action, login_event.seq, login_event.action) == (5, CONFLICT, 6, "auth.login")
    assert conflict.prev_hash == head.last_hash  # the genuine chain skips the forged row
    assert "链头（第 3 条）之后的序号（第 4 条）已被不是由本系统追加的记录占用" in conflict.summary and "请立即校验审计链" in conflict.summary
    assert _head(db).seq == 6

    audit.record(world.officer, "test.step", world.ent_a, summary="之后的操作")
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.first_bad_id == forged.id  # the forged row stays evident
    assert len(result.problems) == 2 and "系统写入时发现审计链被改动" in result.problems[1]
    assert [e.summary for e in audit.history(world.ent_a)] == ["第1步", "第2步", "第3步", "之后的操作"]


def test_deleted_head_is_rebuilt_and_reported(db, world):
    _events(db, world, 2)
    db.session.execute(text("DELETE FROM audit_chain_head"))
    db.session.commit()
    audit.record(world.officer, "test.step", None, summary="链头删除之后")
    db.session.commit()
    assert [e.action for e in _chain(db)] == ["test.step", "test.step", CONFLICT, "test.step"]
    result = audit.verify()
    assert not result.ok and "审计链头缺失（已有 2 条记录）" in result.message


# --- truncation, re-hashing, downgrade ---------------------------------------------------------------


def test_truncated_tail_with_rewound_head_is_caught_by_the_anchor(db, world, app, tmp_path):
    path = tmp_path / "anchors.jsonl"
    _events(db, world, 5)
    assert _anchor(app, path).exit_code == 0
    events = _events(db, world, 3)
    keep = events[2]  # delete seq 4..8 (two anchored rows and three later ones), rewind the head to seq 3
    db.session.execute(text("DELETE FROM audit_events WHERE seq > 3"))
    db.session.execute(text("UPDATE audit_chain_head SET seq = 3, last_hash = :h"), {"h": keep.hash})
    db.session.commit()

    assert audit.verify(anchors_path=None).ok  # consistent in the database alone: only the anchor knows
    result = audit.verify(anchors_path=str(path))
    assert not result.ok
    assert "外部锚点记录了第 5 条，而审计链只到第 3 条：链尾被截断" in result.message

    run = app.test_cli_runner().invoke(args=["audit", "verify", "--anchors", str(path)])
    assert run.exit_code == 1 and "链尾被截断" in run.output
    run = _anchor(app, path)  # the next anchoring says so at once
    assert run.exit_code == 1 and "落后于" in run.output


def test_rehashed_middle_without_the_key_is_detected(db, world, app):
    events = _events(db, world, 6)
    db.session.execute(text("UPDATE audit_events SET summary = '改过的记录' WHERE id = :id"), {"id": events[2].id})
    db.session.commit()
    # The app's own hash function, with a key the attacker made up (the real one is not in the database).
    app.config["AUDIT_HMAC_KEY"] = "attacker-guess-0123456789abcdefghijklmnop"
    keys.forget_key()
    try:
        _rewrite(db, events[2:], keys.event_mac)
    finally:
        app.config["AUDIT_HMAC_KEY"] = "test-audit-key-5b0e9c1f7a3d24e68f1c0b9a7d5e3f21"
        keys.forget_key()
    result = audit.verify()
    assert not result.ok and result.first_bad_id == events[2].id and result.checked == 2
    assert "记录内容与其签名不符" in result.message
    assert [e.summary for e in audit.history(world.ent_a)] == ["第1步", "第2步"]  # re-hashed rows hidden


def test_keyed_rows_rewritten_as_unkeyed_are_caught(db, world):
    """Downgrade: v2 rows re-hashed with the old plain SHA-256 and marked version 1."""
    events = _events(db, world, 5)
    db.session.execute(text("UPDATE audit_events SET summary = '降级改写' WHERE id = :id"), {"id": events[3].id})
    _rewrite(db, events[3:], keys.plain_hash, version=keys.V1)
    result = audit.verify()
    assert not result.ok and result.first_bad_id == events[3].id
    assert "密钥启用（第 1 条）之后出现未签名的旧版本记录，该记录被改写（降级）" in result.message
    assert [e.summary for e in audit.history(world.ent_a)] == ["第1步", "第2步", "第3步"]

    # moving the switch point past them does not help: it is sealed with the key
    db.session.execute(text("UPDATE audit_chain_head SET keyed_from_seq = 100"))
    db.session.commit()
    result = audit.verify()
    assert not result.ok and "密钥启用点（keyed_from_seq）缺失或其签名不符" in result.message


def test_a_key_holders_rewrite_before_an_anchor_is_caught(db, world, app, tmp_path):
    path = tmp_path / "anchors.jsonl"
    events = _events(db, world, 4)
    assert _anchor(app, path).exit_code == 0
    db.session.execute(text("UPDATE audit_events SET summary = '持钥改写' WHERE id = :id"), {"id": events[1].id})
    _rewrite(db, events[1:], keys.event_mac)  # with the real key: the database alone cannot tell
    assert audit.verify(anchors_path=None).ok
    result = audit.verify(anchors_path=str(path))
    assert not result.ok and "外部锚点记录的哈希不符，该处记录被改写" in result.message


def test_chains_from_before_the_key_still_verify(db, world):
    """Rows written before the switch (version 1, plain SHA-256) verify below the sealed switch point."""
    prev = "0" * 64
    for seq in (1, 2):
        row = {"seq": seq, "at": clock.now(), "actor_id": None, "actor_name": "系统", "actor_roles": "",
               "action": "test.old", "object_type": "enterprises", "object_id": world.ent_a.id, "summary": f"旧{seq}",
               "changes": None, "data": None, "ip": None, "prev_hash": prev}
        row["hash"] = compute_hash(hash_payload(type("R", (), row)), keys.V1)
        _raw_insert(db, **row, hash_version=1)
        prev = row["hash"]
    db.session.execute(AuditChainHead.__table__.insert().values(
        id=1, seq=2, last_hash=prev, keyed_from_seq=3, keyed_from_mac=keys.marker_mac(3)))
    db.session.commit()
    audit.record(None, "test.new", world.ent_a, summary="新")
    db.session.commit()
    assert [e.hash_version for e in _chain(db)] == [1, 1, 2]
    assert audit.verify().ok and all(e.authentic for e in _chain(db))
    assert [e.summary for e in audit.history(world.ent_a)] == ["旧1", "旧2", "新"]


# --- anchors ---------------------------------------------------------------------------------------------


def test_anchor_file_format_and_signature(db, world, app, tmp_path):
    path = tmp_path / "anchors.jsonl"
    _events(db, world, 2)
    clock.freeze(clock.now())
    run = _anchor(app, path)
    assert run.exit_code == 0, run.output
    [line] = path.read_text().splitlines()
    record = json.loads(line)
    head = _head(db)
    assert set(record) == {"kind", "v", "seq", "hash", "at", "mac"}
    assert (record["kind"], record["v"], record["seq"], record["hash"]) == ("safeloop-audit-anchor", 1, 2,
                                                                           head.last_hash)
    assert record["at"] == clock.now().astimezone(UTC).isoformat(timespec="microseconds")
    assert line in run.output and "审计链锚点：第 2 条" in run.output  # printed for the journal / paper
    assert anchors.parse(line) == anchors.Anchor(2, head.last_hash, record["at"])
    clock.freeze(clock.now() + timedelta(minutes=15))
    assert _anchor(app, path).exit_code == 0 and len(path.read_text().splitlines()) == 2  # appended

    verified = audit.verify(anchors_path=str(path))
    assert verified.ok and verified.anchors == 1 and "与 1 个外部锚点一致" in verified.message

    forged = dict(record, seq=1)  # an edited line, or one signed without the key
    with open(path, "a") as f:
        f.write(json.dumps(forged) + "\n" + "not json\n")
    result = audit.verify(anchors_path=str(path))
    assert not result.ok
    assert "审计链锚点文件第 3 行的签名不符" in result.problems[0] and "第 4 行格式不对" in result.problems[1]


def test_anchor_prints_only_with_a_dash(db, world, app):
    _events(db, world, 1)
    run = app.test_cli_runner().invoke(args=["audit", "anchor", "--out", "-"])
    assert run.exit_code == 0 and "（未写入文件）" in run.output
    assert json.loads(run.output.splitlines()[-1])["seq"] == 1


# --- PostgreSQL: only the append path inserts ---------------------------------------------------------


@pytest.mark.postgres_only
def test_direct_insert_is_refused_on_postgres(db, world, app):
    _events(db, world, 2)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(PG_APPEND_ONLY_SQL)
        conn.exec_driver_sql(PG_APPEND_PATH_SQL)
    try:
        head = _head(db)
        db.session.commit()
        for row in ({"seq": 3, "prev_hash": head.last_hash, "hash": "1" * 64},  # past the head
                    {"seq": 3, "prev_hash": head.last_hash, "hash": "1" * 64, "hash_version": 1}):
            with pytest.raises(Exception, match="append path"):
                _raw_insert(db, **row)
            db.session.rollback()
        for sql in ("UPDATE audit_chain_head SET seq = 1", "DELETE FROM audit_chain_head",
                    "TRUNCATE audit_chain_head"):
            with pytest.raises(Exception, match="forward-only"), db.engine.begin() as conn:
                conn.exec_driver_sql(sql)
        with pytest.raises(Exception, match="forward-only"), db.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_chain_head SET keyed_from_seq = 100")
        # the app's own path goes through, one event or several per transaction
        audit.record(world.officer, "t", None, summary="一")
        audit.record(world.officer, "t", None, summary="二")
        db.session.commit()
        login_ok = audit.verify()
        assert login_ok.ok and login_ok.checked == 4
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.exec_driver_sql(PG_APPEND_PATH_DROP_SQL)
            conn.exec_driver_sql(PG_APPEND_ONLY_DROP_SQL)


# --- the key -----------------------------------------------------------------------------------------------


def test_key_file_is_created_once_with_mode_0600(tmp_path, monkeypatch):
    path = tmp_path / "instance" / "audit_hmac_key"
    monkeypatch.setattr(keys, "default_key_path", lambda: path)
    key = keys.load_key({})
    assert len(key) == 64 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keys.load_key({}) == key
    assert keys.load_key({"AUDIT_HMAC_KEY": "from-env"}) == b"from-env"


def test_production_requires_an_explicit_strong_audit_key(tmp_path):
    strong = "c3a1f9e07b5d42869e1f0a7c3b5d9e2f41a6"
    base = {"PRODUCTION": True, "SECRET_KEY": "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012345abcdef6789",
            "SECRET_KEY_FROM_ENV": True}
    assert "AUDIT_HMAC_KEY" in " ".join(production_problems(base))
    assert "过短" in audit_key_problem({**base, "AUDIT_HMAC_KEY": "short"})
    assert "不得与 SECRET_KEY 相同" in audit_key_problem({**base, "AUDIT_HMAC_KEY": base["SECRET_KEY"]})
    assert audit_key_problem({**base, "AUDIT_HMAC_KEY": strong}) is None
    key_file = tmp_path / "audit.key"
    key_file.write_text(strong + "\n")
    key_file.chmod(0o644)
    assert "权限过宽" in audit_key_problem({**base, "AUDIT_HMAC_KEY_FILE": str(key_file)})
    key_file.chmod(0o600)
    assert audit_key_problem({**base, "AUDIT_HMAC_KEY_FILE": str(key_file)}) is None
    assert production_problems({**base, "AUDIT_HMAC_KEY_FILE": str(key_file)}) == []
    assert "不可用" in audit_key_problem({**base, "AUDIT_HMAC_KEY_FILE": str(tmp_path / "missing")})
