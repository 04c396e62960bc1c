"""Login throttling that strangers cannot abuse (issue #11 item 3): growing pauses per (user name, source
address) and per source, never a lock of the account from everywhere; unknown user names cost the same;
the counter is atomic under concurrent attempts; an admin password reset lifts the pauses."""

import re
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

import app.auth.models as auth_models
from app import clock
from app.audit.models import AuditEvent
from app.audit.service import action_label
from app.auth import throttle
from app.auth.models import LoginAttempt, LoginThrottle
from app.auth.operations import authenticate
from app.extensions import db
from tests.factories.auth import PASSWORD, csrf_from

STRANGER, OFFICE = "198.51.100.7", "10.20.0.15"
T0 = datetime(2026, 12, 3, 1, 30, 20, tzinfo=UTC)  # 09:30:20 China time
RETRY_RE = re.compile(r"登录失败次数过多，请于 (\d\d:\d\d) 后再试")


def _browser(app, address):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = address
    return c


def _post(client, username, password, **kw):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}, **kw)


def _try(username, password, source):
    """One login attempt as the login view makes it: its own transaction, committed."""
    result = authenticate(username, password, source=source)
    db.session.commit()
    return result


def _fail(username, source, times=1):
    results = [_try(username, "Wrong#pass1", source) for _ in range(times)]
    return results[-1]


def test_a_stranger_cannot_lock_the_real_user_out(app, world):
    stranger = _browser(app, STRANGER)
    for _ in range(8):
        r = _post(stranger, "legal", "guess-123")
    assert r.status_code == 429 and RETRY_RE.search(r.get_data(as_text=True))
    r = _post(_browser(app, OFFICE), "legal", PASSWORD)  # the real user, at their desk
    assert r.status_code == 302


def test_pauses_grow_1_2_4_minutes_then_stop_at_the_cap(app, world, db):
    clock.freeze(T0)
    for _ in range(4):
        assert _fail("legal", STRANGER).status == 401
    fifth = _fail("legal", STRANGER)
    assert fifth.status == 401 and "请于 09:32 后再试" in fifth.message  # 09:31:20, said as the minute after
    assert _try("legal", PASSWORD, STRANGER).status == 429  # even the right password waits
    pauses = []
    for _ in range(6):
        waited = timedelta(0)
        while _try("legal", "Wrong#pass1", STRANGER).status == 429:
            clock.advance(timedelta(seconds=30))
            waited += timedelta(seconds=30)
        pauses.append(waited)
    assert pauses[0] == timedelta(minutes=1)  # the pause of the fifth failure
    assert pauses[1:] == [timedelta(minutes=m) for m in (2, 4, 8, 15, 15)]
    assert db.session.query(LoginAttempt).filter_by(username="legal", success=True).count() == 0


def test_success_from_that_address_clears_its_count(app, world):
    clock.freeze(T0)
    _fail("legal", OFFICE, times=4)
    assert _try("legal", PASSWORD, OFFICE).user is not None
    assert _fail("legal", OFFICE, times=4).status == 401  # four more tries before a pause, not one


def test_warning_before_the_pause(app, world):
    clock.freeze(T0)
    assert _fail("legal", OFFICE, times=2).message == "用户名或密码错误"
    assert _fail("legal", OFFICE).message == "用户名或密码错误，再失败2次将暂停登录"


def test_failures_are_forgotten_an_hour_after_the_last(app, world):
    clock.freeze(T0)
    _fail("legal", OFFICE, times=4)
    clock.advance(timedelta(minutes=61))
    assert _fail("legal", OFFICE, times=4).status == 401
    assert _fail("legal", OFFICE).status == 401
    assert _try("legal", PASSWORD, OFFICE).status == 429


def test_one_address_failing_for_many_users_pauses_that_address(app, world, db):
    clock.freeze(T0)
    for i in range(20):
        assert _try(f"user{i}", "Wrong#pass1", STRANGER).status == 401
    r = _post(_browser(app, STRANGER), "officer", PASSWORD)
    assert r.status_code == 429
    assert re.search(r"该网络地址登录失败次数过多，请于 09:32 后再试", r.get_data(as_text=True))
    assert _post(_browser(app, OFFICE), "officer", PASSWORD).status_code == 302  # other addresses go on
    clock.advance(timedelta(minutes=2))
    assert _post(_browser(app, STRANGER), "officer", PASSWORD).status_code == 302


def test_a_good_login_does_not_clear_the_address_count(app, world):
    """One valid account must not let its holder guess other users' passwords from the same address."""
    clock.freeze(T0)
    for i in range(19):
        _try(f"user{i}", "Wrong#pass1", STRANGER)
        assert _try("officer", PASSWORD, STRANGER).user is not None
    assert _try("user19", "Wrong#pass1", STRANGER).status == 401
    assert _try("officer", PASSWORD, STRANGER).status == 429


def test_forwarded_for_is_not_trusted_without_proxy_hops(app, world):
    """The client address is request.remote_addr: a forged X-Forwarded-For does not escape the pause."""
    stranger = _browser(app, STRANGER)
    for i in range(7):
        r = _post(stranger, "legal", "guess-123", headers={"X-Forwarded-For": f"192.0.2.{i}"})
    assert r.status_code == 429


