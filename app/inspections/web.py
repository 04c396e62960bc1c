"""The inspection domain's read side on the platform (helper "web"): the list page and statistics
(/inspections/, app.inspections.list_routes), the API (/api/v1/inspections), the 监督检查 nav entry, the
执法检查台账, the dashboard panel, the subject registration, the labels and the demo data."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app import dashboard, ledgers
    from app.inspections import api, labels, ledger, list_routes, stats, view
    from app.inspections.seed import seed_inspections
    from app.seed import register_seeder

    app.register_blueprint(list_routes.bp)
    app.register_blueprint(api.bp)
    register_menu()
    ledgers.register_source(ledger.SOURCE)  # 执法检查台账 (reports/inspections.json)
    dashboard.register_panel(
        dashboard.Panel(key="inspections", can_view=stats.can_view, render=stats.render_panel, order=110)
    )
    view.register()
    labels.register()
    register_seeder(seed_inspections)  # demo data: after the credit seeder (DOMAINS order)
    app.jinja_env.globals["inspection_url"] = view.inspection_url


def register_menu() -> None:
    """The domain's pages as one 监督检查 menu (the navbar keeps one row at desk width). Each page still checks
    its reader; a role sees here only the pages that answer it (tests/inspections/test_menu.py)."""
    from app import ui
    from app.auth.roles import Role

    staff = {Role.OFFICER, Role.SECTION_HEAD, Role.LEADER, Role.LEGAL_REVIEWER, Role.SUPERVISOR, Role.ADMIN}
    doers = {Role.OFFICER, Role.SECTION_HEAD, Role.LEADER}
    entries = [
        ("inspections.index", "检查任务", staff | {Role.ENTERPRISE}),  # an enterprise: 本单位接受的监督检查
        ("inspections.findings", "问题清单", staff),  # an enterprise: from its list page (one nav entry)
        ("inspection_results.open_items", "未结事项", doers | {Role.SUPERVISOR}),
        ("inspection_plans.index", "年度检查计划", staff),
        ("inspections_draw.index", "双随机抽查", staff),
        ("inspections_covert.index", "随机暗访", staff),
        ("inspection_reports.index", "举报核查", doers | {Role.ADMIN}),
        ("inspections_classes.classes", "分类分级", staff),
        ("inspections_classes.inspector_library", "执法人员名录库", staff),
        ("inspections_draw.conflict_list", "回避关系申报", doers),
        ("inspections.statistics", "检查统计", staff),
    ]
    for i, (endpoint, label, roles) in enumerate(entries):
        ui.register_nav(endpoint, label, roles, order=40 + i, group="监督检查")
