"""Long work off the request (issue #11 item 8): a ledger export is a job the worker runs; the file is
what the writer makes for the same filter and scope; one winner when workers race; a job whose worker
died is run again by the next one; failures read in Chinese; only the owner sees a job (404 for others).
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select, update

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from app.hazards.ledger import hazard_rows
from app.hazards.queries import HazardFilters
from app.jobs import JobFailed, JobResult, enqueue, register_kind
from app.jobs import operations as ops
from app.jobs.models import Job, JobStatus
from app.ledgers import definitions
from app.ledgers.export import ExportMeta, write
from app.ledgers.jobs import unit_of
from tests.factories.db import commit
from tests.factories.jobs import export_ledger, run_jobs

RAN: list[int] = []  # job ids the counting runner ran, in order


def _counting_runner(job, run):
    RAN.append(job.id)
    for _ in run.counted(range(3), 3):
        pass
    return JobResult(path=run.save(io.BytesIO(b"ok"), "ok.txt"), download_name="结果.txt", mimetype="text/plain")


def _failing_runner(job, run):
    if run.params.get("bug"):
        raise RuntimeError("a bug")
    raise JobFailed("数据源暂不可用，请稍后重试")


register_kind("test.count", _counting_runner, "测试任务")
register_kind("test.fail", _failing_runner, "测试任务")


def _sheet(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def _queue(c, url: str) -> int:
    r = c.post(url)
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_export_job_writes_what_the_writer_writes_for_that_filter_and_scope(login, world, make_order):
    make_order({"location": "配电室"}, {"location": "仓库", "level": "一般"})
    make_order({"location": "料仓", "enterprise_id": world.ent_b.id})
    commit()
    c = login(world.town_officer)  # 龙城镇 only: the 黄口镇 hazard is out of scope
    job_id = _queue(c, "/ledgers/hazard_ledger.xlsx?level=一般")
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.QUEUED and job.params["args"] == {"level": "一般"}
    page = c.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "排队中" in page and "隐患排查治理台账" in page and "jobs.js" in page

    assert run_jobs() == 1
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert (job.progress_done, job.progress_total, job.percent) == (2, 2, 100)
    got = c.get(f"/jobs/{job_id}/download")
    assert got.status_code == 200 and got.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in got.headers["Content-Disposition"]

    ledger = definitions.get("hazard_ledger")
    f = HazardFilters(level="一般")
    meta = ExportMeta(unit=unit_of(world.town_officer), exported_at=clock.now().astimezone(clock.TZ),
                      period=f.period_label(), filters="等级：一般")
    out, count = write(ledger, hazard_rows(world.town_officer, f, attachment_base="http://localhost/attachments/",
                                           today=clock.today()), meta)
    assert count == 2
    assert _sheet(got.data) == _sheet(out.read())  # the frozen clock: 导出时间 too

    status = c.get(f"/jobs/{job_id}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["download_url"]
    assert "共 2 条" in c.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "隐患排查治理台账" in c.get("/jobs").get_data(as_text=True)


def test_two_workers_racing_for_one_job_run_it_once(app, world):
    RAN.clear()
    job = enqueue("test.count", {}, actor=world.officer, title="测试")
    commit()
    start, results = threading.Barrier(4), []

    def worker(name):
        with app.app_context():
            try:
                start.wait()
                results.append(ops.claim_next(name))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results, key=str) == [job.id, None, None, None]  # exactly one claim won

    # and whole workers, each claiming and running until the queue is empty: every job runs exactly once
    RAN.clear()
    ids = [enqueue("test.count", {"n": i}, actor=u, title="测试").id
           for i, u in enumerate((world.officer, world.officer2, world.supervisor))]
    commit()
    start = threading.Barrier(3)

    def whole(name):
        with app.app_context():
            try:
                start.wait()
                from app.jobs import run_pending

                run_pending(name)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=whole, args=(f"x{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(RAN) == ids
    db.session.expire_all()
    assert {j.status for j in db.session.scalars(select(Job).where(Job.id.in_(ids)))} == {JobStatus.DONE}


def test_a_job_whose_worker_died_is_requeued_and_completed_by_the_next_worker(world, login):
    RAN.clear()
    job = enqueue("test.count", {}, actor=world.officer, title="测试")
    commit()
    assert ops.claim_next("dead-worker") == job.id  # then the process is killed: no more heartbeats
    db.session.execute(update(Job).where(Job.id == job.id).values(heartbeat_at=clock.now() - timedelta(seconds=30)))
    commit()
    assert run_jobs("next-worker") == 0  # 30 s is not stale yet (JOBS_STALE_SECONDS = 60)
    db.session.execute(update(Job).where(Job.id == job.id).values(heartbeat_at=clock.now() - timedelta(minutes=5)))
    commit()
    assert run_jobs("next-worker") == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.worker_id, job.attempts, RAN) == (JobStatus.DONE, "next-worker", 2, [job.id])
    # the dead worker, if it comes back, cannot overwrite the result
    assert ops.fail(job.id, "dead-worker", "x") is False
    db.session.rollback()
    assert login(world.officer).get(f"/jobs/{job.id}/download").data == b"ok"


def test_a_job_that_keeps_losing_its_worker_fails_after_three_runs(world, login):
    job = enqueue("test.count", {}, actor=world.officer, title="测试")
    commit()
    for attempt in (1, 2, 3):
        assert ops.claim_next(f"dies-{attempt}") == job.id
        db.session.execute(update(Job).where(Job.id == job.id)
                           .values(heartbeat_at=clock.now() - timedelta(minutes=5)))
        commit()
        ops.requeue_stale()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.FAILED and job.attempts == 3
    page = login(world.officer).get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "失败" in page and "任务运行中断已达 3 次" in page


def test_failed_jobs_say_why_in_chinese(world, login):
    told = enqueue("test.fail", {}, actor=world.officer, title="测试")
    bug = enqueue("test.fail", {"bug": True}, actor=world.officer, title="测试")
    commit()
    assert run_jobs() == 2
    c = login(world.officer)
    assert "数据源暂不可用，请稍后重试" in c.get(f"/jobs/{told.id}").get_data(as_text=True)
    status = c.get(f"/jobs/{bug.id}/status").get_json()
    assert status["status"] == "failed" and status["error"] == ops.INTERNAL_ERROR  # no traceback shown
    assert "a bug" not in c.get(f"/jobs/{bug.id}").get_data(as_text=True)
    assert c.get(f"/jobs/{bug.id}/download").status_code == 404


def test_the_owner_is_checked_again_when_the_job_runs(world, login, make_hazard):
    make_hazard()
    commit()
    c = login(world.supervisor)
    job_id = _queue(c, "/ledgers/hazard_ledger.xlsx")
    world.supervisor.is_active_flag = False
    commit()
    run_jobs()
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.FAILED and "停用" in job.error
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "ledger.exported")) == 0


def test_only_the_owner_sees_a_job_and_its_file(world, login, make_hazard):
    make_hazard()
    commit()
    owner = login(world.supervisor)
    data = export_ledger(owner, "hazard_ledger")
    job_id = db.session.scalar(select(func.max(Job.id)))
    for other in (world.officer, world.admin, world.manager_a):
        c = login(other)
        for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/download"):
            assert c.get(url).status_code == 404, (other.username, url)
        assert f"/jobs/{job_id}" not in c.get("/jobs").get_data(as_text=True)
    assert owner.get(f"/jobs/{job_id}/download").data == data
    assert login(world.officer).get("/jobs/999999").status_code == 404


def test_an_enterprise_user_cannot_queue_a_ledger_export(world, login):
    c = login(world.manager_a)
    assert c.post("/ledgers/hazard_ledger.xlsx").status_code == 403
    assert c.post("/ledgers/major_hazard_ledger.xlsx?level=重大").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_old_export_link_asks_first_and_starts_nothing(world, login):
    c = login(world.supervisor)
    page = c.get(f"/ledgers/hazard_ledger.xlsx?town={world.town_a.path}&level=一般")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "开始导出" in html and "龙城镇" in html and 'method="post"' in html
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert c.post("/ledgers/hazard_ledger.xlsx", data={"csrf_token": "wrong"}).status_code == 400  # CSRF


def test_double_click_queues_one_job_and_a_user_has_at_most_five_waiting(world, login):
    c = login(world.supervisor)
    assert _queue(c, "/ledgers/hazard_ledger.xlsx") == _queue(c, "/ledgers/hazard_ledger.xlsx")
    for level in ("一般", "重大"):
        _queue(c, f"/ledgers/hazard_ledger.xlsx?level={level}")
    _queue(c, "/ledgers/major_hazard_ledger.xlsx")
    _queue(c, "/ledgers/major_hazard_ledger.xlsx?level=重大")
    r = c.post("/ledgers/hazard_ledger.xlsx?overdue=1", follow_redirects=True)  # told, back where it was
    assert "您已有 5 个任务在排队或运行" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 5


def test_result_files_are_removed_after_the_retention_period(world, login, app):
    job = enqueue("test.count", {}, actor=world.officer, title="测试")
    commit()
    run_jobs()
    c = login(world.officer)
    assert c.get(f"/jobs/{job.id}/download").status_code == 200
    assert ops.remove_expired_files(clock.now() + timedelta(days=6)) == 0
    assert ops.remove_expired_files(clock.now() + timedelta(days=8)) == 1
    assert not ops.job_dir(job.id).exists()
    assert c.get(f"/jobs/{job.id}/download").status_code == 404
    assert "已超过保留期限被清理" in c.get(f"/jobs/{job.id}").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["jobs", "gc"])
    assert result.exit_code == 0 and "已清理 0 个" in result.output
