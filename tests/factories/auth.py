"""Users' password and logged-in test clients (CSRF token added to every POST)."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

import app.auth.models as _auth_models
from app.auth.models import User

PASSWORD = "Test@2026pass"

# Production hashes with argon2id's recommended cost (64 MiB, ~0.1–1 s). Tests use the same algorithm
# at the lowest cost, and hash the shared test password once.
_auth_models._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD_HASH = _auth_models._hasher.hash(PASSWORD)

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf_token in page"
    return m.group(1)


class LoggedInClient:
    """Flask test client that is logged in and adds the CSRF token to every POST."""

    def __init__(self, client, user: User):
        self.client = client
        self.user = user
        page = client.get("/login").get_data(as_text=True)
        self.token = csrf_from(page)
        r = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": self.token})
        assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]
        # the session's CSRF token stays valid for the session
        self.token = csrf_from(client.get("/login?probe=1", follow_redirects=True).get_data(as_text=True))

    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)

    def api(self, method, url, json=None, **kw):
        headers = kw.pop("headers", {})
        headers.setdefault("X-CSRFToken", self.token)
        return self.client.open(url, method=method, json=json, headers=headers, **kw)


@pytest.fixture
def login(app):
    def _login(user: User) -> LoggedInClient:
        return LoggedInClient(app.test_client(), user)

    return _login
