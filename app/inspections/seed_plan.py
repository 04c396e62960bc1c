"""Demo 年度监督检查计划 (called by app.inspections.seed as `seed_plan(registry)`): this year's plan of the demo
county in progress — drafted by the 科室负责人 on the first working days of January, returned once by the
负责人 (一季度力量过紧), corrected and approved, published, and its 重点 inspections created month by month up to
the current month by the same sweep the timer worker runs — and next year's plan drafted and submitted,
waiting in the 负责人's inbox. Through the real operations, each step at its own time (the clock moved, then
put back). Flushes, never commits."""

from __future__ import annotations

from datetime import date, datetime, time

from app import clock
from app.extensions import db
from app.inspections.operations import plan as ops


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=clock.TZ)


def seed_plan(ctx: dict) -> dict:
    users = ctx["users"]
    head, leader = users["section_head"], users["leader"]
    county = ctx["county"]
    real_now = clock.now()
    was_frozen = clock.now() == clock.now()  # a frozen clock answers the same instant twice
    today = real_now.astimezone(clock.TZ).date()
    year = today.year
    out: dict = {}
    try:
        start = date(year, 1, 5) if today >= date(year, 1, 8) else today
        clock.freeze(_at(start, 9))
        plan = ops.draft_plan(
            county.path, year, actor=head, notes="按分类分级结果编制，突出危化、粉尘涉爆等重点行业"
        )
        ops.submit_plan(plan, {"note": "请审批"}, actor=head)
        clock.freeze(_at(start, 15))
        ops.decide_plan(
            plan,
            {"plan_decision": "return", "opinion": "一季度执法力量安排过紧，请按留有余地原则调整"},
            actor=leader,
        )
        clock.freeze(_at(start, 16))
        january = [i for i in plan.items if i.is_key and i.month == 1]
        for item in january[: len(january) // 2]:  # half of January's 重点 inspections moved to March
            ops.update_item(item, {"month": 3}, actor=head)
        ops.submit_plan(plan, {"note": "已按意见调整一季度力量安排"}, actor=head)
        clock.freeze(_at(start, 17))
        ops.decide_plan(plan, {"plan_decision": "approve", "opinion": "同意，按计划组织实施"}, actor=leader)
        for month in range(start.month + 1, today.month + 1):  # the monthly sweep, as the worker runs it
            first = date(year, month, 1)
            clock.freeze(real_now if first >= today else _at(first, 8))
            ops.sweep_plans()
        out["plan"] = plan
        if year + 1 <= today.year + 1:
            clock.freeze(real_now)
            nxt = ops.draft_plan(county.path, year + 1, actor=head, notes="下一年度计划（报批中）")
            ops.submit_plan(nxt, {"note": "请审批下一年度计划"}, actor=head)
            out["next"] = nxt
    finally:
        if was_frozen:
            clock.freeze(real_now)
        else:
            clock.unfreeze()
    db.session.flush()
    ctx["inspection_plan"] = out.get("plan")
    return out
