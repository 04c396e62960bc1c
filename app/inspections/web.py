"""The inspection domain's read side on the platform (helper "web"): the list page and statistics
(/inspections/, app.inspections.list_routes), the API (/api/v1/inspections), the 监督检查 nav entry, the
执法检查台账, the dashboard panel, the subject registration, the labels and the demo data."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app import dashboard, ledgers, ui
    from app.auth.roles import Role
    from app.inspections import api, labels, ledger, list_routes, stats, view
    from app.inspections.seed import seed_inspections
    from app.seed import register_seeder

    app.register_blueprint(list_routes.bp)
    app.register_blueprint(api.bp)
    ui.register_nav(
        "inspections.index",
        "监督检查",
        {Role.OFFICER, Role.SECTION_HEAD, Role.LEADER, Role.LEGAL_REVIEWER, Role.SUPERVISOR, Role.ADMIN},
        order=40,
    )
    ledgers.register_source(ledger.SOURCE)  # 执法检查台账 (reports/inspections.json)
    dashboard.register_panel(
        dashboard.Panel(key="inspections", can_view=stats.can_view, render=stats.render_panel, order=110)
    )
    view.register()
    labels.register()
    register_seeder(seed_inspections)  # demo data: after the credit seeder (DOMAINS order)
    app.jinja_env.globals["inspection_url"] = view.inspection_url
