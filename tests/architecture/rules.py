"""Checkers for the rules of ARCHITECTURE.md that can be read off the code, by parsing it with
`ast` (never by matching text).

Each checker is a function from one parsed module (or all of them) to the places that break its
rule, as `Violation`s naming file:line and the rule. test_import_rules.py runs them over
`portal/` and feeds each a bad snippet.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import portal

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"

# Where a transaction may end: views (`*views.py`), CLI commands (`commands.py`), a feature's
# job runner (`jobs.py`: the loop that runs an operation's steps, claim, send, record, each in a
# transaction of its own, for the worker and the feature's CLI command alike), and these files.
# Everything else (operations) only flushes.
COMMIT_BOUNDARY_FILES = frozenset(
    {
        "portal/worker/loop.py",  # the worker's job runner: one commit per job
        "portal/worker/leases.py",  # the worker's own short lease transactions
        "portal/core/request_end.py",  # a request's transaction that wrote nothing ends COMMITted
    }
)
COMMIT_BOUNDARY_NAMES = frozenset({"commands.py", "jobs.py"})

# Who may read the wall clock (everyone else asks it).
CLOCK_FILES = frozenset({"portal/core/clock.py"})

# Reading these (calling them, or handing them on as a callable) reads the wall clock.
CLOCK_READS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
    }
)
# These read the wall clock only when called without the moment to convert.
CLOCK_READS_WITHOUT_ARGUMENT = frozenset({"time.localtime", "time.gmtime", "time.ctime"})

# A `.begin()` on one of these opens a transaction that commits when its block ends.
TRANSACTION_OWNERS = frozenset({"session", "engine", "connection", "conn"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.detail}"


@dataclass(frozen=True)
class Module:
    """One parsed file: `name` is its dotted module name (a package's `__init__` is the package)."""

    name: str
    path: str
    tree: ast.Module
    is_package: bool

    @property
    def package(self) -> str | None:
        """The top-level package under `portal` it belongs to (None for `portal/__init__.py`)."""
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else None


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # the module the statement names (`from X import y` -> X, resolved if relative)
    names: tuple[str, ...]  # the names taken from it (empty for `import X`)
    targets: tuple[str, ...]  # the modules it makes this file depend on
    at_module_level: bool  # runs when the file is imported (not in a function, not TYPE_CHECKING)


def parse(source: str, path: str) -> Module:
    """Parse `source` as if it were the file at `path` (relative to the repository root)."""
    parts = list(Path(path).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return Module(".".join(parts), path, ast.parse(source, filename=path), is_package)


def portal_modules() -> list[Module]:
    files = sorted(PORTAL.rglob("*.py"))
    return [parse(f.read_text(encoding="utf-8"), f.relative_to(ROOT).as_posix()) for f in files]


MODULES = portal_modules()
KNOWN = frozenset(module.name for module in MODULES)


def report(violations: Iterable[Violation]) -> str:
    lines = sorted(str(v) for v in violations)
    return f"{len(lines)} violation(s):\n" + "\n".join(lines)


# -- reading imports ------------------------------------------------------------------------------


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, at_module_level: bool = True) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below `node`, with whether it runs when the module is imported."""
    for child in ast.iter_child_nodes(node):
        runs = at_module_level and not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
        )
        yield child, runs
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for part in child.body:
                yield part, False
                yield from _walk(part, False)
            for part in child.orelse:
                yield part, runs
                yield from _walk(part, runs)
        else:
            yield from _walk(child, runs)


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base.pop()
    if node.level > 1:
        base = base[: -(node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports(module: Module, known: frozenset[str] = KNOWN) -> Iterator[Import]:
    """Every import statement of `module`, with the portal modules it depends on."""
    for node, at_module_level in _walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node.lineno, alias.name, (), (alias.name,), at_module_level)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            names = tuple(alias.name for alias in node.names)
            submodules = tuple(f"{source}.{n}" for n in names if f"{source}.{n}" in known)
            yield Import(node.lineno, source, names, (source, *submodules), at_module_level)


def _portal(name: str) -> bool:
    return name == "portal" or name.startswith("portal.")


def bindings(module: Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as (`from datetime import datetime` ->
    `datetime.datetime`; `import portal.news.entries` binds `portal` -> `portal`)."""
    bound: dict[str, str] = {}
    for node, _ in _walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    bound[head] = head
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    return bound


def qualified(node: ast.expr, bound: dict[str, str]) -> str | None:
    """The dotted name an expression like `news.entries.visible_to` stands for, if imported."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        base = qualified(node.value, bound)
        return f"{base}.{node.attr}" if base else None
    return None


# gettext's conventional names, which portal/core/i18n.py exports for every module: public,
# whatever they look like (`from portal.core.i18n import _, _l`).
TRANSLATION_NAMES = frozenset({"_", "_l"})


def _private(name: str) -> bool:
    if name in TRANSLATION_NAMES:
        return False
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# -- the checkers ---------------------------------------------------------------------------------


def check_private_names(module: Module, known: frozenset[str] = KNOWN) -> list[Violation]:
    """`from x import _y`, and `mod._y` where `mod` is an imported portal module."""
    found = [
        Violation(module.path, imp.line, "private-name", f"imports {name} from {imp.module}")
        for imp in imports(module, known)
        for name in imp.names
        if _private(name)
    ]
    bound = bindings(module)
    for node, _ in _walk(module.tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            owner = qualified(node.value, bound)
            if owner in known:
                found.append(
                    Violation(module.path, node.lineno, "private-name", f"uses {owner}.{node.attr}")
                )
    return found


def _internal(target: str) -> str | None:
    """Why another package may not import module `target` (None: it is public)."""
    parts = target.split(".")
    if len(parts) < 3:
        return None  # the package itself
    inner, last = parts[2:], parts[-1]
    if any(_private(part) for part in inner):
        return "a private module"
    if last in ("app", "commands"):
        return f"its {last}.py"
    if last.endswith("views"):
        return "its views"
    if last.endswith("forms") and parts[1] != "core":  # core/forms.py: shared fields for all
        return "its forms"
    return None


def check_feature_internals(module: Module, known: frozenset[str] = KNOWN) -> list[Violation]:
    """Another package's private modules, app.py, views, forms or commands."""
    if module.package is None:
        return []  # portal/__init__.py composes the features through their app.py
    found = []
    for imp in imports(module, known):
        for target in imp.targets:
            parts = target.split(".")
            if not _portal(target) or len(parts) < 2 or parts[1] == module.package:
                continue
            why = _internal(target)
            if why:
                detail = f"imports {target}: {why} belong to {parts[1]}"
                found.append(Violation(module.path, imp.line, "feature-internals", detail))
    return found


def _taken(imp: Import) -> tuple[str, ...]:
    """The modules a statement uses: `from portal.x import y` uses portal.x.y when y is a module
    (not portal.x as well, which would report one arrow twice), portal.x when y is a name."""
    submodules = imp.targets[1:]
    if imp.names and len(submodules) == len(imp.names):
        return submodules
    return imp.targets


def check_layers(
    module: Module, known: frozenset[str] = KNOWN, layers: tuple[str, ...] = portal.LAYERS
) -> list[Violation]:
    """An import of a package after this one in `layers`, or of the composition root."""
    if module.package is None:
        return []  # the composition root imports everything, by design
    height = layers.index(module.package)
    found = []
    for imp in imports(module, known):
        for target in _taken(imp):
            if not _portal(target):
                continue
            parts = target.split(".")
            if len(parts) == 1:
                detail = "imports the composition root `portal`"
            elif parts[1] not in layers:
                detail = f"imports {target}, whose package is not in portal.LAYERS"
            elif layers.index(parts[1]) > height:
                detail = f"{module.package} imports {target}, a layer above it"
            else:
                continue
            found.append(Violation(module.path, imp.line, "layers", detail))
    return found


def check_cycles(modules: list[Module], known: frozenset[str] = KNOWN) -> list[Violation]:
    """Files that import each other, directly or round a loop, when they are imported."""
    by_name = {module.name: module for module in modules}
    edges: dict[str, dict[str, int]] = {}
    for module in modules:
        out = edges.setdefault(module.name, {})
        for imp in imports(module, known):
            if imp.at_module_level:
                for target in imp.targets:
                    if target in by_name and target != module.name:
                        out.setdefault(target, imp.line)
    found = []
    for component in _strongly_connected(edges):
        if len(component) < 2:
            continue
        members = sorted(component)
        first = by_name[members[0]]
        line = min(edges[first.name][t] for t in edges[first.name] if t in component)
        found.append(Violation(first.path, line, "cycle", " <-> ".join(members)))
    return found


def _strongly_connected(edges: dict[str, dict[str, int]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively (the graph is small, but recursion depth is not ours)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, {}))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def in_commit_boundary(path: str) -> bool:
    name = Path(path).name
    return (
        name.endswith("views.py") or name in COMMIT_BOUNDARY_NAMES or path in COMMIT_BOUNDARY_FILES
    )


def check_commits(module: Module, known: frozenset[str] = KNOWN) -> list[Violation]:
    """`.commit()`, or a `session/engine/connection.begin()` block (which commits), outside the
    commit boundary (views, commands, job runners)."""
    if in_commit_boundary(module.path):
        return []
    found = []
    for node, _ in _walk(module.tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = node.func.value
        owner = receiver.attr if isinstance(receiver, ast.Attribute) else None
        if isinstance(receiver, ast.Name):
            owner = receiver.id
        if node.func.attr == "commit":
            detail = f"{ast.unparse(node.func)}() outside a view, command or job runner"
        elif node.func.attr == "begin" and owner in TRANSACTION_OWNERS:
            detail = f"{ast.unparse(node.func)}() commits outside a view, command or job runner"
        else:
            continue
        found.append(Violation(module.path, node.lineno, "commit-boundary", detail))
    return found


def check_clock(module: Module, known: frozenset[str] = KNOWN) -> list[Violation]:
    """The wall clock read anywhere but portal/core/clock.py."""
    if module.path in CLOCK_FILES:
        return []
    bound = bindings(module)
    found = []
    for node, _ in _walk(module.tree):
        if isinstance(node, ast.Call):
            name = qualified(node.func, bound)
            if name in CLOCK_READS_WITHOUT_ARGUMENT and not node.args:
                found.append(Violation(module.path, node.lineno, "clock", f"calls {name}()"))
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            name = qualified(node, bound)
            if name in CLOCK_READS:
                detail = f"reads the wall clock with {name} (use portal.core.clock)"
                found.append(Violation(module.path, node.lineno, "clock", detail))
    return found