def test_unknown_user_names_are_throttled_and_answered_alike(app, world):
    clock.freeze(T0)
    known = [_try("legal", "Wrong#pass1", STRANGER) for _ in range(6)]
    unknown = [_try("nobody", "Wrong#pass1", STRANGER) for _ in range(6)]
    assert [(r.status, r.message) for r in known] == [(r.status, r.message) for r in unknown]


def test_inactive_user_costs_a_check_and_is_refused(app, world, db, monkeypatch):
    world.officer.is_active_flag = False
    db.session.commit()
    checks = _count_checks(monkeypatch)
    assert _try("officer", PASSWORD, OFFICE).user is None
    assert checks["n"] == 1


def test_admin_password_reset_lifts_the_pauses(app, world, login, db):
    clock.freeze(T0)
    for source in (STRANGER, OFFICE):
        _fail("legal", source, times=5)
    assert _try("legal", PASSWORD, OFFICE).status == 429
    admin = login(world.admin)
    r = admin.post(f"/admin/users/{world.legal.id}/password",
                   data={"password": "Neu#2026pass", "password_confirm": "Neu#2026pass"})
    assert r.status_code == 303
    assert db.session.query(LoginThrottle).filter_by(username="legal").count() == 0
    assert _try("legal", "Neu#2026pass", OFFICE).user is not None
    assert _try("legal", "Neu#2026pass", STRANGER).user is not None


def test_the_pause_is_audited_once_with_its_label(app, world, db):
    clock.freeze(T0)
    _fail("legal", STRANGER, times=7)
    events = db.session.query(AuditEvent).filter_by(action="auth.login_throttled").all()
    assert len(events) == 1  # when the pause starts; refused attempts write nothing
    assert "legal" in events[0].summary and STRANGER in events[0].summary and "09:32" in events[0].summary
    assert action_label("auth.login_throttled") == "登录受限（失败次数过多）"
    assert db.session.query(LoginAttempt).filter_by(username="legal").count() == 5  # refused: not checked


def test_an_attempt_lost_in_a_crash_stops_counting(app, world):
    clock.freeze(T0)
    for _ in range(5):
        assert throttle.admit("legal", STRANGER).allowed  # admitted, never settled (the process died)
    assert not throttle.admit("legal", STRANGER).allowed
    clock.advance(timedelta(minutes=throttle.IN_FLIGHT_MINUTES, seconds=1))
    assert throttle.admit("legal", STRANGER).allowed


def test_retry_time_is_china_time_rounded_up():
    assert throttle.retry_at(datetime(2026, 12, 3, 1, 31, 0, tzinfo=UTC)) == "09:31"
    assert throttle.retry_at(datetime(2026, 12, 3, 1, 31, 0, 1, tzinfo=UTC)) == "09:32"
    assert throttle.retry_at(datetime(2026, 12, 3, 15, 59, 30, tzinfo=UTC)) == "00:00"


# --- concurrency --------------------------------------------------------------------------------------------
def _count_checks(monkeypatch):
    checks, lock, verify = {"n": 0}, threading.Lock(), auth_models._verify

    def counting(password_hash, password):
        with lock:
            checks["n"] += 1
        time.sleep(0.02)  # a password check takes time: let the others pile up behind it
        return verify(password_hash, password)

    monkeypatch.setattr(auth_models, "_verify", counting)
    return checks


def _concurrently(app, attempts):
    barrier, statuses, errors = threading.Barrier(len(attempts)), [], []

    def run(username, source):
        try:
            with app.app_context():
                barrier.wait()
                result = _try(username, "Wrong#pass1", source)
                db.session.commit()
                statuses.append(result.status)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=a) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return statuses


def test_forty_concurrent_attempts_get_at_most_the_limit_of_checks(app, world, monkeypatch):
    checks = _count_checks(monkeypatch)
    statuses = _concurrently(app, [("legal", STRANGER)] * 40)
    assert checks["n"] <= 5, checks
    assert checks["n"] >= 1 and statuses.count(401) == checks["n"]
    assert statuses.count(429) == 40 - checks["n"]


def test_forty_concurrent_attempts_across_users_get_at_most_the_address_limit(app, world, monkeypatch):
    checks = _count_checks(monkeypatch)
    _concurrently(app, [(f"user{i}", STRANGER) for i in range(40)])
    assert 1 <= checks["n"] <= 20, checks


# --- timing ---------------------------------------------------------------------------------------------------
@pytest.fixture
def real_hasher(monkeypatch):
    """Production's argon2id cost (the test suite otherwise uses the lowest)."""
    monkeypatch.setattr(auth_models, "_hasher", PasswordHasher())


def test_unknown_user_costs_the_same_as_a_wrong_password(app, world, db, real_hasher):
    world.legal.set_password(PASSWORD)
    db.session.commit()
    known, unknown = [], []
    for _ in range(6):  # interleaved, each from its own address: no pause interferes
        for name, times in (("legal", known), ("nobody", unknown)):
            t0 = time.perf_counter()
            authenticate(name, "Wrong#pass1", source=f"192.0.2.{len(known) + len(unknown)}")
            times.append(time.perf_counter() - t0)
            db.session.commit()
    known_ms, unknown_ms = statistics.median(known[1:]) * 1000, statistics.median(unknown[1:]) * 1000
    assert unknown_ms > 10, (known_ms, unknown_ms)  # a real password check, not a shortcut
    assert 0.5 < unknown_ms / known_ms < 2, (known_ms, unknown_ms)
