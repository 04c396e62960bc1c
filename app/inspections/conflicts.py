"""回避关系 (行政处罚法第四十三条 by analogy; domain spec §5.1): officers declare beforehand the enterprises they
must not inspect (a relative works there, they worked there, any 利害关系). A declared, not withdrawn relation
keeps the officer off that enterprise's team: the draw excludes the pair when a batch is committed, and
`create_inspection` refuses it for any source.

    declare(officer, enterprise, relation, *, actor) -> ConflictDeclaration
    withdraw(declaration, reason, *, actor)
    conflicted(user_ids, enterprise_id) -> set[int]                    # who of user_ids must stay away
    conflict_pairs(user_ids, enterprise_ids) -> set[tuple[int, int]]   # (user id, enterprise id), bulk

An officer declares their own relations; a section head (科室负责人) sees and may record those of every
officer of the jurisdiction. Explicit actor, one audit event, flush never commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app import audit, clock
from app.auth.models import User
from app.auth.permissions import in_scope, scope_clause
from app.auth.roles import Role
from app.errors import InvalidState, invalid, require
from app.extensions import db
from app.inspections.models.draw import ConflictDeclaration
from app.org.models import Enterprise

DECLARED = "inspections.conflict_declared"
WITHDRAWN = "inspections.conflict_withdrawn"
audit.register_action_labels({DECLARED: "申报回避关系", WITHDRAWN: "撤回回避关系"})

MAX_RELATION = 200
MAX_REASON = 500


def can_manage_for_others(actor: User) -> bool:
    return actor.has_role(Role.SECTION_HEAD, Role.LEADER, Role.ADMIN)


def declare(officer: User, enterprise: Enterprise, relation: str, *, actor: User) -> ConflictDeclaration:
    """Record that `officer` must not inspect `enterprise` (the officer themselves, or a section head of the
    enterprise's jurisdiction recording it for them)."""
    require(not actor.is_enterprise_user, "企业账号不能申报回避关系")
    if officer.id != actor.id:
        require(can_manage_for_others(actor), "只能申报本人的回避关系")
    require(in_scope(actor, enterprise.region_path, enterprise.id), "该企业不在您的辖区内")
    require(officer.has_role(Role.OFFICER, Role.SECTION_HEAD, Role.LEADER), "只有执法人员需要申报回避关系")
    relation = (relation or "").strip()
    if not relation:
        raise invalid("relation", "请填写回避关系（如：近亲属在该企业任职）")
    if len(relation) > MAX_RELATION:
        raise invalid("relation", f"回避关系不超过{MAX_RELATION}字")
    if conflicted([officer.id], enterprise.id):
        raise InvalidState(f"{officer.name}与{enterprise.name}的回避关系已申报，无需重复申报")
    decl = ConflictDeclaration(
        user_id=officer.id,
        enterprise_id=enterprise.id,
        relation=relation,
        declared_on=clock.today(),
        declared_by_id=actor.id,
        region_path=enterprise.region_path,
    )
    db.session.add(decl)
    db.session.flush()
    audit.record(
        actor,
        DECLARED,
        enterprise,
        summary=f"{officer.name}申报与{enterprise.name}的回避关系：{relation}",
        data={"declaration_id": decl.id, "user_id": officer.id, "relation": relation},
    )
    return decl


def withdraw(decl: ConflictDeclaration, reason: str, *, actor: User) -> ConflictDeclaration:
    """End a declaration (the relation ended): the officer, or a section head of the jurisdiction."""
    if decl.user_id != actor.id:
        require(can_manage_for_others(actor), "只能撤回本人的回避关系")
        require(in_scope(actor, decl.region_path, decl.enterprise_id), "该企业不在您的辖区内")
    if decl.withdrawn_on is not None:
        raise InvalidState("该回避关系已撤回")
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", "请填写撤回理由（如：亲属已离职）")
    if len(reason) > MAX_REASON:
        raise invalid("reason", f"撤回理由不超过{MAX_REASON}字")
    decl.withdrawn_on = clock.today()
    decl.withdraw_reason = reason
    db.session.flush()
    audit.record(
        actor,
        WITHDRAWN,
        decl.enterprise,
        summary=f"撤回{decl.user.name}与{decl.enterprise.name}的回避关系：{reason}",
        changes={"withdrawn_on": [None, decl.withdrawn_on]},
        data={"declaration_id": decl.id, "user_id": decl.user_id, "reason": reason},
    )
    return decl


def conflicted(user_ids: Iterable[int], enterprise_id: int) -> set[int]:
    """The users of `user_ids` with a declared (not withdrawn) conflict with the enterprise."""
    ids = {int(u) for u in user_ids}
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ConflictDeclaration.user_id).where(
                ConflictDeclaration.enterprise_id == enterprise_id,
                ConflictDeclaration.user_id.in_(sorted(ids)),
                ConflictDeclaration.withdrawn_on.is_(None),
            )
        )
    )


def conflict_pairs(user_ids: Iterable[int], enterprise_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Every declared (user id, enterprise id) pair among the given users and enterprises. One statement on
    the users (a jurisdiction's few hundred officers); the enterprises (up to 100k) are filtered here."""
    users = sorted({int(u) for u in user_ids})
    if not users:
        return set()
    wanted = {int(e) for e in enterprise_ids}
    rows = db.session.execute(
        select(ConflictDeclaration.user_id, ConflictDeclaration.enterprise_id).where(
            ConflictDeclaration.user_id.in_(users), ConflictDeclaration.withdrawn_on.is_(None)
        )
    )
    return {(u, e) for u, e in rows if e in wanted}


def declarations_for(actor: User, *, include_withdrawn: bool = False) -> list[ConflictDeclaration]:
    """What the page lists: an officer their own; a section head (leader) everyone's in the jurisdiction."""
    stmt = select(ConflictDeclaration)
    if can_manage_for_others(actor):
        stmt = stmt.where(scope_clause(actor, ConflictDeclaration.region_path))
    else:
        stmt = stmt.where(ConflictDeclaration.user_id == actor.id)
    if not include_withdrawn:
        stmt = stmt.where(ConflictDeclaration.withdrawn_on.is_(None))
    return list(db.session.scalars(stmt.order_by(ConflictDeclaration.id.desc()).limit(500)))
