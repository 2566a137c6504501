"""The layers import in one direction, and no import of the application hides in a function.

The picture (README, Layout): ``pages`` → ``state`` → ``services`` → ``models``; ``api`` (REST,
SSE, the STOMP edge in ``api/stomp/``) → ``services`` → ``models``. ``withus/realtime`` carries
(the STOMP codec, the bus hub, presence, shutdown) and knows no service; ``withus/db`` and
``withus/kv`` are below the services. Modules are read as syntax trees (nothing is imported).

The services' own rules come first (no web framework, no circle, the session first); then the
arrows between the layers of all of ``withus/`` and ``api/``, and the imports hidden in functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import api
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


# ---------------------------------------------------------------- every layer of withus/ and api/

ROOTS = {"withus": Path(withus.__file__).parent, "api": Path(api.__file__).parent}

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # importer (a package prefix) -> what it must not import (prefixes)
    "withus.models": ("withus.services", "withus.state", "withus.pages", "withus.components", "withus.realtime", "api"),
    "withus.realtime": ("withus.services", "withus.state", "withus.pages", "withus.components", "api"),
    "withus.db": ("withus.services", "withus.state", "withus.pages", "withus.components", "withus.realtime", "api"),
    "withus.kv": ("withus.services", "withus.state", "withus.pages", "withus.components", "withus.realtime", "api"),
    "withus.services": ("withus.state", "withus.pages", "withus.components", "api", *FRAMEWORKS),
    "withus.state": ("withus.pages", "withus.components", "api"),
    "withus.components": ("withus.pages", "api"),
    "withus.pages": ("api",),
}

_STATE_REWORK = "withus/state is being reworked (issue 11 item 5, house-services): delete this line with it"

HIDDEN_ALLOWED: dict[tuple[str, str], str] = {
    # (module, imported) of an import inside a function: why it cannot be at the top
    ("withus.kv", "withus.kv.redis_kv"): "the embedded stack (no REDIS_URL) never loads the Redis client",
    ("withus.i18n.catalog", "withus.i18n.lazy"): "lazy imports catalog (t); the i18n owner may split them",
    ("withus.state.auth", "withus.kv"): _STATE_REWORK,
    ("withus.state.auth", "withus.db"): _STATE_REWORK,
    ("withus.state.auth", "withus.services"): _STATE_REWORK,
    ("withus.state.live", "withus.errors"): _STATE_REWORK,
    ("withus.state.live", "withus.services"): _STATE_REWORK,
    ("withus.state.live", "withus.realtime.bus"): _STATE_REWORK,
    ("withus.state.profile", "withus.services"): _STATE_REWORK,
}


def _all_modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for top, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join((top, *parts)).removesuffix(".__init__")
            yield name, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports_of(module: str, path: Path, tree: ast.Module) -> Iterator[tuple[ast.stmt, str]]:
    """Each import statement with every module name it may reach (``from a import b``: ``a`` and
    ``a.b``, since ``b`` may be a module); relative imports resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package(module, path).split(".")
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            yield node, base
            for alias in node.names:
                yield node, f"{base}.{alias.name}"


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _type_checking_only(tree: ast.Module) -> set[int]:
    guarded: set[int] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and ast.unparse(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            guarded |= {id(child) for child in ast.walk(stmt)}
    return guarded


def _function_level(tree: ast.Module) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inside |= {id(child) for child in ast.walk(node) if child is not node}
    return inside


def test_no_import_runs_back_up() -> None:
    upward = []
    for module, path, tree in _all_modules():
        for importer, forbidden in FORBIDDEN.items():
            if not _under(module, importer):
                continue
            for node, target in _imports_of(module, path, tree):
                if any(_under(target, f) for f in forbidden):
                    upward.append(f"{module}:{node.lineno} imports {target}")
    assert upward == [], "imports that run back up the layers:\n" + "\n".join(sorted(set(upward)))


def test_no_import_of_the_application_hides_inside_a_function() -> None:
    hidden = []
    for module, path, tree in _all_modules():
        inside = _function_level(tree) - _type_checking_only(tree)
        for node, target in _imports_of(module, path, tree):
            if id(node) not in inside or not _under(target, "withus"):
                continue
            if isinstance(node, ast.ImportFrom) and target != _from_module(module, path, node):
                continue  # one line per statement: the module it imports from
            if (module, target) not in HIDDEN_ALLOWED:
                hidden.append(f"{module}:{node.lineno} {target}")
    assert hidden == [], "imports hidden in a function (move them to the top, or allow one with a reason):\n" + (
        "\n".join(sorted(hidden))
    )


def _from_module(module: str, path: Path, node: ast.ImportFrom) -> str:
    return next(target for n, target in _imports_of(module, path, ast.Module(body=[node], type_ignores=[])))
