"""/api/v1/draw-batches: the 双随机 batches as their pages show them — the reader's batches (the list page's
query) and one batch: status, the frozen libraries' sizes and SHA-256, the seed's commitment, the seed only
once drawn (never before: a seed known before the draw would let anyone pick the targets), the algorithm
version, the targets with their teams and inspections, and the batch's log. Staff of the jurisdiction only: an
enterprise account is refused (403) like on the pages, another county gets 404. The batch's steps (提交冻结,
抽取, 回避, 补抽) go through the generic POST /api/v1/tasks/<id>/complete and the pages."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select

from app.api import api_blueprint, doc, error_responses, path_id, register_schemas
from app.auth.models import User
from app.auth.permissions import in_scope, scope_clause
from app.errors import NotFound, require
from app.extensions import db
from app.inspections.models.draw import DrawBatch, DrawStatus
from app.org.models import Enterprise

bp = api_blueprint("api_draw_batches", __name__)
NOT_FOUND = "抽查批次不存在或不在您的范围内"
STAFF_ONLY = "企业账号无权访问双随机抽查"
LIST_LIMIT = 200  # the list page's limit
DRAWN = (DrawStatus.DRAWN, DrawStatus.DONE)


def _seed(batch: DrawBatch) -> str | None:
    """The seed once drawn; before the draw only its commitment is known."""
    return batch.seed if batch.status in DRAWN else None


class DrawBatchSchema(Schema):
    id = fields.Int()
    number = fields.Str(
        allow_none=True, metadata={"description": "批次号（双随机〔年〕N号；提交冻结时编号）"}
    )
    title = fields.Str()
    status = fields.Str(metadata={"description": "草稿/已提交/已抽取/已完成"})
    region_path = fields.Str(metadata={"description": "抽查范围区划路径"})
    agency = fields.Function(lambda b: b.agency.name, metadata={"description": "实施机关"})
    item_id = fields.Int(allow_none=True, metadata={"description": "抽查事项"})
    planned_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    committed_at = fields.DateTime(allow_none=True)
    drawn_at = fields.DateTime(allow_none=True)


class DrawBatchListSchema(Schema):
    items = fields.List(fields.Nested(DrawBatchSchema))
    total = fields.Int(metadata={"description": f"条数（列表页同样最多{LIST_LIMIT}条，新的在前）"})


class DrawTeamMemberSchema(Schema):
    user_id = fields.Int()
    name = fields.Str(allow_none=True)
    lead = fields.Bool(metadata={"description": "主办"})


class DrawTargetSchema(Schema):
    id = fields.Int()
    enterprise_id = fields.Int()
    enterprise_name = fields.Str()
    stratum = fields.Str(metadata={"description": "层（行业|乡镇，*为不限）"})
    rank = fields.Int(metadata={"description": "层内排序"})
    supplement = fields.Bool(metadata={"description": "补抽"})
    team = fields.List(fields.Nested(DrawTeamMemberSchema), metadata={"description": "检查组（首位为主办）"})
    inspection_id = fields.Int(allow_none=True, metadata={"description": "生成的检查任务"})


class DrawEventSchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "提交冻结/抽取/申请回避/回避替换/申请补抽/补抽等"})
    at = fields.DateTime()
    actor_id = fields.Int(allow_none=True)
    actor_name = fields.Str(allow_none=True)
    approver_id = fields.Int(allow_none=True)
    approver_name = fields.Str(allow_none=True)
    reason = fields.Str(allow_none=True)
    data = fields.Dict(metadata={"description": "内容（企业、被替换/替换人员、补抽结果）"})
    pending = fields.Bool(metadata={"description": "待审批"})


class DrawBatchDetailSchema(Schema):
    batch = fields.Nested(DrawBatchSchema)
    filters = fields.Dict(metadata={"description": "对象库筛选条件（行业、乡镇、类别）"})
    strata = fields.List(
        fields.Dict(), metadata={"description": "分层抽取：[{industry, town, count 或 ratio}]"}
    )
    inspectors_per_target = fields.Int()
    exclude_recent_days = fields.Int()
    exclude_at_cap = fields.Bool()
    pool_size = fields.Int(allow_none=True, metadata={"description": "冻结的检查对象库户数（提交冻结后）"})
    inspectors = fields.Int(allow_none=True, metadata={"description": "冻结的执法检查人员数（提交冻结后）"})
    excluded = fields.Int(allow_none=True, metadata={"description": "排除对象户数"})
    conflicts = fields.Int(allow_none=True, metadata={"description": "回避关系对数"})
    pool_hash = fields.Str(allow_none=True, metadata={"description": "对象库SHA-256"})
    exclusions_hash = fields.Str(allow_none=True, metadata={"description": "排除清单SHA-256"})
    seed_commitment = fields.Str(allow_none=True, metadata={"description": "种子承诺值 SHA-256(seed)"})
    seed = fields.Str(allow_none=True, metadata={"description": "随机种子：抽取后公开，抽取前始终为空"})
    algorithm_version = fields.Str(allow_none=True)
    result_document_id = fields.Int(allow_none=True, metadata={"description": "抽查结果公告（抽公）"})
    record_url = fields.Str(allow_none=True, metadata={"description": "公开记录与复核页（提交冻结后）"})
    targets = fields.List(fields.Nested(DrawTargetSchema))
    events = fields.List(fields.Nested(DrawEventSchema), metadata={"description": "全过程记录"})


register_schemas(
    DrawBatchSchema,
    DrawBatchListSchema,
    DrawTeamMemberSchema,
    DrawTargetSchema,
    DrawEventSchema,
    DrawBatchDetailSchema,
)


def _ok(schema: str) -> dict:
    return {"200": {"content": {"application/json": {"schema": schema}}}}


@bp.get("/draw-batches")
@doc(
    {
        "get": {
            "summary": "双随机抽查批次（数据范围内，新的在前；仅执法机关人员）",
            "responses": {**_ok("DrawBatchListSchema"), **error_responses("401", "403")},
        }
    }
)
def batches():
    """双随机抽查批次"""
    require(not current_user.is_enterprise_user, STAFF_ONLY)
    rows = list(
        db.session.scalars(
            select(DrawBatch)
            .where(scope_clause(current_user, DrawBatch.region_path))
            .order_by(DrawBatch.id.desc())
            .limit(LIST_LIMIT)
        )
    )
    return DrawBatchListSchema().dump({"items": rows, "total": len(rows)})


@bp.get("/draw-batches/<int:batch_id>")
@doc(
    {
        "get": {
            "summary": "抽查批次详情：状态、对象库与排除清单SHA-256、种子承诺值、抽取后的随机种子、抽中对象及检查组、全过程记录",
            "parameters": [path_id("batch_id", "抽查批次ID")],
            "responses": {**_ok("DrawBatchDetailSchema"), **error_responses("401", "403", "404")},
        }
    }
)
def batch(batch_id: int):
    """抽查批次详情"""
    require(not current_user.is_enterprise_user, STAFF_ONLY)
    b = db.session.get(DrawBatch, batch_id)
    if b is None or not in_scope(current_user, b.region_path):
        raise NotFound(NOT_FOUND)
    targets = list(b.targets)
    events = list(b.events)
    user_ids: set[int] = set()
    for t in targets:
        user_ids.update(t.team)
    for ev in events:
        user_ids.update(x for x in (ev.actor_id, ev.approver_id) if x)
    names = (
        dict(
            db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(user_ids)))).tuples().all()
        )
        if user_ids
        else {}
    )
    ent_ids = sorted({t.enterprise_id for t in targets})
    enterprises = (
        dict(
            db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ent_ids)))
            .tuples()
            .all()
        )
        if ent_ids
        else {}
    )
    frozen = b.pool is not None
    ex = b.exclusions or {"enterprises": [], "conflicts": []}
    from app.inspections.operations.draw import record_url

    return DrawBatchDetailSchema().dump(
        {
            "batch": b,
            "filters": b.filters or {},
            "strata": b.strata or [],
            "inspectors_per_target": b.inspectors_per_target,
            "exclude_recent_days": b.exclude_recent_days,
            "exclude_at_cap": b.exclude_at_cap,
            "pool_size": len(b.pool or []) if frozen else None,
            "inspectors": len(b.inspectors or []) if frozen else None,
            "excluded": len(ex.get("enterprises", [])) if frozen else None,
            "conflicts": len(ex.get("conflicts", [])) if frozen else None,
            "pool_hash": b.pool_hash,
            "exclusions_hash": b.exclusions_hash,
            "seed_commitment": b.seed_commitment,
            "seed": _seed(b),
            "algorithm_version": b.algorithm_version,
            "result_document_id": b.result_document_id,
            "record_url": record_url(b) if b.status != DrawStatus.DRAFT else None,
            "targets": [
                {
                    "id": t.id,
                    "enterprise_id": t.enterprise_id,
                    "enterprise_name": enterprises.get(t.enterprise_id, ""),
                    "stratum": t.stratum,
                    "rank": t.rank,
                    "supplement": t.supplement,
                    "team": [
                        {"user_id": uid, "name": names.get(uid), "lead": i == 0}
                        for i, uid in enumerate(t.team)
                    ],
                    "inspection_id": t.inspection_id,
                }
                for t in targets
            ],
            "events": [
                {
                    "id": ev.id,
                    "kind": ev.kind,
                    "at": ev.at,
                    "actor_id": ev.actor_id,
                    "actor_name": names.get(ev.actor_id) if ev.actor_id else None,
                    "approver_id": ev.approver_id,
                    "approver_name": names.get(ev.approver_id) if ev.approver_id else None,
                    "reason": ev.reason,
                    "data": _event_data(b, ev.data),
                    "pending": ev.pending,
                }
                for ev in events
            ],
        }
    )


def _event_data(batch: DrawBatch, data: dict | None) -> dict:
    """An event's content; a seed in it only once the batch is drawn (belt and braces: the log's events
    before the draw carry the commitment, never the seed)."""
    data = dict(data or {})
    if batch.status not in DRAWN:
        data.pop("seed", None)
    return data


def register(app: Flask) -> None:
    app.register_blueprint(bp)
