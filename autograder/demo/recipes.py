"""What every fabricated student is made of, and what an honest grader must give it.

The shared pieces of the demo's class, imported by fabricate.py (the class),
mistakes.py and hostile.py (the recipes of the alternative, mistaken and hostile
students); this module imports none of them.

  1. CELL_FUNCTIONS and the Expect an honest grader must meet (expect_scores,
     expect_rejected);
  2. notebook and package editing: the release's stubs filled with the
     solution or with other code (partial_files, solution_files), patches that
     must apply exactly once (Patch, apply_patches), cells added or changed;
  3. the zips, as collect_submission.sh writes them (zip_bytes, bomb_zip_bytes);
  4. a Recipe (how to make one student) and the Context every recipe is made from.

An `Expect` says, for every autograded grade cell of the release (nbgrader
`grade: true, solution: false`), whether the honest score is full marks, less
than full marks (`lose`: at least one case must fail, zero allowed) or zero.
Inline questions are graded by hand and are not part of it. The sets are
worked out from `CELL_FUNCTIONS`, the student functions each grade cell calls:
a cell scores full when all of them are correct, zero when one of them is
missing (raises, hangs, crashes: every case of the cell calls it), and loses
points when one of them carries a mistake its public check-cell case reveals.
`Expect.mismatches(scores)` compares a grading with it; `markers` list side
effects that must not be seen after grading (fabricate.side_effects checks them).
"""

import hashlib
import io
import json
import re
import stat
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..release.strip import BEGIN, END, find_regions
from ..zips import FILE_MODE, write_reproducible

#: The date every member of a fabricated zip carries (zips store no time zone).
SUBMITTED_AT = (2026, 11, 2, 14, 30, 0)

#: The line the release puts in place of a solution region (see release/strip.py).
_STUB = re.compile(
    r'^(?P<indent>[ \t]*)raise NotImplementedError\("(?P<function>[\w.]+): '
    r'not implemented yet; write it in (?P<path>[\w./]+)"\)\s*$'
)

#: Every autograded grade cell -> the student functions it calls (in any of its
#: cases). Functions are named as the release's stubs name them; a notebook
#: solution cell by its grade_id. The sandwich layers and ThreeLayerConvNet use
#: the provided fast layers, so no convnet cell calls a naive layer.
_CNN = ("ThreeLayerConvNet.__init__", "ThreeLayerConvNet.loss")
_TRAIN = (*_CNN, "Solver._step", "Solver.check_accuracy", "adam")
CELL_FUNCTIONS = {
    # ConvolutionalNetworks.ipynb
    "correct_conv_forward_naive": ("conv_forward_naive",),
    "correct_conv_backward_naive": ("conv_forward_naive", "conv_backward_naive"),
    "correct_max_pool_forward_naive": ("max_pool_forward_naive",),
    "correct_max_pool_backward_naive": ("max_pool_forward_naive", "max_pool_backward_naive"),
    "correct_conv_fast_matches_naive": ("conv_forward_naive", "conv_backward_naive"),
    "correct_max_pool_fast_matches_naive": ("max_pool_forward_naive", "max_pool_backward_naive"),
    "correct_three_layer_convnet_loss": _CNN,
    "correct_three_layer_convnet_initial_loss": _CNN,
    "correct_three_layer_convnet_gradients": _CNN,
    "correct_sgd_momentum": ("sgd_momentum",),
    "correct_rmsprop": ("rmsprop",),
    "correct_adam": ("adam",),
    # The step's cases train the provided SoftmaxClassifier with sgd_momentum.
    "correct_solver_step": ("Solver._step", "sgd_momentum"),
    "correct_solver_check_accuracy": ("Solver.check_accuracy",),
    "correct_overfit_small_data": _TRAIN,
    "correct_train_one_epoch": (*_TRAIN, "train_one_epoch"),
    # PoolingAndTransposedConv.ipynb
    "correct_avg_pool_forward_naive": ("avg_pool_forward_naive",),
    "correct_avg_pool_backward_naive": ("avg_pool_forward_naive", "avg_pool_backward_naive"),
    "correct_conv_forward_same": ("conv_forward_naive",),
    "correct_conv_backward_same": ("conv_forward_naive", "conv_backward_naive"),
    "correct_max_pool_padded": ("max_pool_forward_naive", "max_pool_backward_naive"),
    "correct_avg_pool_padded": ("avg_pool_forward_naive", "avg_pool_backward_naive"),
    "correct_conv_transpose_forward_naive": ("conv_transpose_forward_naive",),
    "correct_conv_transpose_is_conv_backward": ("conv_transpose_forward_naive",),
    "correct_conv_transpose_backward_naive": (
        "conv_transpose_forward_naive",
        "conv_transpose_backward_naive",
    ),
    # SpatialNormalization.ipynb
    "correct_spatial_batchnorm_forward": ("spatial_batchnorm_forward",),
    "correct_spatial_batchnorm_test_time": ("spatial_batchnorm_forward",),
    "correct_spatial_batchnorm_backward": (
        "spatial_batchnorm_forward",
        "spatial_batchnorm_backward",
    ),
    "correct_spatial_groupnorm_forward": ("spatial_groupnorm_forward",),
    "correct_spatial_groupnorm_backward": (
        "spatial_groupnorm_forward",
        "spatial_groupnorm_backward",
    ),
}

