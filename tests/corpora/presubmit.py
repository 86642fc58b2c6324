"""Caught before submission: does one of the student's own check cells fail on a mistake?

A student with a corpus mistake (and every other function right) runs the
notebooks before handing them in. For each mistake this module patches it
into a copy of the instructor's package and notebooks (the student's view,
solutions in place), runs the notebooks whose check cells could see it, and
records which check cells (nbgrader grade cells) raise: a CheckFailed or any
other error, which is what the student sees.

To keep it cheap, one process per notebook runs the cells with run_cells.py
(exec, no Jupyter kernel, matplotlib's Agg backend), and leaves out:

- the check cells that cannot see the mistake: neither their graded cases
  (CELL_FUNCTIONS) nor their source call a broken function (a harmless
  variant, which breaks nothing, runs them all: none may fail);
- the two training cells and the dataset they train on, unless they call a
  broken function (they call no naive layer);
- the cells after the first failing check cell, once every check cell of the
  broken functions' own (by the grader's cases.cells()) has run: what they
  would add cannot change the first failure nor the own cells' verdicts.

The whole corpus takes about 4 minutes on two workers (261 s measured on a
shared two-core machine; the grading of the same command takes longer).
`python -m tests.corpora --mistakes` writes the result in the mistakes table
of tests/corpora/README.md (its "caught before submission" column) and
test_presubmit.py checks a few rows against a fresh measurement.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder import paths
from autograder.demo.fabricate import CELL_FUNCTIONS

RUN_CELLS = Path(__file__).resolve().parent / "run_cells.py"

#: The notebooks, in the order students meet them (the first failure is the first in it).
NOTEBOOKS = ("ConvolutionalNetworks", "SpatialNormalization", "PoolingAndTransposedConv")

#: The training checks, and the text of the non-graded cell that loads their dataset.
TRAINING_CELLS = frozenset({"correct_overfit_small_data", "correct_train_one_epoch"})
DATA_CELL = "get_CIFAR10_data("


@dataclass
class Measured:
    """What running the notebooks showed for one mistake."""

    failed: dict = field(default_factory=dict)  # grade_id -> error line, in running order
    ran: list = field(default_factory=list)  # grade_ids run, in order
    seconds: float = 0.0

    @property
    def first(self):
        return next(iter(self.failed), None)


@dataclass(frozen=True)
class Cell:
    index: int
    grade_id: str | None  # None for a cell nbgrader does not grade
    source: str


def code_cells(path):
    """The code cells of a notebook: Cell(index, grade_id or None, source)."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id") if meta.get("grade") else None
        found.append(Cell(index, grade_id, cell.source))
    return found


def short_name(function):
    """The name a cell would call: "Solver._step" -> "_step"."""
    return function.rsplit(".", 1)[-1]


def could_see(cell, functions):
    """Could a grade cell see a mistake in `functions`: do its cases or its source call one?"""
    called = set(CELL_FUNCTIONS.get(cell.grade_id, ()))
    return bool(called & set(functions)) or any(short_name(f) in cell.source for f in functions)


def own_cells(functions):
    """The grade ids of the cells the grader files under a broken function (its own cells)."""
    from autograder.grade import cases

    return {cell.grade_id for cell in cases.cells() if cell.function in set(functions)}


def plan(cells, functions):
    """The indices of the code cells to run for a mistake in `functions`; for a harmless
    variant (no function broken) every cell but the training ones."""
    if not functions:
        return [c.index for c in cells if c.grade_id not in TRAINING_CELLS]
    training = any(c.grade_id in TRAINING_CELLS and could_see(c, functions) for c in cells)
    indices = []
    for cell in cells:
        if cell.grade_id is None:
            if training or DATA_CELL not in cell.source:
                indices.append(cell.index)
        elif could_see(cell, functions):
            if cell.grade_id in TRAINING_CELLS and not training:
                continue
            indices.append(cell.index)
    return indices


