"""严重失信主体名单, 联合惩戒 and 信用修复 (issue #14): the worst offenders listed from the facts, punished
jointly, and taken off the list when the law says so.

Layout: models/ (tables), rules.py + data/rules (the jurisdiction's windows and terms, versioned, cited),
criteria.py + data/criteria.json (the nine 列入情形 of 应急管理部令第11号), measures library
data/measures.json (§7.4), gates.py (every legal gate, in one place), operations/ (verbs: proposals, listing,
term and repair, remedies), effects.py (what a listing does while in force: publication, push, measures —
and undoing them), tasks.py / status.py / task_facts.py (the workflows' glue), documents.py (文书), pages,
API, ledger and demo data. `init_app` below is the one place the domain plugs into the platform
(docs/adding-a-domain.md). Principle: 谁处罚、谁决定、谁负责 — the department that made the penalty
decision (or registered the accident) decides and manages the listing.

Workflows: credit_listing (提出 → 告知 → 陈述申辩 → 核查 → 决定 → 送达), credit_expiry (the 3-year term's timer),
credit_repair (信用修复 application → 核查 → 决定).
"""

from __future__ import annotations

from flask import Flask

SUBJECT_LABEL = "严重失信主体名单"


def init_app(app: Flask) -> None:
    # --- process: listing workflow glue, documents (helper "process") ---
    from app.credit import access, labels, status, task_facts, tasks  # noqa: F401 - their decorators
    from app.credit import documents as credit_documents

    credit_documents.register(app)  # the six doc types and their templates
    access.register()  # documents of credit_listings: staff in scope; the enterprise its served ones
    labels.register()
    # --- criteria: accidents, proposals from facts, signals from the penalty cases (helper "criteria") ---
    # --- effects: publication, push, measures, feedback sweep, enterprise banner (helper "effects") ---
    # --- term: expiry, repair, remedies, penalty publication periods (helper "term") ---
    # --- web: pages, API, nav, ledger, dashboard, subject views, demo data (helper "web") ---
    pass
