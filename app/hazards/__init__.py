"""隐患排查治理闭环 (hidden-danger closed loop): registration, 责令限期整改指令书, rectification,
extension, 复查, 销号 / referral for 一般隐患, and 挂牌督办 → 治理方案 → 进展 → 验收 → 摘牌 for 重大隐患.

Design: ONE WORKFLOW INSTANCE PER HAZARD, not per order. The 指令书 (RectificationOrder) groups the
hazards of one visit and carries the shared document, but each item has its own deadline, extension
requests, failure rounds and referral. A per-order instance would force all items to move in lock
step (one late item would hold the others' 复查/销号) or need multi-instance loops whose history
piles up in one tree; per-hazard instances keep every round independent and each tree small. The
BPMN caps failed rounds at 2 (then referral, or one leader-approved exception), so an instance's
task tree is bounded.

Layout: models.py (tables), operations.py (verbs, explicit actor, flush never commit), tasks.py
(generic-inbox hooks), services.py (BPMN service-task handlers: reminders, overdue, escalation),
queries.py (scoped lists and filters shared by the list page, ledgers and dashboard), routes.py.
"""
