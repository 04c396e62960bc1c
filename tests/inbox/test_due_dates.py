"""办理期限 reads as one local date, the last day (inclusive, Asia/Shanghai), on every page, API field and
reminder (issue #10 item 1), and turns overdue only once that day has ended: checked at 23:59 on the
last day and at 00:00 the next day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications import Notification
from app.workflow.models import HumanTask
from tests.factories.clock import at
from tests.factories.hazards import ready_task
from tests.factories.workflow import tick_at

LAST_DAY = date(2026, 11, 9)  # make_hazard: registered Mon 2026-11-02, deadline + 7 days
NEXT_DAY = "2026-11-10"


def test_last_day_of_a_due_instant():
    end_of_15th = clock.local_midnight_after(date(2026, 12, 15))  # stored: 2026-12-15T16:00Z
    assert end_of_15th == datetime(2026, 12, 15, 16, 0, tzinfo=UTC)
    assert clock.last_day(end_of_15th) == date(2026, 12, 15)
    assert clock.last_day(datetime(2026, 12, 15, 17, 30, tzinfo=clock.TZ)) == date(2026, 12, 15)
    assert clock.last_day(datetime(2026, 12, 15, 16, 0)) == date(2026, 12, 15)  # naive = UTC, as stored
    assert clock.fmt_due(end_of_15th) == "2026-12-15 24:00"
    assert clock.fmt_due(datetime(2026, 12, 15, 17, 30, tzinfo=clock.TZ)) == "2026-12-15 17:30"

    last_minute = datetime(2026, 12, 15, 23, 59, 59, tzinfo=clock.TZ)
    midnight = datetime(2026, 12, 16, 0, 0, tzinfo=clock.TZ)
    assert not clock.is_past_due(end_of_15th, last_minute) and clock.is_past_due(end_of_15th, midnight)
    assert clock.days_left(end_of_15th, last_minute) == 0 and clock.days_left(end_of_15th, midnight) == -1
    assert clock.days_left(end_of_15th, datetime(2026, 12, 13, 9, tzinfo=clock.TZ)) == 2


def _due_cell(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_rectification_task_reads_the_deadline_day_everywhere(make_hazard, login, world):
    hazard = make_hazard()
    assert hazard.deadline == LAST_DAY
    task = ready_task(hazard, "submit_rectification")
    assert task.due_at == clock.local_midnight_after(LAST_DAY) and task.due_date == LAST_DAY

    # 23:59 on the last day: still in time, everywhere the same date
    clock.freeze(at(LAST_DAY, 23, 59))
    c = login(world.manager_a)
    inbox = c.get("/inbox").get_data(as_text=True)
    assert 'datetime="2026-11-09"' in inbox and NEXT_DAY not in inbox
    assert 'data-testid="overdue"' not in inbox and "overdue-row" not in inbox and "今日到期" in inbox
    assert 'data-testid="count-overdue">0<' in inbox
    assert task.title in c.get("/inbox?due=today").get_data(as_text=True)
    assert "暂无待办事项" in c.get("/inbox?due=overdue").get_data(as_text=True)

    page = c.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "办理期限：" in page and 'datetime="2026-11-09"' in page and NEXT_DAY not in page
    assert 'data-testid="overdue"' not in page

    detail = c.get(f"/hazards/{hazard.id}").get_data(as_text=True)
    assert 'data-testid="task-due">办理期限 2026-11-09<' in detail
    assert 'data-testid="deadline"' in detail and NEXT_DAY not in detail

    [item] = c.get("/api/v1/inbox").json["items"]
    assert item["due_date"] == "2026-11-09" and item["overdue"] is False
    assert item["due_at"].startswith("2026-11-09T16:00")  # the instant it runs out, in UTC
    api_task = c.get(f"/api/v1/tasks/{task.id}").json["task"]
    assert api_task["due_date"] == "2026-11-09" and api_task["overdue"] is False

    # 00:00 the next day: the day has ended, so the task is overdue, still dated the 9th
    clock.freeze(at(date(2026, 11, 10), 0, 0))
    inbox = c.get("/inbox").get_data(as_text=True)
    row = inbox[inbox.index('data-testid="task-row"'):]
    assert "已逾期" in _due_cell(row[: row.index("</tr>")]) and 'datetime="2026-11-09"' in row
    assert 'data-testid="count-overdue">1<' in inbox
    assert task.title in c.get("/inbox?due=overdue").get_data(as_text=True)
    assert "暂无待办事项" in c.get("/inbox?due=today").get_data(as_text=True)
    page = c.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="overdue"' in page and 'datetime="2026-11-09"' in page
    [item] = c.get("/api/v1/inbox").json["items"]
    assert item["due_date"] == "2026-11-09" and item["overdue"] is True


def test_reminders_and_timer_record_name_the_same_last_day(make_hazard, login, world):
    hazard = make_hazard()
    tick_at(at(LAST_DAY, 9, 0))
    [due] = db.session.scalars(select(Notification).where(Notification.kind == "remind_due"))
    assert "2026年11月9日" in due.body and "今日" in due.title

    tick_at(at(LAST_DAY, 23, 59))
    assert db.session.scalars(select(Notification).where(Notification.kind == "overdue")).first() is None

    tick_at(at(date(2026, 11, 10), 0, 0))
    overdue = db.session.scalars(
        select(Notification).where(Notification.kind == "overdue", Notification.user_id == world.officer.id)
    ).one()
    assert "2026年11月9日" in overdue.body
    fired = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "workflow.timer_fired")).all()
    assert any("2026-11-09 24:00" in e.summary for e in fired)
    assert not any("2026-11-10 00:00" in e.summary for e in fired)

    # the 复查 task it opened is due on the date the officers were told, on the inbox and the API alike
    review = ready_task(db.session.get(type(hazard), hazard.id), "review_rectification")
    told = re.search(r"请最迟于(\d{4}-\d{2}-\d{2})（含当日）", overdue.body).group(1)
    assert review.due_date.isoformat() == told == "2026-11-19"
    c = login(world.officer)
    assert 'datetime="2026-11-19"' in c.get("/inbox").get_data(as_text=True)
    items = c.get("/api/v1/inbox").json["items"]
    assert [i["due_date"] for i in items if i["id"] == review.id] == ["2026-11-19"]
    assert db.session.get(HumanTask, review.id).is_overdue(at(date(2026, 11, 19), 23, 59)) is False
    assert db.session.get(HumanTask, review.id).is_overdue(at(date(2026, 11, 20), 0, 0)) is True
