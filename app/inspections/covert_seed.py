"""Demo 随机暗访, replayed through the real operations with the real actors (the clock moved to each step's day):

    completed  deployed by the 负责人 six and a half weeks ago, started by its lead the next day (the target's inspection
               created, 四不两直), the 情况表 issued (a 属地监管 problem of the town), 交办 to the town
               government, 回头看 found it unfixed → the section head's 督办单, the second 回头看 fixed → 已完成; and last month's 通报
    sealed     deployed by the 负责人 today for the coming ten days: only he and the team (officer, the lead, and
               officer2) see it — log in as section_head, town_officer, supervisor or qiye: nothing.

Flushes, never commits (app.inspections.seed runs it as `seed_covert`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app import clock
from app.extensions import db
from app.inspections.operations import covert as ops

COMPLETED_TARGET = 6  # index in the registry's enterprises (a 龙城镇 enterprise no other story names)
SEALED_TARGETS = (8, 11)


def _at(day, hour: int = 10) -> None:
    clock.freeze(datetime.combine(day, time(hour), tzinfo=clock.TZ))


def seed_covert(ctx: dict) -> dict:
    users = ctx["users"]
    leader, lead, member = users["leader"], users["officer"], users["officer2"]
    enterprises = ctx["enterprises"]
    frozen_before = clock._frozen
    today = clock.today()
    try:
        # the completed story
        start_day = today - timedelta(days=45)
        _at(start_day - timedelta(days=1))
        done = ops.create_visit(
            {
                "purpose": "节前危险作业专项暗访：动火、有限空间作业审批与监护，属地乡镇监管履职",
                "enterprise_ids": [enterprises[COMPLETED_TARGET].id],
                "lead_id": lead.id,
                "member_ids": [lead.id, member.id],
                "window_from": start_day.isoformat(),
                "window_to": (start_day + timedelta(days=3)).isoformat(),
            },
            actor=leader,
        )
        _at(start_day, 9)
        ops.start_visit(done, {}, actor=lead)
        _at(start_day, 11)
        ops.add_sheet_row(
            done,
            {
                "observed_at": clock.now() - timedelta(minutes=40),
                "place": "龙城镇工业园区",
                "unit": "龙城镇人民政府（属地监管）",
                "problems": "园区内3家企业动火作业未办理作业票，镇安监站近3个月未开展检查",
            },
            actor=lead,
        )
        ops.finish_sheet(
            done,
            {"conclusion": "发现属地监管问题1项，拟交办龙城镇人民政府", "needs_assignment": True},
            actor=lead,
        )
        _at(start_day + timedelta(days=1))
        town = ctx["towns"].get("龙城镇") if isinstance(ctx.get("towns"), dict) else None
        assignment = ops.issue_assignment(
            done,
            {
                "to_name": "龙城镇人民政府",
                "to_region_id": town.id if town is not None else None,
                "problems": "园区企业动火作业未办理作业票；镇安监站检查频次不足。请督促整改并开展全面排查。",
            },
            actor=users["section_head"],
        )
        first = assignment.deadline
        _at(first)
        ops.record_return_visit(
            done,
            {
                "visited_on": first.isoformat(),
                "result": "unfixed",
                "note": "1家企业仍未落实作业票制度",
                "reply": "已组织排查，2家完成整改",
            },
            actor=lead,
        )
        ops.issue_supervision(
            done,
            {
                "requirements": "5日内全部整改到位并报送佐证材料",
                "new_deadline": (first + timedelta(days=5)).isoformat(),
            },
            actor=users["section_head"],
        )
        second = first + timedelta(days=5)
        _at(second, 15)
        ops.record_return_visit(
            done, {"visited_on": second.isoformat(), "result": "fixed", "note": "已全部整改到位"}, actor=lead
        )
        # the month's 通报
        month_start = start_day.replace(day=1)
        month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        _at(max(month_end, second) + timedelta(days=1))
        bulletin = ops.issue_bulletin(
            {
                "title": f"关于{month_start.month}月份安全生产随机暗访发现问题的通报",
                "period_from": month_start.isoformat(),
                "period_to": month_end.isoformat(),
                "requirements": "各乡镇（街道）举一反三，立即开展危险作业专项排查。",
            },
            actor=leader,
        )
        # the sealed one, today
        _at(today, 8)
        sealed_visit = ops.create_visit(
            {
                "purpose": "夜间及节假日值班值守、危险化学品装卸作业暗访",
                "enterprise_ids": [enterprises[i].id for i in SEALED_TARGETS],
                "lead_id": lead.id,
                "member_ids": [lead.id, member.id],
                "window_from": today.isoformat(),
                "window_to": (today + timedelta(days=10)).isoformat(),
            },
            actor=leader,
        )
        db.session.flush()
    finally:
        if frozen_before is None:
            clock.unfreeze()
        else:
            clock._frozen = frozen_before
    return {"completed": done.id, "bulletin": bulletin.id, "sealed": sealed_visit.id}
