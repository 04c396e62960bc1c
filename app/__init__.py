"""SafeLoop 安全生产执法闭环系统 — application factory."""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import BASE_DIR, Config, build_config
from app.db import configure_sqlite
from app.domains import DOMAINS
from app.errors import register_error_handlers
from app.extensions import bootstrap, csrf, db, login_manager, migrate
from app.serving.checks import check_production

# Platform packages with routes expose `bp` in <package>.routes; packages with CLI commands expose
# `register_cli(app)` in <package>.cli. Domains are not listed here: each registers itself through its
# `init_app` (app/domains.py).
BLUEPRINTS = [
    "app.auth.routes",
    "app.auth.admin_routes",
    "app.org.routes",
    "app.inbox.routes",
    "app.attachments.routes",
    "app.audit.routes",
    "app.documents.routes",
    "app.api.routes",
    "app.ledgers.routes",
    "app.dashboard.routes",
    "app.notifications.routes",
    "app.jobs.routes",
    "app.publication.routes",
    "app.publication.public",  # 行政执法公示: public pages, no sign-in
]
CLI_MODULES = [
    "app.cli",
    "app.workflow.cli",
    "app.audit.cli",
    "app.serving.cli",
    "app.backup.cli",
    "app.jobs.cli",
]


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(build_config(config))
    check_production(app.config)  # a weak or missing SECRET_KEY never serves in production mode
    app.json.ensure_ascii = False
    if app.config["PROXY_HOPS"]:
        # the client address and scheme come from exactly that many trusted proxies, never more
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"

    importlib.import_module("app.models")  # register every model with the metadata

    from app.auth.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        # "<id>:<session version>" (User.get_id): a session ended by logout, a password change or reset,
        # a role change or deactivation no longer loads; checked on the one user row read anyway
        return User.load_session(user_id)

    register_error_handlers(app)
    importlib.import_module("app.params").init_app(app)  # no control character in any query value (400)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in CLI_MODULES:
        importlib.import_module(name).register_cli(app)
    for name in DOMAINS:
        importlib.import_module(name).init_app(app)
    # validate workflows/*.bpmn, and that every user task has its domain's handler, or refuse to start
    importlib.import_module("app.workflow").load_definitions(app)

    importlib.import_module("app.ui").init_app(app)

    @app.before_request
    def _fresh_login_state():
        # When an app context is reused across requests (tests, CLI), never carry the previous
        # request's user or CSRF token over: Flask-Login and Flask-WTF cache them in g.
        g.pop("_login_user", None)
        g.pop(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)

    # CSP, no-store for signed-in users, Permissions-Policy, HSTS over HTTPS (app/security_headers.py)
    importlib.import_module("app.security_headers").init_app(app)
    if app.config.get("SERVER_TIMING"):  # benchmarks only (bench/server.py): app time + SQL count per response
        importlib.import_module("app.serving.timing").install(app)

    return app


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths are allowed as a post-login redirect (no open redirect)."""
    if not target:
        return False
    if target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/")
