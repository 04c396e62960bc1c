"""The production server (issue #11 item 7): settings check, trusted proxy hops, `flask serve` for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app import create_app
from app.config import BASE_DIR, TestConfig
from app.serving.checks import UnsafeProductionConfig, secret_key_problem
from app.serving.cli import commands

STRONG = "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012345abcdef6789"


def _config(tmp_path, **extra):
    base = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    return {**base, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "UPLOAD_DIR": str(tmp_path), **extra}


@pytest.mark.parametrize(
    ("key", "from_env", "reason"),
    [
        (None, False, "环境变量 SECRET_KEY"),
        ("0123456789abcdef0123456789abcdef", False, "环境变量 SECRET_KEY"),  # the instance-file fallback
        ("changeme", True, "示例值"),
        ("short-but-random-Q7", True, "过短"),
        ("a" * 40, True, "过于简单"),
        ("abababababababababababababababab", True, "过于简单"),
    ],
)
def test_weak_or_missing_secret_is_refused_in_production(tmp_path, key, from_env, reason):
    assert reason in (secret_key_problem(key, from_environment=from_env) or "")
    with pytest.raises(UnsafeProductionConfig, match=reason):
        create_app(_config(tmp_path, PRODUCTION=True, SECRET_KEY=key or "", SECRET_KEY_FROM_ENV=from_env))


def test_strong_secret_from_environment_starts(tmp_path):
    assert secret_key_problem(STRONG, from_environment=True) is None
    app = create_app(_config(tmp_path, PRODUCTION=True, SECRET_KEY=STRONG, SECRET_KEY_FROM_ENV=True))
    assert app.config["PRODUCTION"]


def test_outside_production_a_local_key_is_fine(tmp_path):
    create_app(_config(tmp_path, PRODUCTION=False, SECRET_KEY="test-secret", SECRET_KEY_FROM_ENV=False))


@pytest.mark.parametrize(("hops", "expected"), [(0, "10.0.0.9"), (1, "203.0.113.7")])
def test_client_address_trusts_exactly_the_configured_proxy_hops(tmp_path, hops, expected):
    app = create_app(_config(tmp_path, SECRET_KEY="test-secret", PROXY_HOPS=hops))

    @app.get("/_client_ip")
    def _client_ip():
        from flask import request

        return request.remote_addr or ""

    got = app.test_client().get(
        "/_client_ip", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert got.text == expected  # never the left-most (client-written) address


def test_serve_refuses_a_weak_secret(tmp_path):
    app = create_app(_config(tmp_path, SECRET_KEY="test-secret", SECRET_KEY_FROM_ENV=False))
    run = app.test_cli_runner().invoke(args=["serve"])
    assert run.exit_code == 2
    assert "生产模式拒绝启动" in run.output


def test_serve_starts_web_timer_worker_and_jobs_worker_commands():
    web, worker, jobs = commands(3, 15, True)
    assert web[1:3] == ["-m", "gunicorn"] and "python:app.serving.gunicorn_conf" in web
    assert web[-1] == "app:create_app()" and web[web.index("--workers") + 1] == "3"
    assert worker[1:] == ["-m", "flask", "workflow", "worker", "--interval", "15"]
    assert jobs[1:] == ["-m", "flask", "jobs", "worker", "--interval", "1"]  # exports, off the web workers
    assert commands(None, 30, False) == [commands(None, 30, True)[0], jobs]
    assert commands(None, 30, True, False) == commands(None, 30, True)[:2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_flask_serve_runs_migrations_gunicorn_and_the_timer_worker(tmp_path):
    """The documented production command, for real: a fresh database is migrated, the login page is
    served by gunicorn, the timer worker runs, and SIGTERM stops both."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")},
        "FLASK_APP": "app:create_app",
        "SECRET_KEY": STRONG,
        "AUDIT_HMAC_KEY": "5e8d1c3b7a9f02e4d6c8b0a2f4e6d8c1b3a5",  # production requires the audit key too
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "SAFELOOP_INSTANCE": str(tmp_path),
        "SAFELOOP_BIND": f"127.0.0.1:{port}",
    }
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--workers", "1", "--interval", "5"],
                            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        body, headers, deadline = "", None, time.monotonic() + 60
        while time.monotonic() < deadline and "登录" not in body:
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as got:
                    body, headers = got.read().decode(), got.headers
            except OSError:
                continue
        assert "登录" in body, Path(log.name).read_text()
        # no server software or version in front of users (issue #11 item 6); the app's headers pass through
        assert headers.get_all("Server") == ["SafeLoop"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        # the workers announce themselves once their app is loaded (on a busy machine after gunicorn serves)
        started = ("工作流定时器进程已启动", "后台任务进程已启动")
        while time.monotonic() < deadline + 30 and not all(s in Path(log.name).read_text() for s in started):
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        log.close()
    out = (tmp_path / "serve.log").read_text()
    assert "升级数据库结构" in out and "工作流定时器进程已启动" in out and "后台任务进程已启动" in out, out
    assert (tmp_path / "serve.db").stat().st_size > 0
    assert proc.returncode == 0, out


def test_deploy_units_run_commands_that_exist(app):
    """docs/deploy/*.service name only commands this checkout has (a renamed command breaks the units)."""
    import importlib
    import shlex

    deploy = BASE_DIR / "docs" / "deploy"
    lines = [ln for unit in deploy.glob("*.service") for ln in unit.read_text().splitlines()
             if ln.startswith(("ExecStart=", "ExecStartPre="))]
    assert len(lines) >= 4
    for line in lines:
        argv = shlex.split(line.split("=", 1)[1])
        tool = Path(argv[0]).name
        if tool == "flask":
            result = app.test_cli_runner().invoke(args=[*argv[1:3], "--help"])
            assert result.exit_code == 0, (line, result.output)
        else:
            assert tool == "gunicorn"
            module = argv[argv.index("-c") + 1].removeprefix("python:")
            conf = importlib.import_module(module)
            assert conf.raw_env == ["SAFELOOP_ENV=production"] and conf.forwarded_allow_ips == ""
    env = (deploy / "safeloop.env.example").read_text()
    assert "SECRET_KEY=\n" in env  # never ship a key
