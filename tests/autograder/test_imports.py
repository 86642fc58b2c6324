"""Module boundaries of the autograder: no import cycle, no private name taken from another module.

The imports are read from the source (ast), inside functions as well as at the
top of a module: an import put off to run time still ties two modules together.
"""

import ast

import pytest

from autograder.paths import REPO

PACKAGE = REPO / "autograder"


def _module_name(path):
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name):
    """[(imported module, imported name or None, line)] of module `name`, within autograder."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in MODULES:
                    found.append((submodule, None, node.lineno))
                else:
                    found.append((base, alias.name, node.lineno))
    return [(module, what, line) for module, what, line in found if module in MODULES]


def _cycles(modules):
    """Every import cycle among `modules`, each as the list of its modules, first repeated."""
    graph = {
        name: {m for m, _, _ in _imports(name) if m in modules and m != name} for name in modules
    }
    cycles, seen = [], set()

    def walk(path):
        for nxt in sorted(graph[path[-1]]):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append([*cycle, nxt])
            else:
                walk([*path, nxt])

    for name in sorted(modules):
        walk([name])
    return cycles


SUBPACKAGES = sorted({name.split(".")[1] for name in MODULES if name.count(".") >= 2})


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_no_module_of_a_subpackage_imports_itself_back(subpackage):
    """Does no chain of imports among a subpackage's modules lead back to where it started?"""
    prefix = f"autograder.{subpackage}"
    modules = {name for name in MODULES if name == prefix or name.startswith(prefix + ".")}
    assert _cycles(modules) == []


def test_no_module_takes_a_private_name_from_another():
    """Does every module use only the public names of the others (no `from x import _name`)?"""
    reaching = [
        f"{MODULES[name].relative_to(REPO)}:{line}: {what} from {module}"
        for name in MODULES
        for module, what, line in _imports(name)
        if what and what.startswith("_") and not what.startswith("__") and module != name
    ]
    assert reaching == []
