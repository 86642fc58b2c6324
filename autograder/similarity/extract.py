"""Step 1: the students' own code, cut out of each submission function by function.

What a student wrote is what their file adds to the release's copy of it:
each `.py` file is compared line by line with the release's (difflib, lines
compared without their indentation), and the lines that are new or changed
are kept. The stubs, the TODO comments, the docstrings and the provided code
around them are the release's, so they drop out; so does a whole provided file
the student left alone. The kept lines are grouped by the function (or method)
they sit in, read with `ast` from the student's file, so that each function is
compared on its own and moving functions around changes nothing. Lines outside
any function make a piece of their own, `<module>`; a file that does not parse
is one piece, `<file>`.

Each function is read whole for its fingerprints, but only the passages
that touch its own lines count (fingerprint.py).

In a notebook, only the answer cells count (nbgrader's `solution: true`),
each compared with the release's cell of the same grade_id, so the
`# YOUR CODE HERE` scaffolding and the `**Your Answer:**` heading drop out. A
code cell is read as Python, a markdown answer as prose.

Nothing is run or imported: files are read as text, a notebook as JSON.
"""

import ast
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..pysource import functions_of

#: Files larger than this are skipped with a warning: no honest .py file comes close, and a
#: notebook's outputs (plots) may weigh a few megabytes.
MAX_FILE_BYTES = {".py": 2_000_000, ".ipynb": 50_000_000}
#: Folders never read: caches and checkpoints.
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}


class SimilarityError(Exception):
    """Nothing to compare, or not a course: the message says which and what to do."""


@dataclass(frozen=True)
class Piece:
    """The lines one student wrote in one function or answer cell."""

    file: str  # as the report names it: cs231n/layers.py, ConvolutionalNetworks.ipynb
    name: str  # the function's qualified name, the cell's grade_id, <module> or <file>
    kind: str  # "code" (read as Python) or "prose" (a markdown answer)
    source: str  # the whole text the lines come from (the file, the cell)
    lines: tuple  # the student's own line numbers in `source`, 1-based, ascending
    context: tuple = ()  # the lines read around them (the whole function); () for `lines`

    @property
    def where(self):
        return f"{self.file}: {self.name}"

    def text_lines(self):
        """(line number, text) of the student's own lines."""
        all_lines = self.source.splitlines()
        return [(n, all_lines[n - 1]) for n in self.lines if n <= len(all_lines)]


@dataclass
class Submission:
    """One student's (or one earlier submission's) own code."""

    label: str  # the student id, or FOLDER:id for a --against submission
    pieces: list = field(default_factory=list)
    earlier: bool = False  # from a --against folder: compared with students only


@dataclass(frozen=True)
class Release:
    """What every student started from: {relative path: text} of code and notebooks."""

    files: dict  # {"cs231n/layers.py": text} for every .py file of the release
    notebooks: dict  # {"X.ipynb": {grade_id: source of the answer cell}}
    provided: tuple  # Pieces holding all of the release's code and prose (to discount)


# ---------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------


def submission_files(folder):
    """(relative path, Path) of every .py and .ipynb file under `folder`, sorted.

    Caches, checkpoints, dot-folders and symbolic links are left out.
    """
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        if path.suffix not in (".py", ".ipynb") or path.is_symlink() or not path.is_file():
            continue
        found.append((rel.as_posix(), path))
    return found


def _read_text(path, rel, warn):
    limit = MAX_FILE_BYTES[path.suffix]
    if path.stat().st_size > limit:
        warn(f"{rel}: skipped, larger than {limit / 1e6:g} MB")
        return None
    return path.read_bytes().decode("utf-8", errors="replace")


def read_notebook(text, rel, warn):
    """The notebook's cells (a list of dicts), or None (with a warning) if it is not one."""
    try:
        nb = json.loads(text)
    except ValueError as error:
        warn(f"{rel}: skipped, not a valid notebook (not JSON: {error})")
        return None
    except RecursionError:
        warn(f"{rel}: skipped, not a valid notebook (JSON nested too deeply to read)")
        return None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        warn(f"{rel}: skipped, not a valid notebook (no list of cells)")
        return None
    return [cell for cell in cells if isinstance(cell, dict)]


