"""Demo 分类分级 (helper "classify"): `seed_classify(registry)`, run by app.inspections.seed after the demo
county's classes were first computed.

- 安全生产标准化等级 for the 危险化学品 and 冶金/有色 enterprises, each the grade of the class its risk grade
  already gave (一级 for 低 … 未定级 for 重大), so their classes read the 标准化 criterion without changing a
  cap the other areas' stories count on; the current year is then recomputed (audited);
- 执法证发证日期 of the demo officers (five years before their expiry);
- one override with its reason: 萧县皖北葡萄酒业有限公司 (工贸/轻工) raised one class above its computed class.
Flushes, never commits."""

from __future__ import annotations

from datetime import date

from app import clock
from app.extensions import db

GRADE_FOR_RISK = {"低": "一级", "一般": "二级", "较大": "三级", "重大": "未定级"}
# an enterprise raised one class above its computed one, with the reason
OVERRIDE = ("萧县皖北葡萄酒业有限公司", "酒精储存区扩建尚未通过验收，本年度提高检查频次")


def seed_classify(ctx: dict) -> dict:
    from app.inspections.caps import class_of
    from app.inspections.operations.classification import classify_all, override_class, worse

    users = ctx["users"]
    actor = users.get("section_head") or next(u for u in users.values() if u.has_role("section_head"))
    graded = 0
    for e in ctx["enterprises"]:
        standardized = e.industry == "危险化学品" or (
            e.industry == "工贸" and e.sub_sector in ("冶金", "有色")
        )
        if standardized and e.standardization_grade is None and e.risk_grade in GRADE_FOR_RISK:
            e.standardization_grade = GRADE_FOR_RISK[e.risk_grade]
            graded += 1
    for u in users.values():
        if u.cert_no and u.cert_expires_on and u.cert_issued_on is None:
            expires: date = u.cert_expires_on
            u.cert_issued_on = date(expires.year - 5, 1, 1)
    db.session.flush()
    year = clock.today().year
    result = classify_all(ctx["county"].path, year, actor=actor)
    overridden = None
    target = ctx.get("enterprise_by_name", {}).get(OVERRIDE[0])
    if target is not None:
        ec = class_of(target, year)
        if ec.override_reason is None and ec.computed_class != "D":
            override_class(ec, worse(ec.computed_class, 1), OVERRIDE[1], actor=actor)
            overridden = target.name
    db.session.flush()
    return {"graded": graded, "classified": result["total"], "overridden": overridden}
