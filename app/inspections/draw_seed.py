"""Demo 双随机 (found by app.inspections.seed as `seed_draw`): the 随机抽查事项清单 published, one 回避关系
declared, a batch drawn (seed revealed, targets with their teams, their 双随机 inspections, one 回避
replacement and one 补抽) and a batch
committed and waiting for its draw (pool hash and seed commitment public, seed secret). Through the real
operations, as the demo's section head. Flushes, never commits."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.extensions import db
from app.inspections import conflicts
from app.inspections.operations import draw as ops

ITEMS = (
    {
        "code": "YJ-SJ-001",
        "name": "危险化学品企业安全生产监督检查",
        "basis": "《中华人民共和国安全生产法》第六十二条、第六十五条；《危险化学品安全管理条例》第六条",
        "subject_scope": "辖区内危险化学品生产、经营（带储存）、使用企业",
        "method": "现场检查",
        "ratio": "每批次不低于对象库的10%",
        "frequency": "每季度一次",
    },
    {
        "code": "YJ-SJ-002",
        "name": "工贸企业安全生产监督检查",
        "basis": "《中华人民共和国安全生产法》第六十二条、第六十五条；《工贸企业粉尘防爆安全规定》（应急管理部令第6号）",
        "subject_scope": "辖区内冶金、有色、建材、机械、轻工、纺织、烟草、商贸等工贸企业",
        "method": "现场检查",
        "ratio": "每批次不低于对象库的5%",
        "frequency": "每半年一次",
    },
)


def seed_draw(ctx: dict) -> dict:
    users = ctx["users"]
    head, officer = users["section_head"], users["officer"]
    items = []
    for data in ITEMS:
        item = ops.create_item(data, actor=head)
        ops.publish_item(item, actor=head)
        items.append(item)
    enterprises = ctx["enterprises"]
    conflicts.declare(officer, enterprises[-1], "配偶在该企业任安全管理人员", actor=officer)
    today = clock.today()
    drawn = ops.create_batch(
        {
            "title": f"{today.year}年第四季度辖区企业双随机抽查",
            "item_id": items[0].id,
            "strata": [
                {"industry": "危险化学品", "town": None, "count": 2},
                {"industry": None, "town": None, "count": 2},
            ],
            "inspectors_per_target": 2,
            "exclude_recent_days": 90,
            "exclude_at_cap": True,
            "planned_on": (today + timedelta(days=7)).isoformat(),
            "due_on": (today + timedelta(days=30)).isoformat(),
        },
        actor=head,
    )
    ops.commit_batch(drawn, {}, actor=head)
    ops.draw_batch(drawn, {}, actor=head)
    # a drawn officer recuses (approved by the section head), and one 补抽 approved by the leader: both in
    # the public record and replayed there
    target = drawn.targets[0]
    member = next((u for u in target.team if u != head.id), None)
    from app.auth.models import User

    officer_user = db.session.get(User, member) if member is not None else None
    if officer_user is not None:
        request = ops.request_recusal(
            target, {"reason": "本人表兄在该企业任生产负责人（抽取后获知）"}, actor=officer_user
        )
        ops.decide_recusal(
            request, {"decision": "approve", "opinion": "同意回避，按规则顺延替换"}, actor=head
        )
    supplement = ops.request_supplement(
        drawn, {"count": 1, "reason": "抽中企业之一已停产整顿，补抽1户"}, actor=head
    )
    ops.decide_supplement(supplement, {"decision": "approve", "opinion": "同意补抽"}, actor=users["leader"])
    committed = ops.create_batch(
        {
            "title": f"{today.year}年工贸企业双随机抽查（待抽取）",
            "item_id": items[1].id,
            "industries": ["工贸"],
            "strata": [{"industry": None, "town": None, "ratio": "0.2"}],
            "inspectors_per_target": 2,
            "exclude_recent_days": 90,
            "exclude_at_cap": True,
            "planned_on": (today + timedelta(days=14)).isoformat(),
        },
        actor=head,
    )
    ops.commit_batch(committed, {}, actor=head)
    db.session.flush()
    return {"drawn": drawn, "committed": committed}
