"""Step 1: strip the solutions out of the package's `.py` files.

A solution region is the lines between `### BEGIN SOLUTION` and `### END
SOLUTION`, each marker alone on its line, inside a function or a method. The
release replaces each region (markers included) with one line at the BEGIN
marker's indentation that names the function and the file to edit:

    raise NotImplementedError("conv_forward_naive: not implemented yet; write it in cs231n/...")

(the file is `cs231n/layers.py` there).

Everything else (the TODO comment above the region, the provided code around
it) stays as it is, and a header saying the file is generated goes on top.

Markers are found with `tokenize`, so a marker inside a string literal is seen
for what it is and rejected, and the enclosing function with `ast`. Anything
malformed stops the release with the file and line: a nested BEGIN, a BEGIN
never closed, an END without a BEGIN, a marker that is not alone on its line or
sits in a string, a region outside a function, an empty region, a region whose
END is indented differently from its BEGIN, and a stripped file that no longer
compiles.
"""

import ast
import io
import shutil
import tokenize
from dataclasses import dataclass
from pathlib import Path

from ..pysource import functions_of
from .errors import MarkerError
from .headers import STUDENT_PROVIDED, STUDENT_WORK, comment_header, with_header

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

#: Marker words recognised anywhere (case-insensitively) in a token. The last
#: four are nbgrader's notebook markers: they have no meaning in a .py file.
_SOLUTION_WORDS = ("BEGIN SOLUTION", "END SOLUTION")
_NOTEBOOK_WORDS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN MARK SCHEME", "END MARK SCHEME")

#: Never copied into the release: caches, bytecode, build products, dot-files.
SKIP_DIRS = {"__pycache__", "build", "dist", ".ipynb_checkpoints"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".so", ".pyd", ".dylib", ".dll", ".o", ".egg-info"}


@dataclass(frozen=True)
class Region:
    """One solution region of one file, as found in the instructor's source."""

    path: str  # the file, as messages name it (e.g. assignment/cs231n/layers.py)
    begin: int  # line of `### BEGIN SOLUTION` (1-based)
    end: int  # line of `### END SOLUTION`
    indent: str  # the BEGIN marker's indentation, kept by the raise line
    function: str  # qualified name: "conv_forward_naive", "ThreeLayerConvNet.loss"
    lines: tuple  # the solution's lines, without the markers


@dataclass(frozen=True)
class StrippedFile:
    """A package file ready for the release."""

    student_path: str  # where students find it: cs231n/layers.py
    origin: str  # where it comes from: assignment/cs231n/layers.py
    text: str  # the released text, header included
    regions: tuple  # the Regions it had (empty for a provided file)


def stub_line(function, student_path):
    """The line that replaces a region: it raises and names the function and the file."""
    message = f"{function}: not implemented yet; write it in {student_path}"
    if '"' in message or "\\" in message:
        raise ValueError(f"cannot quote {message!r}")
    return f'raise NotImplementedError("{message}")'


def find_regions(text, path):
    """Every solution region of a Python source `text`; raise MarkerError if one is malformed.

    `path` is only used in messages.
    """
    lines = text.splitlines()
    pairs = _pair_markers(_markers(text, path), path)
    if not pairs:
        return []
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as e:
        raise MarkerError(path, e.lineno or 1, f"not valid Python: {e.msg}") from None
    functions = _functions(tree)
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    regions = []
    for begin, end, indent in pairs:
        body = lines[begin : end - 1]
        for s in statements:
            simple = not (hasattr(s, "body") or hasattr(s, "cases"))
            if (simple and s.lineno < begin <= s.end_lineno) or (
                begin < s.lineno < end < s.end_lineno
            ):
                raise MarkerError(
                    path,
                    begin,
                    f"solution region cuts the statement of line {s.lineno} in two: "
                    "put the markers between statements",
                )
        inside = [s for s in statements if begin < s.lineno < end]
        if not inside:
            raise MarkerError(
                path, begin, "empty solution region: there is no statement between its markers"
            )
        owners = {_innermost(functions, s.lineno) for s in inside}
        if owners == {None}:
            raise MarkerError(
                path,
                begin,
                "solution region outside a function: the release must import cleanly, "
                "so regions go inside a function or method body",
            )
        if None in owners:
            raise MarkerError(path, begin, "solution region spans several functions")
        if len(owners) > 1:
            # A def inside the region: the owner is the outermost one.
            owner = min(owners, key=lambda f: f[0])
            if any(not (owner[0] <= f[0] and f[1] <= owner[1]) for f in owners):
                raise MarkerError(path, begin, "solution region spans several functions")
            owners = {owner}
        (_, _, qualname) = owners.pop()
        regions.append(Region(str(path), begin, end, indent, qualname, tuple(body)))
    return regions


