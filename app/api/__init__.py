"""JSON API /api/v1. Platform routes live in app/api/routes.py; a domain adds its own routes on a
blueprint made by `api_blueprint()` (same prefix, same session login) and registers the marshmallow
schemas its routes name with `register_schemas()`; /api/v1/openapi.json collects them all.

    bp = api.api_blueprint("api_<domain>", __name__)
    @bp.get("/<things>")
    @api.doc({"get": {...}})
    def things(): ...
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

PREFIX = "/api/v1"
_blueprints: set[str] = set()
_schemas: dict[str, type] = {}


def doc(operations: dict):
    """Attach OpenAPI operations to a view (collected by /api/v1/openapi.json)."""

    def wrap(fn):
        fn.openapi = operations
        return fn

    return wrap


def _require_login():
    if not current_user.is_authenticated:
        return jsonify({"error": "未登录或登录已过期", "status": 401}), 401
    return None


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 whose routes need a logged-in session and appear in the OpenAPI document."""
    bp = Blueprint(name, import_name, url_prefix=PREFIX)
    bp.before_request(_require_login)
    _blueprints.add(name)
    return bp


def is_api_endpoint(endpoint: str) -> bool:
    return endpoint.partition(".")[0] in _blueprints


def register_schemas(*schemas: type) -> None:
    """Schemas named in `doc()` responses, leaves first (nested references resolve to named components)."""
    for schema in schemas:
        _schemas.setdefault(schema.__name__, schema)


def registered_schemas() -> dict[str, type]:
    return dict(_schemas)


__all__ = ["PREFIX", "api_blueprint", "doc", "is_api_endpoint", "register_schemas", "registered_schemas"]
