"""Tell the instructor what a submission's code tries to do that a solution never needs.

The sandbox makes an attack fail; this makes it visible. `scan(folder)` reads
the student's Python files and the code cells of their notebooks as text (it
never runs them: `ast.parse` only), and returns one flag listing the places that
reach past the assignment: starting processes or threads, signals, ctypes,
databases, the network (sockets, URL and HTTP clients, ZeroMQ, a Dask
cluster), the running harness (`__main__`) or the grader's own modules, exec
and eval, IPython's input transformers, numpy or the check helpers
reassigned, and paths such as gradebook.db, /proc or /grader.

`edited_tests(release, folder)` compares the notebooks' test cells (nbgrader
grade cells that are not solutions) with the release's: nbgrader runs its own
copies of them anyway, so an edit changes no score, but the instructor should
know someone tried.

A flag is a note for a human, never a penalty: the score comes from the
outputs alone. The solutions and the release raise none (a test checks it).
"""

import ast
import json
from pathlib import Path

#: Modules a solution never imports.
MODULES = {
    "ctypes": "ctypes",
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "threading": "starts threads",
    "signal": "handles signals",
    "socket": "opens sockets",
    "ssl": "opens network connections",
    "socketserver": "opens network connections",
    "asyncio": "opens network connections or processes",
    "urllib": "fetches URLs (the network)",
    "urllib3": "fetches URLs (the network)",
    "requests": "fetches URLs (the network)",
    "httpx": "fetches URLs (the network)",
    "aiohttp": "fetches URLs (the network)",
    "http": "opens HTTP connections (the network)",
    "ftplib": "opens network connections",
    "smtplib": "opens network connections",
    "xmlrpc": "opens network connections",
    "zmq": "talks ZeroMQ (the kernel's own channels)",
    "dask": "reaches a Dask cluster",
    "distributed": "reaches a Dask cluster",
    "sqlite3": "opens databases",
    "__main__": "reaches into the running program (__main__)",
    "autograder": "imports the grader's modules",
    "nbgrader": "imports nbgrader",
    "importlib": "imports modules by name",
}
#: Functions a solution never calls (attribute of os, or a builtin).
CALLS = {
    "fork": "forks",
    "system": "runs a shell command",
    "popen": "runs a shell command",
    "setsid": "starts a new session",
    "_exit": "exits the interpreter",
    "kill": "sends signals",
    "killpg": "sends signals",
    "exec": "runs code from a string (exec)",
    "eval": "runs code from a string (eval)",
    "__import__": "imports modules by name",
}
#: Words in a string literal that point at the grader or the host.
WORDS = (
    "gradebook",
    "/proc",
    "/grader",
    ".grader-out",
    "source/",
    "input_transformers",
    "sitecustomize",
    ".pth",
    "/tmp",
    "/dev/shm",
    "/home",
    "/root",
)
#: Names whose attributes a solution never reassigns.
PATCHED = {"np", "numpy", "cs231n", "checks", "gradient_check", "testing"}
#: Files besides the package's modules that have no business in a submission.
STRAY = ("sitecustomize.py", "usercustomize.py")
#: At most this many places are listed in the flag.
MAX_PLACES = 8


def scan(folder):
    """The flag (one line) for the suspicious places in a submission folder, or None."""
    folder = Path(folder)
    places = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.name in STRAY or path.suffix == ".pth":
            places.append(f"{rel}: a start-up file Python would run before anything else")
            continue
        if path.suffix == ".py":
            places += [f"{rel}:{line} {what}" for line, what in scan_source(_read(path))]
        elif path.suffix == ".ipynb":
            for number, source in _code_cells(path):
                places += [
                    f"{rel} cell {number}:{line} {what}" for line, what in scan_source(source)
                ]
    if not places:
        return None
    shown = "; ".join(places[:MAX_PLACES])
    more = f"; and {len(places) - MAX_PLACES} more" if len(places) > MAX_PLACES else ""
    return f"suspicious code (the sandbox stopped it; look at it): {shown}{more}"


def scan_source(source):
    """[(line, what)] for the suspicious places of one Python source text."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # not Python (or an IPython magic cell): nothing to scan
    found = []
    for node in ast.walk(tree):
        what = _suspicious(node)
        if what:
            found.append((getattr(node, "lineno", 0), what))
    return sorted(set(found))


def _suspicious(node):
    if isinstance(node, ast.Import):
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in MODULES:
                return f"imports {alias.name} ({MODULES[top]})"
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        top = node.module.split(".")[0]
        if top in MODULES:
            return f"imports from {node.module} ({MODULES[top]})"
    elif isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in CALLS:
            return f"calls {name} ({CALLS[name]})"
    elif isinstance(node, ast.Assign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and _root(target) in PATCHED:
                return f"reassigns {_dotted(target)}"
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        for word in WORDS:
            if word in node.value:
                return f"names {word!r}"
    return None


def _root(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return getattr(node, "id", None)


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(getattr(node, "id", "?"))
    return ".".join(reversed(parts))


def _read(path):
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _cells(path):
    """(number, cell) of each cell (a dict) of a notebook file; nothing if it is not one."""
    try:
        cells = json.loads(_read(path)).get("cells", [])
    except (ValueError, AttributeError):
        return []
    if not isinstance(cells, list):
        return []
    return [(number, cell) for number, cell in enumerate(cells, 1) if isinstance(cell, dict)]


def _source(cell):
    """A cell's source as one string, or None when it holds no text."""
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else None


def _code_cells(path):
    """(number, source) of each code cell of a notebook file; nothing if it is not one."""
    found = []
    for number, cell in _cells(path):
        source = _source(cell) if cell.get("cell_type") == "code" else None
        if source is not None:
            # IPython magics and shell escapes are not Python: blank them out.
            lines = [
                "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
            ]
            found.append((number, "\n".join(lines)))
    return found


def edited_tests(release, folder):
    """The flag (one line) for test cells changed or deleted in the submitted notebooks, or None."""
    found = []
    for original in sorted(Path(release).glob("*.ipynb")):
        tests = _test_cells(original)
        submitted = Path(folder) / original.name
        if not tests or submitted.is_symlink() or not submitted.is_file():
            continue  # a missing notebook is flagged elsewhere
        mine = _test_cells(submitted, every_grade_id=True)
        for grade_id, source in tests.items():
            if grade_id not in mine:
                found.append(f"{original.stem}: {grade_id} (deleted)")
            elif mine[grade_id].strip() != source.strip():
                found.append(f"{original.stem}: {grade_id} (changed)")
    if not found:
        return None
    shown = ", ".join(found[:MAX_PLACES])
    more = f", and {len(found) - MAX_PLACES} more" if len(found) > MAX_PLACES else ""
    return (
        f"test cells edited (nbgrader runs the release's copies, so no score changes): "
        f"{shown}{more}"
    )


def _test_cells(path, every_grade_id=False):
    """{grade_id: source} of a notebook's test cells (all cells with a grade_id if asked)."""
    found = {}
    for _, cell in _cells(path):
        meta = cell.get("metadata", {})
        nbgrader = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
        if not isinstance(nbgrader, dict) or not isinstance(nbgrader.get("grade_id"), str):
            continue
        if every_grade_id or (nbgrader.get("grade") and not nbgrader.get("solution")):
            found[nbgrader["grade_id"]] = _source(cell) or ""
    return found
