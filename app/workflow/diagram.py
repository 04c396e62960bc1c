"""The BPMN diagram of a workflow version as inline SVG, drawn from the file's diagram interchange
(BPMNDI) section, with the steps done, the current steps and the waiting timers marked.

Server-side and static: no JavaScript modeler, nothing fetched, so it works on an offline intranet and in
print. The layout of each BPMN version is parsed once (cached by its SHA-256); drawing is string work.
"""

from __future__ import annotations

import logging
from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from markupsafe import Markup, escape
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.workflow import codec
from app.workflow.definitions import KIND_LABELS
from app.workflow.models import WorkflowInstance
from app.workflow.timers import waiting_timers
from app.workflow.tree import all_tasks, ready_user_tasks
from app.workflow.versions import parsed_for

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

ACTIVITIES = {"task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAY_MARK = {"exclusiveGateway": "×", "parallelGateway": "+", "inclusiveGateway": "○", "eventBasedGateway": "◇"}
EVENT_MARK = {"timerEventDefinition": "timer", "messageEventDefinition": "message", "signalEventDefinition": "△",
              "errorEventDefinition": "!", "escalationEventDefinition": "↑", "conditionalEventDefinition": "≡"}
TASK_MARK = {"userTask": "user", "serviceTask": "service", "scriptTask": "script"}
log = logging.getLogger(__name__)
CHAR_W = 12.5  # px per CJK character at font-size 12
LINE_H = 15


@dataclass(frozen=True)
class Shape:
    id: str
    kind: str  # participant, lane, activity, event, gateway, other
    tag: str  # BPMN element name, e.g. userTask, boundaryEvent
    name: str
    x: float
    y: float
    w: float
    h: float
    mark: str = ""
    label: tuple[float, float, float, float] | None = None
    interrupting: bool = True
    terminate: bool = False


@dataclass(frozen=True)
class Edge:
    id: str
    name: str
    points: tuple[tuple[float, float], ...]
    label: tuple[float, float, float, float] | None = None
    message: bool = False


@dataclass(frozen=True)
class Layout:
    shapes: tuple[Shape, ...]
    edges: tuple[Edge, ...]
    box: tuple[float, float, float, float]  # min x, min y, width, height


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _bounds(el) -> tuple[float, float, float, float] | None:
    b = el.find(f"{{{DC}}}Bounds")
    if b is None:
        return None
    return tuple(float(b.get(k, 0)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


@lru_cache(maxsize=32)
def layout(spec_hash: str, bpmn: str | bytes) -> Layout:
    """The shapes and edges of a BPMN file (first diagram). Cached per BPMN version."""
    data = bpmn.encode("utf-8") if isinstance(bpmn, str) else bpmn
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    elements = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    shapes: list[Shape] = []
    edges: list[Edge] = []
    xs: list[float] = []
    ys: list[float] = []
    plane = root.find(f".//{{{BPMNDI}}}BPMNPlane")
    if plane is None:
        return Layout((), (), (0, 0, 0, 0))
    for di in plane:
        tag = _local(di.tag)
        el = elements.get(di.get("bpmnElement"))
        if el is None:
            continue
        kind_tag = _local(el.tag)
        name = (el.get("name") or "").strip()
        label_el = di.find(f"{{{BPMNDI}}}BPMNLabel")
        label = _bounds(label_el) if label_el is not None else None
        if tag == "BPMNShape":
            box = _bounds(di)
            if box is None:
                continue
            x, y, w, h = box
            xs += [x, x + w]
            ys += [y, y + h]
            if kind_tag in ("participant", "lane"):
                kind, mark = kind_tag, ""
            elif kind_tag in ACTIVITIES:
                kind, mark = "activity", TASK_MARK.get(kind_tag, "")
            elif kind_tag in EVENTS:
                kind = "event"
                mark = next((EVENT_MARK[_local(c.tag)] for c in el if _local(c.tag) in EVENT_MARK), "")
            elif kind_tag in GATEWAY_MARK:
                kind, mark = "gateway", GATEWAY_MARK[kind_tag] if di.get("isMarkerVisible") != "false" else ""
            else:
                kind, mark = "other", ""
            terminate = any(_local(c.tag) == "terminateEventDefinition" for c in el)
            interrupting = el.get("cancelActivity", "true") != "false"
            shapes.append(Shape(el.get("id"), kind, kind_tag, name, x, y, w, h, mark, label, interrupting, terminate))
        elif tag == "BPMNEdge":
            points = tuple((float(p.get("x", 0)), float(p.get("y", 0))) for p in di.findall(f"{{{DI}}}waypoint"))
            if len(points) < 2:
                continue
            xs += [p[0] for p in points]
            ys += [p[1] for p in points]
            edges.append(Edge(el.get("id"), name, points, label, message=kind_tag == "messageFlow"))
    if not xs:
        return Layout((), (), (0, 0, 0, 0))
    order = {"participant": 0, "lane": 1}
    shapes.sort(key=lambda s: order.get(s.kind, 2))
    pad = 10
    box = (min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)
    return Layout(tuple(shapes), tuple(edges), box)


def _lines(text: str, width: float, max_lines: int = 4) -> list[str]:
    per_line = max(1, int(width // CHAR_W))
    lines = [text[i:i + per_line] for i in range(0, len(text), per_line)] or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _text(lines: list[str], cx: float, cy: float, cls: str = "label") -> str:
    top = cy - (len(lines) - 1) * LINE_H / 2
    spans = "".join(
        f'<tspan x="{cx:.1f}" y="{top + i * LINE_H:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text class="{cls}" text-anchor="middle" dominant-baseline="central">{spans}</text>'


def _icon(mark: str, cx: float, cy: float, r: float = 7) -> str:
    """Marker of a task type or event definition, drawn with shapes (no icon font on the intranet)."""
    if mark == "timer":
        hands = f"M{cx:.1f},{cy - r * 0.7:.1f} L{cx:.1f},{cy:.1f} L{cx + r * 0.5:.1f},{cy + r * 0.2:.1f}"
        return f'<g class="icon"><circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}"/><path d="{hands}"/></g>'
    if mark == "message":
        w, h = r * 1.6, r * 1.1
        x, y = cx - w / 2, cy - h / 2
        return (f'<g class="icon"><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"/>'
                f'<path d="M{x:.1f},{y:.1f} L{cx:.1f},{cy + 1:.1f} L{x + w:.1f},{y:.1f}"/></g>')
    if mark == "user":
        return (f'<g class="icon"><circle cx="{cx:.1f}" cy="{cy - 3:.1f}" r="3.2"/>'
                f'<path d="M{cx - 6:.1f},{cy + 7:.1f} Q{cx:.1f},{cy - 3:.1f} {cx + 6:.1f},{cy + 7:.1f} Z"/></g>')
    if mark == "service":
        spokes = "".join(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{cx + 7 * dx:.1f}" y2="{cy + 7 * dy:.1f}"/>'
            for dx, dy in ((1, 0), (0, 1), (-1, 0), (0, -1), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7))
        )
        return f'<g class="icon">{spokes}<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5"/></g>'
    if mark == "script":
        return (f'<g class="icon"><rect x="{cx - 5:.1f}" y="{cy - 6:.1f}" width="10" height="12"/>'
                f'<path d="M{cx - 3:.1f},{cy - 2:.1f} H{cx + 3:.1f} M{cx - 3:.1f},{cy + 2:.1f} H{cx + 3:.1f}"/></g>')
    return (f'<text class="mark" x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" '
            f'dominant-baseline="central">{escape(mark)}</text>')


def _state(shape_id: str, done: Set[str], current: Set[str], waiting: Set[str]) -> str:
    if shape_id in current:
        return " current"
    if shape_id in waiting:
        return " waiting"
    if shape_id in done:
        return " done"
    return ""


def render(lay: Layout, *, done: Set[str] = frozenset(), current: Set[str] = frozenset(),
           waiting: Set[str] = frozenset(), title: str = "流程图") -> Markup:
    """Inline SVG of the layout; `done`/`current`/`waiting` are BPMN element ids to mark."""
    if not lay.shapes:
        return Markup("")
    x0, y0, w, h = lay.box
    out = [
        f'<svg class="bpmn-diagram" xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} {w:.0f} {h:.0f}" '
        f'width="{w:.0f}" height="{h:.0f}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="bpmn-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    for s in lay.shapes:
        if s.kind in ("participant", "lane"):
            out.append(f'<g class="{s.kind}"><rect x="{s.x}" y="{s.y}" width="{s.w}" height="{s.h}"/>')
            band = 30 if s.kind == "participant" else 0
            if s.name:
                cx, cy = s.x + (15 if s.kind == "participant" else band + 15), s.y + s.h / 2
                if s.kind == "lane":
                    out.append(f'<line x1="{s.x + 30}" y1="{s.y}" x2="{s.x + 30}" y2="{s.y + s.h}"/>')
                out.append(
                    f'<text class="pool-label" transform="rotate(-90 {cx:.1f} {cy:.1f})" x="{cx:.1f}" y="{cy:.1f}" '
                    f'text-anchor="middle" dominant-baseline="central">{escape(s.name)}</text>'
                )
            out.append("</g>")
    for e in lay.edges:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in e.points)
        cls = "flow message" if e.message else "flow"
        out.append(f'<polyline class="{cls}" points="{pts}" marker-end="url(#bpmn-arrow)"/>')
        if e.name:
            if e.label:
                lx, ly, lw, lh = e.label
                cx, cy = lx + lw / 2, ly + lh / 2
            else:
                (ax, ay), (bx, by) = e.points[len(e.points) // 2 - 1], e.points[len(e.points) // 2]
                cx, cy = (ax + bx) / 2, (ay + by) / 2 - 8
            out.append(_text(_lines(e.name, max(e.label[2] if e.label else 90, 60), 3), cx, cy, "flow-label"))
    for s in lay.shapes:
        if s.kind in ("participant", "lane"):
            continue
        state = _state(s.id, done, current, waiting)
        tip = f"<title>{escape(s.name or KIND_LABELS.get(s.tag, s.tag))}</title>"  # unnamed: 排他网关 …
        if s.kind == "activity":
            out.append(
                f'<g class="activity{state}" data-bpmn-id="{escape(s.id)}">{tip}'
                f'<rect x="{s.x}" y="{s.y}" width="{s.w}" height="{s.h}" rx="10"/>'
            )
            if s.mark:
                out.append(_icon(s.mark, s.x + 12, s.y + 12))
            out.append(_text(_lines(s.name, s.w - 8, 4), s.x + s.w / 2, s.y + s.h / 2 + 4))
            out.append("</g>")
            continue
        cx, cy = s.x + s.w / 2, s.y + s.h / 2
        if s.kind == "event":
            r = min(s.w, s.h) / 2
            end = " end" if s.tag == "endEvent" else ""
            dashed = "" if s.interrupting else " non-interrupting"
            out.append(f'<g class="event{end}{dashed}{state}" data-bpmn-id="{escape(s.id)}">{tip}'
                       f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}"/>')
            if s.tag in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
                out.append(f'<circle class="inner" cx="{cx:.1f}" cy="{cy:.1f}" r="{r - 3:.1f}"/>')
            if s.terminate:
                out.append(f'<circle class="fill" cx="{cx:.1f}" cy="{cy:.1f}" r="{r - 6:.1f}"/>')
            elif s.mark:
                out.append(_icon(s.mark, cx, cy, r - 6))
        elif s.kind == "gateway":
            d = f"M{cx:.1f},{s.y:.1f} L{s.x + s.w:.1f},{cy:.1f} L{cx:.1f},{s.y + s.h:.1f} L{s.x:.1f},{cy:.1f} Z"
            out.append(f'<g class="gateway{state}" data-bpmn-id="{escape(s.id)}">{tip}<path d="{d}"/>')
            if s.mark:
                out.append(f'<text class="mark big" x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" '
                           f'dominant-baseline="central">{s.mark}</text>')
        else:
            out.append(f'<g class="other" data-bpmn-id="{escape(s.id)}">{tip}'
                       f'<rect x="{s.x}" y="{s.y}" width="{s.w}" height="{s.h}"/>')
        if s.name:
            if s.label:
                lx, ly, lw, lh = s.label
                out.append(_text(_lines(s.name, max(lw, 60), 3), lx + lw / 2, ly + lh / 2, "small-label"))
            else:
                out.append(_text(_lines(s.name, max(s.w * 2.5, 80), 3), cx, s.y + s.h + 14, "small-label"))
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def element_states(workflow: BpmnWorkflow) -> tuple[set[str], set[str], set[str]]:
    """BPMN element ids (done, current, waiting) of a workflow, for the diagram: every completed task of
    the tree (tasks, events, gateways, service tasks), the READY user tasks, and the waiting timers."""
    done = {t.task_spec.bpmn_id for t in all_tasks(workflow)
            if t.state == TaskState.COMPLETED and getattr(t.task_spec, "bpmn_id", None)}
    current = {t.task_spec.bpmn_id for t in ready_user_tasks(workflow)}
    waiting = {task.task_spec.bpmn_id for task, _ in waiting_timers(workflow).values()}
    return done, current, waiting


def instance_diagram(inst: WorkflowInstance | None) -> Markup:
    """The diagram of the BPMN version `inst` runs on, marked from its stored state: every completed
    element done, READY user tasks current, waiting timers marked. Empty for no instance or a file
    without a diagram section."""
    if inst is None:
        return Markup("")
    parsed = parsed_for(inst)
    try:
        done, current, waiting = element_states(codec.loads(inst.state, parsed))
    except Exception:  # an unreadable state must not break the page: the diagram without marks
        log.exception("workflow instance %s: state not readable for the diagram", inst.id)
        done = current = waiting = set()
    return render(layout(parsed.spec_hash, parsed.bpmn), done=done, current=current, waiting=waiting,
                  title=f"{parsed.name}流程图")
