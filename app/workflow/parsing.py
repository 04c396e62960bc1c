"""BPMN text -> parsed process spec, cached in the process by the BPMN's SHA-256.

`SafeLoopParser` = SpiffWorkflow's `SpiffBpmnParser` (validated against the BPMN + spiffworkflow XSDs)
whose timer events use legal time (app.workflow.timers) and whose service tasks call registered Python
handlers (app.workflow.handlers). `parse_definition` also reads what the projections need of each user
task from the XML: its lane (and so its role, `lane_<role>`) and the `formName` / `dueDate` / `assignee`
extension properties.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.util import DEFAULT_NSMAP
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser

from app.workflow.handlers import HandlerServiceTask
from app.workflow.timers import CLOCK_TIMERS

__all__ = [
    "NSMAP",
    "VALIDATOR",
    "ParsedDefinition",
    "SafeLoopParser",
    "UserTaskMeta",
    "cached_definition",
    "lane_index",
    "parse_definition",
    "role_of_lane",
    "spec_hash",
    "user_task_properties",
]

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {**DEFAULT_NSMAP, "spiffworkflow": SPIFF_NS}


# --- the parser ----------------------------------------------------------------------------------------


class _ClockTimerParserMixin:
    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]  # SpiffWorkflow's event parser
        cls = CLOCK_TIMERS.get(type(definition))
        if cls is None:  # pragma: no cover
            return definition
        return cls(definition.name, definition.expression, description=definition.description)


class _StartEventParser(_ClockTimerParserMixin, SpiffStartEventParser):
    pass


class _BoundaryEventParser(_ClockTimerParserMixin, SpiffBoundaryEventParser):
    pass


class _IntermediateCatchEventParser(_ClockTimerParserMixin, SpiffIntermediateCatchEventParser):
    pass


class SafeLoopParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, HandlerServiceTask),
        full_tag("startEvent"): (_StartEventParser, StartEvent),
        full_tag("boundaryEvent"): (_BoundaryEventParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (_IntermediateCatchEventParser, IntermediateCatchEvent),
    }


# --- parsed definitions, cached by BPMN hash ----------------------------------------------------------


@dataclass(frozen=True)
class UserTaskMeta:
    bpmn_id: str
    name: str
    lane_id: str | None
    lane_name: str | None
    role: str | None
    form_name: str | None
    due_expr: str | None
    assignee_expr: str | None
    generic: bool = False  # completed by the workflow step and an audit event only (no domain handler)


@dataclass
class ParsedDefinition:
    process_id: str
    name: str
    spec_hash: str
    file_name: str
    bpmn: bytes
    spec: Any
    subprocess_specs: dict
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)


_SPEC_CACHE: dict[str, ParsedDefinition] = {}
_cache_lock = threading.Lock()


def spec_hash(bpmn: bytes) -> str:
    return hashlib.sha256(bpmn).hexdigest()


def lane_index(root: Any) -> dict[str, tuple[str, str | None]]:
    """flow node id -> (lane id, lane name); nodes inside a sub-process inherit the sub-process' lane."""
    lanes: dict[str, tuple[str, str | None]] = {}
    for ref in root.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NSMAP):
        if ref.text:
            lane = ref.getparent()
            lanes[ref.text.strip()] = (lane.get("id"), lane.get("name"))
    for sub in root.iterfind(".//bpmn:subProcess", NSMAP):
        if sub.get("id") in lanes:
            for node in sub.iter():
                node_id = node.get("id") if isinstance(node.tag, str) else None
                if node_id and node_id not in lanes:
                    lanes[node_id] = lanes[sub.get("id")]
    return lanes


def user_task_properties(node: Any) -> dict[str, str]:
    return {
        p.get("name"): p.get("value")
        for p in node.iterfind(
            "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NSMAP
        )
    }


def role_of_lane(lane_id: str | None) -> str | None:
    if lane_id and lane_id.startswith("lane_"):
        return lane_id[len("lane_") :]
    return None


def parse_definition(
    bpmn: bytes, file_name: str, process_id: str, *, validate: bool = True
) -> ParsedDefinition:
    """Parse (or fetch from the cache) the spec of `process_id` in this exact BPMN text."""
    digest = spec_hash(bpmn)
    with _cache_lock:
        cached = _SPEC_CACHE.get(digest)
    if cached is not None and cached.process_id == process_id:
        return cached
    root = etree.fromstring(bpmn)
    parser = SafeLoopParser(validator=VALIDATOR if validate else None)
    parser.add_bpmn_xml(root, filename=file_name)
    spec = parser.get_spec(process_id)
    subprocess_specs = parser.get_subprocess_specs(process_id)
    lanes = lane_index(root)
    user_tasks = {}
    for node in root.iterfind(".//bpmn:userTask", NSMAP):
        props = user_task_properties(node)
        lane_id, lane_name = lanes.get(node.get("id"), (None, None))
        user_tasks[node.get("id")] = UserTaskMeta(
            bpmn_id=node.get("id"),
            name=node.get("name") or node.get("id"),
            lane_id=lane_id,
            lane_name=lane_name,
            role=role_of_lane(lane_id),
            form_name=props.get("formName"),
            due_expr=props.get("dueDate"),
            assignee_expr=props.get("assignee"),
            generic=(props.get("generic") or "").strip().lower() == "true",
        )
    process_node = root.find(f".//bpmn:process[@id='{process_id}']", NSMAP)
    name = (process_node.get("name") if process_node is not None else None) or spec.description or process_id
    parsed = ParsedDefinition(process_id, name, digest, file_name, bpmn, spec, subprocess_specs, user_tasks)
    with _cache_lock:
        _SPEC_CACHE[digest] = parsed
    return parsed


def cached_definition(digest: str) -> ParsedDefinition | None:
    return _SPEC_CACHE.get(digest)