#: Every student function some grade cell calls.
ALL_FUNCTIONS = frozenset(f for functions in CELL_FUNCTIONS.values() for f in functions)


class FabricateError(ValueError):
    """The class cannot be fabricated: the message names the file and the problem."""


# ---------------------------------------------------------------------------
# What an honest grader must do
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeCell:
    """An autograded nbgrader grade cell of the release."""

    notebook: str  # "ConvolutionalNetworks" (no .ipynb)
    grade_id: str
    points: float


@dataclass(frozen=True)
class Marker:
    """A side effect of a hostile submission that must not be seen after grading.

    - kind: "file" (the path `target` must not exist), "process" (no process
      whose command line or name holds `target` may be running) or "gradebook"
      (no grade of the gradebook may hold the score `target`)
    - description: what the attack tried, in one line
    - delay: seconds the attack waits before acting; check this long after
      grading ended
    """

    kind: str
    target: str
    description: str
    delay: float = 0.0


@dataclass(frozen=True)
class Expect:
    """What an honest grader must give one submission.

    - collect: "accept" (collect takes the zip in) or "reject" (collect must
      refuse it, naming the problem; then nothing is graded)
    - full, lose, zero: grade ids of the autograded cells that must score full
      marks, strictly less than full marks (zero allowed), and exactly zero;
      for an accepted zip the three sets cover every autograded cell
    - markers: side effects that must not be seen afterwards
    - reason: what the honest score rests on, or why collect must refuse
    """

    collect: str = "accept"
    full: frozenset = frozenset()
    lose: frozenset = frozenset()
    zero: frozenset = frozenset()
    markers: tuple = ()
    reason: str = ""

    def mismatches(self, scores, tolerance=1e-6):
        """How a grading departs from this expectation: a list of lines, empty when it agrees.

        `scores` maps grade_id -> (points, max_points), or is a list of
        objects with `grade_id`, `points` and `max_points` (CellScores), or a
        grade Result (its `cells`).
        """
        scores = _as_scores(scores)
        if self.collect == "reject":
            if scores:
                return [f"collect must refuse this zip, yet {len(scores)} cells were graded"]
            return []
        problems = []
        for grade_id in sorted(self.full | self.lose | self.zero):
            if grade_id not in scores:
                problems.append(f"{grade_id}: not graded")
                continue
            points, max_points = scores[grade_id]
            if grade_id in self.full and points < max_points - tolerance:
                problems.append(f"{grade_id}: {points:g} of {max_points:g}, expected full marks")
            elif grade_id in self.lose and points > max_points - tolerance:
                problems.append(f"{grade_id}: {points:g} of {max_points:g}, expected fewer points")
            elif grade_id in self.zero and points > tolerance:
                problems.append(f"{grade_id}: {points:g} of {max_points:g}, expected 0")
        for grade_id in sorted(set(scores) - self.full - self.lose - self.zero):
            problems.append(f"{grade_id}: graded, but not an autograded cell of the release")
        return problems

    def to_dict(self):
        return {
            "collect": self.collect,
            "full": sorted(self.full),
            "lose": sorted(self.lose),
            "zero": sorted(self.zero),
            "markers": [
                {"kind": m.kind, "target": m.target, "description": m.description, "delay": m.delay}
                for m in self.markers
            ],
            "reason": self.reason,
        }


