"""gunicorn settings, read from the environment: `gunicorn -c python:app.serving.gunicorn_conf 'app:create_app()'`.

SAFELOOP_BIND (default 127.0.0.1:8000; put the intranet's reverse proxy in front), SAFELOOP_WORKERS
(default 2 × CPU cores + 1), SAFELOOP_TIMEOUT (seconds, default 60). Long work (ledger exports of a whole
city) must not rely on a longer timeout.
"""

from __future__ import annotations

import multiprocessing
import os

import gunicorn.http.wsgi

# No server version in front of users (issue #11 item 6): gunicorn writes `Server: <gunicorn.http.wsgi.SERVER>`
# on every response (read when each response is built) and SERVER_SOFTWARE into the WSGI environ. Set
# here, in the master, before the workers fork.
SERVER_NAME = "SafeLoop"
gunicorn.http.wsgi.SERVER = SERVER_NAME
gunicorn.http.wsgi.SERVER_SOFTWARE = SERVER_NAME

bind = os.environ.get("SAFELOOP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SAFELOOP_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("SAFELOOP_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# the app applies the trusted proxy hop count itself (SAFELOOP_PROXY_HOPS, werkzeug ProxyFix); gunicorn
# must not trust X-Forwarded-* on its own
forwarded_allow_ips = ""
raw_env = ["SAFELOOP_ENV=production"]
