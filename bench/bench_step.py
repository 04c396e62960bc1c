"""One workflow step: the raw SpiffWorkflow floor vs the same step through the whole app.

(a) raw floor  — sqlite3 SELECT state → SpiffWorkflow restore → complete the user task → engine steps →
                 serialize → UPDATE, in one transaction; no Flask, no SQLAlchemy. Two variants: the stock
                 serializer (spec stored in every state) and ours (spec kept out, parsed spec cached).
(b) full app   — HTTP POST of the task form through the Flask test client: session auth, CSRF token,
                 permission checks, form validation, optimistic lock, HumanTask/Timer projections,
                 hash-chained audit event, one commit, redirect to the inbox with the completion notice.
(b') the same  — the same POST handed to the app as a WSGI call with a ready environ: what the server
                 spends, without the test client building the request and parsing the response (in
                 production that is the browser's and the HTTP server's work, outside the app).

Both complete the same user task ('register' of tests/fixtures/workflows/test_simple.bpmn) on fresh
instances.
Target (issue #2): (b)/(a) ≤ 2.0 on SQLite.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, bench_app, county_world  # noqa: E402

N = int(os.environ.get("BENCH_STEPS", 300))


def prepare(app, n):
    from app import clock, workflow
    from app.auth.roles import Role
    from app.extensions import db

    clock.freeze(date(2026, 11, 2))
    with app.app_context():
        ent, users = county_world({"officer": ([Role.OFFICER], "bureau")}, password="Bench@2026pass")
        officer = users["officer"]
        ids = []
        for _ in range(n):
            inst = workflow.start("test_simple", subject=ent, title="隐患", region_path=ent.region_path,
                                  enterprise_id=ent.id, data={"officer_id": officer.id}, actor=officer)
            ids.append(inst.id)
        db.session.commit()
        tasks = [workflow.ready_tasks(db.session.get(type(inst), i))[0].id for i in ids]
        return ids, tasks


def raw_floor(app, instance_ids, stock: bool):
    """Returns step(i): restore + complete + engine steps + save + UPDATE with SpiffWorkflow and sqlite3 only."""
    from SpiffWorkflow.util.task import TaskState

    from app.extensions import db
    from app.workflow import codec
    from app.workflow.models import WorkflowInstance
    from app.workflow.scripting import SCRIPT_ENGINE
    from app.workflow.versions import parsed_for

    with app.app_context():
        parsed = parsed_for(db.session.get(WorkflowInstance, instance_ids[0]))
        path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        serializer = codec.stock_serializer() if stock else codec.SERIALIZER
    table = "raw_stock" if stock else "raw_specless"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")  # the same settings the app uses (app.db.configure_sqlite)
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY, state TEXT, version INT)")
    con.execute(f"DELETE FROM {table}")
    for i in instance_ids:
        (state,) = con.execute("SELECT state FROM workflow_instances WHERE id = ?", (i,)).fetchone()
        wf = codec.loads(state, parsed)
        con.execute(f"INSERT INTO {table} VALUES (?, ?, 1)", (i, serializer.serialize_json(wf)))
    con.commit()

    def step(k: int) -> None:
        i = instance_ids[k]
        (state,) = con.execute(f"SELECT state FROM {table} WHERE id = ?", (i,)).fetchone()
        if stock:
            wf = serializer.deserialize_json(state)
            wf.script_engine = SCRIPT_ENGINE
        else:
            wf = codec.loads(state, parsed)
        [task] = wf.get_tasks(state=TaskState.READY, manual=True)
        task.data.update({"deadline": date(2026, 11, 20)})
        task.run()
        wf.do_engine_steps()
        con.execute(f"UPDATE {table} SET state = ?, version = version + 1 WHERE id = ?",
                    (serializer.serialize_json(wf), i))
        con.commit()

    return step


def _login(app):
    """A logged-in test client and the CSRF token of its session (from a task page's form)."""
    import re

    def token_of(html: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    client = app.test_client()
    token = token_of(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "officer", "password": "Bench@2026pass", "csrf_token": token})
    assert r.status_code == 302, r.status_code
    return client, token_of(client.get("/inbox").get_data(as_text=True))


def full_app(app, task_ids):
    """Returns step(i): the HTTP POST of task i's form through the test client, as the logged-in officer."""
    client, token = _login(app)

    def step(k: int) -> None:
        r = client.post(f"/tasks/{task_ids[k]}", data={"deadline": "2026-11-20", "csrf_token": token})
        done = f"/inbox?completed={task_ids[k]}"  # completed, not sent to the login page
        assert r.status_code == 302 and r.location == done, (r.status_code, r.location)

    return step


def server_side(app, task_ids):
    """Returns step(i): the same POST as a WSGI call on a prepared environ (session cookie, CSRF token)."""
    import io
    from urllib.parse import urlencode

    client, token = _login(app)
    cookie = client.get_cookie("session").value
    body = urlencode({"deadline": "2026-11-20", "csrf_token": token}).encode()
    base = {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost",
        "HTTP_COOKIE": f"session={cookie}", "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        # the browser that logged in: another User-Agent fails Flask-Login's session protection, which then
        # marks the session not fresh and rewrites the cookie on every request
        **client.environ_base,
    }

    def step(k: int) -> None:
        status = []
        body_iter = app({**base, "PATH_INFO": f"/tasks/{task_ids[k]}", "wsgi.input": io.BytesIO(body)},
                        lambda s, headers, exc_info=None: status.append((s, dict(headers))))
        for _ in body_iter:
            pass
        body_iter.close()
        [(code, headers)] = status
        assert code == "302 FOUND" and headers["Location"] == f"/inbox?completed={task_ids[k]}", status
        assert "Set-Cookie" not in headers, headers  # the same session as in a browser: nothing to rewrite

    return step


def interleaved(variants: dict, n: int) -> dict[str, list[float]]:
    """Time the variants round-robin (a, b, c, b, c, a, ...) so drift on a shared machine hits all alike."""
    out = {name: [] for name in variants}
    names = list(variants)
    for k in range(n):
        for name in names[k % len(names):] + names[:k % len(names)]:
            fn = variants[name]
            t0 = time.perf_counter()
            fn(k)
            out[name].append((time.perf_counter() - t0) * 1000)
    return out


def main():
    import statistics

    from bench.common import percentile

    app = bench_app("step", csrf=True)
    warm = 10  # first steps of each variant warm caches (statement cache, parsed spec): not timed
    block = N + warm
    ids, tasks = prepare(app, 4 * block)  # a block of fresh instances for each of the four variants
    runs = interleaved(
        {
            "stock": raw_floor(app, ids[:block], stock=True),
            "ours": raw_floor(app, ids[block:2 * block], stock=False),
            "full": full_app(app, tasks[2 * block:3 * block]),
            "server": server_side(app, tasks[3 * block:]),
        },
        block,
    )
    stock, ours, full, server = (runs[k][warm:] for k in ("stock", "ours", "full", "server"))

    def line(label, ms):
        return f"{label:<66} p50 {statistics.median(ms):6.2f} ms   p95 {percentile(ms, 0.95):6.2f} ms"

    print(f"SQLite, {N} steps each, interleaved (fresh instances of test_simple, task 'register')")
    print(line("(a) raw floor: SpiffWorkflow stock serializer + sqlite3", stock))
    print(line("(a') raw floor: spec kept out of state (our serializer) + sqlite3", ours))
    print(line("(b) full app: HTTP POST /tasks/<id> via the test client", full))
    print(line("(b') full app, server side: the same POST as a WSGI call", server))
    a = statistics.median(stock)
    with app.app_context():  # every timed step really completed its task
        from sqlalchemy import func, select

        from app.extensions import db
        from app.workflow.models import HumanTask

        done = db.session.scalar(select(func.count()).where(HumanTask.status == "completed"))
        assert done == 2 * block, done
    print(f"(b)/(a) = {statistics.median(full) / a:.2f}   (b')/(a) = {statistics.median(server) / a:.2f}   "
          f"(target ≤ 2.0)   (b)/(a') = {statistics.median(full) / statistics.median(ours):.2f}")
    (OUT / "step.db").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
