import re

from app.auth.models import LoginAttempt
from tests.factories.auth import PASSWORD, csrf_from


def _token(client):
    return csrf_from(client.get("/login").get_data(as_text=True))


def test_login_success_redirects_only_to_local_next(app, world):
    c = app.test_client()
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": _token(c),
                               "next": "https://evil.example.com/"})
    assert r.status_code == 302
    assert "evil" not in r.headers["Location"]


def test_login_with_local_next(app, world):
    c = app.test_client()
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": _token(c),
                               "next": "/login?x=1"})
    assert r.headers["Location"].endswith("/login?x=1")


def test_protocol_relative_next_is_rejected(app, world):
    c = app.test_client()
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": _token(c),
                               "next": "//evil.example.com/x"})
    assert "evil" not in r.headers["Location"]


def test_login_without_csrf_is_refused(app, world):
    c = app.test_client()
    r = c.post("/login", data={"username": "officer", "password": PASSWORD})
    assert r.status_code == 400
    assert "令牌" in r.get_data(as_text=True)


def test_wrong_password_then_throttled(app, world, db):
    c = app.test_client()
    for _ in range(5):
        r = c.post("/login", data={"username": "officer", "password": "nope", "csrf_token": _token(c)})
        assert r.status_code == 401
    assert "登录失败次数过多，请于" in r.get_data(as_text=True)  # the fifth failure starts a pause
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": _token(c)})
    assert r.status_code == 429
    assert re.search(r"登录失败次数过多，请于 \d\d:\d\d 后再试", r.get_data(as_text=True))
    assert db.session.query(LoginAttempt).filter_by(success=True).count() == 0


def test_password_is_hashed_with_argon2(world):
    assert world.officer.password_hash.startswith("$argon2id$")
    assert world.officer.check_password(PASSWORD)
    assert not world.officer.check_password("wrong")


def test_inactive_user_cannot_log_in(app, world, db):
    world.officer.is_active_flag = False
    db.session.commit()
    c = app.test_client()
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": _token(c)})
    assert r.status_code == 401


def test_session_cookie_flags(app, world):
    c = app.test_client()
    r = c.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": _token(c)})
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
