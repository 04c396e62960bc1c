"""Configuration from the environment. Values a regulator may need to change live in settings, not here."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("SAFELOOP_INSTANCE", BASE_DIR / "instance"))


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in instance/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # accept the common postgres:// spelling and use psycopg 3
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'safeloop.db'}"


class Config:
    SECRET_KEY = None  # filled in create_app
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    HTTPS = bool(os.environ.get("SAFELOOP_HTTPS"))  # served over HTTPS: secure cookies, HSTS on every response
    SESSION_COOKIE_SECURE = os.environ.get("SAFELOOP_INSECURE_COOKIES") != "1" and HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    BOOTSTRAP_SERVE_LOCAL = True  # offline intranet: Bootstrap is served from the installed package
    BOOTSTRAP_BOOTSWATCH_THEME = None
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # per file
    UPLOAD_DIR = str(INSTANCE_DIR / "attachments")
    # Login throttling (app/auth/throttle.py): never a lock of the account from everywhere. After
    # LOGIN_MAX_FAILURES wrong passwords for one user name from one address, that address pauses for that
    # user name LOGIN_DELAY_MINUTES, twice as long after each further failure, at most
    # LOGIN_MAX_DELAY_MINUTES; after LOGIN_SOURCE_MAX_FAILURES failures from one address across user names
    # the address itself pauses the same way. Counters are forgotten LOGIN_FAILURE_MEMORY_MINUTES after
    # their last failure (at least the longest pause).
    LOGIN_MAX_FAILURES = int(os.environ.get("SAFELOOP_LOGIN_MAX_FAILURES", "5"))
    LOGIN_SOURCE_MAX_FAILURES = int(os.environ.get("SAFELOOP_LOGIN_SOURCE_MAX_FAILURES", "20"))
    LOGIN_DELAY_MINUTES = 1
    LOGIN_MAX_DELAY_MINUTES = 15
    LOGIN_FAILURE_MEMORY_MINUTES = 60
    TIMEZONE = "Asia/Shanghai"
    # 发文机关简称, used in document numbers: （萧）应急责改〔2026〕12号
    AGENCY_SHORT_NAME = os.environ.get("SAFELOOP_AGENCY_SHORT", "萧")
    AGENCY_NAME = os.environ.get("SAFELOOP_AGENCY_NAME", "萧县应急管理局")
    TESTING = False
    # Production mode (`SAFELOOP_ENV=production`, set by `flask serve` and the systemd units): create_app
    # refuses a missing or weak SECRET_KEY (app/serving/checks.py).
    PRODUCTION = os.environ.get("SAFELOOP_ENV") == "production"
    # How many reverse proxies in front of the app are trusted to set X-Forwarded-For/-Proto (0 = none:
    # the client address is the TCP peer). Never more than really exist, or clients can spoof addresses.
    PROXY_HOPS = int(os.environ.get("SAFELOOP_PROXY_HOPS", "0") or 0)
    # The audit chain's HMAC key, kept outside the database (app/audit/keys.py): the key itself, or a key
    # file (mode 0600); without either, a random key is created in instance/audit_hmac_key on first use
    # (refused in production). AUDIT_ANCHOR_FILE: where `flask audit anchor` appends the signed chain head
    # and `flask audit verify` checks it (None: no anchor file).
    AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or None
    AUDIT_HMAC_KEY_FILE = os.environ.get("AUDIT_HMAC_KEY_FILE") or None
    AUDIT_ANCHOR_FILE: str | None = os.environ.get("AUDIT_ANCHOR_FILE") or str(INSTANCE_DIR / "audit-anchors.jsonl")
    # Jobs (app/jobs: exports run by `flask jobs worker`): result files under JOBS_DIR/<job id>/, removed
    # JOBS_RETENTION_DAYS after the job finished; a running job whose worker has not beaten for
    # JOBS_STALE_SECONDS is requeued (its worker died), at most 3 runs.
    JOBS_DIR = os.environ.get("SAFELOOP_JOBS_DIR") or str(INSTANCE_DIR / "jobs")
    JOBS_RETENTION_DAYS = float(os.environ.get("SAFELOOP_JOBS_RETENTION_DAYS", "7") or 7)
    JOBS_STALE_SECONDS = 60.0
    # BPMN and form definitions: WORKFLOW_DIR / FORMS_DIR (defaults <repo>/workflows, <repo>/forms) plus
    # these extra directories. A process id or form name must be defined in only one directory.
    EXTRA_WORKFLOW_DIRS: tuple[str, ...] = ()
    EXTRA_FORMS_DIRS: tuple[str, ...] = ()
    # `Server-Timing: app;dur=…, sql;desc="…"` on every response, for the HTTP benchmarks (app/serving/timing.py,
    # bench/server.py). Never in a deployment: it tells clients how long and how many statements a page took.
    SERVER_TIMING = os.environ.get("SAFELOOP_SERVER_TIMING") == "1"


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = True
    SESSION_COOKIE_SECURE = False
    LOGIN_MAX_FAILURES = 5
    AUDIT_HMAC_KEY = "test-audit-key-5b0e9c1f7a3d24e68f1c0b9a7d5e3f21"
    AUDIT_HMAC_KEY_FILE = None
    AUDIT_ANCHOR_FILE = None  # a test that anchors names its own file
    # the test process (test_simple) and its forms, never deployed with the app
    EXTRA_WORKFLOW_DIRS = (str(BASE_DIR / "tests" / "fixtures" / "workflows"),)
    EXTRA_FORMS_DIRS = (str(BASE_DIR / "tests" / "fixtures" / "forms"),)


def build_config(config: type[Config] | dict | None) -> dict:
    cls = config if isinstance(config, type) else Config
    values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    values["SECRET_KEY"] = values.get("SECRET_KEY") or _secret_key()
    values["SQLALCHEMY_DATABASE_URI"] = values.get("SQLALCHEMY_DATABASE_URI") or _database_url()
    if isinstance(config, dict):
        values.update(config)
    # production mode accepts only a key given in the environment (app/serving/checks.py)
    values.setdefault("SECRET_KEY_FROM_ENV", bool(os.environ.get("SECRET_KEY"))
                      and values["SECRET_KEY"] == os.environ["SECRET_KEY"])
    uri = values["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        values["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    return values
