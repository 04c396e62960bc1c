"""User trial of the on-site forms: a checklist item whose 不符合 is by definition a 重大事故隐患 opens the finding
form with level 重大 and its 判定标准 criterion chosen (an ordinary item stays 一般); the 主办 and team choices
offer only officers holding a valid 执法证 (a leader without one is not offered); the start form's 检查表 is
pre-set to the checklist chosen in the 检查方案."""

from __future__ import annotations

import re

from app.extensions import db
from app.inspections.operations import inspection as ops
from tests.factories.db import commit
from tests.factories.inspections_onsite import scheme_data


def _text(r) -> str:
    assert r.status_code == 200, r.status_code
    return r.get_data(as_text=True)


def _checked(html: str, name: str) -> list[str]:
    """Values of the radio/checkbox inputs named `name` that are checked."""
    out = []
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and re.search(r"\bchecked\b", tag):
            m = re.search(r'value="([^"]*)"', tag)
            out.append(m.group(1) if m else "")
    return out


def _selected(html: str, name: str) -> list[str]:
    m = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m is not None, name
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*\bselected\b', m.group(1))


def _options(html: str, name: str) -> list[str]:
    """The values offered for `name`: a select's options, or the checkboxes of a multiselect."""
    m = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if m is not None:
        return re.findall(r'<option[^>]*value="([^"]*)"', m.group(1))
    boxes = [t for t in re.findall(r"<input[^>]*>", html) if f'name="{name}"' in t]
    assert boxes, name
    return [v for t in boxes for v in re.findall(r'value="([^"]*)"', t)]


def test_a_major_item_preselects_the_level_and_its_criterion(login, world, new_inspection):
    insp = new_inspection()  # confined_space: YX-02 carries GM2023-13-1, YX-01 none
    ops.prepare_scheme(insp, scheme_data(), actor=world.officer)
    commit()
    officer = login(world.officer)
    major = _text(officer.get(f"/inspections/{insp.id}/findings/new?item=YX-02"))
    assert _checked(major, "level") == ["重大"]
    assert _selected(major, "criterion_code") == ["GM2023-13-1"]
    ordinary = _text(officer.get(f"/inspections/{insp.id}/findings/new?item=YX-01"))
    assert _checked(ordinary, "level") == ["一般"]


def test_the_lead_and_team_choices_are_only_certified_officers(login, world, frozen):
    world.leader.cert_no = None  # 周明华（无执法证）
    world.officer2.cert_expires_on = frozen.today().replace(year=2026, month=1, day=1)  # expired
    commit()
    html = _text(login(world.section_head).get(f"/inspections/new?enterprise_id={world.ent_a.id}"))
    for field in ("lead_officer_id", "member_ids"):
        ids = _options(html, field)
        assert str(world.officer.id) in ids and str(world.section_head.id) in ids
        assert str(world.leader.id) not in ids and str(world.officer2.id) not in ids
    assert "无执法证" not in html


def test_the_start_form_presets_the_schemes_checklist(login, world, new_inspection):
    insp = new_inspection(checklist_code=None)
    ops.prepare_scheme(insp, scheme_data(checklist_code="dust"), actor=world.officer)
    commit()
    db.session.refresh(insp)
    assert insp.checklist_code == "dust"
    html = _text(login(world.officer).get(f"/inspections/{insp.id}"))
    start = html.split('data-testid="start-section"')[1]
    assert _selected(start, "checklist_code") == ["dust"]
