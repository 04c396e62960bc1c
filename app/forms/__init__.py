"""Form definitions (forms/<name>.json, one per BPMN user task): rendering, validation, labels.

    formdef = forms.get_form("review_rectification")            # cached, reloaded when the file changes
    data = forms.validate("review_rectification", request.form, request.files, actor=current_user)
    # -> {declared field: typed value}; files -> [attachment id]; or raises forms.FormInvalid
    formdef.labels                                              # {"result": "复查结论", ...}
    formdef.label_for("result", "failed")                       # "整改不合格"

A route that hands the data to an operation validates with `submission`, so that a rule the operation
enforces (app.errors.invalid / require, InvalidState: a cross-field rule, a round cap, a date that must
be later) re-renders the form like a field rule does, every value and uploaded file kept:

    try:
        with forms.submission(task.form_name, request.form, request.files, actor=actor) as data:
            decide(case, data, actor=actor)                    # raises invalid("decision", "…")
    except forms.FormInvalid as exc:                           # the form's rules or the operation's
        db.session.rollback()
        return render_template(..., values=exc.values, errors=exc.errors), exc.status

A form with a confirm dialog (render_form's data-confirm, on irreversible steps) asks its fields first:
on submit the page's script (app/static/safeloop.js) posts the same data to the same address with the
header X-SafeLoop-Validate: 1, file fields as names and sizes only. The route runs as for the real POST
(login, CSRF, its permission checks) until `submission` / `validate`, which then check the form's own
rules only and stop the request with FormChecked: the answer is {"ok": bool, "errors": {field: 中文消息}},
nothing is written (a commit in such a request fails), no operation runs. With errors the script submits
the form for real with _safeloop_check=1 and no dialog: `submission` renders the errors as usual, and
never lets the operation run for such a submit; with none it shows the dialog, then submits.

Templates: {% from "forms/_macros.html" import render_form, render_values %}.
The format is documented in forms/README.md; `flask forms check` validates every definition.

Definitions are read from FORMS_DIR (default <repo>/forms) and every directory in EXTRA_FORMS_DIRS (the
tests add tests/fixtures/forms). A form name must be defined in exactly one of them: a name found in
two directories is an error at start-up (workflow deploy checks), in `flask forms check` and in
get_form.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import current_app, g, has_app_context, has_request_context, jsonify, request

from app.errors import Conflict, DomainError, NotFound
from app.forms import choices as _choices
from app.forms.definition import NAME_RE, FieldDef, FormDefinitionError, ShowIf, load_file
from app.forms.render import DisplayItem, FormDef
from app.forms.validation import FORM_ERROR, FormInvalid, check, rejection_errors, validate_keeping_values
from app.forms.validation import validate as _validate

register_choices = _choices.register_choices

__all__ = [
    "CHECK_FIELD",
    "FORM_ERROR",
    "VALIDATE_HEADER",
    "DisplayItem",
    "FieldDef",
    "FormChecked",
    "FormDef",
    "FormDefinitionError",
    "FormInvalid",
    "FormNotFound",
    "ShowIf",
    "Submission",
    "check_all",
    "check_mode",
    "clear_cache",
    "dirs_from_config",
    "duplicates",
    "form_exists",
    "form_files",
    "forms_dir",
    "forms_dirs",
    "get_form",
    "init_app",
    "load_form",
    "register_choices",
    "submission",
    "validate",
    "validate_definition",
]

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "forms"
_cache: dict[str, tuple[int, FormDef]] = {}


class FormNotFound(LookupError):
    def __init__(self, name: str, path: Path | None = None):
        super().__init__(f"form definition {name!r} not found" + (f" ({path})" if path else ""))
        self.name = name


def dirs_from_config(config) -> list[Path]:
    """FORMS_DIR (default <repo>/forms), then each EXTRA_FORMS_DIRS entry, from an app config."""
    main = Path(config["FORMS_DIR"]) if config.get("FORMS_DIR") else DEFAULT_DIR
    return [main, *(Path(d) for d in config.get("EXTRA_FORMS_DIRS") or ())]


def forms_dirs() -> list[Path]:
    """The directories form names are looked up in (the current app's, else <repo>/forms)."""
    if has_app_context():
        return dirs_from_config(current_app.config)
    return [DEFAULT_DIR]


def forms_dir() -> Path:
    """The main form directory (FORMS_DIR); see forms_dirs() for every directory searched."""
    return forms_dirs()[0]


def form_files(name: str, dirs=None) -> list[Path]:
    """Every file defining form `name` in `dirs` (default forms_dirs()): one when all is well."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        return []
    candidates = (Path(d) / f"{name}.json" for d in (forms_dirs() if dirs is None else dirs))
    return [path for path in candidates if path.is_file()]


def _duplicate_problem(name: str, paths: list[Path]) -> str:
    return f"form {name!r} is defined in more than one directory: " + ", ".join(str(p) for p in paths)


def duplicates(dirs=None) -> dict[str, list[Path]]:
    """{form name: its files} for every name defined in more than one of `dirs` (default forms_dirs())."""
    found: dict[str, list[Path]] = {}
    for directory in forms_dirs() if dirs is None else dirs:
        for path in sorted(Path(directory).glob("*.json")):
            if not path.name.startswith("_"):
                found.setdefault(path.stem, []).append(path)
    return {name: paths for name, paths in found.items() if len(paths) > 1}


def _locate(name: str) -> tuple[Path, int]:
    """The one file defining `name` and its mtime (one stat per directory searched)."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise FormNotFound(str(name))
    found = []
    for directory in forms_dirs():
        path = directory / f"{name}.json"
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if stat.S_ISREG(st.st_mode):
            found.append((path, st.st_mtime_ns))
    if not found:
        raise FormNotFound(name, forms_dir() / f"{name}.json")
    if len(found) > 1:
        raise FormDefinitionError(name, [_duplicate_problem(name, [path for path, _ in found])])
    return found[0]


def get_form(name: str) -> FormDef:
    """The parsed definition <forms dir>/<name>.json. Raises FormNotFound / FormDefinitionError."""
    path, mtime = _locate(name)
    key = str(path)
    hit = _cache.get(key)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    fd, problems = load_file(path, form_cls=FormDef)
    if problems:
        raise FormDefinitionError(name, problems)
    _cache[key] = (mtime, fd)
    return fd


def load_form(path) -> FormDef:
    """Parse a definition file outside forms/ (tools, tests). Raises FormDefinitionError."""
    path = Path(path)
    fd, problems = load_file(path, form_cls=FormDef)
    if problems:
        raise FormDefinitionError(path.stem, problems)
    return fd


def clear_cache() -> None:
    _cache.clear()


def form_exists(name: str) -> bool:
    """True when a file <name>.json exists in a forms directory (use validate_definition / check_all
    for its content)."""
    return bool(form_files(name))


# The page's script asks whether a form would pass before it shows the confirm dialog (module docstring).
VALIDATE_HEADER = "X-SafeLoop-Validate"
# A submit the script sends after that check found errors: the errors are shown, the step never performed.
CHECK_FIELD = "_safeloop_check"
NOT_SUBMITTED = "内容已检查无误，但尚未提交，请再次点击提交并确认"


class FormChecked(Exception):
    """The answer to a form check (VALIDATE_HEADER): {field: 中文消息}, empty when the form's rules pass.
    Not a DomainError: no route catches it; init_app answers it with JSON."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("form checked")
        self.errors = errors


def check_mode() -> str | None:
    """'validate' for a form check (VALIDATE_HEADER), 'check' for a submit the script sent to show the
    check's errors (CHECK_FIELD), None for a real submit."""
    if not has_request_context() or request.method != "POST":
        return None
    if request.headers.get(VALIDATE_HEADER) == "1":
        return "validate"
    # the page's script marks a browser form's submit; an API call (JSON) has no such field to read
    if request.mimetype in _FORM_TYPES and request.form.get(CHECK_FIELD) == "1":
        return "check"
    return None


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _check_instead(formdef: FormDef, formdata, files, *, actor, context) -> None:
    """In a form check or a check-only submit: the form's rules only, then stop (always raises)."""
    mode = check_mode()
    if mode is None:
        return
    errors, values = check(formdef, formdata, files, actor=actor, context=context, chosen=mode == "validate")
    if mode == "validate":
        raise FormChecked(errors)
    # the page is re-rendered as for any refused submit (which may commit what rendering it records, e.g.
    # the thumbnails viewed); the step itself is never reached
    g._forms_checking = False
    if errors:
        raise FormInvalid(errors, values, formdef)
    # the fields pass now (they did not a moment ago): the step still needs its confirmation
    raise FormInvalid({FORM_ERROR: NOT_SUBMITTED}, values, formdef, message=NOT_SUBMITTED)


def validate(name: str | FormDef, formdata, files=None, *, actor, context: dict | None = None) -> dict:
    """Validate a submission against a form definition.

    Returns {field: typed value} for the declared fields only (str, int, Decimal, date, aware UTC
    datetime, bool, list for multiselect, [attachment id] for files, [row dict] for repeats; a field
    left empty or hidden by show_if gets None / [] / False). Uploaded files become Attachment rows
    (flushed) only when the whole form is valid. Raises FormInvalid(errors, values).
    """
    formdef = name if isinstance(name, FormDef) else get_form(name)
    _check_instead(formdef, formdata, files, actor=actor, context=context)
    return _validate(formdef, formdata, files, actor=actor, context=context)


class Submission:
    """A submission that passed the form's rules: `data` for the operation, and `values` to re-render the
    form with should the operation reject it. As a context manager it yields `data` and turns a rejection
    raised inside (any DomainError but a lost race or a vanished object, or a marshmallow
    ValidationError) into FormInvalid with the message next to the field it names, or at the top."""

    def __init__(self, formdef: FormDef, data: dict, values: dict):
        self.formdef = formdef
        self.data = data
        self.values = values

    def rejection(self, exc: Exception) -> FormInvalid | None:
        """The FormInvalid re-rendering this form for `exc`, or None when a form cannot help: a lost
        race (Conflict: someone else completed the task) or an object that is gone (NotFound)."""
        from marshmallow import ValidationError

        if isinstance(exc, FormInvalid):
            return exc
        if isinstance(exc, Conflict | NotFound) or not isinstance(exc, DomainError | ValidationError):
            return None
        status = exc.status if isinstance(exc, DomainError) else 422
        message = exc.message if isinstance(exc, DomainError) else "提交的内容未通过校验，请按提示修改"
        return FormInvalid(
            rejection_errors(self.formdef, exc), self.values, self.formdef, message=message, status=status
        )

    def __enter__(self) -> dict:
        return self.data

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, FormInvalid):
            return False
        rejected = self.rejection(exc)
        if rejected is None:
            return False
        raise rejected from exc


