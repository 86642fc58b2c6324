"""Step 4: scan the release for anything a student must not receive.

Every file of the release is checked, and each finding names the file (and the
line or cell) and its kind:

    solution         a line of a solution region (package or notebook) or of an
                     instructor's written answer
    hidden-test      a line of a hidden test
    marker           BEGIN/END SOLUTION, BEGIN/END HIDDEN TESTS, BEGIN/END MARK
                     SCHEME, START/END DELETE, in any file, text or binary
    bytecode         __pycache__, *.pyc, *.pyo, built extensions (*.so, *.pyd, ...)
    instructor-only  the course's nbgrader_config.py or gradebook, a database, the
                     folders of a course or a repository that are not the
                     student's (autograder/, tests/, source/, submitted/, ...),
                     hidden cases and solution files by name, and any file
                     identical to a file of the autograder or to an unstripped
                     package file
    output           a notebook cell with outputs or an execution count
    link             a symbolic link (it could point at anything)

What counts as a solution line is computed from the instructor's source: every
line inside a region, minus lines that also appear outside every region (a
line like `N, C, H, W = x.shape` that provided code uses too is not a secret)
and minus lines too short to mean anything (`else:`, `)`). Lines are compared
whitespace-trimmed, whole.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .strip import find_regions

#: Every kind of finding, as the docstring lists them.
KINDS = ("solution", "hidden-test", "marker", "bytecode", "instructor-only", "output", "link")

MARKERS = (
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "END MARK SCHEME",
    "START DELETE",
    "END DELETE",
)
_MARKER_RE = re.compile("|".join(re.escape(m) for m in MARKERS), re.IGNORECASE)
_MARKER_BYTES = re.compile(b"|".join(re.escape(m.encode()) for m in MARKERS), re.IGNORECASE)

BYTECODE_DIRS = {"__pycache__"}
BYTECODE_SUFFIXES = {".pyc", ".pyo", ".so", ".pyd", ".dylib", ".dll", ".o", ".obj", ".a"}

#: Names that only ever belong to the instructor.
INSTRUCTOR_NAMES = {"nbgrader_config.py", "gradebook.db", "jupyter_config.py", ".nbgrader.log"}
INSTRUCTOR_DIRS = {
    "autograder",
    "tests",
    ".git",
    "source",
    "submitted",
    "autograded",
    "feedback",
    "exchange",
    "source_with_tests",
    "solutions",
    ".ipynb_checkpoints",
}
INSTRUCTOR_SUFFIXES = {".db", ".sqlite", ".sqlite3", ".log"}
_INSTRUCTOR_STEM = re.compile(r"(^|[_.\-])(hidden|solutions?)([_.\-]|$)", re.IGNORECASE)

#: A solution line must be at least this long (trimmed) to be looked for.
MIN_LINE = 8
#: Files smaller than this are too common to count as copies of instructor files.
MIN_COPY_SIZE = 64


@dataclass(frozen=True)
class Leak:
    path: str  # relative to the scanned folder
    where: str  # "line 12", "cell 3 (correct_conv) line 2", or ""
    kind: str
    detail: str

    def __str__(self):
        where = f" ({self.where})" if self.where else ""
        return f"{self.path}{where}: {self.kind}: {self.detail}"


@dataclass
class Secrets:
    """What the instructor's source holds that the release must not."""

    solution: dict = field(default_factory=dict)  # trimmed line -> "origin:line"
    hidden: dict = field(default_factory=dict)  # trimmed line -> "origin:line"
    files: dict = field(default_factory=dict)  # sha256 -> origin, of instructor-only files


