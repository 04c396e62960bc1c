"""The OpenAPI 3 document of /api/v1, built from what the routes declare: each route's `api.doc()`
operations (path parameters, request body, responses), the marshmallow schemas of its query parameters
(`doc(..., query=...)`: name, type, Chinese description, enum, format, default) and of its responses, and
the authentication the app enforces: the login session's cookie on every operation, and on unsafe methods
(those Flask-WTF's CSRF protection checks) the session's CSRF token in a header too."""

from __future__ import annotations

import copy
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from app.api import is_api_endpoint, registered_schemas

TITLE = "SafeLoop 安全生产执法闭环系统 API"
VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
RESPONSE_TEXT = {"200": "成功", "401": "未登录", "403": "无权操作", "404": "不存在或不在范围内",
                 "409": "任务已被他人办理或状态已变化", "422": "参数或表单校验未通过"}
SESSION = "sessionCookie"  # names of the security schemes
CSRF = "csrfToken"
CSRF_METHODS_DEFAULT = ("POST", "PUT", "PATCH", "DELETE")  # Flask-WTF's default WTF_CSRF_METHODS
CSRF_HEADERS_DEFAULT = ("X-CSRFToken", "X-CSRF-Token")  # Flask-WTF's default WTF_CSRF_HEADERS
DESCRIPTION = (
    "与页面相同的数据范围和权限。认证：先在 /login 页面登录（表单 POST username、password、csrf_token），"
    "之后每个请求带上会话 Cookie；POST 等修改数据的请求还须在请求头 {header} 中带上本会话的 CSRF 令牌"
    "（登录后任一页面表单中 csrf_token 隐藏字段的值，会话期间有效）。未登录返回 401，缺少或错误的 CSRF 令牌返回 400。"
)


def csrf_methods(app: Flask) -> set[str]:
    return {m.upper() for m in app.config.get("WTF_CSRF_METHODS") or CSRF_METHODS_DEFAULT}


def csrf_header(app: Flask) -> str:
    return (app.config.get("WTF_CSRF_HEADERS") or CSRF_HEADERS_DEFAULT)[0]


def security_schemes(app: Flask) -> dict[str, dict]:
    headers = list(app.config.get("WTF_CSRF_HEADERS") or CSRF_HEADERS_DEFAULT)
    return {
        SESSION: {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config.get("SESSION_COOKIE_NAME") or "session",
            "description": "登录会话：在 /login 登录后服务器设置的会话 Cookie（HttpOnly；空闲 8 小时内有效）",
        },
        CSRF: {
            "type": "apiKey",
            "in": "header",
            "name": headers[0],
            "description": (
                "本会话的 CSRF 令牌（登录后任一页面表单中 csrf_token 隐藏字段的值），"
                f"{'、'.join(sorted(csrf_methods(app)))} 请求必须携带"
                + (f"（请求头也可写作 {'、'.join(headers[1:])}）" if len(headers) > 1 else "")
            ),
        },
    }


def security_for(app: Flask, method: str) -> list[dict]:
    """One requirement: the session cookie, and the CSRF header too on the methods CSRF protects."""
    if method.upper() in csrf_methods(app):
        return [{SESSION: [], CSRF: []}]
    return [{SESSION: []}]


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": "ErrorSchema"}}}


def build(app: Flask) -> dict:
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION.format(header=csrf_header(app))},
    )
    for name, scheme in security_schemes(app).items():
        spec.components.security_scheme(name, scheme)
    # leaves first, so nested references resolve to the named components
    for name, schema in registered_schemas().items():
        spec.components.schema(name, schema=schema)
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        declared = getattr(view, "openapi", None)
        if not (is_api_endpoint(rule.endpoint) and declared):
            continue
        query = getattr(view, "openapi_query", None)
        ops = paths.setdefault(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), {})
        for method, declared_op in declared.items():
            op = copy.deepcopy(declared_op)  # the declaration stays as the route wrote it
            for code, resp in op.get("responses", {}).items():
                resp.setdefault("description", RESPONSE_TEXT.get(code, "响应"))
            if query is not None:
                op.setdefault("parameters", []).append({"in": "query", "schema": query})
            op.setdefault("security", security_for(app, method))
            # what the blueprint's login check and the CSRF check answer, for every operation they guard
            responses = op.setdefault("responses", {})
            responses.setdefault("401", _error("未登录或登录已过期（缺少有效的会话 Cookie）"))
            if method.upper() in csrf_methods(app):
                responses.setdefault("400", _error("缺少或错误的 CSRF 令牌（请求头）"))
            ops[method] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()
