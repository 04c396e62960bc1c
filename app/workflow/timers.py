"""BPMN timer events on legal time.

Timer expressions (timeDate / timeDuration / timeCycle) are restricted expressions *or* bare ISO literals
(`P3D`, `2026-12-01`, `R3/P1D`). A timeDate that yields a *date* (e.g. `deadline`, `add_days(deadline, -1)`)
fires at the end of that legal day (00:00 China time of the next day, `clock.local_midnight_after`); a
naive datetime is China time. "Now" is the time of the running operation (`expressions.current_now()`,
i.e. `app.clock.now()` or `tick(now=...)`), never the wall clock, so a frozen test clock decides when
timers are due. A timer fires when due <= now.

The parser (app.workflow.parsing) replaces SpiffWorkflow's timer event definitions by the `CLOCK_TIMERS`
classes below; the due times of waiting timers (`waiting_timers`) are what the Timer rows mirror.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.workflow.expressions import current_now

__all__ = [
    "CLOCK_TIMERS",
    "check_timer_literal",
    "literal_timer_value",
    "parse_cycle",
    "resolve_duration",
    "resolve_time_date",
    "timer_due",
    "timer_fired",
    "waiting_timers",
    "waiting_timers_due",
]

_DURATION_RE = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:?\d{2}|Z)?)?$")
_CYCLE_RE = re.compile(r"^R\d*/")


# --- values and legal time ---------------------------------------------------------------------------


def literal_timer_value(expression: str) -> str | None:
    """A bare ISO literal (P3D, 2026-12-01, R3/P1D) is used as-is instead of being evaluated."""
    text = expression.strip()
    if _DURATION_RE.match(text) or _DATE_RE.match(text) or _CYCLE_RE.match(text):
        return text
    return None


def timer_value(task: Task, expression: str) -> Any:
    literal = literal_timer_value(expression)
    if literal is not None:
        return literal
    return task.workflow.script_engine.evaluate(task, expression)


def resolve_time_date(value: Any) -> datetime:
    """Due instant of a timeDate value: a date means 'after that legal day ends'."""
    if isinstance(value, datetime):
        return clock.to_utc(value)
    if isinstance(value, date):
        return clock.local_midnight_after(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return clock.local_midnight_after(date.fromisoformat(text))
        if "W" in text.upper() and not text.upper().startswith("P"):
            return TimerEventDefinition.parse_iso_week(text)
        return clock.to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    raise ValueError(f"定时器时间无法解析：{value!r}")


def resolve_duration(value: Any, start: datetime) -> datetime:
    if isinstance(value, timedelta):
        return start + value
    parsed = TimerEventDefinition.parse_iso_duration(str(value).strip())
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """ISO 8601 repeating interval; an interval without a start begins at `now` (not wall time)."""
    components = expression.strip().upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        duration = resolve_duration(components[1], now) - now
        return cycles, now + duration, duration
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression.strip())
    return cycles, clock.to_utc(start), duration


def check_timer_literal(kind: str, text: str) -> str | None:
    """Deploy-time check of a literal timer value; None if fine."""
    try:
        if kind == "timeDate":
            resolve_time_date(text)
        elif kind == "timeDuration":
            resolve_duration(text, clock.now())
        else:
            if not _CYCLE_RE.match(text.strip()):
                raise ValueError("需要 R[n]/开始/间隔 或 R[n]/间隔")
            parse_cycle(text, clock.now())
    except Exception as exc:  # noqa: BLE001 - any parse failure is a modelling error
        return f"定时器表达式无法解析：{text!r}（{exc}）"
    return None


# --- the event definitions the parser puts in the spec ---------------------------------------------------


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    def has_fired(self, my_task: Task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = resolve_time_date(timer_value(my_task, self.expression)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if datetime.fromisoformat(event_value) <= current_now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    def has_fired(self, my_task: Task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = resolve_duration(timer_value(my_task, self.expression), current_now()).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if datetime.fromisoformat(event_value) <= current_now():
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockCycleTimerEventDefinition(CycleTimerEventDefinition):
    def cycle_complete(self, my_task: Task) -> bool:
        now = current_now()
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            cycles, start, duration = parse_cycle(str(timer_value(my_task, self.expression)), now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


# SpiffWorkflow's timer event definition -> ours (the parser swaps them; the codec stores ours alike)
CLOCK_TIMERS: dict[type[TimerEventDefinition], type[TimerEventDefinition]] = {
    TimeDateEventDefinition: ClockTimeDateEventDefinition,
    DurationTimerEventDefinition: ClockDurationTimerEventDefinition,
    CycleTimerEventDefinition: ClockCycleTimerEventDefinition,
}
_TIMER_CLASSES = tuple(CLOCK_TIMERS.values()) + tuple(CLOCK_TIMERS)


# --- waiting timers of a workflow ----------------------------------------------------------------------


def timer_due(task: Task) -> datetime | None:
    """Due instant of a waiting timer task, from the value Spiff computed when it started waiting."""
    definition = task.task_spec.event_definition
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        value = value["next"]
    return clock.to_utc(datetime.fromisoformat(value))


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, tuple[Task, datetime]]:
    """task guid -> (spiff task, due instant) of every waiting timer event."""
    result = {}
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, _TIMER_CLASSES):
            due = timer_due(task)
            if due is not None:
                result[str(task.id)] = (task, due)
    return result


def waiting_timers_due(workflow: BpmnWorkflow) -> dict[str, datetime]:
    """task guid -> due instant of every waiting timer event (what the Timer rows mirror)."""
    return {guid: due for guid, (_, due) in waiting_timers(workflow).items()}


def timer_fired(task: Task) -> bool:
    return bool(task._get_internal_data("event_fired", False)) or task.state in (
        TaskState.READY,
        TaskState.COMPLETED,
    )
