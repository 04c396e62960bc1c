"""Deploy-time checks of workflows/*.bpmn and the per-app registry of current definitions.

`load_definitions(app)` runs at the end of `create_app`: every BPMN file is validated and the app refuses
to start (WorkflowDefinitionError naming file and element) when a file

* is not well-formed XML or not valid against the BPMN 2.0 + spiffworkflow XSDs,
* has a user task outside any lane, or in a lane whose id is not `lane_<role>` (roles of app.auth.roles),
* has a user task without the `formName` property, or whose `forms/<formName>.json` does not exist
  (or exists in more than one forms directory),
* has a timer whose expression does not parse (bare ISO literal or restricted expression),
* has a service task whose `spiffworkflow:serviceTaskOperator` names no registered handler,
* has any expression/script outside the restricted language (app.workflow.expressions),
* uses manualTask (use userTask), or has no process whose id is the file name,

and also when two workflow directories hold the same process id, or two forms directories the same form.

Config: WORKFLOW_DIR (default <repo>/workflows) and FORMS_DIR (default <repo>/forms), plus the lists
EXTRA_WORKFLOW_DIRS and EXTRA_FORMS_DIRS (empty in production; TestConfig adds tests/fixtures/workflows
and tests/fixtures/forms, where the test_* fixtures live). Files named `test_*.bpmn` are loaded only
when app.testing (or WORKFLOW_INCLUDE_TEST_FILES), whichever directory holds them.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from app import forms
from app.auth.roles import Role
from app.config import BASE_DIR
from app.workflow import user_tasks
from app.workflow.expressions import check_expression, check_script
from app.workflow.handlers import handler_registered
from app.workflow.parsing import (
    NSMAP,
    VALIDATOR,
    ParsedDefinition,
    lane_index,
    parse_definition,
    role_of_lane,
    user_task_properties,
)
from app.workflow.timers import check_timer_literal, literal_timer_value

log = logging.getLogger(__name__)

EXTENSION_KEY = "safeloop.workflow"
ROLES = {r.value for r in Role}

KIND_LABELS = {
    "userTask": "用户任务",
    "serviceTask": "服务任务",
    "scriptTask": "脚本任务",
    "manualTask": "人工任务",
    "boundaryEvent": "边界事件",
    "intermediateCatchEvent": "中间事件",
    "startEvent": "开始事件",
    "sequenceFlow": "顺序流",
    "exclusiveGateway": "排他网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "eventBasedGateway": "事件网关",
    "endEvent": "结束事件",
    "process": "流程",
}


class WorkflowDefinitionError(RuntimeError):
    """One or more BPMN files failed the deploy-time checks; the message lists every problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("工作流定义校验失败，系统拒绝启动：\n  " + "\n  ".join(errors))


@dataclass
class Registry:
    directories: list[Path]
    forms_dirs: list[Path]
    definitions: dict[str, ParsedDefinition] = field(default_factory=dict)


def workflow_dirs(config) -> list[Path]:
    """WORKFLOW_DIR (default <repo>/workflows), then each EXTRA_WORKFLOW_DIRS entry, from an app config."""
    main = Path(config.get("WORKFLOW_DIR") or BASE_DIR / "workflows")
    return [main, *(Path(d) for d in config.get("EXTRA_WORKFLOW_DIRS") or ())]


def definition_files(dirs: list[Path]) -> tuple[list[Path], list[str]]:
    """Every *.bpmn in `dirs` (a missing directory holds none), and a problem for each process id
    (file name) found in more than one directory."""
    paths: list[Path] = []
    seen: dict[str, Path] = {}
    errors: list[str] = []
    for directory in dirs:
        for path in sorted(directory.glob("*.bpmn")) if directory.is_dir() else []:
            if path.stem in seen:
                errors.append(
                    f"{path.name}: 流程 {path.stem} 在多个目录中重复定义：{seen[path.stem]}、{path}"
                )
                continue
            seen[path.stem] = path
            paths.append(path)
    return paths, errors


def _duplicate_forms(dirs: list[Path]) -> list[str]:
    return [
        f"表单 {name} 在多个目录中重复定义：{'、'.join(map(str, paths))}"
        for name, paths in sorted(forms.duplicates(dirs).items())
    ]


