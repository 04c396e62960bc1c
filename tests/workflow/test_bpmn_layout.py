"""The diagrams of the deployed BPMN files (workflows/*.bpmn) stay readable in any modeler and on the task
page: no two flow-node shapes overlap (a boundary event sits on its own host's border only), every element
lies inside its lane, labels cover no shape, label or flow and hold their text, flows start and end on their
own source and target and pass through no other shape, every end event is named, and only decisions carry
flow labels. CI also runs bpmnlint's recommended rules on the same files (.ci/test-all); these checks guard
what bpmnlint does not (lanes, labels, flows through shapes) and run in the normal pytest run."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from app.config import BASE_DIR
from app.workflow import diagram

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
BPMN_FILES = sorted(Path(BASE_DIR, "workflows").glob("*.bpmn"))
NODE_SUFFIXES = ("Task", "Event", "Gateway")
NODE_TAGS = {"subProcess", "callActivity", "transaction"}
EPS = 1.0  # px: tolerance for "on a border"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        """Touching counts as overlapping (as in bpmnlint's no-overlapping-elements)."""
        return self.x <= other.right and other.x <= self.right and self.y <= other.bottom and other.y <= self.bottom

    def inside(self, other: Box) -> bool:
        return (other.x <= self.x and other.y <= self.y and self.right <= other.right
                and self.bottom <= other.bottom)

    def on_border(self, px: float, py: float) -> bool:
        within_x = self.x - EPS <= px <= self.right + EPS
        within_y = self.y - EPS <= py <= self.bottom + EPS
        return ((within_y and (abs(px - self.x) <= EPS or abs(px - self.right) <= EPS))
                or (within_x and (abs(py - self.y) <= EPS or abs(py - self.bottom) <= EPS)))

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a-b passes through the box's interior (Liang-Barsky clipping)."""
        x0, y0, x1, y1 = self.x + EPS, self.y + EPS, self.right - EPS, self.bottom - EPS
        dx, dy = b[0] - a[0], b[1] - a[1]
        lo, hi = 0.0, 1.0
        for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                lo = max(lo, t)
            else:
                hi = min(hi, t)
            if lo > hi:
                return False
        return True


def _box(el) -> Box:
    b = el.find("dc:Bounds", NS)
    return Box(*(float(b.get(k)) for k in ("x", "y", "width", "height")))


@dataclass
class Model:
    nodes: dict  # flow node id -> element
    flows: dict  # sequence flow id -> element
    shapes: dict[str, Box]
    labels: dict[str, Box]
    edges: dict[str, list[tuple[float, float]]]
    lanes: dict[str, tuple[Box, list[str]]]
    participants: list[Box]


@cache
def _model(path: Path) -> Model:
    root = etree.parse(str(path)).getroot()
    nodes, flows = {}, {}
    for process in root.iterfind("bpmn:process", NS):
        for el in process.iter():
            tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
            if tag == "sequenceFlow":
                flows[el.get("id")] = el
            elif tag.endswith(NODE_SUFFIXES) or tag in NODE_TAGS:
                nodes[el.get("id")] = el
    shapes, labels, edges = {}, {}, {}
    for di in root.iterfind(".//bpmndi:BPMNShape", NS):
        shapes[di.get("bpmnElement")] = _box(di)
    for di in root.iterfind(".//bpmndi:BPMNEdge", NS):
        edges[di.get("bpmnElement")] = [(float(p.get("x")), float(p.get("y"))) for p in di.iterfind("di:waypoint", NS)]
    for label in root.iterfind(".//bpmndi:BPMNLabel", NS):
        labels[label.getparent().get("bpmnElement")] = _box(label)
    lanes = {lane.get("id"): (shapes[lane.get("id")], [ref.text.strip() for ref in lane.iterfind("bpmn:flowNodeRef", NS)])
             for lane in root.iterfind(".//bpmn:lane", NS)}
    participants = [shapes[p.get("id")] for p in root.iterfind(".//bpmn:participant", NS) if p.get("id") in shapes]
    return Model(nodes, flows, shapes, labels, edges, lanes, participants)


def _tag(el) -> str:
    return etree.QName(el).localname


def _name(el) -> str:
    return (el.get("name") or "").strip()


files = pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)


def test_the_deployed_files_are_checked():
    assert {p.name for p in BPMN_FILES} >= {"hazard_rectification.bpmn", "major_hazard_supervision.bpmn"}


