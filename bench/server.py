"""Benchmarks over real HTTP: gunicorn started as production starts it, and a browser-like client.

    with Server(url, workers=1) as server:        # gunicorn, production mode, CSRF on, Server-Timing on
        c = server.client()
        c.login("officer", "Bench@2026pass")
        r = c.get("/hazards")                      # Response: status, headers, body, ms, server_ms, sql
        r = c.post("/hazards/new", {"location": "配电室"}, files={"photos": [("a.jpg", jpeg, "image/jpeg")]})

`Server` runs the web command of `flask serve` (app.serving.cli.commands: gunicorn with
app/serving/gunicorn_conf.py, sync workers) in production mode on a free loopback port, with
SAFELOOP_SERVER_TIMING=1 so every response carries the app's own time and SQL statement count
(app/serving/timing.py). It does not migrate: build the schema and the world first (bench.common.bench_app).
The server is stopped on exit, also when the block raises; it runs in its own process group, so no worker
outlives it.

`Client` keeps one keep-alive connection (gunicorn's sync workers close it after each response; it is
reopened), a cookie jar, and the CSRF token of the last page that carried one (the hidden `csrf_token`
field every form and the base template's logout form hold); `post` adds it unless given.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SECRET = "b7e4c1d9a2f6083e5d7c9b1a4f2e6d8c0a3b5f7e9d1c"  # production refuses weak keys; bench-only values
AUDIT_KEY = "3f9a6c2e8b1d4f7a0c5e9b2d6f8a1c4e7b0d3f5a"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')
TIMING = re.compile(r"(\w+);(?:dur=([\d.]+)|desc=\"?(\d+)\"?)")

FileSpec = tuple[str, bytes, str]  # (filename, content, content type)


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers (Set-Cookie) joined with "\n"
    body: bytes
    ms: float  # client elapsed: request written → body read
    server_ms: float | None = None  # the app's own time (Server-Timing app;dur)
    db_ms: float | None = None  # of it, in the database driver's cursor executes (Server-Timing db;dur)
    sql: int | None = None  # statements the request executed (Server-Timing sql;desc)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        loc = self.headers.get("location")
        if loc and loc.startswith("http"):
            parts = urlsplit(loc)
            loc = parts.path + (f"?{parts.query}" if parts.query else "")
        return loc

    def json(self):
        import json

        return json.loads(self.body)


@dataclass
class Client:
    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str | None = None
    user_agent: str = "Mozilla/5.0 (SafeLoop bench)"
    log: list[tuple[str, str, Response]] | None = None  # when a list: every (method, path, response)

    def __post_init__(self) -> None:
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    # --- requests ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        head = {"Host": f"{self.host}:{self.port}", "User-Agent": self.user_agent, "Accept-Encoding": "identity",
                **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=head)
                raw = self.conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()  # the server closed the kept-alive connection first: once more, anew
                if attempt == 2:
                    raise
        ms = (time.perf_counter() - t0) * 1000
        headers_out: dict[str, str] = {}
        for name, value in raw.getheaders():
            key = name.lower()
            headers_out[key] = f"{headers_out[key]}\n{value}" if key in headers_out else value
            if key == "set-cookie":
                self._store_cookie(value)
        if raw.will_close:
            self.conn.close()
        r = Response(raw.status, headers_out, data, ms)
        for name, dur, desc in TIMING.findall(headers_out.get("server-timing", "")):
            if name == "app" and dur:
                r.server_ms = float(dur)
            elif name == "db" and dur:
                r.db_ms = float(dur)
            elif name == "sql" and desc:
                r.sql = int(desc)
        if "text/html" in headers_out.get("content-type", ""):
            self.remember_token(r.text)
        if self.log is not None:
            self.log.append((method, path, r))
        return r

    def get(self, path: str, params: dict | None = None, headers: dict[str, str] | None = None) -> Response:
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict | list[tuple[str, str]] | None = None, *,
             files: dict[str, FileSpec | list[FileSpec]] | None = None, csrf: bool = True,
             headers: dict[str, str] | None = None) -> Response:
        """A form POST as a browser sends it: urlencoded, or multipart/form-data when `files` are given.
        `data` values may be lists (repeated fields). The CSRF token of the last page is added unless
        `data` has one or csrf=False."""
        fields = _pairs(data)
        if csrf and self.csrf and not any(k == "csrf_token" for k, _ in fields):
            fields.append(("csrf_token", self.csrf))
        if files:
            body, ctype = _multipart(fields, files)
        else:
            body, ctype = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body, {"Content-Type": ctype, **(headers or {})})

    def post_json(self, path: str, payload, headers: dict[str, str] | None = None) -> Response:
        import json

        head = {"Content-Type": "application/json", **({"X-CSRFToken": self.csrf} if self.csrf else {})}
        return self.request("POST", path, json.dumps(payload).encode(), {**head, **(headers or {})})

    def follow(self, r: Response) -> Response:
        """GET the redirect target of `r`, as the browser does after a POST (r itself if no redirect)."""
        return self.get(r.location) if r.status in (301, 302, 303) and r.location else r

    # --- session ----------------------------------------------------------------------------------
    def login(self, username: str, password: str) -> Response:
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password})
        if r.status != 302:
            raise RuntimeError(f"login of {username} failed: {r.status} {r.text[:300]}")
        self.get(r.location or "/")  # a signed-in page: its forms carry the session's CSRF token
        return r

    def remember_token(self, html: str) -> None:
        m = TOKEN.search(html)
        if m:
            self.csrf = m.group(1) or m.group(2)

    def _store_cookie(self, header: str) -> None:
        first, _, attrs = header.partition(";")
        name, _, value = first.strip().partition("=")
        expired = "max-age=0" in attrs.lower().replace(" ", "") or "expires=thu, 01 jan 1970" in attrs.lower()
        if expired or not value:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        self.conn.close()


def _pairs(data) -> list[tuple[str, str]]:
    if not data:
        return []
    items = data.items() if isinstance(data, dict) else data
    out = []
    for k, v in items:
        for one in (v if isinstance(v, list | tuple) else [v]):
            out.append((k, "" if one is None else str(one)))
    return out


def _multipart(fields: list[tuple[str, str]], files: dict[str, FileSpec | list[FileSpec]]) -> tuple[bytes, str]:
    boundary = f"----SafeLoopBench{uuid.uuid4().hex}"
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode() + b"\r\n")
    for name, spec in files.items():
        for filename, content, ctype in (spec if isinstance(spec, list) else [spec]):
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {ctype}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_env(db_url: str) -> str:
    """The DATABASE_URL spelling app.config accepts (it adds +psycopg itself)."""
    return db_url.replace("postgresql+psycopg://", "postgresql://", 1)


class Server:
    """gunicorn serving the app in production mode against `db_url`, for the duration of a with block."""

    def __init__(self, db_url: str, workers: int = 1, env: dict[str, str] | None = None,
                 instance_dir: str | Path | None = None, start_timeout: float = 60):
        self.db_url = db_url
        self.workers = workers
        self.extra_env = env or {}
        self.start_timeout = start_timeout
        self._tmp = None if instance_dir else tempfile.TemporaryDirectory(prefix="safeloop-bench-")
        self.instance_dir = Path(instance_dir or self._tmp.name)  # type: ignore[union-attr]
        self.host, self.port = "127.0.0.1", 0
        self.proc: subprocess.Popen | None = None
        self.log_path = self.instance_dir / "gunicorn.log"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        from app.serving.cli import commands

        return commands(self.workers, 30, with_timer_worker=False, with_jobs_worker=False)[0]

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "SECRET_KEY", "AUDIT_HMAC_KEY", "AUDIT_HMAC_KEY_FILE")}
        env.update({
            "SAFELOOP_ENV": "production", "PYTHONUNBUFFERED": "1", "FLASK_APP": "app:create_app",
            "SECRET_KEY": SECRET, "AUDIT_HMAC_KEY": AUDIT_KEY, "DATABASE_URL": database_url_env(self.db_url),
            "SAFELOOP_INSTANCE": str(self.instance_dir), "SAFELOOP_BIND": f"{self.host}:{self.port}",
            "SAFELOOP_SERVER_TIMING": "1", "SAFELOOP_TIMEOUT": "120",
            **self.extra_env,
        })
        return env

    def start(self) -> Server:
        for _attempt in range(3):  # the free port may be taken between the probe and gunicorn's bind
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.environment(), stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"gunicorn did not start; log {self.log_path}:\n{self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
                conn.request("GET", "/login")
                ok = conn.getresponse().status == 200
                conn.close()
                if ok:
                    # every worker has imported the app (they load it after fork): give the others a moment
                    return self._wait_workers(deadline)
            except OSError:
                pass
            time.sleep(0.2)
        return False

    def _wait_workers(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            booted = self.log_path.read_text(errors="replace").count("Booting worker")
            if booted >= self.workers:
                time.sleep(0.5 if self.workers > 1 else 0)
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # master and workers: graceful stop
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        try:  # a worker the master failed to reap
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def client(self) -> Client:
        return Client(self.host, self.port)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


if __name__ == "__main__":  # smoke: python bench/server.py → serves bench/out/server.db, logs in, prints timings
    sys.path.insert(0, str(ROOT))
    from app.auth.roles import Role
    from bench.common import bench_app, county_world

    app = bench_app("server")
    with app.app_context():
        county_world({"officer": ([Role.OFFICER], "bureau")}, password="Bench@2026pass")
        url = app.config["SQLALCHEMY_DATABASE_URI"]
    with Server(url) as server:
        c = server.client()
        c.login("officer", "Bench@2026pass")
        for path in ("/inbox", "/hazards", "/api/v1/hazards"):
            r = c.get(path)
            print(f"GET {path:<18} {r.status}  client {r.ms:6.1f} ms  server {r.server_ms} ms  sql {r.sql}")