def _as_scores(scores):
    if hasattr(scores, "cells"):
        scores = scores.cells
    if isinstance(scores, Mapping):
        return {k: (float(v[0]), float(v[1])) for k, v in scores.items()}
    return {c.grade_id: (float(c.points), float(c.max_points)) for c in scores}


def expect_scores(cells, *, works, broken=(), spared=None, markers=(), reason=""):
    """The Expect of an accepted submission, from what its functions do.

    - cells: the release's GradeCells
    - works: the student functions that are correct
    - broken: functions present but wrong, in a way each cell's public case reveals
    - spared: grade_id -> why that cell still scores full although it calls a
      broken function (the bug does not change what it checks)
    A cell calling any function in neither `works` nor `broken` (missing,
    hanging, crashing) scores zero: every case of the cell calls it.
    """
    works, broken, spared = set(works), set(broken), dict(spared or {})
    unknown = (works | broken) - ALL_FUNCTIONS
    if unknown:
        raise FabricateError(f"no grade cell calls {sorted(unknown)}: see CELL_FUNCTIONS")
    full, lose, zero = set(), set(), set()
    for cell in cells:
        functions = set(CELL_FUNCTIONS[cell.grade_id])
        if functions - works - broken:
            zero.add(cell.grade_id)
        elif functions & broken and cell.grade_id not in spared:
            lose.add(cell.grade_id)
        else:
            full.add(cell.grade_id)
    stray = {c for c in spared if not set(CELL_FUNCTIONS.get(c, ())) & broken}
    if stray:
        raise FabricateError(f"spared cells {sorted(stray)} do not call a broken function")
    return Expect(
        "accept", frozenset(full), frozenset(lose), frozenset(zero), tuple(markers), reason
    )


def expect_rejected(reason, markers=()):
    """The Expect of a zip collect must refuse."""
    return Expect("reject", markers=tuple(markers), reason=reason)


# ---------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------


