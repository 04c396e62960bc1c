"""The script engine of every workflow: expressions and scripts go through app.workflow.expressions
(restricted AST, no builtins, a vetted function set), never Python's eval. One engine per process,
attached to every new workflow and re-attached after every restore (app.workflow.codec)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.workflow import expressions

__all__ = ["SCRIPT_ENGINE", "RestrictedScriptEngine"]


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        return expressions.evaluate(expression, context)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        expressions.execute(script, context)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:  # pragma: no cover - handlers do it
        raise NotImplementedError("service tasks call registered handlers")


class RestrictedScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=RestrictedEnvironment())

    def validate(self, expression: str) -> None:
        expressions.compile_expression(expression)


SCRIPT_ENGINE = RestrictedScriptEngine()
