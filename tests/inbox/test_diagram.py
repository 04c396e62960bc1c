"""The process diagram: drawn from each BPMN file's diagram section, marked from the instance's state,
escaped, and shown on the task page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from app import workflow
from app.config import BASE_DIR
from app.workflow import diagram
from tests.factories import FIXTURES
from tests.factories.workflow import ready

SVG = "{http://www.w3.org/2000/svg}"
BPMN_FILES = sorted([*Path(BASE_DIR, "workflows").glob("*.bpmn"), *(FIXTURES / "workflows").glob("*.bpmn")])


def _marked(svg: str) -> dict[str, str]:
    """bpmn id -> state class ('' when unmarked) of every drawn element."""
    root = etree.fromstring(svg.encode())
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("data-bpmn-id"):
            classes = set(g.get("class", "").split())
            out[g.get("data-bpmn-id")] = next((c for c in ("current", "waiting", "done") if c in classes), "")
    return out


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_flow_node_of_each_bpmn_is_drawn(path):
    data = path.read_bytes()
    lay = diagram.layout(path.name, data)
    root = etree.fromstring(data)
    model = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
    nodes = {
        el.get("id"): el.get("name")
        for process in root.iter(f"{model}process")
        for el in process.iter()
        if isinstance(el.tag, str) and el.tag.endswith(("Task", "Event", "Gateway"))
    }
    drawn = {s.id for s in lay.shapes}
    assert nodes.keys() <= drawn, f"{path.name}: no diagram shape for {sorted(nodes.keys() - drawn)}"
    svg = str(diagram.render(lay))
    marked = _marked(svg)  # well-formed XML
    assert nodes.keys() <= marked.keys()
    for name in filter(None, nodes.values()):
        assert name[:4] in svg


def test_instance_marks_follow_the_state(started, world):
    inst = started()
    marks = _marked(str(workflow.instance_diagram(inst)))
    assert marks["register"] == "current" and marks["start"] == "done" and marks["rectify"] == ""

    workflow.complete_task(ready(inst, "register"), {"deadline": date(2026, 11, 20)}, actor=world.officer)
    marks = _marked(str(workflow.instance_diagram(inst)))
    assert marks["register"] == "done" and marks["rectify"] == "current"
    assert marks["rectify_reminder"] == "waiting" and marks["rectify_overdue"] == "waiting"
    assert marks["review"] == "" and marks["end_done"] == ""


def test_names_are_escaped():
    bpmn = ((FIXTURES / "workflows" / "test_simple.bpmn").read_text(encoding="utf-8")
            .replace('name="登记隐患"', 'name="&lt;script&gt;alert(1)&lt;/script&gt;"'))
    svg = str(diagram.render(diagram.layout("escaped", bpmn)))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    etree.fromstring(svg.encode())


def test_no_instance_or_no_diagram_section_draws_nothing():
    assert str(workflow.instance_diagram(None)) == ""
    bare = '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"/></definitions>'
    assert str(diagram.render(diagram.layout("bare", bare))) == ""


def test_task_page_shows_the_diagram(started, login, world):
    task = ready(started(), "register")
    html = login(world.officer).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="process-diagram"' in html and 'class="bpmn-diagram"' in html
    assert 'class="activity current" data-bpmn-id="register"' in html
