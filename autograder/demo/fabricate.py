"""Fabricate a class of submission zips whose honest grades are known in advance.

`fabricate_class(release_dir, out_dir)` writes one `<student_id>.zip` per
fabricated student into `out_dir`, each laid out exactly as the release's
`collect_submission.sh` makes it (the notebooks at the root, then every
`cs231n/**/*.py`, sorted), and returns a `Fabricated` record per zip saying
what an honest grader must do with it. The demo verb and the end-to-end grading
tests grade this class and compare.

The kinds of student (`KINDS`):

  1. solution     the release with every student file replaced by the
                  instructor's (`assignment/cs231n/...`, markers and all) and
                  every notebook solution cell, inline answers included, filled
                  with the source notebook's answer (matched by grade_id).
  2. release      the untouched release: every function raises NotImplementedError.
  3. alternative  correct code written differently from the solution: conv
                  forward/backward as plain loops over n, f, i, j, max pooling
                  with argmax masks, spatial batch norm through np.moveaxis, each
                  with its own cache (see mistakes.py).
  4. mistake      the solution with one classic bug patched in (see mistakes.py);
                  each patch must apply exactly once, so a future edit of the
                  solution stops the fabrication instead of silently doing nothing.
  5. hostile      attacks on the grader, each on a base whose honest score is
                  known: the release, or the solution of a few functions only
                  (see hostile.py). Zip-level attacks are zips collect must refuse.

Each student is made by a Recipe (recipes.py: the Expect of an honest grader,
the patches, notebook edits and zips every recipe shares); this module reads
the release and the instructor's source into the Context the recipes start
from, makes the solution and release students, asks mistakes.py and
hostile.py for theirs, and writes the zips. `side_effects` checks, after
grading, that no hostile submission left a marker behind.

Hostile code writes its markers under `canary_dir` (a host folder given by the
caller, outside anything the sandbox may see), or, for hostile-write-outside,
at names holding a token of that folder in the host's shared folders (/tmp,
/var/tmp, /dev/shm, /), so a test can tell whether anything escaped. Nothing
here executes student code; the hostile zips must only ever be opened by the
grader, under its sandbox.
"""

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..release.source import Source
from ..release.strip import BEGIN
from . import hostile, mistakes
from .recipes import (
    ALL_FUNCTIONS,
    CELL_FUNCTIONS,
    Context,
    Expect,
    FabricateError,
    GradeCell,
    Recipe,
    expect_scores,
    read_notebook,
    zip_bytes,
)

#: The kinds of fabricated student, in the order fabricate_class returns them.
KINDS = ("solution", "release", "alternative", "mistake", "hostile")

#: The package students hand in, as collect_submission.sh collects it.
PACKAGE = "cs231n"


@dataclass(frozen=True)
class Fabricated:
    """One fabricated student: the zip and what an honest grader must give it."""

    student_id: str
    zip_path: Path
    kind: str  # one of KINDS
    description: str  # one line
    expect: Expect
    base: str = ""  # what the submission starts from, for hostile ones

    def to_dict(self):
        return {
            "student_id": self.student_id,
            "zip": str(self.zip_path),
            "kind": self.kind,
            "description": self.description,
            "base": self.base,
            "expect": self.expect.to_dict(),
        }


def manifest(items):
    """The fabricated class as JSON-ready dicts (for the demo verb to save or print)."""
    return [item.to_dict() for item in items]


# ---------------------------------------------------------------------------
# Side effects
# ---------------------------------------------------------------------------


def side_effects(items, *, gradebook=None, wait=True):
    """Every marker of `items` that is seen now: a list of lines, empty when none is.

    With `wait`, first sleeps as long as the longest marker delay (an attack
    that acts late acts before the check). "gradebook" markers are checked
    only when `gradebook` (the course's gradebook.db) is given. A line about a
    process names its pids, so the caller can kill them.
    """
    items = list(items)
    markers = [(item.student_id, m) for item in items for m in item.expect.markers]
    if wait:
        time.sleep(max((m.delay for _, m in markers), default=0.0))
    seen = []
    for student, marker in markers:
        if marker.kind == "file":
            if os.path.lexists(marker.target):
                seen.append(f"{student}: {marker.description}: {marker.target} exists")
        elif marker.kind == "process":
            pids = leftover_pids(marker.target)
            if pids:
                seen.append(f"{student}: {marker.description}: still running as pids {pids}")
        elif marker.kind == "gradebook" and gradebook is not None:
            count = _rigged_grades(gradebook, marker.target)
            if count:
                seen.append(f"{student}: {marker.description}: {count} grades hold {marker.target}")
    return seen


def leftover_pids(token):
    """The pids of running processes whose command line or name holds `token` (Linux /proc)."""
    needle = token.encode()
    pids = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            comm = (entry / "comm").read_bytes()
            state = (entry / "stat").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if b") Z " in state:  # a zombie has ended; only its parent's wait is missing
            continue
        if needle in cmdline or needle in comm:
            pids.append(int(entry.name))
    return sorted(pids)


def _rigged_grades(gradebook, score):
    uri = Path(gradebook).resolve().as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM grade WHERE auto_score = ? OR manual_score = ?",
            (float(score), float(score)),
        ).fetchone()
    return count


# ---------------------------------------------------------------------------
# Reading the release and the instructor's source
# ---------------------------------------------------------------------------