def _where(file_name: str, node) -> str:
    tag = etree.QName(node).localname
    kind = KIND_LABELS.get(tag, tag)
    name = node.get("name")
    return f'{file_name}: {kind} "{node.get("id")}"' + (f"（{name}）" if name else "")


def _literal_string(expression: str) -> str | None:
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return None
    if isinstance(tree.body, ast.Constant) and isinstance(tree.body.value, str):
        return tree.body.value
    return None


def _check_timer(file_name: str, event, definition) -> list[str]:
    where = _where(file_name, event)
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        node = definition.find(f"bpmn:{kind}", NSMAP)
        if node is None:
            continue
        text = (node.text or "").strip()
        if not text:
            return [f"{where}: 定时器 {kind} 表达式为空"]
        literal = literal_timer_value(text)
        if literal is None:
            problem = check_expression(text)
            if problem:
                return [f"{where}: 定时器表达式无法解析：{problem}"]
            literal = _literal_string(text)
        if literal is not None:
            problem = check_timer_literal(kind, literal)
            if problem:
                return [f"{where}: {problem}"]
        return []
    return [f"{where}: 定时器缺少 timeDate / timeDuration / timeCycle"]


def _check_xml(file_name: str, root, forms_dirs: list[Path]) -> list[str]:
    errors: list[str] = []
    lanes = lane_index(root)
    for node in root.iterfind(".//bpmn:manualTask", NSMAP):
        errors.append(f"{_where(file_name, node)}: 不支持 manualTask，请使用 userTask")
    for node in root.iterfind(".//bpmn:userTask", NSMAP):
        where = _where(file_name, node)
        lane_id, _ = lanes.get(node.get("id"), (None, None))
        if lane_id is None:
            errors.append(f"{where}: 不在任何泳道（lane）中，无法确定办理角色")
        elif role_of_lane(lane_id) not in ROLES:
            errors.append(
                f'{where}: 所在泳道 id "{lane_id}" 不符合 lane_<角色> 约定（角色：{", ".join(sorted(ROLES))}）'
            )
        props = user_task_properties(node)
        form_name = props.get("formName")
        if not form_name:
            errors.append(f"{where}: 缺少扩展属性 formName（表单定义）")
        elif not (form_files := forms.form_files(form_name, forms_dirs)):
            errors.append(f"{where}: 表单 forms/{form_name}.json 不存在")
        elif len(form_files) > 1:
            errors.append(
                f"{where}: 表单 {form_name} 在多个目录中重复定义：{'、'.join(map(str, form_files))}"
            )
        else:
            errors.extend(f"{where}: 表单定义有误：{p}" for p in forms.validate_definition(form_files[0]))
        for prop in ("dueDate", "assignee"):
            if prop in props:
                problem = check_expression(props[prop])
                if problem:
                    errors.append(f"{where}: 属性 {prop} {problem}")
    for node in root.iterfind(".//bpmn:serviceTask", NSMAP):
        where = _where(file_name, node)
        operator = node.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NSMAP)
        if operator is None or not operator.get("id"):
            errors.append(f"{where}: 缺少 spiffworkflow:serviceTaskOperator（处理函数名）")
            continue
        if not handler_registered(operator.get("id")):
            errors.append(f'{where}: 处理函数 "{operator.get("id")}" 未注册（@workflow.service）')
        for param in operator.iterfind(".//spiffworkflow:parameter", NSMAP):
            if param.get("type") is None or param.get("value") is None:
                errors.append(f'{where}: 参数 "{param.get("id")}" 需要 type 和 value 属性')
                continue
            problem = check_expression(param.get("value"))
            if problem:
                errors.append(f'{where}: 参数 "{param.get("id")}" {problem}')
    for definition in root.iterfind(".//bpmn:timerEventDefinition", NSMAP):
        errors.extend(_check_timer(file_name, definition.getparent(), definition))
    for cond in root.iterfind(".//bpmn:conditionExpression", NSMAP):
        problem = check_expression(cond.text)
        if problem:
            errors.append(f"{_where(file_name, cond.getparent())}: 条件 {problem}")
    for node in root.iterfind(".//bpmn:scriptTask", NSMAP):
        script = node.find("bpmn:script", NSMAP)
        problem = check_script(script.text or "") if script is not None else "脚本为空"
        if problem:
            errors.append(f"{_where(file_name, node)}: {problem}")
    for tag in ("preScript", "postScript"):
        for script in root.iterfind(f".//spiffworkflow:{tag}", NSMAP):
            problem = check_script(script.text or "")
            if problem:
                errors.append(f"{_where(file_name, script.getparent().getparent())}: {tag} {problem}")
    return errors


