"""Test helpers shared by tests/org, tests/admin and tests/seed."""

from __future__ import annotations

from flask import g


def forget_login() -> None:
    """Drop Flask-Login's and Flask-WTF's per-app-context caches.

    The suite runs every test inside one pushed app context, which requests reuse, so `g._login_user` and
    `g.csrf_token` would otherwise carry one client's user and token over to the next client in the same test.
    """
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
