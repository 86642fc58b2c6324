"""Do the notebooks run headless: every check passing against the solutions, failing politely
against the untouched release?

Each notebook runs with nbclient in a folder laid out like the course (see
harness.py), with CS231N_QUICK=1: the documented notebook parameter that
shrinks the dataset and the one-epoch training run. No cell is skipped.
"""

import pytest

from tests.notebooks.harness import (
    NOTEBOOKS,
    checked_names,
    errors,
    execute,
    grade_cells,
    grade_id,
    stream_text,
)

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_passes_every_check_against_the_solutions(
    stem, instructor_course, datasets_dir, ipython_dir
):
    """Does every cell run without error, and does every check cell print PASSED verdicts only?"""
    nb, seconds = execute(
        instructor_course / f"{stem}.ipynb", datasets=datasets_dir, ipython_dir=ipython_dir
    )
    print(f"{stem}: {seconds:.1f} s with CS231N_QUICK=1")
    cells = grade_cells(nb)
    assert cells, f"{stem} has no check cells"
    for cell in cells:
        out = stream_text(cell)
        assert "PASSED" in out, f"{grade_id(cell)} printed no verdict:\n{out}"
        assert "FAILED" not in out, f"{grade_id(cell)} failed:\n{out}"
        for name in checked_names(cell):
            assert f"{name}: PASSED (" in out, f"{grade_id(cell)}: no verdict for {name}:\n{out}"
        # nbgrader scores a graded cell 0 when it writes anything on stderr.
        assert stream_text(cell, "stderr") == "", f"{grade_id(cell)} wrote on stderr"


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory):
    """The student release, built by `autograder release` from this checkout."""
    release = pytest.importorskip("autograder.release", reason="autograder.release not there yet")
    result = release.build_release(tmp_path_factory.mktemp("release") / "course")
    return result.release


@pytest.mark.release
@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_every_check_fails_with_one_friendly_line_against_the_release(
    stem, release_dir, datasets_dir, ipython_dir
):
    """Against the untouched release, does every check cell fail with one "Not implemented yet"
    line, naming a function that the student writes?"""
    nb, _ = execute(
        release_dir / f"{stem}.ipynb",
        datasets=datasets_dir,
        ipython_dir=ipython_dir,
        allow_errors=True,
    )
    cells = grade_cells(nb)
    assert cells
    for cell in cells:
        found = errors(cell)
        assert len(found) == 1, f"{grade_id(cell)} did not fail: {stream_text(cell)}"
        error = found[0]
        assert error.ename == "NotImplementedYet", f"{grade_id(cell)}: {error.traceback}"
        assert len(error.traceback) == 1, f"{grade_id(cell)}: {error.traceback}"
        line = error.traceback[0]
        assert line.startswith("Not implemented yet: "), line
        assert "\n" not in line
        assert stream_text(cell, "stderr") == ""
