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

`fast_layers(folder, release)` reads the student's files for the provided fast
layers (fast_layers.py ships complete, and a naive layer earns its points only
by doing the work itself): a reference to them (an import, a name, a string, a
naive layer rebound), and a function that is a copy of one of them, renamed or
reformatted (FastCopies: normalised token n-grams, a similarity score). The
harness keeps the fast layers out of reach while the naive layers' cases run
and tells an unchanged copy by its bytecode (harness.FastLayerGuard); an
edited copy computes the right outputs and only reading tells it, so
`flag_fast_layer_cells` marks the cells it earned points in for a human, and
the cells whose cases the harness caught reaching the fast layers.

A flag is a note for a human, never a penalty: the score comes from the
outputs alone. The solutions and the release raise none (a test checks it).
"""

import ast
import functools
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..pysource import functions_of

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
#: IPython's hooks into how later cells run or report: a solution touches none.
HOOKS = {
    "input_transformers_cleanup": "rewrites later cells (an IPython input transformer)",
    "input_transformers_post": "rewrites later cells (an IPython input transformer)",
    "ast_transformers": "rewrites later cells (an IPython AST transformer)",
    "set_custom_exc": "replaces how errors are reported (IPython)",
    "showtraceback": "replaces how errors are reported (IPython)",
    "register_magic_function": "defines IPython magics",
}
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
    elif isinstance(node, ast.Attribute) and node.attr in HOOKS:
        return f"uses {node.attr} ({HOOKS[node.attr]})"
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


# ---------------------------------------------------------------------------
# The provided fast layers in the student's code
# ---------------------------------------------------------------------------

#: The student's files (cs231n/layers.py and the others with work in them), where
#: the provided fast layers have no business.
STUDENT_FILES = (
    "cs231n/layers.py",
    "cs231n/classifiers/cnn.py",
    "cs231n/optim.py",
    "cs231n/solver.py",
)
#: The model may use the sandwich layers (which call the fast ones); the others may not.
SANDWICH_ALLOWED = ("cs231n/classifiers/cnn.py",)
#: The provided file of fast layers, in a release (and in the instructor's package).
FAST_FILE = "cs231n/fast_layers.py"
#: The length of the token n-grams two functions are compared by.
NGRAM = 8
#: A provided function with fewer n-grams (one-line helpers: _grid, _windows_tile)
#: is too common a shape to call a copy of.
MIN_NGRAMS = 30
#: Functions at least this alike (Dice coefficient of their n-gram multisets, 0 to
#: 1) are flagged as a copy. Measured with 8-grams against the 14 functions of
#: fast_layers.py: the solutions' student files, the provided layer_utils.py and
#: an independent correct implementation (the demo's "alternative", and a
#: vectorised one built on sliding_window_view) score at most 0.58
#: (avg_pool_forward_naive against avg_pool_forward_fast: both sum window offsets
#: into np.zeros); renamed and reformatted copies 1.0; copies that also gain a
#: statement of their own 0.95 to 0.98 for the eight layers, 0.89 to 0.94 for the
#: helpers of a few lines (_channels_first_to_nchw, two lines, falls to 0.75).
COPY_THRESHOLD = 0.8


@dataclass(frozen=True)
class FastFinding:
    """One place where a student's file reaches for the provided fast layers.

    - path: the file, relative to the submission ("cs231n/layers.py")
    - line: its line
    - function: the student's function it is in ("Class.method"; "" at module level)
    - what: the finding in words
    - provided: for a copy, the provided function it resembles ("" otherwise)
    - score: for a copy, the similarity (0 to 1)
    """

    path: str
    line: int
    function: str
    what: str
    provided: str = ""
    score: float = 0.0

    def __str__(self):
        return f"{self.path}:{self.line} {self.what}"


@dataclass(frozen=True)
class ProvidedFastLayers:
    """What the provided fast_layers.py holds: its public names and its functions' n-grams."""

    public: frozenset  # conv_forward_fast, ... and the CS231n aliases (conv_forward_im2col)
    grams: dict  # function name -> Counter of n-grams (functions of MIN_NGRAMS or more)


def provided_fast_layers(release=None):
    """The ProvidedFastLayers of the release's fast_layers.py (default, or when the release
    has none: the instructor's, which the release's copy is made from)."""
    path = Path(release) / FAST_FILE if release is not None else None
    if path is None or not path.is_file():
        path = paths.PACKAGE_DIR / "fast_layers.py"
    return _provided(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=4)
