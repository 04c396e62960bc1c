"""Deployed versions of a BPMN file. Each version is a WorkflowDefinition row (keyed by the BPMN's hash,
inserted on first use); a running instance keeps the version it started on, and its parsed spec comes
from the process' cache, else from the BPMN text stored in the row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import defer

from app import clock
from app.extensions import db
from app.workflow.locking import is_postgres
from app.workflow.models import WorkflowDefinition, WorkflowInstance
from app.workflow.parsing import ParsedDefinition, cached_definition, parse_definition

__all__ = ["deploy", "get_parsed", "parsed_for"]


def get_parsed(definition: Any) -> ParsedDefinition:
    """The parsed spec of a WorkflowDefinition row (from the cache, else parsed from its stored BPMN)."""
    parsed = cached_definition(definition.spec_hash)
    if parsed is None or parsed.process_id != definition.process_id:
        parsed = parse_definition(
            definition.bpmn.encode("utf-8"), definition.file_name, definition.process_id, validate=False
        )
    return parsed


def parsed_for(inst: WorkflowInstance) -> ParsedDefinition:
    """The parsed spec of the version an instance runs on."""
    parsed = cached_definition(inst.spec_hash)
    if parsed is None:  # an older version, not in this process' cache yet: parse the stored BPMN
        parsed = get_parsed(db.session.get(WorkflowDefinition, inst.definition_id))
    return parsed


def deploy(parsed: ParsedDefinition) -> WorkflowDefinition:
    """The definition row of this BPMN version, inserted on first use (safe under concurrency)."""
    stmt = select(WorkflowDefinition).where(
        WorkflowDefinition.process_id == parsed.process_id, WorkflowDefinition.spec_hash == parsed.spec_hash
    ).options(defer(WorkflowDefinition.bpmn))  # every start reads the row: not its BPMN text (tens of KB)
    # A definition row is never pending in the session (it is inserted below, as a statement), so reading it
    # needs no autoflush: the caller's pending rows go out at its next flush, one flush instead of two
    with db.session.no_autoflush:
        row = db.session.scalars(stmt).first()
    if row is not None:
        return row
    values = dict(
        process_id=parsed.process_id,
        name=parsed.name,
        spec_hash=parsed.spec_hash,
        file_name=parsed.file_name,
        bpmn=parsed.bpmn.decode("utf-8"),
        deployed_at=clock.now(),
    )
    dialect = postgresql if is_postgres() else sqlite
    insert = (
        dialect.insert(WorkflowDefinition)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["process_id", "spec_hash"])
    )
    db.session.execute(insert)
    return db.session.scalars(stmt).one()
