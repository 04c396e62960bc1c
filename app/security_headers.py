"""Security headers on every response (issue #11 item 6).

- Content-Security-Policy: scripts only from our own files (no inline script, no handler attribute,
  no `javascript:` URL anywhere: the page scripts live in app/static), styles from our own files.
  Style *attributes* stay allowed (``style-src-attr 'unsafe-inline'``, and ``'unsafe-inline'`` in
  ``style-src`` for browsers older than CSP 3, which ignore the ``-elem``/``-attr`` directives): the
  templates carry a few widths and ``white-space`` settings as attributes and Bootstrap's and our scripts
  set positions through attributes. A style attribute cannot run code, and Jinja escapes every value put
  into one; ``<style>`` elements stay refused where the browser knows ``style-src-elem``. Images from our
  own files and ``data:`` (Bootstrap's CSS draws its icons — the navbar toggler, select arrows, the close
  button — as data: SVG); the process diagram is inline SVG markup and needs nothing more.
- Cache-Control: no-store on every response to a signed-in user (pages, API, evidence downloads): no
  copy of what a session saw stays in a shared or browser cache after logout. Static files keep caching.
- Permissions-Policy: no page uses camera, microphone or location (an on-site photo is a file input;
  ``capture`` on it needs no camera permission), so they are all off, as are payment and USB.
- Strict-Transport-Security only when the request came over HTTPS (``request.is_secure``, which honours
  the trusted proxy hop count through ProxyFix) or the deployment says it is served over HTTPS
  (SAFELOOP_HTTPS, config HTTPS).

A response that sets a header itself keeps it (an attachment's sandbox CSP), except Cache-Control on a
signed-in response, which is always no-store. The Server header is the WSGI server's: gunicorn's is set to
a neutral name in app/serving/gunicorn_conf.py.
"""

from __future__ import annotations

from flask import Flask, Response, g, request, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "style-src-elem 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "midi")
)
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    from flask import current_app

    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if request.is_secure or current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if not _is_static() and _signed_in():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


def _is_static() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def _signed_in() -> bool:
    """A signed-in user's response, read without a query: the user this request loaded, or else a
    session that names one (a session whose user no longer loads is treated alike: no-store is harmless)."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    return "_user_id" in session
