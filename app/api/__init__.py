"""JSON API /api/v1. Platform routes live in app/api/routes.py; a domain adds its own routes on a
blueprint made by `api_blueprint()` (same prefix, same session login) and registers the marshmallow
schemas its routes name with `register_schemas()`; /api/v1/openapi.json collects them all.

    bp = api.api_blueprint("api_<domain>", __name__)
    @bp.get("/<things>")
    @api.doc({"get": {...}}, query=ThingArgsSchema)   # query: the route's query parameters
    def things(): ...

Every route is documented with its parameters: path parameters in `doc()`'s operations, query parameters
as a `schemas.QuerySchema` (one field a parameter, with a Chinese description and its enum or format),
which also validates them. The document describes the authentication every operation needs: the session
cookie of the login page, plus the CSRF token header on unsafe methods (tests/api/test_openapi.py checks
each route's documented parameters against the ones its code reads).
"""

from __future__ import annotations

import functools

from flask import Blueprint, jsonify, request
from flask_login import current_user

from app import params

PREFIX = "/api/v1"
_blueprints: set[str] = set()
_schemas: dict[str, type] = {}


def doc(operations: dict, *, query: type | None = None):
    """Attach OpenAPI operations to a view (collected by /api/v1/openapi.json). `query`: the marshmallow
    schema (a `schemas.QuerySchema`) of the route's query parameters: the document lists each field as a
    parameter, and a request with an invalid value is answered 422, each message in Chinese under the
    parameter's name, before the view runs."""

    def wrap(fn):
        if query is None:
            fn.openapi = operations
            return fn

        @functools.wraps(fn)
        def view(*args, **kwargs):
            params.check(query, request.args)
            return fn(*args, **kwargs)

        view.openapi = operations  # type: ignore[attr-defined]
        view.openapi_query = query  # type: ignore[attr-defined]
        return view

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


def error_responses(*codes: str) -> dict:
    """The `responses` entries of error statuses (ErrorSchema bodies) for a view's `doc()`, e.g. ("401", "422")."""
    return {code: {"content": {"application/json": {"schema": "ErrorSchema"}}} for code in codes}


def path_id(name: str, description: str) -> dict:
    """A required integer path parameter (the object's id) for a view's `doc()` parameters."""
    return {"in": "path", "name": name, "required": True, "schema": {"type": "integer"}, "description": description}


def register_schemas(*schemas: type) -> None:
    """Schemas named in `doc()` responses, leaves first (nested references resolve to named components)."""
    for schema in schemas:
        _schemas.setdefault(schema.__name__, schema)


def registered_schemas() -> dict[str, type]:
    return dict(_schemas)


__all__ = [
    "PREFIX",
    "api_blueprint",
    "doc",
    "error_responses",
    "is_api_endpoint",
    "path_id",
    "register_schemas",
    "registered_schemas",
]
