"""The layers import in one direction: services at the top of the module, knowing no web
framework, in no circle; state never imports pages or components."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import withus

SERVICES = Path(withus.__file__).parent / "services"
FRAMEWORKS = ("reflex", "fastapi", "starlette")


def _imports(tree: ast.AST) -> list[tuple[ast.stmt, str]]:
    """Every import statement of a module with each module name it reaches (``from a import b``
    gives ``a`` and ``a.b``: ``b`` may be a module)."""
    out: list[tuple[ast.stmt, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node, node.module))
            out += [(node, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def _service_modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(), str(p)) for p in sorted(SERVICES.glob("*.py")) if p.stem != "__init__"}


def test_services_know_no_web_framework() -> None:
    found = [
        f"{name}: {target}"
        for name, tree in _service_modules().items()
        for _node, target in _imports(tree)
        if target.split(".")[0] in FRAMEWORKS
    ]
    assert found == []


def test_services_import_each_other_in_one_direction() -> None:
    modules = _service_modules()
    graph: dict[str, set[str]] = {}
    for name, tree in modules.items():
        graph[name] = {
            target.removeprefix("withus.services.").split(".")[0]
            for _node, target in _imports(tree)
            if target.startswith("withus.services.")
        } & (modules.keys() - {name})
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as e:  # pragma: no cover - the message names the circle
        raise AssertionError(f"services import in a circle: {' -> '.join(e.args[1])}") from None


def test_no_service_import_hides_inside_a_function() -> None:
    hidden = []
    for name, tree in _service_modules().items():
        top = {id(node) for node in tree.body}
        for node, target in _imports(tree):
            if target.startswith("withus.") and id(node) not in top and not _under_type_checking(tree, node):
                hidden.append(f"{name}:{node.lineno} {target}")
    assert hidden == []


def _under_type_checking(tree: ast.Module, node: ast.stmt) -> bool:
    for stmt in tree.body:
        guarded = isinstance(stmt, ast.If) and ast.unparse(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        if guarded and any(child is node for child in ast.walk(stmt)):
            return True
    return False


def test_service_functions_take_the_session_first_and_positionally() -> None:
    """The house decision: ``async def get_club(session, *, club_id)``, never ``session=`` by keyword."""
    wrong = []
    for name, tree in _service_modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                positional = [a.arg for a in node.args.posonlyargs + node.args.args]
                named = positional + [a.arg for a in node.args.kwonlyargs]
                if "session" in named and positional[:1] != ["session"]:
                    wrong.append(f"{name}.{node.name}")
    assert wrong == []


def test_state_imports_no_page_or_component() -> None:
    """pages → state → services: a state module never imports upward."""
    state_dir = SERVICES.parent / "state"
    upward = [
        f"{p.stem}: {target}"
        for p in sorted(state_dir.glob("*.py"))
        for _node, target in _imports(ast.parse(p.read_text(), str(p)))
        if target.startswith(("withus.components", "withus.pages"))
    ]
    assert upward == []


def test_realtime_only_carries() -> None:
    """withus/realtime (codec, bus, presence, shutdown) is below the services: it imports none
    of them, nor state or the API, and hides no import in a function."""
    realtime = SERVICES.parent / "realtime"
    wrong = []
    for p in sorted(realtime.glob("*.py")):
        tree = ast.parse(p.read_text(), str(p))
        top = {id(node) for node in tree.body}
        for node, target in _imports(tree):
            if target.startswith(("withus.services", "withus.state", "api")):
                wrong.append(f"{p.stem}: {target}")
            elif target.startswith("withus.") and id(node) not in top and not _under_type_checking(tree, node):
                wrong.append(f"{p.stem}:{node.lineno} hidden {target}")
    assert wrong == []