def check_file(path: Path, *, forms_dirs=None) -> tuple[list[str], ParsedDefinition | None]:
    """All problems of one BPMN file, and its parsed definition when there are none. Form names are
    looked up in `forms_dirs` (default: the current app's FORMS_DIR and EXTRA_FORMS_DIRS)."""
    path = Path(path)
    file_name = path.name
    forms_dirs = [Path(d) for d in forms_dirs] if forms_dirs is not None else forms.forms_dirs()
    bpmn = path.read_bytes()
    try:
        root = etree.fromstring(bpmn)
    except etree.XMLSyntaxError as exc:
        return [f"{file_name}: XML 格式错误（第 {exc.lineno} 行）：{exc.msg}"], None
    try:
        VALIDATOR.validate(etree.fromstring(bpmn), file_name)
    except ValidationException as exc:
        return [f"{file_name}: 不符合 BPMN 2.0 XSD（第 {exc.line_number} 行）：{exc}"], None
    process_id = path.stem
    if root.find(f".//bpmn:process[@id='{process_id}']", NSMAP) is None:
        return [f'{file_name}: 未找到 id 为 "{process_id}" 的 process（文件名须为流程标识）'], None
    errors = _check_xml(file_name, root, forms_dirs)
    if errors:
        return errors, None
    try:
        parsed = parse_definition(bpmn, file_name, process_id, validate=False)
    except ValidationException as exc:
        element = f' {exc.tag} "{exc.id}"' if getattr(exc, "id", "") else ""
        return [f"{file_name}:{element} {exc}"], None
    except Exception as exc:  # noqa: BLE001 - report any parser failure against the file
        return [f"{file_name}: 解析失败：{type(exc).__name__}: {exc}"], None
    return [], parsed


def validate_bpmn(path, *, forms_dirs=None) -> list[str]:
    """Problems found in one BPMN file (empty list = deployable). Each message names file and element."""
    errors, _ = check_file(Path(path), forms_dirs=forms_dirs)
    return errors


def load_definitions(app: Flask) -> Registry:
    """Validate and parse every *.bpmn of the workflow directories; raise WorkflowDefinitionError if any
    is invalid (or a process id or form name is defined in two directories)."""
    directories = workflow_dirs(app.config)
    form_dirs = forms.dirs_from_config(app.config)
    include_tests = app.config.get("WORKFLOW_INCLUDE_TEST_FILES", app.testing)
    registry = Registry(directories=directories, forms_dirs=form_dirs)
    paths, errors = definition_files(directories)
    errors.extend(_duplicate_forms(form_dirs))
    for path in paths:
        if path.name.startswith("test_") and not include_tests:
            continue
        file_errors, parsed = check_file(path, forms_dirs=form_dirs)
        errors.extend(file_errors)
        if parsed is not None:
            registry.definitions[parsed.process_id] = parsed
    errors.extend(user_tasks.check(registry.definitions.values()))
    if errors:
        raise WorkflowDefinitionError(errors)
    app.extensions[EXTENSION_KEY] = registry
    log.info("workflow definitions loaded: %s", ", ".join(sorted(registry.definitions)) or "(none)")
    return registry


def registry() -> Registry:
    reg = current_app.extensions.get(EXTENSION_KEY)
    if reg is None:
        reg = load_definitions(current_app)
    return reg


def get_definition(process_id: str) -> ParsedDefinition:
    parsed = registry().definitions.get(process_id)
    if parsed is None:
        raise LookupError(f"未部署的流程：{process_id}（workflows/{process_id}.bpmn）")
    return parsed
