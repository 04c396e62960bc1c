"""Real hazard steps over HTTP vs the raw SpiffWorkflow + database request, same gunicorn, same run (issue #15).

(app)  each user task of the hazard loop posted as the browser posts it (bench/hazard_journey.py) to the app
       served by gunicorn in production mode (bench/server.py): 登记隐患 with a photo, 签发指令书, 企业整改 with a
       photo, 复查 (合格销号), 审批延期, 挂牌督办决定; the app's own time and statement count per request from
       its Server-Timing header.
(raw)  the same step as a tiny WSGI app (`raw_app`, no Flask, no SQLAlchemy: sqlite3 or psycopg directly)
       served by the same gunicorn setup, timed the same way (call → start_response): read the instance's
       state as the app read it just before its step (a copy in `raw_states`) → restore it with SpiffWorkflow
       → complete the same user task with the data the app completed it with (human_tasks.data) → run the
       engine steps → serialize → UPDATE → commit. 签发指令书 starts the workflow instead (the app's start data,
       engine steps, serialize, INSERT, commit). 登记隐患 moves no workflow: its floor is the photo stored as
       the app stores it (SHA-256, written, fsync'd) and one row INSERTed, committed.

Target (issue #15): every step's app median ≤ 3× its raw median, on SQLite and on PostgreSQL.

Also printed: each request's time in the database driver (Server-Timing db;dur, and the raw app's own), and
what an authenticated POST that does nothing else costs in the same server (/notifications/read: the user
loaded from the session, CSRF, one UPDATE, COMMIT, redirect): the part of a step no step can shed.

    python bench/bench_hazard_steps.py                                   # SQLite (bench/out/hazard_steps.db)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/<db> python bench/bench_hazard_steps.py
    BENCH_HAZARD_STEPS=40 (rounds; each round walks three hazards: general, extension, 重大)
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import Client, Server  # noqa: E402

N = int(os.environ.get("BENCH_HAZARD_STEPS", 40))
WARM = 3  # first rounds load templates, forms, parsed specs, statement caches: not counted

STEPS = [  # (key, label, target)
    ("register", "登记隐患（1张照片）", True),
    ("issue", "签发指令书", True),
    ("rectify", "企业整改（1张照片）", True),
    ("review", "复查（合格销号）", True),
    ("request_extension", "申请延期", False),
    ("extension", "审批延期（批准）", True),
    ("supervision", "挂牌督办决定", True),
]


# --- the raw request (served by gunicorn as `bench.bench_hazard_steps:raw_app()`) ---------------------------


def _connect(url: str):
    """A DB-API connection to the app's database (DATABASE_URL spelling), with the app's SQLite settings."""
    if url.startswith("sqlite:///"):
        import sqlite3

        con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        con.execute("PRAGMA journal_mode=WAL")  # as app.db.configure_sqlite
        con.execute("PRAGMA synchronous=NORMAL")
        return con, "?"
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)), "%s"


class RawStep:
    """WSGI app: POST /task, /start, /register with the step's inputs; answers with Server-Timing as the app."""

    def __init__(self, url: str, parsed: dict, upload_dir: Path):
        self.con, p = _connect(url)
        self.parsed = parsed
        self.upload_dir = upload_dir
        self.sql = {
            "read": f"SELECT state FROM raw_states WHERE id = {p}",
            "update": f"UPDATE raw_states SET state = {p}, version = version + 1 WHERE id = {p}",
            "start": f"INSERT INTO raw_started (state, version) VALUES ({p}, 1)",
            "row": f"INSERT INTO raw_rows (sha256, fields) VALUES ({p}, {p})",
        }

    def __call__(self, environ, start_response):
        from app.serving.timing import header_value

        t0 = time.perf_counter()
        self.db = 0.0
        if environ["REQUEST_METHOD"] != "POST":
            statements = 0  # the server's readiness probe
        else:
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            path = environ["PATH_INFO"]
            if path == "/register":
                statements = self.register(body, environ.get("CONTENT_TYPE", ""))
            else:
                statements = self.task(json.loads(body)) if path == "/task" else self.start(json.loads(body))
        ms = (time.perf_counter() - t0) * 1000
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2"),
                                  ("Server-Timing", header_value(ms, statements, self.db * 1000))])
        return [b"ok"]

    def execute(self, cur, sql: str, params: tuple):
        """cur.execute, its time added to the request's `db;dur` (as the app's Server-Timing counts it)."""
        t0 = time.perf_counter()
        try:
            return cur.execute(sql, params)
        finally:
            self.db += time.perf_counter() - t0

    def task(self, req: dict) -> int:
        from app import clock
        from app.workflow import codec
        from app.workflow.handlers import running
        from app.workflow.tree import advance, ready_user_tasks

        cur = self.con.cursor()
        (state,) = self.execute(cur, self.sql["read"], (req["key"],)).fetchone()
        with running(None, clock.now()):
            wf = codec.loads(state, self.parsed[req["process"]])
            task = next(t for t in ready_user_tasks(wf) if t.task_spec.bpmn_id == req["bpmn_id"])
            task.data.update(req["data"])
            task.run()
            advance(wf)
            state = codec.dumps(wf)
        self.execute(cur, self.sql["update"], (state, req["key"]))
        self.con.commit()
        return 2

    def start(self, req: dict, commit: bool = True) -> int:
        from app import clock
        from app.workflow import codec
        from app.workflow.handlers import running
        from app.workflow.tree import advance, new_workflow

        with running(None, clock.now()):
            wf = new_workflow(self.parsed[req["process"]], req["data"])
            advance(wf)
            state = codec.dumps(wf)
        self.execute(self.con.cursor(), self.sql["start"], (state,))
        if commit:
            self.con.commit()
        return 1

    def register(self, body: bytes, content_type: str) -> int:
        """The photo (the multipart part with a filename) stored as app.attachments.storage.put stores it,
        the other fields as one row."""
        boundary = content_type.split("boundary=", 1)[1].encode()
        fields, photo = {}, b""
        for part in body.split(b"--" + boundary)[1:-1]:
            head, _, value = part.partition(b"\r\n\r\n")
            value = value.removesuffix(b"\r\n")
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
            if b"filename=" in head:
                photo = value
            else:
                fields[name] = value.decode()
        sha = hashlib.sha256(photo).hexdigest()
        fd, tmp = tempfile.mkstemp(dir=self.upload_dir, prefix="up-")
        with os.fdopen(fd, "wb") as out:
            out.write(photo)
            out.flush()
            os.fsync(out.fileno())
        target = self.upload_dir / sha
        if not target.exists():
            os.link(tmp, target)
        os.unlink(tmp)
        self.execute(self.con.cursor(), self.sql["row"], (sha, json.dumps(fields, ensure_ascii=False)))
        self.con.commit()
        return 1


