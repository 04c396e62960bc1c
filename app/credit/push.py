"""推送 to the 全国信用信息共享平台: the real interface is out of reach offline, so each change of a listing in
force (列入, 移出, 撤销, 恢复列入) produces the structured file the platform takes — JSON with the national
fields, format documented in docs/credit-push.md — written under the app's storage, and a `CreditPush` row
records what was pushed (the record), the file's name and SHA-256, when and by whom.

Where: `CREDIT_PUSH_DIR` (config), by default `credit-push/` beside UPLOAD_DIR (instance/credit-push), one
folder per year: `2026/xinyong-<listing id>-<push id>-<action code>.json`. A file is written once (temp file,
fsync, atomic rename) and never rewritten; `verify(push)` re-hashes it against the row.

The push file carries the listed person's full ID number: it goes to the national platform, not the public
(the 公示 page masks it)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from flask import current_app

from app import audit, clock
from app.credit.models import CreditListing, CreditPush, ListingEnd, SubjectKind
from app.extensions import db

FORMAT = "safeloop-credit-push/2"  # /2: the subject's own ID fields and 所在单位 (a person listed alone)
LIST_NAME = "安全生产严重失信主体名单"
BASIS = "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）"

LISTED = "列入"
REMOVED = "移出"
REVOKED = "撤销"
RESTORED = "恢复列入"
ACTIONS = {LISTED: "list", REMOVED: "remove", REVOKED: "revoke", RESTORED: "restore"}

# the national data items, in the file's order (docs/credit-push.md)
NATIONAL_FIELDS = (
    "名单名称",
    "操作类型",
    "失信主体名称",
    "主体类别",
    "统一社会信用代码",
    "证件类型",
    "证件号码",
    "职务",
    "法定代表人",
    "所在单位名称",
    "所在单位统一社会信用代码",
    "一并列入人员姓名",
    "一并列入人员证件类型",
    "一并列入人员证件号码",
    "一并列入人员职务",
    "列入情形代码",
    "列入情形",
    "列入依据",
    "失信事实",
    "列入决定书文号",
    "列入决定日期",
    "列入日期",
    "管理期限截止日期",
    "惩戒措施",
    "移出日期",
    "移出方式",
    "移出原因",
    "认定部门",
    "认定部门统一社会信用代码",
    "数据来源单位",
    "属地行政区划代码",
    "业务记录标识",
)


def push_root() -> Path:
    configured = current_app.config.get("CREDIT_PUSH_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config["UPLOAD_DIR"]).parent / "credit-push"


def record_of(listing: CreditListing, action: str, measure_names: list[str]) -> dict[str, str]:
    """The national fields of one listing for `action` (strings; empty where not applicable)."""
    from app.credit import criteria
    from app.credit.publicity import _decision_no

    e = listing.enterprise
    ended = action in (REMOVED, REVOKED)
    region_code = [p for p in (listing.region_path or "").split("/") if p]
    record = {
        "名单名称": LIST_NAME,
        "操作类型": action,
        "失信主体名称": e.name,
        "主体类别": "安全生产服务机构"
        if listing.subject_kind == SubjectKind.INSTITUTION
        else "法人及非法人组织",
        "统一社会信用代码": e.credit_code,
        "证件类型": "",
        "证件号码": "",
        "职务": "",
        "法定代表人": e.legal_rep or "",
        "所在单位名称": "",
        "所在单位统一社会信用代码": "",
        "一并列入人员姓名": listing.person_name or "",
        "一并列入人员证件类型": "居民身份证" if listing.person_id_no else "",
        "一并列入人员证件号码": listing.person_id_no or "",
        "一并列入人员职务": listing.person_role or "",
        "列入情形代码": str(listing.criterion),
        "列入情形": listing.criterion_text,
        "列入依据": BASIS,
        "失信事实": listing.reasons or listing.evidence,
        "列入决定书文号": _decision_no(listing),
        "列入决定日期": listing.decided_on.isoformat() if listing.decided_on else "",
        "列入日期": listing.term_start.isoformat() if listing.term_start else "",
        "管理期限截止日期": listing.term_end.isoformat() if listing.term_end else "",
        "惩戒措施": "；".join(measure_names),
        "移出日期": listing.ended_on.isoformat() if ended and listing.ended_on else "",
        "移出方式": str(listing.end_kind) if ended and listing.end_kind else "",
        "移出原因": (listing.end_reason or "") if ended else "",
        "认定部门": listing.agency.name,
        "认定部门统一社会信用代码": getattr(listing.agency, "credit_code", None) or "",
        "数据来源单位": listing.agency.name,
        "属地行政区划代码": region_code[-1] if region_code else "",
        "业务记录标识": f"credit-listing-{listing.id}",
    }
    if criteria.criterion(listing.criterion).head_only:
        # 第五项 lists the unit's main 负责人 alone: the subject is the person (自然人), the ID in full (this
        # file goes to the national platform, never to the public); the unit only as where the person works
        record.update(
            {
                "失信主体名称": listing.person_name or "",
                "主体类别": "自然人",
                "统一社会信用代码": "",
                "证件类型": "居民身份证" if listing.person_id_no else "",
                "证件号码": listing.person_id_no or "",
                "职务": listing.person_role or "主要负责人",
                "法定代表人": "",
                "所在单位名称": e.name,
                "所在单位统一社会信用代码": e.credit_code or "",
                "一并列入人员姓名": "",
                "一并列入人员证件类型": "",
                "一并列入人员证件号码": "",
                "一并列入人员职务": "",
            }
        )
    return record


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".push-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def push(listing: CreditListing, action: str, measure_names: list[str], *, actor) -> CreditPush:
    """Produce the push file for `action` (列入/移出/撤销/恢复列入), record it and audit it; flushes."""
    if action not in ACTIONS:
        raise ValueError(f"推送操作类型应为：{'、'.join(ACTIONS)}")
    record = record_of(listing, action, measure_names)
    row = CreditPush(
        listing_id=listing.id,
        action=action,
        record=record,
        file_name="",
        sha256="",
        pushed_at=clock.now(),
        pushed_by_id=getattr(actor, "id", None),
        count=1,
    )
    db.session.add(row)
    db.session.flush()  # the id names the file
    document = {
        "format": FORMAT,
        "list": LIST_NAME,
        "action": action,
        "generated_at": row.pushed_at.astimezone(clock.TZ).isoformat(timespec="seconds"),
        "source": listing.agency.name,
        "count": 1,
        "fields": list(NATIONAL_FIELDS),
        "records": [record],
    }
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    name = f"{row.pushed_at.astimezone(clock.TZ):%Y}/xinyong-{listing.id}-{row.id}-{ACTIONS[action]}.json"
    _write(push_root() / name, data)
    row.file_name = name
    row.sha256 = hashlib.sha256(data).hexdigest()
    db.session.flush()
    audit.record(
        actor,
        "credit.pushed",
        listing,
        summary=f"推送全国信用信息共享平台：{action}（推送记录第{row.id}号，文件见名单页面）",
        data={"push_id": row.id, "action": action, "file": name, "sha256": row.sha256},
    )
    return row


def path_of(row: CreditPush) -> Path:
    root = push_root().resolve()
    path = (root / row.file_name).resolve()
    if root not in path.parents:
        raise ValueError("推送文件路径无效")
    return path


def verify(row: CreditPush) -> bool:
    """The file is there and still hashes to what was recorded."""
    path = path_of(row)
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256


def end_action(end: ListingEnd) -> str:
    return REVOKED if end == ListingEnd.OVERTURNED else REMOVED


__all__ = [
    "ACTIONS",
    "FORMAT",
    "LISTED",
    "NATIONAL_FIELDS",
    "REMOVED",
    "RESTORED",
    "REVOKED",
    "end_action",
    "path_of",
    "push",
    "push_root",
    "record_of",
    "verify",
]
