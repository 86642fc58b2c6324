"""What the grader must do with each corpus case, and the report line of what it did.

The corpus tests and the report command (`python -m tests.corpora`) share
these functions, so tests/corpora/README.md says what the tests check.
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.demo.fabricate import CELL_FUNCTIONS

#: The two training cells: about 9 s of the harness's 10 (the rest of a mistake's
#: grading takes about 1 s). A mistake runs only the training cells that grade one of
#: its broken functions (GRADES: the Solver, the update rule it trains with, the
#: notebook's train_one_epoch). The others may lose points or not (a mistake in the
#: model's loss can still train, or not), so the corpus asserts nothing about them and
#: leaves them out; the class graded end to end (tests/classroom.py) runs every cell of
#: its mistakes.
TRAINING_CELLS = frozenset({"correct_overfit_small_data", "correct_train_one_epoch"})
#: The one other cell that takes a second (its check cell's case: the default model's loss
#: on 50 images, twice): run only for the mistakes it calls. A cell that does not call a
#: broken function runs the solution's own code, so it could only differ if the mistake
#: broke the package at import, which a corpus mistake never does (the cheap cells that
#: cannot see it still run, and would show it).
INITIAL_LOSS_CELL = "correct_three_layer_convnet_initial_loss"


def calling(functions):
    """The grade ids of the cells that call any of `functions`."""
    return {cell for cell, called in CELL_FUNCTIONS.items() if set(called) & set(functions)}


def cells_to_skip(mistake):
    """The cells a mistake's grading leaves out: the training cells not grading what it
    breaks (whatever they did would be allowed: see must_lose and mistake_problems), and
    the initial loss's cell unless it calls what it breaks."""
    return set(TRAINING_CELLS - grading(mistake.breaks)) | (
        {INITIAL_LOSS_CELL} - calling(mistake.breaks)
    )


#: The student functions each cell grades, where the cell's own function does not
#: say it all: the fast-matches-naive cells compare both naive passes with the fast
#: layers, the padded pooling cells grade both passes of their pooling, and
#: overfitting grades the Solver and the update rule it trains with.
GRADES = {
    "correct_conv_fast_matches_naive": ("conv_forward_naive", "conv_backward_naive"),
    "correct_max_pool_fast_matches_naive": ("max_pool_forward_naive", "max_pool_backward_naive"),
    "correct_max_pool_padded": ("max_pool_forward_naive", "max_pool_backward_naive"),
    "correct_avg_pool_padded": ("avg_pool_forward_naive", "avg_pool_backward_naive"),
    "correct_overfit_small_data": ("Solver._step", "Solver.check_accuracy", "adam"),
}


def grading(functions):
    """The grade ids of the cells that grade any of `functions` (not merely call them)."""
    from autograder.grade import cases

    return {
        cell.grade_id
        for cell in cases.cells()
        if set(GRADES.get(cell.grade_id, (cell.function,))) & set(functions)
    }


def must_lose(mistake):
    """The cells that must lose points: those grading a broken function, but the spared.

    A cell that only calls a broken function (a backward cell calls the forward
    pass to make its cache) may lose points too, or not: a backward pass graded
    on the outputs it returns cannot see a wrong bias in the forward pass.
    """
    return grading(mistake.breaks) - set(mistake.spared)


def mistake_problems(mistake, graded):
    """How the grading of a mistake departs from what it must be: a list of lines, [] if right."""
    problems = []
    lost, expected = graded.lost(), must_lose(mistake)
    allowed = calling(mistake.breaks) - set(mistake.spared)
    if lost - allowed:
        problems.append(f"points taken from cells that cannot see it: {sorted(lost - allowed)}")
    if expected - lost:
        problems.append(f"not caught in {sorted(expected - lost)}")
    symptom = re.compile(mistake.symptom) if mistake.symptom else None
    for grade_id in sorted(lost & expected):
        hints = graded.hints(grade_id)
        if not hints:
            problems.append(f"{grade_id}: points lost without a hint")
        elif symptom and not any(symptom.search(hint) for hint in hints):
            problems.append(f"{grade_id}: no hint matches /{mistake.symptom}/: {hints}")
    return problems


def mistake_row(mistake, graded, presubmit=None):
    """The README's table row for a mistake: id, what it does, what the grader did, and,
    given `presubmit` (the text of presubmit.column), whether the notebooks caught it."""
    cells = [c for c in graded.scores if c.points < c.max_points]
    lost = sum(c.max_points - c.points for c in cells)
    functions = ", ".join(f"`{f}`" for f in sorted(mistake.breaks)) or "none"
    problems = mistake_problems(mistake, graded)
    if not mistake.breaks:
        verdict = "full marks" if not cells else f"-{lost:g} points (WRONG: harmless)"
    elif problems:
        verdict = "MISSED: " + "; ".join(problems)
    else:
        verdict = f"caught: -{lost:g} points in " + ", ".join(
            f"{c.grade_id} ({c.points:g}/{c.max_points:g})" for c in cells
        )
    unrun = sorted(cells_to_skip(mistake) & calling(mistake.breaks))
    if unrun:
        verdict += f"; not run: {', '.join(unrun)} (calls it, grades something else)"
    hint = next((h for c in cells for h in (x.hint for x in c.cases) if h), "")
    row = (
        f"| {mistake.student_id} | {mistake.description} | {functions} | {verdict} | "
        f"{_cell(hint)} |"
    )
    return row if presubmit is None else f"{row} {presubmit} |"


def without_presubmit(row):
    """A README row without its last column (caught before submission), as mistake_row
    writes it when given no `presubmit`."""
    return row[: row.rstrip(" |").rindex(" | ") + 2]


def _cell(text, limit=160):
    """Text fit for a markdown table cell: one line, no pipes, at most `limit` characters."""
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def patches_of(*mistakes):
    """The patches of `mistakes`, all at once, as {file: [(old, new), ...]}."""
    patches = {}
    for mistake in mistakes:
        for patch in mistake.patches:
            patches.setdefault(patch.path, []).append((patch.old, patch.new))
    return patches


def grade_mistakes(runner, source, folder, mistakes):
    """{mistake id: Graded}: each mistake patched into a copy of `source` and graded by
    `runner` (a tests.grading.HarnessRunner), as many at once as there are cores.

    Each harness is a subprocess, so threads are enough to keep the cores busy.
    """
    from tests.grading import patched_copy

    def grade_one(mistake):
        folder_of = Path(folder) / mistake.student_id / "convnets"
        sub = patched_copy(source, folder_of, patches_of(mistake))
        return runner.run(sub, skip=cells_to_skip(mistake))

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        graded = list(pool.map(grade_one, mistakes))
    return {m.student_id: g for m, g in zip(mistakes, graded, strict=True)}