def strip_text(text, path, student_path):
    """`text` with every region replaced by its raise line (no header); and the regions."""
    regions = find_regions(text, path)
    lines = text.splitlines(keepends=True)
    out = []
    cursor = 0
    for region in regions:
        out.extend(lines[cursor : region.begin - 1])
        out.append(region.indent + stub_line(region.function, student_path) + "\n")
        cursor = region.end
    out.extend(lines[cursor:])
    stripped = "".join(out)
    try:
        compile(stripped, str(path), "exec", dont_inherit=True)
    except SyntaxError as e:
        bad = e.lineno or 1
        line = min((r.begin for r in regions), key=lambda b: abs(b - bad), default=bad)
        raise MarkerError(
            path, line, f"the file does not compile once stripped ({e.msg}): check this region"
        ) from None
    return stripped, tuple(regions)


def strip_file(src, origin, student_path):
    """Read `src`, strip it, and return the StrippedFile with its header."""
    text = Path(src).read_text(encoding="utf-8")
    stripped, regions = strip_text(text, origin, student_path)
    note = STUDENT_WORK if regions else STUDENT_PROVIDED
    return StrippedFile(
        student_path, origin, with_header(stripped, comment_header(origin, note)), regions
    )


def strip_package(package_dir, dest_dir, *, origin_root):
    """Write the stripped copy of `package_dir` into `dest_dir`; return its StrippedFiles.

    Every `.py` file is stripped and given a header; other files (data the
    package reads) are copied as they are; caches, bytecode and dot-files are
    left out. `origin_root` is the folder paths in headers are relative to
    (the repository). Files are processed in sorted order, so the result never
    depends on the order the file system lists them in. Nothing is written
    when any file has a malformed marker.
    """
    package_dir = Path(package_dir)
    dest_dir = Path(dest_dir)
    name = package_dir.name
    results, others = [], []
    for src in sorted(_package_files(package_dir)):
        rel = src.relative_to(package_dir).as_posix()
        if src.suffix == ".py":
            origin = _relative(src, origin_root)
            results.append(strip_file(src, origin, f"{name}/{rel}"))
        else:
            others.append((src, rel))
    for result in results:
        target = dest_dir / result.student_path[len(name) + 1 :]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.text, encoding="utf-8")
    for src, rel in others:
        target = dest_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return results


def _package_files(package_dir):
    for path in package_dir.rglob("*"):
        rel = path.relative_to(package_dir).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in rel):
            continue
        if any(path.name.endswith(suffix) for suffix in SKIP_SUFFIXES):
            continue
        if path.is_file():
            yield path


def _relative(path, root):
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).resolve().as_posix()


def _markers(text, path):
    """(kind, line, indent) for each marker line, kind 'begin' or 'end', in file order."""
    lines = text.splitlines()
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as e:
        line = getattr(e, "lineno", None) or (e.args[1][0] if len(e.args) > 1 else 1)
        raise MarkerError(path, line, f"cannot read the file as Python: {e.args[0]}") from None
    for token in tokens:
        upper = token.string.upper()
        words = [w for w in _SOLUTION_WORDS + _NOTEBOOK_WORDS if w in upper]
        if not words:
            continue
        word = min(words, key=upper.index)
        line = token.start[0] + upper[: upper.index(word)].count("\n")
        if token.type != tokenize.COMMENT:
            raise MarkerError(
                path,
                line,
                f"'{word}' inside a string literal: a marker must be a comment line of "
                "its own, and a string must not look like one",
            )
        physical = lines[line - 1]
        stripped = physical.strip()
        indent = physical[: len(physical) - len(physical.lstrip())]
        if stripped == BEGIN:
            found.append(("begin", line, indent))
        elif stripped == END:
            found.append(("end", line, indent))
        elif word in _NOTEBOOK_WORDS:
            raise MarkerError(
                path, line, f"'{word}' is a notebook marker; it has no place in a .py file"
            )
        else:
            raise MarkerError(
                path,
                line,
                f"malformed marker {stripped!r}: write '{BEGIN}' or '{END}' alone on its line",
            )
    return found


def _pair_markers(markers, path):
    pairs = []
    open_ = None
    for kind, line, indent in markers:
        if kind == "begin":
            if open_ is not None:
                raise MarkerError(
                    path,
                    line,
                    f"nested '{BEGIN}': the region opened at line {open_[0]} is not closed yet",
                )
            open_ = (line, indent)
        elif open_ is None:
            raise MarkerError(path, line, f"'{END}' without a '{BEGIN}' before it")
        else:
            if indent != open_[1]:
                raise MarkerError(
                    path,
                    line,
                    f"'{END}' is indented differently from its '{BEGIN}' at line {open_[0]}",
                )
            pairs.append((open_[0], line, open_[1]))
            open_ = None
    if open_ is not None:
        raise MarkerError(path, open_[0], f"'{BEGIN}' is never closed by '{END}'")
    return pairs


def _functions(tree):
    """(first line, last line, qualified name) of every function and method."""
    return [(node.lineno, node.end_lineno, name) for name, node in functions_of(tree)]


def _innermost(functions, line):
    """The innermost function whose body holds `line`, or None at module or class level."""
    holding = [f for f in functions if f[0] < line <= f[1]]
    return max(holding, key=lambda f: f[0]) if holding else None
