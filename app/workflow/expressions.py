"""The restricted expression language of SafeLoop BPMN files.

Gateway conditions, timer expressions, `dueDate` / `assignee` properties, service-task parameters and
(the rare) script tasks are evaluated here, never by Python's unrestricted `eval`:

* Allowed: literals, names of task-data variables, arithmetic, comparisons, `and`/`or`/`not`,
  `x if c else y`, subscripts (`d["k"]`, `xs[0]`), list/tuple/dict displays, and calls of the vetted
  functions in `FUNCTIONS` (by plain name). Scripts may additionally assign to plain names
  (`rounds = rounds + 1`).
* Refused (at deploy time, by `check`): attribute access (`x.y`), imports, lambdas, comprehensions,
  calls of anything not in `FUNCTIONS`, names starting with `_`, `del`, loops, `with`, `try`, ...
* No builtins are reachable: the evaluation namespace has `__builtins__ = {}`.

Time functions (`today()`, `now()`) use the time of the running workflow operation (`current_now()`),
which is `app.clock.now()` unless `tick(now=...)` says otherwise, so frozen test clocks work.
"""

from __future__ import annotations

import ast
import contextvars
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from app import clock
from app.calendar.legal_calendar import add_days as legal_add_days

# The "now" of the workflow operation being run (start / complete_task / tick); see current_now().
_now_var: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "safeloop_workflow_now", default=None
)


def current_now() -> datetime:
    """Aware UTC time of the running workflow operation (falls back to app.clock.now())."""
    value = _now_var.get()
    return value if value is not None else clock.now()


def set_now(value: datetime | None) -> contextvars.Token:
    return _now_var.set(value)


def reset_now(token: contextvars.Token) -> None:
    _now_var.reset(token)


class ExpressionError(ValueError):
    """An expression or script uses something outside the restricted language."""


# --- vetted functions ------------------------------------------------------------------------------


def to_date(value: Any) -> date:
    """A date from a date, an aware/naive datetime (China local date) or an ISO string."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(clock.TZ)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        return to_date(datetime.fromisoformat(text))
    raise ExpressionError(f"无法把 {value!r} 解释为日期")


def add_days(start: Any, n: int, kind: str = "calendar") -> date:
    """start + n legal days ('calendar' or 'working'), from app.calendar.legal_calendar."""
    if kind not in ("calendar", "working"):
        raise ExpressionError(f"add_days 的 kind 只能是 'calendar' 或 'working'，不是 {kind!r}")
    return legal_add_days(to_date(start), int(n), kind=kind)


def add_working_days(start: Any, n: int) -> date:
    return add_days(start, n, kind="working")


def today() -> date:
    return current_now().astimezone(clock.TZ).date()


def now() -> datetime:
    return current_now()


def days_between(a: Any, b: Any) -> int:
    """Calendar days from a to b (b - a)."""
    return (to_date(b) - to_date(a)).days


def iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


FUNCTIONS: dict[str, Any] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "sum": sum,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "Decimal": Decimal,
    "date": to_date,
    "add_days": add_days,
    "add_working_days": add_working_days,
    "today": today,
    "now": now,
    "days_between": days_between,
    "iso": iso,
}

# --- checking and compiling ------------------------------------------------------------------------

_EXPR_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Subscript,
    ast.Slice,
)
_SCRIPT_NODES = _EXPR_NODES + (ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.Store, ast.Pass)


def _check_tree(tree: ast.AST, allowed: tuple, source: str) -> None:
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise ExpressionError(f"表达式中不允许使用 {type(node).__name__}：{source!r}")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"表达式中不允许使用以下划线开头的名称 {node.id!r}：{source!r}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise ExpressionError(
                    f"表达式只能调用受控函数（{', '.join(sorted(FUNCTIONS))}），不能调用 {what}"
                )
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) for t in targets):
                raise ExpressionError(f"脚本只能给简单变量赋值：{source!r}")


@lru_cache(maxsize=2048)
def compile_expression(source: str):
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"表达式语法错误：{source!r}（{exc.msg}）") from None
    _check_tree(tree, _EXPR_NODES, source)
    return compile(tree, "<bpmn-expression>", "eval")


@lru_cache(maxsize=512)
def compile_script(source: str):
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise ExpressionError(f"脚本语法错误：{source!r}（{exc.msg}）") from None
    _check_tree(tree, _SCRIPT_NODES, source)
    return compile(tree, "<bpmn-script>", "exec")


def check_expression(source: str | None) -> str | None:
    """None if `source` is a valid restricted expression, else the reason (for deploy-time checks)."""
    if source is None or not source.strip():
        return "表达式为空"
    try:
        compile_expression(source)
    except ExpressionError as exc:
        return str(exc)
    return None


def check_script(source: str) -> str | None:
    try:
        compile_script(source)
    except ExpressionError as exc:
        return str(exc)
    return None


_GLOBALS = {"__builtins__": {}, "True": True, "False": False, "None": None, **FUNCTIONS}


def evaluate(source: str, data: dict) -> Any:
    """Evaluate a restricted expression over task data (data shadows function names)."""
    return eval(compile_expression(source), _GLOBALS, data)  # noqa: S307 - restricted AST, no builtins


def execute(source: str, data: dict) -> None:
    """Run a restricted script; assignments land in `data`."""
    local = dict(data)
    exec(compile_script(source), _GLOBALS, local)  # noqa: S102 - restricted AST, no builtins
    for key, value in local.items():
        if data.get(key, _MISSING) is not value:
            data[key] = value


_MISSING = object()