def _provided(text):
    tree = ast.parse(text)
    public, grams = set(), {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            if not node.name.startswith("_"):
                public.add(node.name)
            found = function_grams(node)
            if sum(found.values()) >= MIN_NGRAMS:
                grams[node.name] = found
        elif isinstance(node, ast.Assign):  # conv_forward_im2col = conv_forward_fast
            public.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return ProvidedFastLayers(frozenset(public), grams)


def function_tokens(function):
    """A function's body (docstring left out) as tokens that survive renaming and reformatting.

    A pre-order walk of its syntax tree: each node's type, with every variable,
    argument and function name as the same token "N", attribute names (.reshape,
    .zeros), keyword names and numbers kept, strings as one token. Comments and
    layout are not in the tree.
    """
    tokens = []

    def walk(node):
        if isinstance(node, ast.expr_context):
            return
        tokens.append(type(node).__name__)
        if isinstance(node, ast.Attribute):
            tokens.append("." + node.attr)
        elif isinstance(node, ast.keyword):
            tokens.append(f"{node.arg}=")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes)):
            tokens.append(repr(node.value))
        elif isinstance(node, (ast.Name, ast.arg, ast.Constant)):
            tokens.append("N" if not isinstance(node, ast.Constant) else "S")
        for child in ast.iter_child_nodes(node):
            walk(child)

    walk(function.args)
    body = function.body[1:] if ast.get_docstring(function) is not None else function.body
    for statement in body:
        walk(statement)
    return tokens


def function_grams(function):
    """The multiset (Counter) of a function's token NGRAMs."""
    tokens = function_tokens(function)
    return Counter(tuple(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1))


def similarity(a, b):
    """The Dice coefficient of two n-gram multisets: 1 for the same, 0 for nothing shared."""
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


def fast_layer_findings(folder, release=None):
    """The FastFindings of a submission folder's student files, by file and line."""
    provided = provided_fast_layers(release)
    found = []
    for rel in STUDENT_FILES:
        path = Path(folder) / rel
        if path.is_symlink() or not path.is_file():
            continue
        try:
            tree = ast.parse(_read(path))
            found += _fast_references(tree, rel, provided)
            found += _fast_copies(tree, rel, provided)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # not Python: its cases fail on their own
    return sorted(set(found), key=lambda f: (STUDENT_FILES.index(f.path), f.line, f.what))


def fast_layers(folder, release=None):
    """The flag (one line) for the provided fast layers in a submission's own code, or None."""
    found = fast_layer_findings(folder, release)
    if not found:
        return None
    shown = "; ".join(str(f) for f in found[:MAX_PLACES])
    more = f"; and {len(found) - MAX_PLACES} more" if len(found) > MAX_PLACES else ""
    return (
        "the provided fast layers in the student's code (a naive layer earns its points only "
        f"by doing the work itself; look at it): {shown}{more}"
    )


def _docstrings(tree):
    """The ids of the docstring nodes of a module, its classes and functions."""
    ids = set()
    for node in [tree, *ast.walk(tree)]:
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _fast_references(tree, rel, provided):
    """FastFindings for the places of one file that name or import the provided fast layers."""
    from .cases import NAIVE_LAYERS

    naive = {name for names in NAIVE_LAYERS.values() for name in names}
    docstrings = _docstrings(tree)
    owner = {}  # id(node) -> the qualified name of the innermost function holding it
    for qualname, function in functions_of(tree):
        for node in ast.walk(function):
            owner[id(node)] = qualname
    sandwich = rel not in SANDWICH_ALLOWED

    def words(node):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[-1] == "fast_layers" or (
                    sandwich and alias.name.split(".")[-1] == "layer_utils"
                ):
                    return f"imports {alias.name}"
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            last = module.split(".")[-1]
            imported = {alias.name for alias in node.names}
            if last == "fast_layers" or (sandwich and last == "layer_utils"):
                return f"imports from {'.' * node.level}{module}"
            for name in ("fast_layers", "layer_utils" if sandwich else None):
                if name in imported:
                    return f"imports {name} (from {'.' * node.level}{module})"
        elif isinstance(node, ast.Name) and node.id in provided.public:
            return f"names {node.id}"
        elif isinstance(node, ast.Attribute) and (
            node.attr in provided.public or node.attr == "fast_layers"
        ):
            return f"names {node.attr}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                for word in ("fast_layers", *sorted(provided.public)):
                    if word in node.value:
                        return f"names {word!r} in a string"
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in naive:
                    return f"rebinds {_dotted(target)}"
                if isinstance(target, ast.Name) and target.id in naive and id(node) not in owner:
                    return f"rebinds {target.id}"
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
            if len(node.args) > 1 and getattr(node.args[1], "value", None) in naive:
                return f"rebinds {node.args[1].value} (setattr)"
        return None

    found = []
    for node in ast.walk(tree):
        what = words(node)
        if what:
            function = owner.get(id(node), "")
            where = f"{function}: " if function else ""
            found.append(FastFinding(rel, getattr(node, "lineno", 0), function, where + what))
    return found


