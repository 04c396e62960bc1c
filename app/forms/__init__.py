"""Form definitions (forms/<name>.json, one per BPMN user task): rendering, validation, labels.

    formdef = forms.get_form("review_rectification")            # cached, reloaded when the file changes
    data = forms.validate("review_rectification", request.form, request.files, actor=current_user)
    # -> {declared field: typed value}; files -> [attachment id]; or raises forms.FormInvalid
    formdef.labels                                              # {"result": "复查结论", ...}
    formdef.label_for("result", "failed")                       # "整改不合格"

Templates: {% from "forms/_macros.html" import render_form, render_values %}.
The format is documented in forms/README.md; `flask forms check` validates every definition.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app, has_app_context

from app.forms import choices as _choices
from app.forms.definition import NAME_RE, FieldDef, FormDefinitionError, ShowIf, load_file
from app.forms.render import DisplayItem, FormDef
from app.forms.validation import FormInvalid
from app.forms.validation import validate as _validate

register_choices = _choices.register_choices

__all__ = [
    "DisplayItem",
    "FieldDef",
    "FormDef",
    "FormDefinitionError",
    "FormInvalid",
    "FormNotFound",
    "ShowIf",
    "check_all",
    "clear_cache",
    "form_exists",
    "forms_dir",
    "get_form",
    "init_app",
    "load_form",
    "register_choices",
    "validate",
    "validate_definition",
]

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "forms"
_cache: dict[str, tuple[int, FormDef]] = {}


class FormNotFound(LookupError):
    def __init__(self, name: str, path: Path | None = None):
        super().__init__(f"form definition {name!r} not found" + (f" ({path})" if path else ""))
        self.name = name


def forms_dir() -> Path:
    if has_app_context() and current_app.config.get("FORMS_DIR"):
        return Path(current_app.config["FORMS_DIR"])
    return DEFAULT_DIR


def _path(name: str) -> Path:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise FormNotFound(str(name))
    return forms_dir() / f"{name}.json"


def get_form(name: str) -> FormDef:
    """The parsed definition forms/<name>.json. Raises FormNotFound / FormDefinitionError."""
    path = _path(name)
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise FormNotFound(name, path) from None
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
    """True when forms/<name>.json exists (use validate_definition / check_all for its content)."""
    try:
        return _path(name).is_file()
    except FormNotFound:
        return False


def validate(name: str | FormDef, formdata, files=None, *, actor, context: dict | None = None) -> dict:
    """Validate a submission against a form definition.

    Returns {field: typed value} for the declared fields only (str, int, Decimal, date, aware UTC
    datetime, bool, list for multiselect, [attachment id] for files, [row dict] for repeats; a field
    left empty or hidden by show_if gets None / [] / False). Uploaded files become Attachment rows
    (flushed) only when the whole form is valid. Raises FormInvalid(errors, values).
    """
    formdef = name if isinstance(name, FormDef) else get_form(name)
    return _validate(formdef, formdata, files, actor=actor, context=context)


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


def check_all(directory=None, *, check_providers: bool = True) -> dict[str, list[str]]:
    """{file name: problems} for every forms/*.json with problems (empty dict = all good)."""
    directory = Path(directory) if directory else forms_dir()
    out = {}
    for path in sorted(directory.glob("*.json")):
        if path.name.startswith("_"):
            continue
        problems = validate_definition(path, check_providers=check_providers)
        if problems:
            out[path.name] = problems
    return out


def init_app(app) -> None:
    """Template global `get_form` and the `flask forms check` command."""
    import click
    from flask.cli import AppGroup

    app.jinja_env.globals.setdefault("get_form", get_form)

    group = AppGroup("forms", help="Form definitions (forms/*.json).")

    @group.command("check")
    def check_command():
        """Validate every form definition; exit 1 on problems."""
        problems = check_all()
        for items in problems.values():
            for p in items:
                click.echo(p, err=True)
        names = [p.name for p in forms_dir().glob("*.json") if not p.name.startswith("_")]
        click.echo(f"{len(names)} form definitions, {sum(map(len, problems.values()))} problems")
        raise SystemExit(1 if problems else 0)

    if "forms" not in app.cli.commands:
        app.cli.add_command(group)
