"""Demo 举报 (helper "tipoff"), called by app.inspections.seed: a tip-off verified 属实 by an inspection, fed back
and rewarded (举报奖励决定), and an anonymous one in verification. Built through the real operations; flushes,
never commits. The query codes are put in ctx["tipoff_codes"] (no. → code) so the demo can show the public
query page; a real code is never kept (only its hash)."""

from __future__ import annotations

import logging
from datetime import timedelta

from app import clock
from app.extensions import db
from app.inspections.operations import tipoff as ops

log = logging.getLogger(__name__)


def _enterprise(ctx: dict, index: int):
    enterprises = [e for e in ctx["enterprises"] if e is not ctx.get("featured_enterprise")]
    return enterprises[index % len(enterprises)]


def _visit(inspection, actor) -> None:
    from app.inspections.operations.inspection import start_onsite

    start_onsite(
        inspection,
        {
            "place": "生产车间及仓库",
            "present_person": "企业安全负责人",
            "credentials_shown": True,
            "recusal_explained": True,
            "recusal_answer": "不申请回避",
            "checklist_code": inspection.checklist_code or "confined_space",
        },
        actor=actor,
    )


def seed_tipoff(ctx: dict) -> dict:
    u = ctx["users"]
    officer, officer2, head, leader = u["officer"], u["officer2"], u["section_head"], u["leader"]
    today = clock.today()
    codes: dict[str, str] = {}

    # 1. 实名电话举报 → 受理 → 检查核实（属实，重大事故隐患）→ 电话反馈 → 负责人奖励决定（奖决）
    ent = _enterprise(ctx, 2)
    rewarded, code = ops.receive(
        {
            "channel": "phone",
            "informant_name": "刘先生",
            "informant_phone": "13800005566",
            "enterprise_id": ent.id,
            "place": "原料仓库",
            "content": "该单位原料仓库内违规设置员工宿舍，且仓库安全出口被封堵。",
        },
        actor=officer,
    )
    codes[rewarded.no] = code
    ops.assign(rewarded, {"decision": "accept", "assignee_id": officer2.id}, actor=head)
    insp = ops.open_inspection(
        rewarded,
        {
            "planned_on": today.isoformat(),
            "member_ids": [officer2.id, officer.id],
            "checklist_code": "confined_space",
        },
        actor=officer2,
    )
    _visit(insp, officer2)
    ops.verify(
        rewarded,
        {
            "verified": "true",
            "major_hazard": True,
            "verification": "经现场检查，原料仓库内设有员工宿舍，安全出口被货物封堵，属重大事故隐患，"
            "已依法责令立即整改并移交立案查处。",
        },
        actor=officer2,
    )
    ops.feed_back(
        rewarded,
        {"method": "phone", "feedback": "您举报的问题经核查属实，我局已责令该单位立即整改，并依法查处。"},
        actor=officer,
    )
    ops.decide_reward(
        rewarded,
        {"reward_decision": "grant", "reason": "举报重大事故隐患，经核查属实，按标准给予奖励。"},
        actor=leader,
    )

    # 2. 匿名网上举报 → 受理 → 核查中（核查检查已安排，尚未实施）
    ent2 = _enterprise(ctx, 5)
    pending, code2 = ops.receive(
        {
            "channel": "online",
            "anonymous": True,
            "enterprise_id": ent2.id,
            "content": "反映该单位夜间组织有限空间作业，未进行气体检测，无人监护。",
        },
        actor=officer,
    )
    codes[pending.no] = code2
    ops.assign(pending, {"decision": "accept", "assignee_id": officer2.id}, actor=head)
    ops.open_inspection(
        pending,
        {
            "planned_on": (today + timedelta(days=1)).isoformat(),
            "member_ids": [officer2.id, officer.id],
            "checklist_code": "confined_space",
        },
        actor=officer2,
    )
    db.session.flush()
    ctx["tipoff_codes"] = codes
    log.info("举报演示数据：%s", "；".join(f"{no} 查询码 {c}" for no, c in codes.items()))
    return {"rewarded": rewarded, "verifying": pending}
