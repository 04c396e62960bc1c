"""Import every model module so the metadata is complete (Alembic autogenerate, tests): the platform's,
then each domain's `models` (app/domains.py)."""

import importlib

from app.domains import DOMAINS

PLATFORM_MODEL_MODULES = [
    "app.org.models",
    "app.auth.models",
    "app.workflow.models",
    "app.audit.models",
    "app.documents.models",
    "app.attachments.models",
    "app.notifications.models",
    "app.jobs.models",
    "app.publication.models",
]

for _name in [*PLATFORM_MODEL_MODULES, *(f"{domain}.models" for domain in DOMAINS)]:
    importlib.import_module(_name)
