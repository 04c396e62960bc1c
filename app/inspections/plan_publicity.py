"""公示 of the annual inspection plan (行政执法公示 事前公开, domain spec §8.1) through app.publication, kind
`inspection_plan`: the approved plan's summary, its counts by month and by industry. No enterprise is named —
neither the 一般检查 quotas (filled by random draws) nor the 重点 enterprises (a named, dated inspection
announced in advance would defeat 不发通知、不打招呼). Shown until the end of the plan's year; withdrawn when an
approved amendment replaces it (the new version is published in its place)."""

from __future__ import annotations

from datetime import date

from app import clock, publication
from app.inspections.models.plan import InspectionPlan
from app.publication.kinds import PublicationKind

KIND = "inspection_plan"

FIELDS = (
    "计划名称",
    "计划年度",
    "版本",
    "编制机关",
    "批准日期",
    "重点检查",
    "一般检查（双随机抽查）",
    "各月计划检查次数",
    "各行业计划检查次数",
    "编制依据",
    "修订理由",
)
BASIS = "《中华人民共和国安全生产法》第六十二条；《安全生产年度监督检查计划编制办法》；分类分级检查频次"

publication.register_kind(
    PublicationKind(
        code=KIND,
        name="年度监督检查计划",
        fields=FIELDS,
        description="年度监督检查计划经负责人批准后公示，至计划年度结束；计划修订的，撤回原版本并公示修订后的计划。",
        title=lambda v: f"{v.get('计划名称') or '年度监督检查计划'}（{v.get('版本') or '第1版'}）",
    )
)


def fields(plan: InspectionPlan) -> dict[str, object]:
    from app.inspections.operations.plan import counts_by_industry, month_counts, totals

    t = totals(plan)
    months = month_counts(plan)
    return {
        "计划名称": plan.title,
        "计划年度": f"{plan.year}年",
        "版本": f"第{plan.version}版",
        "编制机关": plan.agency.name,
        "批准日期": plan.approved_at.astimezone(clock.TZ).date().isoformat() if plan.approved_at else "",
        "重点检查": f"{t['key_enterprises']}家企业，{t['key_inspections']}次",
        "一般检查（双随机抽查）": f"{t['general']}次",
        "各月计划检查次数": "；".join(f"{m}月{n}次" for m, n in months.items() if n),
        "各行业计划检查次数": "；".join(f"{k}{n}次" for k, n in counts_by_industry(plan).items()),
        "编制依据": BASIS,
        "修订理由": plan.amendment_reason or "",
    }


def publish_plan(plan: InspectionPlan, *, actor) -> publication.Publication:
    today = clock.today()
    return publication.publish(
        plan,
        KIND,
        fields(plan),
        region_path=plan.region_path,
        agency=plan.agency,
        decided_on=today,
        due_on=None,
        expires_on=max(date(plan.year, 12, 31), today),
        actor=actor,
    )


def withdraw_plan(plan: InspectionPlan, reason: str, *, actor):
    current = publication.current_for(plan, KIND)
    if current is None:
        return None
    return publication.withdraw(current, reason, actor=actor, due_on=None)
