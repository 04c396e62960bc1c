"""The on-site area's one line in app.inspections.init_app: the inspection workflow's glue (user-task
handlers, status rule, service task), the checklist templates, the inspection's documents, access and pages."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.inspections import access, checklists, documents, status, task_facts, tasks, workflow_handlers  # noqa: F401

    checklists.register(app)
    documents.register(app)
    access.register()
    from app.inspections import routes

    routes.register(app)
