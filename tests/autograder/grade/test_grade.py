"""The grade verb end to end: a fabricated class through collect, the sandbox and nbgrader.

The class (see tests/classroom.py) is graded once; every test reads
that run, or grades a copy of it again.
"""

import json
import os
import re

import pytest

from autograder.demo.fabricate import side_effects
from autograder.grade import GradeError, grade
from autograder.grade.course import find_students
from autograder.grade.gradebook import scores
from autograder.grade.results import read_result, read_results
from autograder.paths import ASSIGNMENT_ID
from tests.classroom import CLASS, grade_table

pytestmark = [pytest.mark.grade, pytest.mark.slow]

GRADED = [s for s in CLASS if not s.startswith("hostile-zip-")]


def fabricated(graded_class, student):
    return next(f for f in graded_class.fabricated if f.student_id == student)


def test_every_collected_submission_is_graded(graded_class):
    """Is every submission collect took graded, and the refused zips not?"""
    assert sorted(graded_class.collected.collected) == sorted(GRADED)
    assert not graded_class.report.failed
    assert sorted(r.student for r in graded_class.report.results) == sorted(GRADED)
    assert graded_class.report.sandbox == "bwrap"


@pytest.mark.parametrize("student", GRADED)
def test_each_submission_earns_exactly_its_honest_score(graded_class, student):
    """Does each submission score what its code honestly earns, cell by cell?

    The solution and the alternative implementation: full marks; the release:
    zero; a mistake: points lost in the cells it breaks only; a hostile
    submission: only what its honest base earns, whatever it attacked.
    """
    result = read_result(graded_class.course, student)
    assert result is not None
    assert fabricated(graded_class, student).expect.mismatches(result) == []


def test_the_gradebook_holds_the_trusted_scores(graded_class):
    """Is every autograded cell's auto_score in nbgrader's gradebook the trusted one?"""
    table = grade_table(graded_class.course)
    for result in read_results(graded_class.course):
        for cell in result.cells:
            auto, manual, _ = table[(result.student, cell.notebook, cell.grade_id)]
            assert auto == pytest.approx(cell.points), (result.student, cell.grade_id)
            assert manual is None
    totals = scores(graded_class.course, ASSIGNMENT_ID)
    assert totals["solution"][0] == pytest.approx(73)
    assert totals["hostile-gradebook"][0] == pytest.approx(0)


def test_no_attack_left_a_trace(graded_class):
    """Is nothing written outside the scratch folders, no process left, the gradebook unrigged?"""
    gradebook = graded_class.course / "gradebook.db"
    assert side_effects(graded_class.fabricated, gradebook=gradebook) == []
    assert not any(graded_class.canaries.iterdir())


def test_the_solution_is_graded_without_a_flag(graded_class):
    """Are the solution and the alternative graded without a flag, their notebooks kept as
    submitted (executed once: in the harness), with no in-kernel verdict?"""
    for student in ("solution", "alternative"):
        result = read_result(graded_class.course, student)
        assert result.flags == []
        assert result.cell_flags() == []
        assert set(result.notebooks.values()) == {"as submitted"}
        assert all(cell.nbgrader_points is None for cell in result.cells)
        assert set(result.phases) == {"assemble", "harness", "verdict", "notebooks"}


def test_the_class_is_graded_with_the_time_budgets_the_suite_sets(graded_class):
    """Graded with CONVKIT_TIME_SCALE 0.5 (tests/conftest.py), does a case that sleeps stop
    at half its 20 s budget, the hint say so, and the fork bomb's import stop at 10 s?"""
    from autograder.grade.run import TIME_SCALE_ENV
    from tests.classroom import TIME_SCALE

    assert os.environ[TIME_SCALE_ENV] == TIME_SCALE == "0.5"
    sleeper = read_result(graded_class.course, "hostile-sleep")
    hints = {c.hint for cell in sleeper.cells for c in cell.cases if "timed out" in (c.hint or "")}
    assert hints
    assert all(h.startswith("timed out after 10 s ") for h in hints), hints
    assert re.search(
        r"spatial_groupnorm_forward\.public: timed out after 10 s \(10\.\d+ s", sleeper.log
    )
    bomb = read_result(graded_class.course, "hostile-fork-bomb")
    assert "did not finish in 10 s" in bomb.log


