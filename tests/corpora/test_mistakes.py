"""The mistake corpus: every typical mistake costs points in the right cells only, with a hint.

Each mistake (tests/corpora/mistakes/) is patched into the instructor's source
and graded by the real harness and verdict (a plain subprocess: these
submissions are not hostile). tests/corpora/README.md holds one row per
mistake; each test also checks its row there is what the grader did now.
"""

import numpy as np
import pytest

from autograder.grade import cases
from tests.corpora import outcomes, report
from tests.corpora.mistakes import BY_ID, HARMLESS, MISTAKES

pytestmark = [pytest.mark.grade, pytest.mark.slow]


@pytest.fixture(scope="session")
def graded_corpus(harness_runner, instructor_submission, tmp_path_factory):
    """{mistake id: Graded} for every corpus mistake and harmless variant."""
    folder = tmp_path_factory.mktemp("corpus")
    return outcomes.grade_mistakes(
        harness_runner, instructor_submission, folder, [*MISTAKES, *HARMLESS]
    )


def test_the_corpus_has_forty_mistakes_each_breaking_a_graded_function():
    """Are there at least 40 mistakes, each breaking functions some cell grades, ids unique?"""
    assert len(MISTAKES) >= 40
    assert len(BY_ID) == len(MISTAKES) + len(HARMLESS)
    for mistake in MISTAKES:
        assert mistake.breaks, mistake.student_id
        assert outcomes.must_lose(mistake), mistake.student_id
        assert mistake.student_id.startswith("mistake-")
    assert all(not m.breaks for m in HARMLESS)


@pytest.mark.parametrize("mistake", [*MISTAKES, *HARMLESS], ids=lambda m: m.student_id)
def test_the_grader_takes_points_from_the_broken_function_only(mistake, graded_corpus):
    """Does the mistake lose points in each cell grading the broken function (bar the spared)
    and in no cell that cannot see it, with a hint naming its symptom; does the README say so?"""
    graded = graded_corpus[mistake.student_id]
    assert graded.returncode == 0, graded.stderr[-2000:]
    assert outcomes.mistake_problems(mistake, graded) == []
    rows = {outcomes.without_presubmit(row) for row in report.read_readme_rows()}
    assert outcomes.mistake_row(mistake, graded) in rows, (
        "tests/corpora/README.md is out of date: run python -m tests.corpora"
    )


def test_the_catch_rate_is_reported_as_complete():
    """Does the README report every mistake caught, and list each one once?"""
    rows = report.read_readme_rows()
    ids = [row.split("|")[1].strip() for row in rows if row.startswith("| mistake-")]
    assert sorted(ids) == sorted(m.student_id for m in MISTAKES)
    assert f"caught {len(MISTAKES)} of {len(MISTAKES)} (100%)" in report.readme_text()


@pytest.mark.parametrize("offset", [1, 2, 3])
def test_the_solution_scores_full_marks_under_other_seeds(offset, harness_runner, tmp_path):
    """With every case's seed moved (new inputs, a new key from the solutions), does the
    instructor's source still get every point of every cell but the training ones?"""
    from dataclasses import replace

    from autograder.grade import verdict
    from tests.grading import HarnessRunner, instructor_copy

    moved = [
        replace(cell, cases=tuple(replace(c, seed=c.seed + 1000 * offset) for c in cell.cases))
        for cell in cases.cells()
        if cell.grade_id not in outcomes.TRAINING_CELLS
    ]
    key = verdict.answer_key([c for cell in moved for c in cell.cases], cache=tmp_path / "key")
    runner = HarnessRunner(harness_runner.release, key, tmp_path / "runs")
    graded = runner.run(instructor_copy(tmp_path / "convnets"), cells=moved)
    assert graded.returncode == 0, graded.stderr[-2000:]
    assert {c.grade_id: c.points for c in graded.scores} == {c.grade_id: c.points for c in moved}
    assert np.isfinite([c.points for c in graded.scores]).all()
