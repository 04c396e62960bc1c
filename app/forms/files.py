"""File fields: type (by content), size and count checks, and keeping uploads across a failed submit.

Browsers cannot re-fill a file input, so a form that fails validation would make the user pick every
photo again. Instead each accepted upload's bytes go into the content-addressed store right away and
the re-rendered form carries a signed token per file (hidden input `<field>__keep`). No Attachment
row is written until the whole form is valid, so a failed submit leaves nothing in the database.

Tokens are signed with SECRET_KEY, bound to the user, and expire (FORMS_UPLOAD_TOKEN_MAX_AGE, default 3
days). Two kinds: {"u": user, "b": [sha256, size, mime, name]} for bytes in the store, and
{"u": user, "a": attachment_id} for an existing attachment the route pre-filled (e.g. editing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError, fields

from app.attachments.storage import Blob, allowed_types, blob_path, max_upload_bytes, put, size_message
from app.errors import ValidationFailed
from app.forms.definition import FieldDef

SALT = "safeloop.forms.upload"
EXPIRED = "已上传的文件已过期或无效，请重新选择"


@dataclass(frozen=True)
class Accepted:
    """A file that passed the checks: an existing attachment or bytes in the store."""

    attachment_id: int | None = None
    blob: Blob | None = None

    @property
    def name(self) -> str:
        return self.blob.original_name if self.blob else ""


@dataclass(frozen=True)
class Chosen:
    """A file the browser reports selected, by name and size: a form check (app.forms.check, the page asking
    before its confirm dialog) is sent these instead of the bytes, so that a slow tablet uploads each file
    once. Its size is checked; its type, known from its content only, is checked by the real submit."""

    filename: str
    size: int

    @classmethod
    def parse(cls, text: str) -> Chosen | None:
        """From the script's `<field>__chosen` value {"name": …, "size": …}; None when malformed."""
        try:
            item = json.loads(text)
            name, size = str(item["name"]), int(item["size"])
        except (TypeError, ValueError, KeyError):
            return None
        return cls(filename=name or "未命名文件", size=size)


def max_bytes_for(fdef: FieldDef) -> int:
    """The largest file a file field takes: the upload limit, or the field's own max_size_mb if lower."""
    max_bytes = max_upload_bytes()
    if fdef.max_size_mb:
        max_bytes = min(max_bytes, int(fdef.max_size_mb * 1024 * 1024))
    return max_bytes


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def token_for(item: Accepted | int, user_id: int | None) -> str:
    if isinstance(item, int):
        item = Accepted(attachment_id=item)
    if item.attachment_id is not None:
        payload = {"u": user_id, "a": item.attachment_id}
    else:
        b = item.blob
        payload = {"u": user_id, "b": [b.sha256, b.size, b.mime, b.original_name]}
    return _serializer().dumps(payload)


def read_token(token: str, user_id: int | None) -> Accepted | None:
    """The item a keep-token stands for, or None if forged, expired, or another user's."""
    max_age = int(current_app.config.get("FORMS_UPLOAD_TOKEN_MAX_AGE", 3 * 86400))
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        return None
    if "a" in payload and isinstance(payload["a"], int):
        return Accepted(attachment_id=payload["a"])
    b = payload.get("b")
    if isinstance(b, list) and len(b) == 4:
        try:
            blob = Blob(sha256=b[0], size=int(b[1]), mime=b[2], original_name=b[3])
            if not blob_path(blob.sha256).is_file():
                return None
        except (TypeError, ValueError):
            return None
        return Accepted(blob=blob)
    return None


class FileListField(fields.Field):
    """Deserializes {"keep": [token...], "new": [FileStorage...]} into a list of Accepted.

    `self.accepted` keeps every file that passed, even when another file or field failed, so the
    re-rendered form can keep them.
    """

    default_error_messages = {"required": "请上传文件", "null": "请上传文件"}

    def __init__(self, fdef: FieldDef, actor, **kwargs):
        super().__init__(**kwargs)
        self.fdef = fdef
        self.reset(actor)

    def reset(self, actor) -> None:
        """Ready for another submit (a schema reused within one thread, app.forms.validation)."""
        self.user_id = getattr(actor, "id", None)
        self.accepted: list[Accepted] = []

    def _deserialize(self, value, attr, data, **kwargs) -> list[Accepted]:
        fdef = self.fdef
        keep, new = value.get("keep", []), value.get("new", [])
        errors: list[str] = []
        for token in keep:
            item = read_token(token, self.user_id)
            if item is None:
                errors.append(EXPIRED)
            elif item not in self.accepted:
                self.accepted.append(item)
        limit = fdef.max_files if fdef.multiple else 1
        if len(self.accepted) + len(new) > limit:
            raise ValidationError(f"最多上传{limit}个文件" if limit > 1 else "只能上传1个文件")
        allowed = allowed_types(fdef.accept)
        max_bytes = max_bytes_for(fdef)
        for fs in new:
            if isinstance(fs, Chosen):  # a form check: present; empty or too large fails as the upload would
                if fs.size <= 0:
                    errors.append(f"“{fs.filename}”文件为空，请重新选择")
                elif fs.size > max_bytes:
                    errors.append(f"“{fs.filename}”{size_message(max_bytes)}，请重新选择")
                continue
            try:
                blob = put(fs.stream, fs.filename, allowed=allowed, max_bytes=max_bytes)
            except ValidationFailed as exc:
                errors.append(f"“{fs.filename}”{exc.message}，请重新选择")
                continue
            item = Accepted(blob=blob)
            if item not in self.accepted:
                self.accepted.append(item)
        if errors:
            raise ValidationError("；".join(dict.fromkeys(errors)))
        return list(self.accepted)


def help_text(fdef: FieldDef) -> str:
    """支持 JPG、PNG，单个不超过20MB，最多9个 — shown under every file input."""
    from app.attachments.storage import TYPE_LABELS

    allowed = allowed_types(fdef.accept)
    max_bytes = max_bytes_for(fdef)
    labels = "、".join(TYPE_LABELS[t] for t in TYPE_LABELS if t in allowed)
    text = f"支持 {labels}，单个不超过{max_bytes / 1024 / 1024:g}MB"
    if fdef.multiple:
        text += f"，最多{fdef.max_files}个"
    return text