def test_the_instructor_is_told_what_each_attack_did(graded_class):
    """Does each attack on the notebooks, which never run now, still get a flag naming it?"""

    def flags(student):
        result = read_result(graded_class.course, student)
        return " | ".join([*result.flags, *(flag for _, flag in result.cell_flags())])

    assert "reassigns numpy.allclose" in flags("hostile-monkeypatch")
    assert "uses input_transformers_cleanup (rewrites later cells" in flags(
        "hostile-input-transformer"
    )
    assert "calls _exit" in flags("hostile-exit")
    assert "imports signal" in flags("hostile-loop-cell")
    assert "edited provided file cs231n/fast_layers.py (ignored)" in flags(
        "hostile-edited-provided"
    )
    assert "sitecustomize.py" in flags("hostile-site")
    # The loop in a package function costs its own cells, not the run.
    assert "did not finish" not in flags("hostile-loop-function")


def test_a_notebooks_own_outputs_are_kept_inert_and_never_scored(graded_copy):
    """A submitted notebook whose saved outputs claim a score and carry a script, and an inline
    answer holding a script: does the autograded copy keep the text and drop the scripts, the
    feedback page run none, and the gradebook keep the trusted score?"""
    import nbformat

    from autograder.feedback import feedback

    student = "release"
    path = graded_copy / "submitted" / student / ASSIGNMENT_ID / "ConvolutionalNetworks.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "correct_conv_forward_naive"
    )
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="conv_forward_naive: PASSED\n"),
        nbformat.v4.new_output(
            "execute_result",
            data={"text/plain": "3", "text/html": "<script>steal()</script>"},
            execution_count=1,
        ),
        nbformat.v4.new_output("display_data", data={"application/javascript": "steal()"}),
    ]
    answer = next(
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_initial_loss"
    )
    answer.source = "**Your Answer:** about log(10) <script>steal()</script>"
    nbformat.write(nb, path)
    grade(graded_copy, students=[student], log=lambda line: None)
    autograded = graded_copy / "autograded" / student / ASSIGNMENT_ID / path.name
    kept = next(
        c
        for c in nbformat.read(autograded, as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "correct_conv_forward_naive"
    )
    text = json.dumps(kept.outputs)
    assert "conv_forward_naive: PASSED" in text
    assert "<script" not in text
    assert "steal()" not in text
    assert "only text and PNG/JPEG images are kept" in text
    kept_answer = next(
        c
        for c in nbformat.read(autograded, as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_initial_loss"
    )
    assert kept_answer.source == "**Your Answer:** about log(10) &lt;script>steal()&lt;/script>"
    feedback(graded_copy, students=[student], log=lambda line: None)
    page = (graded_copy / "feedback" / student / ASSIGNMENT_ID / path.name).with_suffix(".html")
    html = page.read_text()
    assert "about log(10)" in html
    assert "<script>steal()" not in html
    table = grade_table(graded_copy)
    assert table[(student, "ConvolutionalNetworks", "correct_conv_forward_naive")][0] == 0


def test_cells_a_student_copied_or_edited_in_jupyter_keep_the_record(graded_copy):
    """A check cell set to grade: false, another with its metadata deleted, the train_one_epoch
    cell copied (its grade_id with it): does nbgrader's step still succeed (the autograded
    notebooks kept, for hand grading), the flag say what was mended, and the score stay full?"""
    import nbformat

    student = "solution"
    path = graded_copy / "submitted" / student / ASSIGNMENT_ID / "ConvolutionalNetworks.ipynb"
    nb = nbformat.read(path, as_version=4)

    def index(grade_id):
        return next(
            n
            for n, c in enumerate(nb.cells)
            if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
        )

    nb.cells[index("correct_conv_forward_naive")].metadata.nbgrader["grade"] = False
    del nb.cells[index("correct_max_pool_forward_naive")].metadata["nbgrader"]
    at = index("train_one_epoch")
    copied = nbformat.from_dict(json.loads(json.dumps(nb.cells[at])))
    copied["id"] = "a-copy"
    nb.cells.insert(at + 1, copied)
    nbformat.write(nb, path)
    grade(graded_copy, students=[student], log=lambda line: None)
    result = read_result(graded_copy, student)
    assert result.points == result.max_points
    flags = " | ".join(result.flags)
    assert "nbgrader autograde failed" not in flags
    assert "correct_conv_forward_naive: its nbgrader metadata was edited (grade)" in flags
    assert "a second cell with grade_id train_one_epoch" in flags
    autograded = graded_copy / "autograded" / student / ASSIGNMENT_ID
    kept = nbformat.read(autograded / path.name, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in kept.cells]
    assert ids.count("correct_max_pool_forward_naive") == 1  # put back by nbgrader
    assert ids.count("train_one_epoch") == 1
    table = grade_table(graded_copy)
    answers = [v for k, v in table.items() if k[0] == student and k[2].startswith("inline_")]
    assert len(answers) == 8
    assert all(needs for _, _, needs in answers)


def test_a_missing_notebook_is_graded_by_the_rule_collect_states(graded_copy):
    """With ConvolutionalNetworks.ipynb gone, are its package cells still scored, the work that
    lives only in it (train_one_epoch) 0, and the flag and feedback page the sentence collect
    gives?"""
    from autograder.feedback import feedback
    from autograder.grade.results import notebook_left_out

    student = "solution"
    (graded_copy / "submitted" / student / ASSIGNMENT_ID / "ConvolutionalNetworks.ipynb").unlink()
    grade(graded_copy, students=[student], log=lambda line: None)
    result = read_result(graded_copy, student)
    points = {cell.grade_id: cell.points for cell in result.cells}
    full = {cell.grade_id: cell.max_points for cell in result.cells}
    assert points["correct_train_one_epoch"] == 0
    assert points["correct_conv_forward_naive"] == full["correct_conv_forward_naive"]
    assert result.points == result.max_points - full["correct_train_one_epoch"]
    rule = notebook_left_out("ConvolutionalNetworks.ipynb")
    assert rule in result.flags
    report = feedback(graded_copy, students=[student], log=lambda line: None)
    assert rule in report.pages[student].read_text()


def test_hidden_case_hints_never_hold_an_expected_value(graded_class):
    """Is no hint of a hidden case quoting a number the grader expected?"""
    value = re.compile(r"\d\.\d{3,}")  # the key's floats print with several digits
    hidden = [
        case.hint
        for result in read_results(graded_class.course)
        for cell in result.cells
        for case in cell.cases
        if case.visibility == "hidden" and case.hint
    ]
    assert hidden  # the mistakes and attacks miss hidden cases
    assert [hint for hint in hidden if value.search(hint)] == []


def test_grading_again_changes_nothing(graded_class, graded_copy):
    """Does a second run reuse every result and leave the gradebook exactly as it was?"""
    before = grade_table(graded_copy)
    report = grade(graded_copy, log=lambda line: None)
    assert sorted(report.reused) == sorted(GRADED)
    assert report.regraded == []
    assert grade_table(graded_copy) == before


def test_an_unknown_student_or_course_is_a_clear_error(graded_class, tmp_path):
    """Are an unknown --student and a folder that is no course refused by name?"""
    with pytest.raises(GradeError, match="nobody"):
        find_students(graded_class.course, only=["nobody"])
    with pytest.raises(GradeError, match="not a released course"):
        grade(tmp_path, log=lambda line: None)
