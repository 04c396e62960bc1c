"""Domain errors and their HTTP rendering (HTML pages and /api JSON alike)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, flash, jsonify, redirect, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """An expected failure with a message a user can act on (Chinese)."""

    status = 400
    # which item of a batch the error is about (set by `concerning`), so a page listing several items
    # can show the message next to that one
    concerns: object = None

    def __init__(self, message: str, *, status: int | None = None, field_errors: dict | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.field_errors = field_errors or {}


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class InvalidState(DomainError):
    """The object is not in a state that allows this step."""

    status = 409


class Conflict(DomainError):
    """Somebody else changed or completed it first."""

    status = 409


class ValidationFailed(DomainError):
    status = 422


def require(condition: bool, message: str = "您无权执行此操作") -> None:
    """Raise PermissionDenied unless condition holds (routes after loading an object, operations first)."""
    if not condition:
        raise PermissionDenied(message)


def invalid(field: str, message: str) -> ValidationFailed:
    """A rule broken by one form field: the message is shown next to that field (`raise invalid(...)`)."""
    return ValidationFailed(message, field_errors={field: message})


class FieldErrors:
    """Every wrong field of one form named in one reply, each next to itself (a form refused field by field
    made the user send it again to learn of the next):

        errors = FieldErrors()
        with errors.field():            # a ValidationFailed raised inside is kept, the rest goes on
            batch.title = _text(...)
        errors.add("deadline-3", "问题3：请填写整改期限")
        errors.raise_any()              # one message (or "请修改以下N处内容：…"), every field's own
    """

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    @contextmanager
    def field(self) -> Iterator[None]:
        try:
            yield
        except ValidationFailed as exc:
            self.errors.update(exc.field_errors or {"_": exc.message})

    def add(self, field: str, message: str) -> None:
        self.errors[field] = message

    def raise_any(self) -> None:
        if not self.errors:
            return
        messages = list(self.errors.values())
        message = (
            messages[0] if len(messages) == 1 else f"请修改以下{len(messages)}处内容：" + "；".join(messages)
        )
        raise ValidationFailed(message, field_errors=dict(self.errors))


@contextmanager
def concerning(item: object) -> Iterator[None]:
    """A DomainError raised inside is about `item` (e.g. the id of one object of a batch operation), unless an
    inner `concerning` already said which item."""
    try:
        yield
    except DomainError as exc:
        if exc.concerns is None:
            exc.concerns = item
        raise


HTTP_MESSAGES = {
    400: "请求有误",
    403: "您无权访问该页面或执行该操作",
    404: "您要找的内容不存在，或不在您的管辖范围内",
    405: "不支持该请求方式",
    409: "操作冲突",
    413: "上传的文件过大",
    422: "提交的内容未通过校验",
    429: "操作过于频繁，请稍后再试",
    500: "系统内部错误，已记录，请联系管理员",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def back_within_app() -> str:
    """Where the page that posted came from (its Referer) when that is a page of this app, else the home
    page: a Referer is what the browser says, and must not send the user to another site."""
    from app import is_safe_next

    referrer = request.referrer
    if not referrer:
        return "/"
    parts = urlsplit(referrer)
    if parts.scheme or parts.netloc:  # absolute: only this app's own origin, then keep the path
        if (parts.scheme, parts.netloc) != (request.scheme, request.host):
            return "/"
        referrer = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return referrer if is_safe_next(referrer) else "/"


def register_error_handlers(app: Flask) -> None:
    from app.extensions import db

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if wants_json():
            body = {"error": exc.message, "status": exc.status}
            if exc.field_errors:
                body["field_errors"] = exc.field_errors
            return jsonify(body), exc.status
        if exc.status == 409 and request.method == "POST":
            # stale form or lost race: tell the user why, then send them somewhere useful
            flash(exc.message, "warning")
            return redirect(back_within_app()), 303
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        message = HTTP_MESSAGES.get(code, exc.description or "请求有误")
        if code == 400 and "CSRF" in (exc.description or ""):
            message = "页面已过期或表单令牌无效，请刷新页面后重新提交"
        if wants_json():
            return jsonify({"error": message, "status": code}), code
        return render_template("error.html", status=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # pragma: no cover - exercised only by real failures
        db.session.rollback()
        app.logger.exception("unhandled error")
        if app.config.get("TESTING") and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        if wants_json():
            return jsonify({"error": HTTP_MESSAGES[500], "status": 500}), 500
        return render_template("error.html", status=500, message=HTTP_MESSAGES[500]), 500

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        """The database gave up on this transaction because another one held what it needed (PostgreSQL
        deadlock or serialization failure, a lock wait past its limit, SQLite still locked after the
        busy timeout): nothing was written; the user is told to submit again, as for any lost race."""
        if not is_transient(exc):
            return unexpected(exc)
        app.logger.warning("transaction given up by the database, user asked to retry: %s", exc.orig)
        return domain_error(Conflict(BUSY_MESSAGE))


BUSY_MESSAGE = "该事项正由他人或定时任务同时处理，本次提交未保存，请稍后重新提交"
# deadlock_detected, serialization_failure, lock_not_available
_TRANSIENT_SQLSTATES = {"40P01", "40001", "55P03"}


def is_transient(exc: DBAPIError) -> bool:
    """Whether the failed transaction can simply be tried again."""
    if getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(exc.orig)  # SQLite, after busy_timeout