def grade_cells(release_dir):
    """The autograded grade cells of the release's notebooks, in notebook order.

    Raises FabricateError for a cell CELL_FUNCTIONS does not know (say which
    functions it calls there) or a notebook that is not valid JSON.
    """
    release_dir = Path(release_dir)
    cells = []
    for path in sorted(release_dir.glob("*.ipynb")):
        for cell in read_notebook(path.read_bytes(), path.name)["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                grade_id = meta.get("grade_id")
                if grade_id not in CELL_FUNCTIONS:
                    raise FabricateError(
                        f"{path.name}: grade cell {grade_id!r} is not in CELL_FUNCTIONS "
                        "(autograder/demo/recipes.py): add it with the functions it calls"
                    )
                cells.append(GradeCell(path.stem, grade_id, float(meta.get("points", 0))))
    return tuple(cells)


def read_release(release_dir):
    """The files a student of this release hands in, as collect_submission.sh picks them.

    Returns {zip member name: bytes}, in the script's order: the notebooks
    sorted by name, then `cs231n/**/*.py` sorted (no caches).
    """
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        raise FabricateError(f"{release_dir}: no such folder (expected DIR/release/convnets)")
    notebooks = sorted(p.name for p in release_dir.glob("*.ipynb") if p.is_file())
    package = release_dir / PACKAGE
    if not notebooks or not (package / "__init__.py").is_file():
        raise FabricateError(
            f"{release_dir} is not a student release: it needs the notebooks and "
            f"{PACKAGE}/__init__.py (run `python -m autograder release --course DIR` and pass "
            "DIR/release/convnets)"
        )
    code = sorted(
        p.relative_to(release_dir).as_posix()
        for p in package.rglob("*.py")
        if p.is_file() and "__pycache__" not in p.relative_to(release_dir).parts
    )
    return {name: (release_dir / name).read_bytes() for name in [*notebooks, *code]}


def _source(source):
    if isinstance(source, Source):
        return source
    return Source.from_repo(source)


def instructor_files(source):
    """{member name: text} of the instructor's package files that hold solution regions."""
    package = source.package
    files = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if BEGIN in text:
            files[f"{PACKAGE}/{path.relative_to(package).as_posix()}"] = text
    if not files:
        raise FabricateError(f"{package}: no file holds a solution region ({BEGIN})")
    return files


# ---------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------


def _plain_recipes(ctx):
    every = ALL_FUNCTIONS
    return [
        Recipe(
            "solution",
            "solution",
            "the instructor's solution: student files and notebook answers filled in",
            expect_scores(ctx.cells, works=every, reason="every function is the solution"),
            lambda: zip_bytes(ctx.solution),
        ),
        Recipe(
            "release",
            "release",
            "the untouched release: every function raises NotImplementedError",
            expect_scores(ctx.cells, works=(), reason="nothing is implemented"),
            lambda: zip_bytes(ctx.release),
        ),
    ]


def class_recipes(ctx):
    """Every recipe of the class, in KINDS order."""
    plain = _plain_recipes(ctx)
    return [
        plain[0],
        plain[1],
        mistakes.alternative_recipe(ctx),
        *mistakes.mistake_recipes(ctx),
        *hostile.hostile_recipes(ctx),
    ]


def make_context(release_dir, *, source=None, canary_dir):
    """The Context of a release: its files and cells, the instructor's solutions and notebooks."""
    release_dir = Path(release_dir)
    source = _source(source)
    source_notebooks = {p.name: p.read_bytes() for p in source.notebook_files()}
    if not source_notebooks:
        raise FabricateError(f"{source.notebooks}: no source notebooks")
    return Context(
        release=read_release(release_dir),
        instructor=instructor_files(source),
        source_notebooks=source_notebooks,
        cells=grade_cells(release_dir),
        canary_dir=Path(canary_dir).resolve(),
    )


def fabricate_class(release_dir, out_dir, *, source=None, kinds=None, ids=None, canary_dir=None):
    """Write the class's zips into `out_dir`; return a Fabricated per zip, in KINDS order.

    - release_dir: DIR/release/convnets, made by `python -m autograder release --course DIR`
    - source: the instructor's checkout (a release Source or a repository root;
      default: this one), for the solutions and the source notebooks
    - kinds, ids: only these kinds of student / student ids (default: all)
    - canary_dir: the host folder hostile code writes its markers into, which
      no sandbox may see (default: OUT-canary beside out_dir, so that out_dir
      holds nothing but zips); created if missing

    Same inputs, same bytes. Raises FabricateError naming the problem (a
    release that is not one, a solution a mistake's patch no longer fits, an
    unknown kind or id).
    """
    if kinds is not None:
        kinds = set(kinds)
        if kinds - set(KINDS):
            raise FabricateError(f"unknown kinds {sorted(kinds - set(KINDS))}: choose from {KINDS}")
    out_dir = Path(out_dir)
    if canary_dir is None:
        canary_dir = out_dir.parent / f"{out_dir.name}-canary"
    ctx = make_context(release_dir, source=source, canary_dir=canary_dir)
    chosen = class_recipes(ctx)
    if ids is not None:
        ids = set(ids)
        unknown = ids - {r.student_id for r in chosen}
        if unknown:
            known = ", ".join(r.student_id for r in chosen)
            raise FabricateError(f"unknown student ids {sorted(unknown)}: choose from {known}")
        chosen = [r for r in chosen if r.student_id in ids]
    if kinds is not None:
        chosen = [r for r in chosen if r.kind in kinds]
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx.canary_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for recipe in chosen:
        path = out_dir / f"{recipe.student_id}.zip"
        path.write_bytes(recipe.build())
        made.append(
            Fabricated(
                recipe.student_id, path, recipe.kind, recipe.description, recipe.expect, recipe.base
            )
        )
    return made