def cell_source(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def answer_cells(cells):
    """(grade_id or None, cell) of every answer cell (nbgrader `solution: true`)."""
    found = []
    for cell in cells:
        meta = cell.get("metadata")
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbgrader, dict) and nbgrader.get("solution"):
            grade_id = nbgrader.get("grade_id")
            found.append((grade_id if isinstance(grade_id, str) else None, cell))
    return found


# ---------------------------------------------------------------------------
# The release
# ---------------------------------------------------------------------------


def read_release(release_dir, warn=print):
    """The Release of DIR/release/convnets: the files students start from."""
    files, notebooks, provided = {}, {}, []
    for rel, path in submission_files(release_dir):
        text = _read_text(path, rel, warn)
        if text is None:
            continue
        if rel.endswith(".py"):
            files[rel] = text
            provided.append(_whole(rel, "<file>", "code", text))
            continue
        cells = read_notebook(text, rel, warn)
        if cells is None:
            continue
        notebooks[rel] = {gid: cell_source(c) for gid, c in answer_cells(cells) if gid}
        for number, cell in enumerate(cells, start=1):
            kind = "code" if cell.get("cell_type") == "code" else "prose"
            provided.append(_whole(rel, f"cell {number}", kind, cell_source(cell)))
    return Release(files, notebooks, tuple(provided))


def _whole(file, name, kind, text):
    return Piece(file, name, kind, text, tuple(range(1, len(text.splitlines()) + 1)))


# ---------------------------------------------------------------------------
# A submission's own code
# ---------------------------------------------------------------------------


def own_lines(release_text, text):
    """Line numbers (1-based) of `text` that are new or changed against `release_text`.

    Lines are compared without leading and trailing blanks, so re-indenting
    provided code does not make it the student's; blank lines never count.
    """
    old = [line.strip() for line in release_text.splitlines()]
    new = [line.strip() for line in text.splitlines()]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    kept = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            kept += [j + 1 for j in range(j1, j2) if new[j]]
    return kept


#: What ast.parse raises on a file it cannot read (too deeply nested: RecursionError).
_UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def function_spans(text):
    """(first line, last line, qualified name) of every function of `text`, a decorator's
    lines with the function it decorates; raises one of _UNPARSABLE."""
    return [
        (min([node.lineno, *(d.lineno for d in node.decorator_list)]), node.end_lineno, name)
        for name, node in functions_of(ast.parse(text))
    ]


def _outermost(spans):
    """The spans no other span holds: functions and methods, not the functions inside them."""
    return [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]


def own_lines_by_function(release_text, text, spans):
    """own_lines, each function compared with the release's function of the same name
    (`spans` are `text`'s), so moving functions around makes nothing the student's.

    A function the release does not have is the student's whole; the lines
    outside functions are compared with the release's lines outside functions.
    """
    try:
        release_spans = _outermost(function_spans(release_text))
    except _UNPARSABLE:
        return own_lines(release_text, text)
    theirs = {name: (first, last) for first, last, name in release_spans}
    lines, old_lines = text.splitlines(), release_text.splitlines()
    kept, inside = [], set()
    for first, last, name in _outermost(spans):
        inside.update(range(first, last + 1))
        body = "\n".join(lines[first - 1 : last])
        if name in theirs:
            old_first, old_last = theirs[name]
            old = "\n".join(old_lines[old_first - 1 : old_last])
            kept += [first - 1 + n for n in own_lines(old, body)]
        else:
            kept += [first + n for n, line in enumerate(lines[first - 1 : last]) if line.strip()]
    release_inside = {n for first, last, _ in release_spans for n in range(first, last + 1)}
    outside = [n for n in range(1, len(lines) + 1) if n not in inside]
    old_outside = [
        old_lines[n - 1] for n in range(1, len(old_lines) + 1) if n not in release_inside
    ]
    found = own_lines("\n".join(old_outside), "\n".join(lines[n - 1] for n in outside))
    kept += [outside[n - 1] for n in found]
    return sorted(kept)