def read_notebook(data, name):
    """A notebook's JSON, or FabricateError naming it."""
    try:
        nb = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise FabricateError(f"{name}: not a notebook ({e})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise FabricateError(f"{name}: not a notebook (no list of cells)")
    return nb


def dump_notebook(nb):
    """The notebook's bytes as Jupyter saves them (nbformat's layout)."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def cell_text(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def set_cell_text(cell, text):
    cell["source"] = text.splitlines(keepends=True)


def new_code_cell(cell_id, text):
    """A code cell a student added (no nbgrader metadata, never run)."""
    cell = {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}}
    cell["outputs"] = []
    set_cell_text(cell, text)
    return cell


def without_markers(text):
    """`text` without its solution marker lines: what a student would have written."""
    kept = "".join(
        line for line in text.splitlines(keepends=True) if line.strip() not in (BEGIN, END)
    )
    return kept if text.endswith("\n") else kept.rstrip("\n")


# ---------------------------------------------------------------------------
# Building submissions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Patch:
    """Replace `old` by `new` in the file `path`; `old` must occur exactly once."""

    path: str
    old: str
    new: str


def apply_patches(files, patches, what):
    """Apply `patches` to a copy of `files` ({name: bytes}); return the copy.

    Raises FabricateError naming `what` when a patch's text does not occur
    exactly once: the solution changed and the patch must follow it.
    """
    files = dict(files)
    for patch in patches:
        if patch.path not in files:
            raise FabricateError(f"{what}: {patch.path} is not in the submission")
        text = files[patch.path].decode("utf-8")
        count = text.count(patch.old)
        if count != 1:
            raise FabricateError(
                f"{what}: the text to patch occurs {count} times in {patch.path}, expected "
                f"exactly once: {patch.old!r}. The solution changed: update the patch in "
                "autograder/demo/"
            )
        files[patch.path] = text.replace(patch.old, patch.new).encode("utf-8")
    return files


def fill_stubs(release_text, instructor_text, path, *, solve=(), replace=None, prepend=None):
    """The release file `path` with some of its stubs filled in.

    - solve: functions whose stubs become the instructor's solution lines
      (without the markers, as a student would write them)
    - replace: function -> code that takes the stub's place
    - prepend: function -> code that runs just before the stub (which stays)
    Code is dedented text; it is indented like the stub. Every function named
    must have a stub in the file, and the file's stubs must match the
    instructor's regions one for one, in order.
    """
    replace, prepend = dict(replace or {}), dict(prepend or {})
    regions = regions_of(instructor_text, path)
    lines = release_text.splitlines(keepends=True)
    stubs = [(i, _STUB.match(line)) for i, line in enumerate(lines) if _STUB.match(line)]
    found = [m["function"] for _, m in stubs]
    if found != [r.function for r in regions]:
        raise FabricateError(
            f"{path}: the release's stubs {found} do not match the instructor's regions "
            f"{[r.function for r in regions]}: was the release built from this source?"
        )
    wanted = set(solve) | set(replace) | set(prepend)
    missing = wanted - set(found)
    if missing:
        raise FabricateError(f"{path}: no stub for {sorted(missing)}")
    out = list(lines)
    for (index, match), region in reversed(list(zip(stubs, regions, strict=True))):
        function, indent = match["function"], match["indent"]
        if function in replace:
            new = _indent(replace[function], indent)
        elif function in solve:
            new = "".join(line + "\n" for line in region.lines)
        else:
            new = lines[index]
        if function in prepend:
            new = _indent(prepend[function], indent) + new
        out[index] = new
    return "".join(out)


@lru_cache(maxsize=16)
def regions_of(text, path):
    """The solution regions of an instructor file (parsed once per text: it takes a while)."""
    return tuple(find_regions(text, path))


def _indent(code, indent):
    return "".join(
        (indent + line if line.strip() else line) + "\n" for line in code.strip("\n").splitlines()
    )


def partial_files(release_files, instructor, solve=(), replace=None, prepend=None):
    """The release's files with the stubs of `solve` filled in (and code put in, see fill_stubs)."""
    files = dict(release_files)
    replace, prepend = dict(replace or {}), dict(prepend or {})
    for name, text in instructor.items():
        functions = {r.function for r in regions_of(text, name)}
        mine = {
            "solve": set(solve) & functions,
            "replace": {f: c for f, c in replace.items() if f in functions},
            "prepend": {f: c for f, c in prepend.items() if f in functions},
        }
        if any(mine.values()):
            files[name] = fill_stubs(files[name].decode("utf-8"), text, name, **mine).encode(
                "utf-8"
            )
    named = set(solve) | set(replace) | set(prepend)
    known = {r.function for name, t in instructor.items() for r in regions_of(t, name)}
    if named - known:
        raise FabricateError(f"no solution region for {sorted(named - known)} in the package")
    return files


def solution_files(release_files, instructor, source_notebooks):
    """The release with the instructor's student files and every notebook answer filled in."""
    files = dict(release_files)
    for name, text in instructor.items():
        if name not in files:
            raise FabricateError(f"{name} holds solutions but is not in the release")
        files[name] = text.encode("utf-8")
    for name in [n for n in files if n.endswith(".ipynb")]:
        if name not in source_notebooks:
            raise FabricateError(f"{name}: no source notebook of that name to take answers from")
        files[name] = fill_notebook(files[name], source_notebooks[name], name)
    return files


def fill_notebook(release_bytes, source_bytes, name):
    """The release notebook with every solution cell holding the source's answer.

    Cells are matched by nbgrader grade_id; the release's cells, ids and
    metadata stay, only the sources of solution cells change.
    """
    release = read_notebook(release_bytes, f"release {name}")
    source = read_notebook(source_bytes, f"source {name}")
    answers = {}
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = without_markers(cell_text(cell))
    filled = set()
    for cell in release["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            grade_id = meta.get("grade_id")
            if grade_id not in answers:
                raise FabricateError(f"{name}: solution cell {grade_id!r} has no source answer")
            set_cell_text(cell, answers[grade_id])
            filled.add(grade_id)
    if set(answers) - filled:
        raise FabricateError(f"{name}: source answers {sorted(set(answers) - filled)} unused")
    return dump_notebook(release)


def edit_notebooks(files, edit):
    """Apply `edit(name, nb)` (which changes nb in place) to every notebook of `files`."""
    files = dict(files)
    for name in [n for n in files if n.endswith(".ipynb")]:
        nb = read_notebook(files[name], name)
        edit(name, nb)
        files[name] = dump_notebook(nb)
    return files


def first_code_cell(nb):
    """The index of the notebook's first code cell (the one that imports everything)."""
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") == "code":
            return index
    raise FabricateError("a notebook without a code cell")


# ---------------------------------------------------------------------------
# Zips
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A zip member other than a plain file: a symbolic link to `data`."""

    data: bytes
    symlink: bool = True


def zip_bytes(files):
    """A zip of `files` ({name: bytes or Member}), as collect_submission.sh writes it.

    Deflated members (a link stored, as `zip --symlinks` stores it), in the
    given order, no directory entries, one fixed date: the same files give
    the same bytes (autograder/zips.py).
    """
    buffer = io.BytesIO()
    members = (
        (name, data.data, stat.S_IFLNK | 0o777)
        if isinstance(data, Member)
        else (name, data, FILE_MODE)
        for name, data in files.items()
    )
    write_reproducible(buffer, members, date_time=SUBMITTED_AT)
    return buffer.getvalue()


def bomb_zip_bytes(files, bomb_name, bomb_size, fill=b"\n"):
    """A zip of `files` plus `bomb_name`: `bomb_size` bytes of `fill` deflated to ~1/1000.

    Written by hand, because zipfile would take seconds to compress a GiB: a
    deflate stream of one MiB of `fill` ended by a full flush is independent of
    what came before, so the stream for N MiB is that chunk N times. The zip
    is valid (zipfile reads it back, CRC included); only its size is hostile.
    """
    chunk_size = 1 << 20
    if bomb_size % chunk_size:
        raise ValueError("bomb_size must be a whole number of MiB")
    block = fill * (chunk_size // len(fill))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(bomb_size // chunk_size):
        crc = zlib.crc32(block, crc)
    bomb = chunk * (bomb_size // chunk_size) + compressor.flush(zlib.Z_FINISH)
    entries = []
    for name, data in files.items():
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        entries.append((name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    entries.append((bomb_name, bomb, crc, bomb_size))
    return _raw_zip(entries)


def _raw_zip(entries):
    """A zip of deflated (name, compressed, crc, size) entries; sizes under 4 GiB."""
    year, month, day, hour, minute, second = SUBMITTED_AT
    dos_time = hour << 11 | minute << 5 | second // 2
    dos_date = (year - 1980) << 9 | month << 5 | day
    out, central = bytearray(), bytearray()
    for name, data, crc, size in entries:
        raw = name.encode()
        offset = len(out)
        common = (20, 0, 8, dos_time, dos_date, crc, len(data), size, len(raw))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *common, 0) + raw + data
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            3 << 8 | 20,  # made by unix, version 2.0
            *common,
            0,
            0,
            0,
            0,
            (stat.S_IFREG | 0o644) << 16,
            offset,
        )
        central += raw
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    return bytes(out + central + end)


# ---------------------------------------------------------------------------
# Recipes
# ---------------------------------------------------------------------------


@dataclass
class Context:
    """What every recipe needs: the release, the solutions, the cells, the canary folder."""

    release: dict  # {member: bytes} of the untouched release
    instructor: dict  # {member: text} of the instructor's student files
    source_notebooks: dict  # {notebook name: bytes}
    cells: tuple  # GradeCells
    canary_dir: Path
    _solution: dict = field(default=None, repr=False)

    @property
    def solution(self):
        if self._solution is None:
            self._solution = solution_files(self.release, self.instructor, self.source_notebooks)
        return self._solution

    def canary(self, student_id, what):
        """A host path under canary_dir only `student_id`'s attack `what` would write."""
        return str(self.canary_dir / f"{student_id}-{what}.txt")

    def token(self, student_id, what):
        """A short word unique to this attack and canary folder, to find its processes by."""
        digest = hashlib.sha256(f"{self.canary_dir}\0{student_id}\0{what}".encode()).hexdigest()
        return digest[:6]


@dataclass(frozen=True)
class Recipe:
    """How to make one fabricated student: `build()` returns the zip's bytes."""

    student_id: str
    kind: str
    description: str
    expect: Expect
    build: object
    base: str = ""
