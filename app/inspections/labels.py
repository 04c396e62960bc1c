"""Words the inspection domain adds to shared pages (helper "web"): audit action names and field names in
change histories. Field names come from the tables' own column comments (每个监管关心的列都有 comment), so a
column added by any area is named without a second list; AUDIT_LABELS names the actions the areas record
(tests/audit/test_labels.py fails on an unnamed one)."""

from __future__ import annotations

import re

from app import audit, ui

AUDIT_LABELS = {
    # the inspection itself (onsite)
    "inspection.created": "创建监督检查",
    "inspection.over_cap_decided": "超出年度检查上限审批",
    "inspection.over_cap_approved": "批准超出年度检查上限的检查",
    "inspection.over_cap_refused": "不予批准超出年度检查上限的检查",
    "inspection.cancelled": "取消检查",
    "inspection.status_changed": "检查状态变更",
    "inspection.scheme_issued": "制发检查方案",
    "inspection.started": "到达现场开始检查（出示证件、告知回避）",
    "inspection.item_recorded": "记录检查项结果",
    "inspection.finding_recorded": "记录发现的问题",
    "inspection.finding_changed": "修改发现的问题",
    "inspection.finding_removed": "删除发现的问题",
    "inspection.signed": "被检查单位负责人签字",
    "inspection.signature_refused": "记录拒绝签字及见证人",
    "inspection.signature_cleared": "签字作废（记录已修改）",
    "inspection.record_issued": "制作现场检查记录",
    "inspection.result_overdue": "抽查结果公示逾期",
    "inspection.member_replaced": "调整检查人员（回避替换）",
    # classification (分类分级) and the inspector library
    "inspections.classified": "计算分类分级",
    "inspections.class_overridden": "调整分类分级",
    "inspections.certificate_recorded": "登记执法证信息",
}

EXTRA_FIELD_LABELS = {
    "klass": "分类分级",
    "members": "检查组成员",
    "member_ids": "检查组成员",
    "lead_officer": "主办执法人员",
    # names other domains' tables share: the general word, never this domain's meaning of it
    "code": "编号",
    "seq": "序号",
    "kind": "种类",
    "basis": "依据",
    "note": "说明",
    "result": "结果",
    "scope": "范围",
    "year": "年度",
    "summary": "情况",
    "until": "期限",
    "place": "场所",
}

_WORDS = re.compile(r"[（(]")


def _comment_labels() -> dict[str, str]:
    """column key -> the first words of its comment, for every table of the domain (models/)."""
    from app.inspections import models

    out: dict[str, str] = {}
    for name in dir(models):
        model = getattr(models, name)
        table = getattr(model, "__table__", None)
        mapper = getattr(model, "__mapper__", None)
        if table is None or mapper is None:
            continue
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            comment = getattr(column, "comment", None)
            if comment:
                out.setdefault(prop.key, _WORDS.split(comment, maxsplit=1)[0].strip() or comment)
    return out


def field_labels() -> dict[str, str]:
    labels = _comment_labels()
    labels.update(EXTRA_FIELD_LABELS)
    return labels


def register() -> None:
    audit.register_action_labels(AUDIT_LABELS)
    # never overwrite a platform word (status → 状态 …): only the names not yet registered
    ui.register_field_labels({k: v for k, v in field_labels().items() if k not in ui.FIELD_LABELS})
