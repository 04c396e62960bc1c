"""Tiny BPMN writer for tests: a linear process start -> nodes... -> end in lanes, plus raw extras."""

from __future__ import annotations

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  id="Definitions_{pid}" targetNamespace="http://safeloop.example/bpmn">
"""


def user_task(
    task_id: str, name: str, form: str | None = "test_register", *, generic: bool = True, **props: str
) -> tuple:
    """A user task; generic (no domain handler) unless said otherwise."""
    properties = ({"formName": form} if form else {}) | ({"generic": "true"} if generic else {}) | props
    ext = "".join(f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in properties.items())
    ext = f"<bpmn:extensionElements><spiffworkflow:properties>{ext}</spiffworkflow:properties></bpmn:extensionElements>"
    return ("userTask", task_id, name, ext)


def service_task(task_id: str, name: str, handler: str, **params: str) -> tuple:
    ps = "".join(f'<spiffworkflow:parameter id="{k}" type="any" value="{v}" />' for k, v in params.items())
    ext = (
        f'<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="{handler}">'
        f"<spiffworkflow:parameters>{ps}</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>"
        "</bpmn:extensionElements>"
    )
    return ("serviceTask", task_id, name, ext)


def linear(
    pid: str,
    nodes: list[tuple],
    *,
    lanes: dict[str, list[str]] | None = None,
    extra: str = "",
    name: str = "测试流程",
) -> str:
    """nodes: (tag, id, name, inner xml). lanes: lane id -> node ids (default: all in lane_officer)."""
    ids = ["start"] + [n[1] for n in nodes] + ["end"]
    if lanes is None:
        lanes = {"lane_officer": ids}
    lane_xml = "".join(
        f'<bpmn:lane id="{lane}" name="{lane}">'
        + "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in refs)
        + "</bpmn:lane>"
        for lane, refs in lanes.items()
    )
    flows = [(f"f{i}", ids[i], ids[i + 1]) for i in range(len(ids) - 1)]
    out = {src: fid for fid, src, _ in flows}
    inc = {dst: fid for fid, _, dst in flows}
    body = [f'<bpmn:startEvent id="start"><bpmn:outgoing>{out["start"]}</bpmn:outgoing></bpmn:startEvent>']
    for tag, node_id, node_name, inner in nodes:
        body.append(
            f'<bpmn:{tag} id="{node_id}" name="{node_name}">{inner}'
            f"<bpmn:incoming>{inc[node_id]}</bpmn:incoming><bpmn:outgoing>{out[node_id]}</bpmn:outgoing>"
            f"</bpmn:{tag}>"
        )
    body.append(f'<bpmn:endEvent id="end"><bpmn:incoming>{inc["end"]}</bpmn:incoming></bpmn:endEvent>')
    body += [f'<bpmn:sequenceFlow id="{fid}" sourceRef="{s}" targetRef="{d}" />' for fid, s, d in flows]
    return (
        HEAD.format(pid=pid)
        + f'<bpmn:process id="{pid}" name="{name}" isExecutable="true">'
        + f'<bpmn:laneSet id="LaneSet_{pid}">{lane_xml}</bpmn:laneSet>'
        + "".join(body)
        + extra
        + "</bpmn:process></bpmn:definitions>"
    )