def raw_app():
    """gunicorn's app factory for the raw server: the parsed BPMN of the app (create_app parses and checks
    the files, as a worker of the app does at start), then no Flask or SQLAlchemy per request."""
    from app import create_app
    from app.workflow import definitions

    flask_app = create_app()
    with flask_app.app_context():
        parsed = {p: definitions.get_definition(p) for p in ("hazard_rectification", "major_hazard_supervision")}
    upload_dir = Path(os.environ["SAFELOOP_INSTANCE"]) / "raw_uploads"
    upload_dir.mkdir(exist_ok=True)
    return RawStep(os.environ["DATABASE_URL"], parsed, upload_dir)


class RawServer(Server):
    """The raw WSGI app under the same gunicorn command and settings as the app's Server. A domain's bench
    names its own raw app in `target`."""

    target = "bench.bench_hazard_steps:raw_app()"

    def command(self) -> list[str]:
        web = super().command()
        return [*web[:-1], self.target]


# --- the bench process's side: copies of the app's state, and what the app completed tasks with -------------


class AppDatabase:
    def __init__(self, url: str):
        self.con, self.p = _connect(url)
        if not url.startswith("sqlite"):
            self.con.autocommit = True
        for ddl in ("CREATE TABLE raw_states (id INTEGER PRIMARY KEY, state TEXT, version INTEGER)",
                    "CREATE TABLE raw_started (id {} PRIMARY KEY, state TEXT, version INTEGER)",
                    "CREATE TABLE raw_rows (id {} PRIMARY KEY, sha256 TEXT, fields TEXT)"):
            serial = "INTEGER" if url.startswith("sqlite") else "SERIAL"
            self.execute(f"DROP TABLE IF EXISTS {ddl.split()[2]}")
            self.execute(ddl.format(serial))

    def execute(self, sql: str, params=()):
        cur = self.con.cursor()
        cur.execute(sql.replace("?", self.p), params)
        if self.p == "?":
            self.con.commit()
        return cur

    def instance_of(self, hazard_id: int) -> tuple[int, str]:
        return tuple(self.execute("SELECT id, process_id FROM workflow_instances WHERE subject_type = 'hazards' "
                                  "AND subject_id = ?", (hazard_id,)).fetchone())

    def subject_instance(self, subject_type: str, subject_id: int, process_id: str | None = None) -> int:
        """The workflow instance of a domain object (of `process_id` when the object has several)."""
        sql = "SELECT id FROM workflow_instances WHERE subject_type = ? AND subject_id = ?"
        args: tuple = (subject_type, subject_id)
        if process_id is not None:
            sql, args = sql + " AND process_id = ?", (*args, process_id)
        return self.execute(sql, args).fetchone()[0]

    def ready_task(self, instance_id: int, bpmn_id: str) -> int:
        row = self.execute(
            "SELECT id FROM human_tasks WHERE instance_id = ? AND bpmn_id = ? AND status = 'ready'",
            (instance_id, bpmn_id),
        ).fetchone()
        if row is None:
            raise RuntimeError(f"instance {instance_id}: no ready {bpmn_id}")
        return row[0]

    def copy_state(self, instance_id: int) -> None:
        (state,) = self.execute("SELECT state FROM workflow_instances WHERE id = ?", (instance_id,)).fetchone()
        self.execute("DELETE FROM raw_states WHERE id = ?", (instance_id,))
        self.execute("INSERT INTO raw_states (id, state, version) VALUES (?, ?, 1)", (instance_id, state))

    def start_data(self, instance_id: int) -> dict:
        (state,) = self.execute("SELECT state FROM workflow_instances WHERE id = ?", (instance_id,)).fetchone()
        dct = json.loads(state)
        return dct["tasks"][dct["root"]]["data"]

    def completed_with(self, instance_id: int, bpmn_id: str) -> dict:
        (data,) = self.execute("SELECT data FROM human_tasks WHERE instance_id = ? AND bpmn_id = ? AND status = "
                               "'completed' ORDER BY id DESC LIMIT 1", (instance_id, bpmn_id)).fetchone()
        return json.loads(data) if isinstance(data, str) else data


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width (a CJK character takes two columns)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def main() -> None:
    from bench.common import percentile
    from bench.hazard_journey import (
        build_world,
        decide_extension,
        decide_supervision,
        issue,
        photo,
        rectify,
        register,
        request_extension,
        review,
        task_form,
    )

    app, world = build_world("hazard_steps")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    appdb = AppDatabase(url.replace("postgresql+psycopg://", "postgresql://", 1))
    got: dict[str, dict[str, list]] = {
        k: {"app": [], "sql": [], "raw": [], "raw_sql": [], "db": [], "raw_db": []} for k, _, _ in STEPS
    }
    with Server(url) as server, RawServer(url) as raw_server:
        officer, manager, leader = (world.login(server, u) for u in ("officer1", "manager1", "leader"))
        raw: Client = raw_server.client()

        def record(step: str, r, rr) -> None:
            got[step]["app"].append(r.server_ms)
            got[step]["sql"].append(r.sql)
            got[step]["raw"].append(rr.server_ms)
            got[step]["raw_sql"].append(rr.sql)
            got[step]["db"].append(r.db_ms)
            got[step]["raw_db"].append(rr.db_ms)

        def raw_post(path: str, payload: dict):
            r = raw.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
            assert r.status == 200, r.text
            return r

        def raw_register():
            from bench.server import _multipart

            fields = [("location", "一号车间配电箱"), ("description", "配电箱门缺失，带电部位外露")]
            body, ctype = _multipart(fields, {"photos": [photo()]})
            return raw.request("POST", "/register", body, {"Content-Type": ctype})

        def issued(h) -> None:
            r = issue(officer, world, h.order_id)
            inst, process = appdb.instance_of(h.hazard_id)
            record("issue", r, raw_post("/start", {"process": process, "data": appdb.start_data(inst)}))

        def task(step: str, who: Client, hazard_id: int, bpmn_id: str, post, *args) -> None:
            """Open the hazard's page as `who` (untimed), then post the task's form: post(who, *args, action)."""
            inst, process = appdb.instance_of(hazard_id)
            action = task_form(who, hazard_id, bpmn_id)
            appdb.copy_state(inst)  # the state the app's step reads
            r = post(who, *args, action)
            data = appdb.completed_with(inst, bpmn_id)
            record(step, r, raw_post("/task", {"key": inst, "process": process, "bpmn_id": bpmn_id, "data": data}))

        def registered(**kw):
            h = register(officer, world, **kw)
            record("register", h.response, raw_register())
            return h

        for _ in range(N + WARM):
            h = registered()  # general hazard: 整改 with a photo, 复查 pass
            issued(h)
            task("rectify", manager, h.hazard_id, "submit_rectification", rectify)
            task("review", officer, h.hazard_id, "review_rectification", review, world)

            h = registered()  # 延期 requested and approved
            issued(h)
            task("request_extension", manager, h.hazard_id, "submit_rectification", request_extension)
            task("extension", officer, h.hazard_id, "review_extension", decide_extension)

            h = registered(major=True, location="抛光车间除尘系统")  # 重大: 挂牌督办
            issued(h)
            task("supervision", leader, h.hazard_id, "decide_supervision", decide_supervision)

        # what any step pays before its own work: an authenticated POST that does nothing else (the user
        # loaded from the session, CSRF checked, one UPDATE, COMMIT, a redirect)
        officer.get("/notifications")
        bare = []
        for _ in range(N + WARM):
            r = officer.post("/notifications/read", {})
            assert r.status == 302, r.status
            bare.append((r.server_ms, r.db_ms, r.sql))

    print(f"hazard steps over HTTP, {kind}: gunicorn (1 sync worker, production) for the app and for the raw "
          f"request; {N} of each step after {WARM} warm-up rounds; server times from Server-Timing")
    print(f"  {'step':<20} {'app p50':>8} {'app p95':>8} {'SQL':>4} {'db p50':>7} {'raw p50':>8} {'raw SQL':>7} "
          f"{'raw db':>7} {'app/raw':>8}")
    for step, label, target in STEPS:
        g = {k: v[WARM:] for k, v in got[step].items()}
        a, r = statistics.median(g["app"]), statistics.median(g["raw"])
        mark = ("ok" if a <= 3 * r else "over 3x") if target else "(not a target)"
        print(f"  {_pad(label, 20)} {a:8.2f} {percentile(g['app'], 0.95):8.2f} {statistics.median(g['sql']):4.0f} "
              f"{statistics.median(g['db']):7.2f} {r:8.2f} {statistics.median(g['raw_sql']):7.0f} "
              f"{statistics.median(g['raw_db']):7.2f} {a / r:7.2f}x  {mark}")
    print("  (ms; raw = the raw SpiffWorkflow + database request, for 登记隐患 the photo + one row; db = time in the "
          "driver's cursor executes, COMMIT not included; target: app p50 ≤ 3× raw p50)")
    bare = bare[WARM:]
    print(f"  an authenticated POST doing nothing else (/notifications/read: the user loaded, CSRF, one UPDATE, "
          f"COMMIT, redirect): p50 {statistics.median(b[0] for b in bare):.2f} ms, db "
          f"{statistics.median(b[1] for b in bare):.2f} ms, {statistics.median(b[2] for b in bare):.0f} statements")


if __name__ == "__main__":
    main()