@files
def test_every_element_is_drawn(path):
    m = _model(path)
    assert sorted(set(m.nodes) - set(m.shapes)) == [], "flow nodes without a shape"
    assert sorted(f for f in m.flows if len(m.edges.get(f, ())) < 2) == [], "flows without waypoints"


@files
def test_no_two_flow_node_shapes_overlap(path):
    m = _model(path)
    problems = []
    for a, b in itertools.combinations(sorted(m.nodes), 2):
        if not m.shapes[a].overlaps(m.shapes[b]):
            continue
        for event, host in ((a, b), (b, a)):
            if m.nodes[event].get("attachedToRef") == host:
                box = m.shapes[event]
                if not m.shapes[host].on_border(box.x + box.w / 2, box.y + box.h / 2):
                    problems.append(f"{event} is not centred on the border of its host {host}")
                break
        else:
            problems.append(f"{a} overlaps {b}")
    assert problems == []


@files
def test_every_element_lies_inside_its_lane(path):
    m = _model(path)
    assert m.lanes, "every deployed process has lanes (their ids give the roles)"
    problems = [f"{node} lies outside {lane}"
                for lane, (box, refs) in m.lanes.items() for node in refs if not m.shapes[node].inside(box)]
    laned = [node for _, refs in m.lanes.values() for node in refs]
    problems += [f"{node} is in no lane or in several" for node in m.nodes if laned.count(node) != 1]
    problems += [f"lane {lane} lies outside the pool" for lane, (box, _) in m.lanes.items()
                 if not any(box.inside(p) for p in m.participants)]
    assert problems == []


@files
def test_every_end_event_has_a_name(path):
    m = _model(path)
    assert [i for i, el in m.nodes.items() if _tag(el) == "endEvent" and not _name(el)] == []


@files
def test_only_decisions_carry_flow_labels(path):
    """bpmnlint's superfluous-label: a named flow is conditional, a default, or leaves a deciding gateway."""
    m = _model(path)
    problems = []
    for fid, flow in m.flows.items():
        if not _name(flow) or flow.find("bpmn:conditionExpression", NS) is not None:
            continue
        source = m.nodes[flow.get("sourceRef")]
        outgoing = [f for f in m.flows.values() if f.get("sourceRef") == source.get("id")]
        deciding = _tag(source) in ("exclusiveGateway", "inclusiveGateway") and len(outgoing) > 1
        if not deciding and source.get("default") != fid:
            problems.append(fid)
    assert problems == []


@files
def test_labels_are_clear_and_hold_their_text(path):
    m = _model(path)
    problems = []
    named = {i: el for i, el in {**m.nodes, **m.flows}.items()
             if _name(el) and _tag(el) not in ("userTask", "serviceTask", "task", "scriptTask")}
    problems += [f"{i} is named but has no label bounds" for i in named if i not in m.labels]
    for i, box in m.labels.items():
        if i not in named:
            continue
        lines = diagram._lines(_name(named[i]), max(box.w, 60), 3)
        if "".join(lines) != _name(named[i]) or box.h < len(lines) * diagram.LINE_H:
            problems.append(f"label of {i} is too small for its text ({len(lines)} lines)")
        if not any(box.inside(p) for p in m.participants):
            problems.append(f"label of {i} lies outside the pool")
        problems += [f"label of {i} overlaps {n}" for n in m.nodes if box.overlaps(m.shapes[n])]
        problems += [f"label of {i} is crossed by {f}" for f, pts in m.edges.items()
                     if any(box.crossed_by(a, b) for a, b in itertools.pairwise(pts))]
    for a, b in itertools.combinations(sorted(i for i in m.labels if i in named), 2):
        if m.labels[a].overlaps(m.labels[b]):
            problems.append(f"labels of {a} and {b} overlap")
    assert problems == []


@files
def test_flows_join_their_own_ends_and_cross_no_shape(path):
    m = _model(path)
    problems = []
    for fid, flow in m.flows.items():
        pts = m.edges[fid]
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if not m.shapes[source].on_border(*pts[0]):
            problems.append(f"{fid} does not start on {source}")
        if not m.shapes[target].on_border(*pts[-1]):
            problems.append(f"{fid} does not end on {target}")
        for node in m.nodes:
            if node not in (source, target) and any(m.shapes[node].crossed_by(a, b) for a, b in itertools.pairwise(pts)):
                problems.append(f"{fid} passes through {node}")
    assert problems == []