def run_notebook(folder, stem, indices, must_run, datasets, timeout=900):
    """What run_cells.py reports on those cells of the notebook, in one process: a list of
    {"index", "error" (None when the cell ran through), "seconds"}.

    It stops after the first failing grade cell once every index in `must_run` has run.
    """
    folder = Path(folder)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(CS231N_QUICK="1", CS231N_DATASETS=str(datasets), MPLBACKEND="agg")
    env.update(PYTHONDONTWRITEBYTECODE="1")
    cells_file = folder / f".{stem}.cells.json"
    out_file = folder / f".{stem}.out.json"
    cells_file.write_text(json.dumps(indices), encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-I",
            str(RUN_CELLS),
            str(folder / f"{stem}.ipynb"),
            str(cells_file),
            str(out_file),
            json.dumps(sorted(must_run)),
        ],
        cwd=folder,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=True,
    )
    return json.loads(out_file.read_text(encoding="utf-8"))


def lay_out(folder, patches=None):
    """The student's folder: the instructor's cs231n, notebooks and reference/, patched."""
    from tests.grading import patched_copy

    source = Path(folder).with_name(Path(folder).name + "-source")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(paths.PACKAGE_DIR, source / "cs231n", ignore=ignore)
    shutil.copytree(paths.REFERENCE_DIR, source / "reference")
    for stem in NOTEBOOKS:
        shutil.copyfile(paths.NOTEBOOKS_DIR / f"{stem}.ipynb", source / f"{stem}.ipynb")
    try:
        return patched_copy(source, folder, patches)
    finally:
        shutil.rmtree(source)


def measure(mistake, folder, datasets):
    """Measured: the mistake patched into a student's folder, its notebooks run."""
    from tests.corpora.outcomes import patches_of

    start = time.perf_counter()
    folder = lay_out(folder, patches_of(mistake))
    functions = set(mistake.breaks)
    own = own_cells(functions)
    measured = Measured()
    for stem in NOTEBOOKS:
        cells = code_cells(folder / f"{stem}.ipynb")
        ids = {c.index: c.grade_id for c in cells}
        own_here = {c.index for c in cells if c.grade_id in own}
        if measured.failed and not own_here:
            continue  # caught already; nothing here can change the verdicts
        indices = plan(cells, functions)
        if not any(ids[i] for i in indices):
            continue  # no check cell of this notebook can see it
        for result in run_notebook(folder, stem, indices, own_here, datasets):
            grade_id = ids[result["index"]]
            if grade_id is None:
                continue
            measured.ran.append(grade_id)
            if result["error"]:
                measured.failed[grade_id] = result["error"]
    measured.seconds = time.perf_counter() - start
    return measured


def measure_all(mistakes, folder, datasets, workers=2):
    """{mistake id: Measured} for every mistake, `workers` at a time."""
    folder, datasets = Path(folder), Path(datasets)
    datasets.mkdir(parents=True, exist_ok=True)
    # The first run generates the dataset; later ones only read it.
    baseline(folder / "baseline", datasets)

    def one(mistake):
        return measure(mistake, folder / mistake.student_id, datasets)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = list(pool.map(one, mistakes))
    return {m.student_id: r for m, r in zip(mistakes, found, strict=True)}


def baseline(folder, datasets, training=False):
    """Run every cell on the solutions (the training checks only with `training`); raise
    AssertionError if one fails: a measurement on a failing baseline means nothing."""
    folder = lay_out(folder)
    for stem in NOTEBOOKS:
        cells = code_cells(folder / f"{stem}.ipynb")
        # The dataset's cell always runs: it generates the dataset for the runs to come.
        indices = [c.index for c in cells if training or c.grade_id not in TRAINING_CELLS]
        for result in run_notebook(folder, stem, indices, set(indices), datasets):
            assert result["error"] is None, f"{stem} cell {result['index']}: {result['error']}"


def lost_cells(row):
    """The grade ids a README row's "what the grader did" column names as losing points."""
    import re

    return set(re.findall(r"\b(correct_\w+) \(", row))


def column(mistake, measured, lost):
    """The "caught before submission" cell of the README row.

    `lost`: the cells the grader took points from. "no" when no check cell
    failed; otherwise the first failing check cell, and after it any own cell of
    the broken function the grader took points from but whose check passed.
    """
    if not measured.failed:
        return "no"
    missed = sorted((own_cells(mistake.breaks) & set(lost)) - set(measured.failed))
    text = measured.first
    if missed:
        text += f" (but {', '.join(missed)} passes)"
    return text


def own_caught(mistake, measured, lost):
    """(own cells the grader took points from, of those the ones whose check failed)."""
    own = own_cells(mistake.breaks) & set(lost)
    return own, own & set(measured.failed)
