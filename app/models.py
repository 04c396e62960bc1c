"""Import every model module so metadata is complete (Alembic, tests). Missing domains are skipped."""

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
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _exc:  # a domain not built yet in this checkout
        if not (_exc.name and _name.startswith(_exc.name)):
            raise