def collect_secrets(source, instructor_dirs=()):
    """The Secrets of a Source: its solution lines, hidden-test lines and instructor files.

    `instructor_dirs` are folders (the autograder package, say) none of whose
    files may appear in a release, under any name.
    """
    import nbformat

    secret_solution, secret_hidden, public = {}, {}, set()
    files = {}

    for path in sorted(source.package.rglob("*.py")):
        origin = source.origin(path)
        text = path.read_text(encoding="utf-8")
        regions = find_regions(text, origin)
        inside = set()
        for region in regions:
            for offset, line in enumerate(region.lines):
                secret_solution.setdefault(line.strip(), f"{origin}:{region.begin + 1 + offset}")
            inside.update(range(region.begin, region.end + 1))
        for number, line in enumerate(text.splitlines(), 1):
            if number not in inside:
                public.add(line.strip())
        if regions:
            files[_sha256(path.read_bytes())] = f"{origin} (with its solutions)"

    for path in source.notebook_files():
        origin = source.origin(path)
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            where = f"{origin} cell {index}"
            lines = cell.source.splitlines()
            if meta.get("solution"):
                secret, rest = _split(lines, "BEGIN SOLUTION", "END SOLUTION", whole=True)
                _add(secret_solution, secret, where)
            elif meta.get("grade") and cell.cell_type == "code":
                secret, rest = _split(lines, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
                _add(secret_hidden, secret, where)
            else:
                secret, rest = [], lines
            if cell.cell_type == "markdown" and meta.get("grade"):
                # A mark scheme is the instructor's too.
                secret, rest = _split(rest, "BEGIN MARK SCHEME", "END MARK SCHEME")
                _add(secret_solution, secret, where)
            public.update(line.strip() for line in rest)

    for folder in instructor_dirs:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.stat().st_size >= MIN_COPY_SIZE:
                files.setdefault(_sha256(path.read_bytes()), str(path.name))

    return Secrets(
        solution=_meaningful(secret_solution, public),
        hidden=_meaningful(secret_hidden, public),
        files=files,
    )


def scan_release(root, secrets):
    """Every Leak in the folder `root` (a release), in path order."""
    root = Path(root)
    leaks = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            leaks.append(Leak(rel, "", "link", "a symbolic link; releases hold plain files only"))
            continue
        leaks.extend(_check_name(path.relative_to(root), rel, path.is_dir()))
        if path.is_file():
            leaks.extend(_check_content(path, rel, secrets))
    return leaks


def _check_name(relpath, rel, is_dir):
    parts = relpath.parts
    name = parts[-1]
    if name in BYTECODE_DIRS:
        return [Leak(rel, "", "bytecode", "a bytecode cache folder")]
    if not is_dir and any(name.lower().endswith(s) for s in BYTECODE_SUFFIXES):
        return [Leak(rel, "", "bytecode", "compiled code or bytecode")]
    if is_dir:
        if name in INSTRUCTOR_DIRS:
            return [Leak(rel, "", "instructor-only", f"a '{name}' folder is the instructor's")]
        return []
    if any(part in BYTECODE_DIRS for part in parts[:-1]):
        return []  # already reported with its folder
    if any(part in INSTRUCTOR_DIRS for part in parts[:-1]):
        return []  # already reported with its folder
    if name in INSTRUCTOR_NAMES or Path(name).suffix.lower() in INSTRUCTOR_SUFFIXES:
        return [Leak(rel, "", "instructor-only", "an instructor's file by its name")]
    if _INSTRUCTOR_STEM.search(Path(name).stem):
        return [Leak(rel, "", "instructor-only", "hidden cases or solutions, by its name")]
    return []


def _check_content(path, rel, secrets):
    data = path.read_bytes()
    leaks = []
    digest = _sha256(data)
    if len(data) >= MIN_COPY_SIZE and digest in secrets.files:
        leaks.append(
            Leak(rel, "", "instructor-only", f"a copy of the instructor's {secrets.files[digest]}")
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        match = _MARKER_BYTES.search(data)
        if match:
            leaks.append(Leak(rel, "", "marker", f"{match.group().decode()!r} in a binary file"))
        return leaks
    for number, line in enumerate(text.splitlines(), 1):
        match = _MARKER_RE.search(line)
        if match:
            leaks.append(Leak(rel, f"line {number}", "marker", repr(match.group())))
    if path.suffix == ".ipynb":
        leaks.extend(_check_notebook(text, rel, secrets))
    else:
        for number, line in enumerate(text.splitlines(), 1):
            leaks.extend(_check_line(line, rel, f"line {number}", secrets))
    return leaks


def _check_notebook(text, rel, secrets):
    try:
        nb = json.loads(text)
    except ValueError as e:
        return [Leak(rel, "", "output", f"not a readable notebook ({e}); cannot check it")]
    leaks = []
    for index, cell in enumerate(nb.get("cells", [])):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        where = f"cell {index}" + (f" ({grade_id})" if grade_id else "")
        if cell.get("outputs"):
            leaks.append(Leak(rel, where, "output", "the cell has outputs"))
        if cell.get("execution_count") is not None:
            leaks.append(Leak(rel, where, "output", "the cell has an execution count"))
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        for number, line in enumerate(source.splitlines(), 1):
            leaks.extend(_check_line(line, rel, f"{where} line {number}", secrets))
    return leaks


def _check_line(line, rel, where, secrets):
    key = line.strip()
    if key in secrets.solution:
        return [Leak(rel, where, "solution", f"{key!r} (from {secrets.solution[key]})")]
    if key in secrets.hidden:
        return [Leak(rel, where, "hidden-test", f"{key!r} (from {secrets.hidden[key]})")]
    return []


def _split(lines, begin, end, whole=False):
    """(lines inside begin/end markers, the others); all lines are inside if `whole` and no marker.

    nbgrader replaces a whole solution cell when it has no markers, so then
    the whole cell is secret.
    """
    if whole and not any(begin in line for line in lines):
        return list(lines), []
    inside, outside, depth = [], [], False
    for line in lines:
        if begin in line:
            depth = True
        elif end in line:
            depth = False
        elif depth:
            inside.append(line)
        else:
            outside.append(line)
    return inside, outside


def _add(secrets, lines, where):
    for line in lines:
        secrets.setdefault(line.strip(), where)


def _meaningful(secret, public):
    return {
        line: origin
        for line, origin in secret.items()
        if line not in public and len(line) >= MIN_LINE and sum(c.isalnum() for c in line) >= 3
    }


def _sha256(data):
    return hashlib.sha256(data).hexdigest()
