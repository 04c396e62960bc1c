"""Where definitions are read from: WORKFLOW_DIR / FORMS_DIR plus EXTRA_WORKFLOW_DIRS / EXTRA_FORMS_DIRS.
The test process and its forms live in tests/fixtures/ and only the tests' config adds them; a process
id or form name defined in two directories is refused."""

from __future__ import annotations

import shutil

import pytest

from app import create_app, forms, workflow
from app.config import BASE_DIR, TestConfig
from app.workflow.definitions import WorkflowDefinitionError, load_definitions, registry
from tests.factories import FIXTURES


def test_production_directories_hold_no_test_fixtures():
    assert sorted((BASE_DIR / "workflows").glob("test_*")) == []
    assert sorted((BASE_DIR / "forms").glob("test_*")) == []
    assert (FIXTURES / "workflows" / "test_simple.bpmn").is_file()
    assert sorted(p.stem for p in (FIXTURES / "forms").glob("*.json")) == [
        "test_handle_overdue", "test_rectify", "test_register", "test_review"]


def test_only_the_test_config_adds_the_fixture_directories(app):
    assert "test_simple" in registry().definitions
    assert forms.form_exists("test_register") and forms.get_form("test_register").title == "登记隐患（测试）"
    bare = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    with bare.app_context():
        assert "hazard_rectification" in registry().definitions
        assert "test_simple" not in registry().definitions
        assert not forms.form_exists("test_register")
        with pytest.raises(forms.FormNotFound):
            forms.get_form("test_register")


def test_form_names_are_looked_up_in_every_forms_directory():
    simple = FIXTURES / "workflows" / "test_simple.bpmn"
    assert workflow.validate_bpmn(simple) == []
    errors = workflow.validate_bpmn(simple, forms_dirs=[forms.DEFAULT_DIR])
    assert any("表单 forms/test_register.json 不存在" in e for e in errors)


def test_a_form_name_in_two_directories_is_refused(app, tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "forms" / "test_register.json", tmp_path / "test_register.json")
    monkeypatch.setitem(app.config, "EXTRA_FORMS_DIRS", (*app.config["EXTRA_FORMS_DIRS"], str(tmp_path)))
    assert forms.form_exists("test_register")
    with pytest.raises(forms.FormDefinitionError, match="more than one directory"):
        forms.get_form("test_register")
    assert "more than one directory" in forms.check_all(check_providers=False)["test_register.json"][0]
    with pytest.raises(WorkflowDefinitionError, match="表单 test_register 在多个目录中重复定义"):
        load_definitions(app)


def test_a_process_id_in_two_directories_is_refused(tmp_path):
    shutil.copy(FIXTURES / "workflows" / "test_simple.bpmn", tmp_path / "test_simple.bpmn")
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://",
                  EXTRA_WORKFLOW_DIRS=(*TestConfig.EXTRA_WORKFLOW_DIRS, str(tmp_path)))
    with pytest.raises(WorkflowDefinitionError, match="流程 test_simple 在多个目录中重复定义"):
        create_app(config)


def test_check_command_lists_the_extra_directories(app):
    result = app.test_cli_runner().invoke(args=["workflow", "check"])
    assert result.exit_code == 0, result.output
    assert "✓ hazard_rectification.bpmn\n" in result.output
    assert f"✓ test_simple.bpmn（{FIXTURES / 'workflows'}）" in result.output