def _fast_copies(tree, rel, provided):
    """FastFindings for the functions of one file that resemble a provided fast function."""
    found = []
    for qualname, function in functions_of(tree):
        mine = function_grams(function)
        if not mine:
            continue
        scores = [(similarity(mine, grams), name) for name, grams in provided.grams.items()]
        score, name = max(scores, default=(0.0, ""))
        if score >= COPY_THRESHOLD:
            what = f"{qualname} resembles the provided {name} (similarity {score:.2f})"
            found.append(FastFinding(rel, function.lineno, qualname, what, name, round(score, 2)))
    return found


def _uses(tree):
    """Top-level function -> the top-level functions of the same module it reaches (itself too)."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    calls = {
        name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in functions}
        for name, node in functions.items()
    }
    reached = {}
    for name in functions:
        seen, todo = {name}, [name]
        while todo:
            for callee in calls[todo.pop()] - seen:
                seen.add(callee)
                todo.append(callee)
        reached[name] = seen
    return reached


def flag_fast_layer_cells(cells, outputs, folder, release=None):
    """Flag, for a human, the cells whose naive layers reached or copied the provided fast layers.

    - cells: the CellScores of a grading; the `flag` of each cell concerned is
      set (after any flag it already has), which puts it on the formgrader's
      list of cells to look at (gradebook.record: needs_manual_grade)
    - outputs: from verdict.read_outputs: a case the harness recorded as "used
      fast layers" scored 0 (it called the fast layers, or ran an unchanged copy)
    - folder, release: the submission and its release, read for copies of the
      fast layers (fast_layer_findings): a naive layer that is, or calls, a
      function of layers.py resembling a provided fast function keeps the points
      its outputs earn, so the cells grading it are marked for hand grading
    Returns the grade ids flagged.
    """
    from .cases import cells as registry

    cases_of = {cell.grade_id: cell.cases for cell in registry()}
    copies = [f for f in fast_layer_findings(folder, release) if f.provided]
    copied = {}  # naive layer -> the copies it reaches
    layers = Path(folder) / STUDENT_FILES[0]
    if copies and layers.is_file() and not layers.is_symlink():
        try:
            reached = _uses(ast.parse(_read(layers)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            reached = {}
        for naive, uses in reached.items():
            mine = [f for f in copies if f.path == STUDENT_FILES[0] and f.function in uses]
            if mine:
                copied[naive] = mine
    flagged = []
    for cell in cells:
        notes = []
        cases = [case for case in cases_of.get(cell.grade_id, ()) if case.id in outputs]
        naive = {name for case in cases_of.get(cell.grade_id, ()) for name in case.naive}
        caught = [
            outputs[case.id]
            for case in cases
            if outputs[case.id].status == "error"
            and outputs[case.id].error.get("kind") == "used fast layers"
        ]
        if caught:
            notes.append(
                f"the naive layers reached the provided fast layers in {len(caught)} of its "
                f"{len(cases)} cases ({caught[0].error.get('message', '')}): those score 0"
            )
        layers = sorted(naive & set(copied))
        if layers:
            reached = sorted({c for layer in layers for c in copied[layer]}, key=lambda c: c.line)
            shown = ", ".join(
                f"{c.function} ({c.path}:{c.line}; like the provided {c.provided}, similarity "
                f"{c.score:.2f})"
                for c in reached[:3]
            )
            more = f" and {len(reached) - 3} more" if len(reached) > 3 else ""
            notes.append(
                f"{' and '.join(layers)} run{'s' if len(layers) == 1 else ''} a copy of the "
                f"provided fast layers: {shown}{more}; the points stand unless a grader decides "
                "it is not the student's own work"
            )
        if notes:
            note = "; ".join(notes)
            cell.flag = f"{cell.flag}; {note}" if cell.flag else note
            flagged.append(cell.grade_id)
    return flagged
