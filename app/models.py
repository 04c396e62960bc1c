"""Import every model module so the metadata is complete (Alembic autogenerate, tests)."""

import importlib

MODEL_MODULES = [
    "app.org.models",
    "app.auth.models",
    "app.workflow.models",
    "app.audit.models",
    "app.documents.models",
    "app.attachments.models",
    "app.hazards.models",
]

for _name in MODEL_MODULES:
    importlib.import_module(_name)
