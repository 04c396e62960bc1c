"""Server-Timing for the HTTP benchmarks (app/serving/timing.py): on only with SERVER_TIMING, then the
app's time and the request's own SQL statement count on every response; with SAFELOOP_PROFILE_DIR too, each
POST's profile and statements with their call sites (app/serving/profiling.py)."""

from __future__ import annotations

import re

from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db

TIMING = re.compile(r'^app;dur=(\d+\.\d+), db;dur=(\d+\.\d+), sql;desc="(\d+)"$')


def _app(app, **extra):
    base = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    timed = create_app({**base, "SECRET_KEY": "test-secret", "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **extra})

    @timed.route("/_probe/upsert", methods=["POST"])
    def _upsert():  # an ON CONFLICT insert has no cache key in SQLAlchemy 2.0: compiled on every execution
        from sqlalchemy.dialects import postgresql, sqlite

        from app.org.models import Region

        name = db.session.get_bind().dialect.name
        stmt = (postgresql if name == "postgresql" else sqlite).insert(Region).on_conflict_do_nothing()
        db.session.execute(text("SELECT 1"))
        db.session.execute(stmt.values(code="990000", name="探针", level="province", path="/990000/"))
        db.session.rollback()
        return "ok"

    @timed.route("/_probe/<int:n>", methods=["GET", "POST"])
    def _probe(n: int):
        for _ in range(n):
            db.session.execute(text("SELECT 1"))
        return "ok"

    return timed


def test_off_by_default_no_header(app):
    assert not app.config["SERVER_TIMING"]
    assert "Server-Timing" not in app.test_client().get("/login").headers
    probe = _app(app)
    assert "Server-Timing" not in probe.test_client().get("/_probe/2").headers


def test_on_each_response_carries_its_time_and_its_own_statement_count(app):
    probe = _app(app, SERVER_TIMING=True)
    client = probe.test_client()
    counts = []
    for n in (3, 0, 5):  # the count and the driver's time start again with each request
        got = client.get(f"/_probe/{n}")
        assert got.status_code == 200 and got.text == "ok"
        match = TIMING.match(got.headers["Server-Timing"])
        assert match, got.headers["Server-Timing"]
        app_ms, db_ms = float(match.group(1)), float(match.group(2))
        assert app_ms > 0 and db_ms <= app_ms
        assert (db_ms > 0) == (n > 0)  # no statement, no time in the driver
        counts.append(int(match.group(3)))
    assert counts == [3, 0, 5]
    # pages, redirects and errors alike: the header is added at start_response
    assert TIMING.match(client.get("/login").headers["Server-Timing"])
    assert client.get("/hazards").status_code == 302
    assert TIMING.match(client.get("/hazards").headers["Server-Timing"])
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and TIMING.match(missing.headers["Server-Timing"])


def test_profiles_each_post_with_its_statements_and_their_call_sites(app, tmp_path, monkeypatch):
    import pstats

    out = tmp_path / "profile"
    monkeypatch.setenv("SAFELOOP_PROFILE_DIR", str(out))
    client = _app(app, SERVER_TIMING=True, WTF_CSRF_ENABLED=False).test_client()
    assert client.get("/_probe/2").status_code == 200  # pages are not profiled
    got = client.post("/_probe/3")
    assert got.status_code == 200 and TIMING.match(got.headers["Server-Timing"]).group(3) == "3"
    profiles = list(out.glob("*-_probe_3.prof"))
    assert len(profiles) == 1 and not list(out.glob("*-_probe_2.*"))
    assert pstats.Stats(str(profiles[0])).total_calls > 0
    lines = profiles[0].with_suffix(".sql").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert all(line.startswith("SELECT 1\t") and "test_timing.py" not in line for line in lines)


def test_a_statement_compiled_on_every_request_is_marked(app, tmp_path, monkeypatch):
    """A statement SQLAlchemy cannot cache shows as [compiled] each time; a cached one does not."""
    out = tmp_path / "profile"
    monkeypatch.setenv("SAFELOOP_PROFILE_DIR", str(out))
    client = _app(app, SERVER_TIMING=True, WTF_CSRF_ENABLED=False).test_client()
    for _ in range(2):
        assert client.post("/_probe/upsert").status_code == 200
    last = sorted(out.glob("*-_probe_upsert.sql"))[-1].read_text(encoding="utf-8").splitlines()
    assert last[0].startswith("SELECT 1\t")
    assert last[1].startswith("INSERT INTO regions") and " [compiled]\t" in last[1]


def test_without_the_directory_nothing_is_profiled(app, tmp_path, monkeypatch):
    monkeypatch.delenv("SAFELOOP_PROFILE_DIR", raising=False)
    client = _app(app, SERVER_TIMING=True, WTF_CSRF_ENABLED=False).test_client()
    assert client.post("/_probe/1").status_code == 200
    assert not list(tmp_path.rglob("*.prof"))