def submission(
    name: str | FormDef, formdata, files=None, *, actor, context: dict | None = None
) -> Submission:
    """Validate like `validate` (raises FormInvalid) and keep what re-rendering needs; see Submission."""
    formdef = name if isinstance(name, FormDef) else get_form(name)
    _check_instead(formdef, formdata, files, actor=actor, context=context)
    data, values = validate_keeping_values(formdef, formdata, files, actor=actor, context=context)
    return Submission(formdef, data, values)


def validate_definition(path, *, check_providers: bool = False) -> list[str]:
    """Problems in one definition file ([] when fine). For deploy checks.

    check_providers: also require every choices_from provider to be registered (call after the app,
    and so every domain module, has been loaded).
    """
    path = Path(path)
    fd, problems = load_file(path, form_cls=FormDef)
    if fd is not None and check_providers:
        for f in fd.fields:
            for sub in (f, *f.fields):
                if sub.choices_from and not _choices.is_registered(sub.choices_from):
                    problems.append(
                        f"{path.name}: field {sub.name!r}: choices provider {sub.choices_from!r} "
                        "is not registered"
                    )
    return problems


def _definition_files(dirs) -> list[Path]:
    return [p for d in dirs for p in sorted(Path(d).glob("*.json")) if not p.name.startswith("_")]


