"""check_submission.py (autograder/release/selfcheck.py) on notebooks made by hand, no kernel."""

import io
import os
import shutil

import nbformat
import pytest

from autograder import paths
from autograder.release import course as course_step
from autograder.release import selfcheck
from autograder.release.strip import stub_line
from tests.autograder.release.helpers import FIXTURE_NOTEBOOK, fixture_notebook

ANSWER = "The windows must fit inside the input, so the output has HH - 1 fewer rows."


def _released(run=True, answered=True, error=None):
    """The fixture notebook as a student saves it: stubbed like the release, maybe run."""
    nb = fixture_notebook()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("<small>header</small>"))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            if cell.cell_type == "code":
                cell.source = "def conv_output_size(H, HH, pad, stride):\n    return H"
                if not answered:
                    cell.source = course_step.CODE_STUB
            else:
                cell.source = ANSWER if answered else "YOUR ANSWER HERE"
    if run:
        for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), 1):
            cell.execution_count = count
    if error:
        grade_id, ename, evalue = error
        cell = next(
            c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        )
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
    return nb


def _write(nb, folder, name=FIXTURE_NOTEBOOK):
    path = folder / name
    nbformat.write(nb, path)
    return path


def _number(nb, grade_id):
    return next(
        i
        for i, c in enumerate(nb.cells, 1)
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def test_a_complete_notebook_gives_no_warning(tmp_path):
    """Is a notebook run through, its checks passed and its answers written, left unremarked?"""
    assert selfcheck.check_notebook(_write(_released(), tmp_path)) == []


def test_a_notebook_never_run_is_named_once(tmp_path):
    """Does a notebook whose code cells never ran get one line saying so, not one per cell?"""
    warnings = selfcheck.check_notebook(_write(_released(run=False), tmp_path))
    assert len(warnings) == 1
    assert warnings[0].startswith("never run: none of its code cells has been run")


def test_empty_answers_name_their_cells(tmp_path):
    """Are a code answer still raising and a written answer still reading YOUR ANSWER HERE
    named by cell number, section and id?"""
    nb = _released(answered=False)
    warnings = selfcheck.check_notebook(_write(nb, tmp_path))
    code, text = _number(nb, "conv_output_size"), _number(nb, "inline_question_1")
    assert warnings == [
        f'answer still empty: cell {code}, in "Release fixture" (conv_output_size) still holds '
        f"{selfcheck.CODE_STUB_LINE}",
        f'answer still empty: cell {text}, in "Release fixture" (inline_question_1) still '
        "holds YOUR ANSWER HERE",
    ]


def test_a_failed_check_shows_its_error(tmp_path):
    """Is a check cell saved with an error reported as a failed check, with the error's line?"""
    error = ("correct_conv_output_size", "CheckFailed", "side: FAILED (3 != 5)\nmore")
    nb = _released(error=error)
    warnings = selfcheck.check_notebook(_write(nb, tmp_path))
    n = _number(nb, "correct_conv_output_size")
    assert warnings == [
        f'check failed: cell {n}, in "Release fixture" (correct_conv_output_size): '
        "CheckFailed: side: FAILED (3 != 5)"
    ]


def test_cells_never_run_after_a_stop(tmp_path):
    """When a run stopped halfway, is each check cell never run named, the others counted?"""
    nb = _released()
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code[2:]:
        cell.execution_count = None
    warnings = selfcheck.check_notebook(_write(nb, tmp_path))
    assert warnings == [
        f'never run: check cell {_number(nb, "correct_conv_output_size")}, in "Release fixture" '
        "(correct_conv_output_size)",
        f'never run: check cell {_number(nb, "correct_conv_forward_naive")}, in "Release fixture" '
        "(correct_conv_forward_naive)",
    ]
    for count, cell in enumerate(code):
        cell.execution_count = None if count < 2 else count
    nbformat.write(nb, tmp_path / FIXTURE_NOTEBOOK)
    assert selfcheck.check_notebook(tmp_path / FIXTURE_NOTEBOOK) == [
        f"never run: 2 other code cells, the first cell {nb.cells.index(code[0]) + 1}, in "
        '"Release fixture"'
    ]


def test_a_run_stopped_at_an_error_gets_one_line_for_the_cells_below(tmp_path):
    """When a run stopped at a failed check, are the cells below it summed up in one line,
    with the ids of the checks among them?"""
    nb = _released(error=("correct_conv_output_size", "CheckFailed", "wrong"))
    nb.cells.append(nbformat.v4.new_code_cell("print('not a check')"))
    stopped = _number(nb, "correct_conv_output_size")
    for cell in nb.cells[stopped:]:
        if cell.cell_type == "code":
            cell.execution_count = None
    warnings = selfcheck.check_notebook(_write(nb, tmp_path))
    assert warnings[1:] == [
        "never run: 1 check cell (correct_conv_forward_naive) and 1 other code cell, below "
        f"cell {stopped}, where the run stopped at an error"
    ]


def test_missing_and_unreadable_notebooks(tmp_path):
    """Is a missing notebook, or a file that is not one, reported instead of crashing?"""
    assert selfcheck.check_notebook(tmp_path / "gone.ipynb")[0].startswith("missing")
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert selfcheck.check_notebook(tmp_path / "bad.ipynb")[0].startswith("cannot be read")


def test_package_functions_still_raising(tmp_path):
    """Is each line the release left in place of a function named, with its file and line?"""
    package = tmp_path / "cs231n"
    (package / "__pycache__").mkdir(parents=True)
    (package / "layers.py").write_text(
        "def f():\n    " + stub_line("conv_forward_naive", "cs231n/layers.py") + "\n"
        "def g():\n    raise NotImplementedError('a student may raise their own')\n"
    )
    (package / "__pycache__" / "x.py").write_text(stub_line("h", "cs231n/x.py"))
    assert selfcheck.check_package(package) == [
        "not written yet: conv_forward_naive (cs231n/layers.py, line 2 still raises "
        "NotImplementedError)"
    ]
    (package / "layers.py").write_text("def f():\n    return 1\n")
    assert selfcheck.check_package(package) == []


def test_stubs_are_the_ones_the_release_writes():
    """Does the check look for the very lines the release puts in place of answers?"""
    assert selfcheck.CODE_STUB_LINE in course_step.CODE_STUB.splitlines()
    assert f'c.ClearSolutions.text_stub = "{selfcheck.TEXT_STUB}"' in (
        course_step.nbgrader_config_text("a", "c", [])
    )


@pytest.mark.parametrize("clean", [True, False], ids=["clean", "warnings"])
def test_report_and_exit_status(tmp_path, clean):
    """Does the report end with 'Nothing to report' and exit 0 only when nothing was found?"""
    path = _write(_released(answered=clean), tmp_path)
    (tmp_path / "cs231n").mkdir()
    out = io.StringIO()
    count = selfcheck.report([path], package=tmp_path / "cs231n", out=out)
    text = out.getvalue()
    if clean:
        assert count == 0
        assert f"{FIXTURE_NOTEBOOK}: nothing to report" in text
        assert "cs231n/: nothing to report" in text
        assert text.rstrip().splitlines()[-1].startswith("Nothing to report")
    else:
        assert count == 2
        assert text.rstrip().splitlines()[-1] == "2 warnings: look at them before you hand in."


def test_a_notebook_saved_before_the_last_edit_of_the_package(tmp_path):
    """Is a run notebook older than the last saved file of cs231n/ named, with that file, left
    alone once it is saved again, and a notebook never run told only that?"""
    path = _write(_released(), tmp_path)
    package = tmp_path / "cs231n" / "classifiers"
    package.mkdir(parents=True)
    (package / "cnn.py").write_text("x = 1\n")
    (tmp_path / "cs231n" / "layers.py").write_text("x = 1\n")
    os.utime(path, (1000, 1000))
    os.utime(package / "cnn.py", (3000, 3000))
    os.utime(tmp_path / "cs231n" / "layers.py", (2000, 2000))
    assert selfcheck.check_notebook(path, tmp_path / "cs231n") == [
        "saved before your last edit of cs231n/classifiers/cnn.py: its outputs may not show "
        "your code as it is now; run it again from the top and save it"
    ]
    os.utime(path, (3000, 3000))
    assert selfcheck.check_notebook(path, tmp_path / "cs231n") == []
    never = _write(_released(run=False), tmp_path, "b.ipynb")
    os.utime(never, (1000, 1000))
    warnings = selfcheck.check_notebook(never, tmp_path / "cs231n")
    assert [line.split(":")[0] for line in warnings] == ["never run"]


@pytest.mark.release
@pytest.mark.slow
@pytest.mark.parametrize("answer", ["right", "wrong"])
def test_run_checks_a_fresh_run_not_the_saved_outputs(tmp_path, monkeypatch, answer):
    """With --run, is the notebook run from the top and that run checked: a failure saved from
    an earlier run forgotten when the code is right, a failure found when it is wrong, the
    cells below it never run, and the file left as it was?"""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    shutil.copytree(
        paths.PACKAGE_DIR, tmp_path / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )
    error = ("correct_conv_output_size", "CheckFailed", "saved from an earlier run")
    nb = _released(error=None if answer == "wrong" else error)
    for cell in nb.cells:  # as released: no hidden tests
        cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    body = "1 + (H + 2 * pad - HH) // stride" if answer == "right" else "0"
    solution.source = f"def conv_output_size(H, HH, pad, stride):\n    return {body}"
    path = _write(nb, tmp_path)
    saved = path.read_bytes()
    assert bool(selfcheck.check_notebook(path)) is (answer == "right")  # the saved outputs
    warnings = selfcheck.check_notebook(path, tmp_path / "cs231n", run=True)
    if answer == "right":
        assert warnings == []
    else:
        n = _number(nb, "correct_conv_output_size")
        assert warnings[0].startswith(f"check failed: cell {n}, in ")
        assert warnings[0].endswith("(correct_conv_output_size): AssertionError:")
        assert warnings[1:] == [
            "never run: 1 check cell (correct_conv_forward_naive), below cell "
            f"{n}, where the run stopped at an error"
        ]
    assert path.read_bytes() == saved
