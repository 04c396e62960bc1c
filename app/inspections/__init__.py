"""监督检查 (issue #12): where findings come from — the 分类分级 classes and yearly caps, the annual inspection
plan, 双随机一公开 draws anyone can replay, sealed 随机暗访 (四不两直), 举报 (有奖举报), and the on-site
inspection with its checklist, record and results, feeding the hazard loop (责令限期整改指令书) and penalty
cases (案件线索).

Layout: models/ (tables, one file per idea), rules.py + data/rules (the jurisdiction's class table, caps and
windows, versioned and cited), caps.py (the yearly cap, counted across every source), operations/ (verbs),
tasks.py / status.py / task_facts.py (the workflows' glue), documents.py (文书), pages, API, ledger, demo data.
`init_app` below is the one place the domain plugs into the platform (docs/adding-a-domain.md); each part
adds its lines in its own section.

Workflows: inspection_plan (起草 → 审批, 退回; amendments the same way), draw_batch (定义 → 提交冻结 → 抽取 →
回避替换/补抽), inspection (检查方案 → 现场检查 → 结果处理 → 结果公示), covert_visit (密封 → 启动 → 情况表 →
交办/督办/通报), tip_off (受理 → 核查 → 反馈 → 奖励).
"""

from __future__ import annotations

from flask import Flask

SUBJECT_LABEL = "监督检查"


def init_app(app: Flask) -> None:
    # --- classify: classes, caps, rules pack (helper "classify") ---
    from app.inspections import classes_routes

    classes_routes.register(app)  # 分类分级: /inspections/classes, 名录库 /inspections/inspectors
    # --- plan: annual plan, amendments, monthly tasks, progress (helper "plan") ---
    from app.inspections import plan_tasks

    plan_tasks.register(app)
    # --- draw: 一单两库, batches, draw and replay, recusal (helper "draw") ---
    from app.inspections import draw_tasks

    draw_tasks.register(app)  # 双随机: workflow glue, pages /inspections/draws, public /gongshi/draws (replay)
    # --- onsite: the inspection itself, checklist, record, results (helper "onsite") ---
    from app.inspections import onsite_app

    onsite_app.register(app)
    # --- results: orders, measures, referrals and their outcomes, 公示, open items (helper "results") ---
    from app.inspections import results as inspection_results

    inspection_results.register(app)  # 现决 template/access, random_check_result, proposal_closed, pages
    # --- covert: sealed 暗访, 交办/督办/通报 (helper "covert") ---
    from app.inspections import covert_pages

    covert_pages.register(app)  # 暗访: sealed.py rule, workflow glue, pages /inspections/covert, API, 文书, panel
    # --- tipoff: 举报 and rewards (helper "tipoff") ---
    from app.inspections import tipoff_tasks

    tipoff_tasks.register(app)  # 举报: workflow glue, pages /inspections/reports, 奖决, subject
    # --- web: list, API, ledger, statistics, dashboard, demo data (helper "web") ---
    from app.inspections import web

    web.init_app(app)  # /inspections/ list + stats, /api/v1/inspections, nav, 台账, panel, subject, seed
    from app.inspections import class_api, draw_api, onsite_api, plan_api, results_api

    for api_part in (plan_api, draw_api, class_api, results_api, onsite_api):  # the API where pages had none
        api_part.register(app)
    pass