def check_all(directory=None, *, check_providers: bool = True) -> dict[str, list[str]]:
    """{file name: problems} for every definition with problems (empty dict = all good): those in
    `directory`, or by default in every forms directory, where a name defined twice is a problem too."""
    dirs = [Path(directory)] if directory else forms_dirs()
    out: dict[str, list[str]] = {}
    for path in _definition_files(dirs):
        problems = validate_definition(path, check_providers=check_providers)
        if problems:
            out.setdefault(path.name, []).extend(problems)
    for name, paths in duplicates(dirs).items():
        out.setdefault(f"{name}.json", []).append(_duplicate_problem(name, paths))
    return out


def _refuse_commit(session) -> None:
    """A form check writes nothing, and a check-only submit nothing before its form is checked: should a
    route commit before it reaches its form, the request fails (rolled back) instead of writing."""
    if has_request_context() and g.get("_forms_checking"):
        raise RuntimeError("a form check (X-SafeLoop-Validate / _safeloop_check) must not commit")


def _mark_check() -> None:
    g._forms_checking = check_mode() is not None


def _unmark_check(_exc=None) -> None:
    g.pop("_forms_checking", None)


def _answer_check(exc: FormChecked):
    from app.extensions import db

    db.session.rollback()
    return jsonify(ok=not exc.errors, errors=exc.errors), 200


def init_app(app) -> None:
    """Template global `get_form`, the `flask forms check` command, and form checks (FormChecked answered
    as JSON; no commit during one)."""
    import click
    from flask.cli import AppGroup
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    app.jinja_env.globals.setdefault("get_form", get_form)
    app.register_error_handler(FormChecked, _answer_check)
    app.before_request(_mark_check)
    app.teardown_request(_unmark_check)
    if not event.contains(Session, "before_commit", _refuse_commit):
        event.listen(Session, "before_commit", _refuse_commit)

    group = AppGroup("forms", help="Form definitions (forms/*.json).")

    @group.command("check")
    def check_command():
        """Validate every form definition; exit 1 on problems."""
        problems = check_all()
        for items in problems.values():
            for p in items:
                click.echo(p, err=True)
        files = _definition_files(forms_dirs())
        click.echo(f"{len(files)} form definitions, {sum(map(len, problems.values()))} problems")
        raise SystemExit(1 if problems else 0)

    if "forms" not in app.cli.commands:
        app.cli.add_command(group)
