"""The trail on a task page is the case's: events about the business object and about its workflow
instance (generic steps, claims), even when the object is a registered subject with its own history."""

from __future__ import annotations

from tests.factories.workflow import ready


def test_task_page_trail_has_the_instance_events_and_the_subjects(started, login, world):
    inst = started()  # a process on the enterprise itself (a registered subject type)
    task = ready(inst, "register")
    c = login(world.officer)
    assert c.post(f"/tasks/{task.id}/claim").status_code == 302
    assert c.post(f"/tasks/{task.id}", data={"deadline": "2026-11-20"}).status_code == 302
    history = c.get(f"/tasks/{task.id}").get_data(as_text=True).split('data-testid="history"', 1)[1]
    assert "认领了“登记隐患”" in history and "办理了“登记隐患”" in history
    assert history.index("认领了") < history.index("办理了")  # oldest first
