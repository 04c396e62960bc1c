"""Deploy-time checks name file and element; definitions are versioned by hash; service handlers."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import clock, create_app, workflow
from app.config import TestConfig
from app.workflow import parsing
from app.workflow.definitions import WorkflowDefinitionError, load_definitions
from app.workflow.models import WorkflowDefinition
from tests.factories import FIXTURES
from tests.factories.bpmn import linear, service_task, user_task
from tests.factories.workflow import complete

TIMER = """<bpmn:boundaryEvent id="a_timer" name="提醒" cancelActivity="false" attachedToRef="a">
  <bpmn:outgoing>f_timer</bpmn:outgoing>
  <bpmn:timerEventDefinition id="a_timer_def"><bpmn:timeDuration>{expr}</bpmn:timeDuration></bpmn:timerEventDefinition>
</bpmn:boundaryEvent>
<bpmn:endEvent id="end_timer"><bpmn:incoming>f_timer</bpmn:incoming></bpmn:endEvent>
<bpmn:sequenceFlow id="f_timer" sourceRef="a_timer" targetRef="end_timer" />"""


@workflow.service("test.compute")
def compute(ctx):
    compute.calls.append(ctx)
    return {"doubled": ctx.params["n"] * 2}


compute.calls = []


def _write(tmp_path, name, xml):
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return path


def _ok(pid="t_ok", timer='"P1D"', **overrides):
    nodes = [
        user_task("a", "登记", "test_register"),
        service_task("svc", "计算", "test.compute", n="count + 1"),
    ]
    lanes = overrides.pop("lanes", {"lane_officer": ["start", "a", "svc", "end", "a_timer", "end_timer"]})
    return linear(pid, overrides.pop("nodes", nodes), lanes=lanes, extra=TIMER.format(expr=timer))


def test_valid_file_has_no_problems(tmp_path):
    assert workflow.validate_bpmn(_write(tmp_path, "t_ok.bpmn", _ok())) == []
    assert workflow.validate_bpmn(FIXTURES / "workflows" / "test_simple.bpmn") == []


@pytest.mark.parametrize(
    "xml, element, words",
    [
        (_ok(lanes={"lane_officer": ["start", "svc", "end"]}), '"a"', "不在任何泳道"),
        (_ok(lanes={"lane_inspector": ["start", "a", "svc", "end"]}), '"a"', "lane_inspector"),
        (
            _ok(nodes=[user_task("a", "登记", None), service_task("svc", "计算", "test.compute", n="1")]),
            '"a"',
            "formName",
        ),
        (
            _ok(
                nodes=[
                    user_task("a", "登记", "no_such_form"),
                    service_task("svc", "计算", "test.compute", n="1"),
                ]
            ),
            '"a"',
            "forms/no_such_form.json 不存在",
        ),
        (
            _ok(nodes=[user_task("a", "登记"), service_task("svc", "计算", "test.not_registered")]),
            '"svc"',
            "test.not_registered",
        ),
        (_ok(timer='"P1X"'), '"a_timer"', "定时器"),
        (_ok(timer="add_days(deadline,"), '"a_timer"', "定时器"),
        (_ok(timer="deadline.__class__"), '"a_timer"', "Attribute"),
        (
            _ok(
                nodes=[
                    user_task("a", "登记", dueDate="__import__('os')"),
                    service_task("svc", "计算", "test.compute", n="1"),
                ]
            ),
            '"a"',
            "dueDate",
        ),
        (
            _ok(
                nodes=[
                    user_task("a", "登记"),
                    service_task("svc", "计算", "test.compute", n="open('/etc/passwd')"),
                ]
            ),
            '"svc"',
            "open",
        ),
    ],
)
def test_problems_name_file_and_element(tmp_path, xml, element, words):
    errors = workflow.validate_bpmn(_write(tmp_path, "t_ok.bpmn", xml))
    assert errors, "expected a problem"
    assert any(e.startswith("t_ok.bpmn:") and element in e and words in e for e in errors), errors


def test_xsd_invalid_and_wrong_process_id(tmp_path):
    bad = _ok().replace('<bpmn:startEvent id="start">', '<bpmn:bogus id="x" /><bpmn:startEvent id="start">')
    [error] = workflow.validate_bpmn(_write(tmp_path, "t_ok.bpmn", bad))
    assert error.startswith("t_ok.bpmn: 不符合 BPMN 2.0 XSD") and "bogus" in error
    [error] = workflow.validate_bpmn(_write(tmp_path, "other_name.bpmn", _ok()))
    assert error.startswith("other_name.bpmn:") and "other_name" in error
    [error] = workflow.validate_bpmn(_write(tmp_path, "broken.bpmn", "<bpmn:definitions"))
    assert error.startswith("broken.bpmn: XML 格式错误")


def _app_with(tmp_path, xml):
    """A new app whose only workflow directory holds t_ok.bpmn (start-up runs every check)."""
    _write(tmp_path, "t_ok.bpmn", xml)
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://", WORKFLOW_DIR=str(tmp_path))
    return create_app(config)


def test_app_refuses_to_start_with_a_bad_definition(tmp_path):
    with pytest.raises(WorkflowDefinitionError) as exc:
        _app_with(tmp_path, _ok(lanes={"lane_officer": ["start", "svc", "end"]}))
    assert "t_ok.bpmn" in str(exc.value) and '"a"' in str(exc.value) and "拒绝启动" in str(exc.value)


def test_test_files_are_skipped_outside_testing(app, tmp_path):
    _write(tmp_path, "test_broken.bpmn", "<not bpmn")
    app.config["WORKFLOW_DIR"] = str(tmp_path)
    try:
        app.testing = False
        assert load_definitions(app).definitions == {}
        app.testing = True
        with pytest.raises(WorkflowDefinitionError, match="test_broken.bpmn"):
            load_definitions(app)
    finally:
        app.testing = True
        app.config.pop("WORKFLOW_DIR")
        load_definitions(app)


def test_service_handler_gets_instance_params_and_now(db, world, workflow_dir, frozen):
    workflow_dir.write("t_ok.bpmn", _ok())
    compute.calls.clear()
    inst = workflow.start(
        "t_ok",
        subject=world.ent_a,
        title="服务任务",
        region_path=world.ent_a.region_path,
        enterprise_id=world.ent_a.id,
        data={"count": 20},
        actor=world.officer,
    )
    complete("a", inst, {"deadline": date(2026, 11, 10)}, world.officer)
    [ctx] = compute.calls
    assert ctx.instance.id == inst.id and ctx.bpmn_id == "svc"
    assert ctx.params == {"n": 21} and ctx.data["deadline"] == date(2026, 11, 10)
    assert ctx.now == clock.now()
    assert inst.status == "completed"
    assert '"doubled": 42' in inst.state


def test_running_instances_keep_their_definition_version(db, world, workflow_dir, frozen):
    v1 = linear("t_version", [user_task("a", "第一步"), user_task("b", "第二步", "test_review")])
    v2 = linear(
        "t_version",
        [
            user_task("a", "第一步"),
            user_task("c", "新增的复核", "test_review"),
            user_task("b", "第二步", "test_review"),
        ],
    )

    def start():
        inst = workflow.start(
            "t_version",
            subject=world.ent_a,
            title="版本",
            region_path=None,
            enterprise_id=None,
            data={},
            actor=world.officer,
        )
        db.session.commit()
        return inst

    path = workflow_dir.write("t_version.bpmn", v1)
    old = start()
    workflow_dir.write("t_version.bpmn", v2)
    new = start()
    assert old.definition_id != new.definition_id and old.spec_hash != new.spec_hash
    rows = db.session.scalars(
        select(WorkflowDefinition).where(WorkflowDefinition.process_id == "t_version")
    ).all()
    assert len(rows) == 2

    complete("a", old, {}, world.officer)
    complete("a", new, {}, world.officer)
    assert workflow.ready_task_names(old) == ["b"]
    assert workflow.ready_task_names(new) == ["c"]

    # a fresh process (empty spec cache) and the file gone: the old version runs from the stored BPMN
    parsing._SPEC_CACHE.pop(old.spec_hash)
    path.unlink()
    complete("b", old, {}, world.officer)
    assert old.status == "completed"
    assert parsing.cached_definition(old.spec_hash) is not None


# --- the user-task contract: a handler or `generic`, checked at start-up ----------------------------------


def test_app_refuses_to_start_when_a_user_task_has_no_handler(tmp_path):
    xml = _ok(nodes=[user_task("a", "登记", "test_register", generic=False)],
              lanes={"lane_officer": ["start", "a", "end", "a_timer", "end_timer"]})
    with pytest.raises(WorkflowDefinitionError) as exc:
        _app_with(tmp_path, xml)
    assert "t_ok.bpmn" in str(exc.value) and "“登记”（a）没有注册处理函数" in str(exc.value)


def test_a_registered_handler_satisfies_the_contract(tmp_path, monkeypatch):
    from app.workflow import user_tasks

    monkeypatch.setattr(user_tasks, "_handlers", {})
    user_tasks.user_task("t_ok", "a")(lambda task, data, *, actor: None)
    xml = _ok(nodes=[user_task("a", "登记", "test_register", generic=False)],
              lanes={"lane_officer": ["start", "a", "end", "a_timer", "end_timer"]})
    assert "t_ok" in load_definitions(_app_with(tmp_path, xml)).definitions


def test_handler_for_a_missing_or_generic_task_is_refused(tmp_path, monkeypatch):
    from app.workflow import user_tasks

    monkeypatch.setattr(user_tasks, "_handlers", {})
    user_tasks.user_task("t_ok", "a")(lambda task, data, *, actor: None)  # but "a" is declared generic
    user_tasks.user_task("t_ok", "typo")(lambda task, data, *, actor: None)
    xml = _ok(nodes=[user_task("a", "登记", "test_register")],
              lanes={"lane_officer": ["start", "a", "end", "a_timer", "end_timer"]})
    with pytest.raises(WorkflowDefinitionError) as exc:
        _app_with(tmp_path, xml)
    assert "声明为通用办理，却注册了处理函数" in str(exc.value) and "没有用户任务 typo" in str(exc.value)


def test_every_deployed_user_task_has_its_domain_handler(app):
    """The production processes: no user task is completed generically by accident."""
    from app.workflow import user_tasks
    from app.workflow.definitions import registry

    with app.app_context():
        for parsed in registry().definitions.values():
            if parsed.file_name.startswith("test_"):
                continue
            for bpmn_id, meta in parsed.user_tasks.items():
                assert not meta.generic and user_tasks.handler_for(parsed.process_id, bpmn_id), (
                    parsed.process_id, bpmn_id)