def python_pieces(rel, text, release_text):
    """The Pieces of a .py file: its own lines (against `release_text`, or all when
    None), grouped by the innermost function holding each."""
    if text == release_text:
        return []
    try:
        spans = function_spans(text)
    except _UNPARSABLE:
        lines = own_lines(release_text or "", text)
        return [Piece(rel, "<file>", "code", text, tuple(lines))] if lines else []
    lines = own_lines_by_function(release_text or "", text, spans)
    # Each function is read whole (its provided lines too), so the passages where the
    # student's lines meet the provided ones hash alike however much of it was retyped.
    groups, context = {}, {}
    for line in lines:
        holding = [s for s in spans if s[0] <= line <= s[1]]
        name = max(holding)[2] if holding else "<module>"
        groups.setdefault(name, []).append(line)
        if holding:
            context[name] = tuple(range(max(holding)[0], max(holding)[1] + 1))
    return [
        Piece(rel, name, "code", text, tuple(found), context.get(name, ()))
        for name, found in groups.items()
    ]


def notebook_pieces(rel, cells, release_cells):
    """The Pieces of a notebook: each answer cell's own lines, against the release's cell
    of the same grade_id (all its lines when the release has none)."""
    pieces = []
    for number, (grade_id, cell) in enumerate(answer_cells(cells), start=1):
        text = cell_source(cell)
        lines = own_lines(release_cells.get(grade_id, ""), text)
        if lines:
            kind = "code" if cell.get("cell_type") == "code" else "prose"
            pieces.append(Piece(rel, grade_id or f"answer {number}", kind, text, tuple(lines)))
    return pieces


def release_match(rel, release):
    """The release's file (or notebook) a submission's `rel` stands for, or None.

    The same relative path; else, for loose folders (--against), the only
    release file of the same name (layers.py -> cs231n/layers.py).
    """
    names = release.files if rel.endswith(".py") else release.notebooks
    if rel in names:
        return rel
    same = [name for name in names if name.rsplit("/", 1)[-1] == rel.rsplit("/", 1)[-1]]
    return same[0] if len(same) == 1 else None


def read_submission(label, folder, release, warn=print, *, earlier=False):
    """The Submission of the files under `folder` (its .py files and notebooks)."""
    submission = Submission(label, earlier=earlier)
    for rel, path in submission_files(folder):
        text = _read_text(path, f"{label}: {rel}", warn)
        if text is None:
            continue
        match = release_match(rel, release)
        if rel.endswith(".py"):
            base = release.files.get(match) if match else None
            submission.pieces += python_pieces(match or rel, text, base)
            continue
        cells = read_notebook(text, f"{label}: {rel}", warn)
        if cells is not None:
            base = release.notebooks.get(match, {}) if match else {}
            submission.pieces += notebook_pieces(match or rel, cells, base)
    return submission


# ---------------------------------------------------------------------------
# Where submissions are
# ---------------------------------------------------------------------------


def class_folders(submitted, assignment):
    """(student id, folder) of DIR/submitted/<id>/<assignment>/, sorted by id."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        return []
    return [
        (student.name, student / assignment)
        for student in sorted(submitted.iterdir())
        if not student.name.startswith(".") and (student / assignment).is_dir()
    ]


def earlier_folders(folder, assignment):
    """(label, folder) of each submission in a --against FOLDER.

    Three layouts are accepted, tried in this order:
      1. FOLDER/<id>/<assignment>/ (a copy of an earlier course's submitted/):
         one submission per <id>;
      2. FOLDER holds .py or .ipynb files at its top, or a cs231n/ folder: it
         is one submission (a public solution, a loose folder of files);
      3. otherwise each subfolder holding .py or .ipynb files is one submission.
    Labels are FOLDER's name (with its parent's when it is `submitted`:
    2025/submitted), a colon, and the id or subfolder (just FOLDER's name for
    layout 2).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SimilarityError(f"--against {folder}: no such folder")
    name = folder.resolve().name
    if name == "submitted":
        name = f"{folder.resolve().parent.name}/{name}"
    subfolders = [p for p in sorted(folder.iterdir()) if p.is_dir() and not p.is_symlink()]
    subfolders = [p for p in subfolders if not p.name.startswith(".") and p.name not in SKIP_DIRS]
    laid_out = [(f"{name}:{p.name}", p / assignment) for p in subfolders]
    laid_out = [(label, p) for label, p in laid_out if p.is_dir()]
    if laid_out:
        return laid_out
    top = [p for p in folder.iterdir() if p.suffix in (".py", ".ipynb") and p.is_file()]
    if top or (folder / "cs231n").is_dir():
        return [(name, folder)]
    found = [(f"{name}:{p.name}", p) for p in subfolders if submission_files(p)]
    if not found:
        raise SimilarityError(f"--against {folder}: no .py or .ipynb file in it")
    return found
