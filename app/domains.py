"""The enforcement domains this deployment runs, in order (their navigation, demo data and dashboard panels
follow it). Each is a package under app/ with a `models` module and an `init_app(app)` that registers
everything the domain adds to the platform. Adding a domain is one line here: docs/adding-a-domain.md.
"""

DOMAINS = [
    "app.hazards",  # 隐患排查治理闭环
    "app.cases",  # 行政处罚案件
    "app.credit",  # 严重失信主体名单、联合惩戒与信用修复
    "app.inspections",  # 监督检查：分类分级、年度计划、双随机、暗访、举报、现场检查
]
