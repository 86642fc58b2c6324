"""The export verb on the class graded end to end (tests/classroom.py)."""

import csv
import json
import re
import shutil
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from autograder.export import ExportError, export, results_json
from autograder.feedback.late import Late
from autograder.grade.results import CaseVerdict, CellScore, Result, read_result, read_results
from autograder.paths import ASSIGNMENT_ID

pytestmark = [pytest.mark.export, pytest.mark.slow]


@pytest.fixture(scope="module")
def exported(graded_class, tmp_path_factory):
    """The export of a copy of the graded course, written once."""
    course = tmp_path_factory.mktemp("export") / "course"
    shutil.copytree(graded_class.course, course, symlinks=True)
    paths = export(course, log=lambda line: None)
    return course, paths


def test_grades_csv_holds_the_trusted_totals(exported):
    """Is grades.csv nbgrader's export, one row per student, with the trusted total?"""
    course, paths = exported
    assert course / "grades.csv" in paths
    rows = {row["student_id"]: row for row in csv.DictReader((course / "grades.csv").open())}
    for result in read_results(course):
        row = rows[result.student]
        assert row["assignment"] == result.assignment
        # Inline questions are not graded yet: the score is the autograded part.
        assert float(row["score"]) == pytest.approx(result.points)
        assert float(row["max_score"]) > result.max_points  # manual cells count in the max


def test_gradescope_results_per_submission(exported):
    """Is each results.json Gradescope's format: score, tests with score, max_score, visibility?"""
    course, _ = exported
    for result in read_results(course):
        path = course / "export" / "gradescope" / result.student / "results.json"
        data = json.loads(path.read_text())
        tests = data["tests"]
        # The autograded cells first, in notebook order, then the hand-graded ones
        # that have a score (nbgrader gives an untouched answer 0 at autograde).
        for test, cell in zip(tests, result.cells, strict=False):
            assert test["score"] == pytest.approx(cell.points)
            assert test["max_score"] == cell.max_points
            assert cell.grade_id in test["name"]
        manual = tests[len(result.cells) :]
        assert all("graded by hand" in test["name"] for test in manual)
        for test in tests:
            assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
        manual_points = sum(test["score"] for test in manual)
        assert data["score"] == pytest.approx(result.points + manual_points)


def test_gradescope_output_carries_the_hints(exported):
    """Does a lost test say which case failed, what that case exercises, and why?"""
    course, _ = exported
    data = json.loads(
        (course / "export" / "gradescope" / "mistake-conv-stride" / "results.json").read_text()
    )
    lost = [t for t in data["tests"] if t["score"] < t["max_score"]]
    assert lost
    assert all("failed:" in t["output"] for t in lost)
    # e.g. "hidden-2 (hidden: 3 x 3 filter, stride 3, ...): failed: ..."
    described = re.compile(r"hidden-\d \(hidden: \d+ x \d+ filter, stride")
    assert any(described.search(t["output"]) for t in lost)


def test_gradescope_says_what_a_ta_gave_by_hand():
    """Does results.json show a TA's score of an autograded cell as changed by hand (in its
    test's output and in the autograded total), and the comment of an inline question graded
    by hand as its test's output?"""
    nb = "ConvolutionalNetworks"
    cells = [
        CellScore(nb, "correct_conv_forward_naive", "conv_forward_naive", 3.0, 3.0,
                  [CaseVerdict("public", "visible", True)]),
        CellScore(nb, "correct_relu_forward", "relu_forward", 1.0, 1.0, []),
    ]  # fmt: skip
    result = Result("jdoe", ASSIGNMENT_ID, "f", "bwrap", cells=cells)
    stored = {
        (nb, "correct_conv_forward_naive"): (1.5, 3.0, "code"),
        (nb, "correct_relu_forward"): (1.0, 1.0, "code"),
        (nb, "inline_question_a"): (2.0, 2.0, "markdown"),
        (nb, "inline_question_b"): (None, 2.0, "markdown"),
    }
    data = results_json(result, stored, {(nb, "inline_question_a"): "Name the <b>BLAS</b> call."})
    conv, relu, question = data["tests"]
    assert conv["score"] == 1.5
    assert conv["output"].endswith("Score changed by hand: 3 by the autograder, 1.5 by hand.")
    assert "by hand" not in relu["output"]
    assert question["score"] == 2.0
    assert question["output"] == "Comment: Name the <b>BLAS</b> call."
    assert data["score"] == 4.5
    assert data["output"].startswith("Autograded: 2.5 / 4. Not graded yet")
    assert "inline_question_b" in data["output"]
    # Nothing given by hand (Gradescope's own run): the trusted scores, no comment.
    plain = results_json(result, {})
    assert plain["output"] == "Autograded: 4 / 4."
    assert all("by hand" not in t["output"] for t in plain["tests"])


def test_gradescope_counts_extra_credit_and_takes_the_late_penalty():
    """Does results.json count a TA's extra credit in its test's score (saying "+1 extra
    credit"), as grades.csv's raw_score does, and is its score grades.csv's, after the late
    penalty its output explains?"""
    nb = "ConvolutionalNetworks"
    cells = [
        CellScore(nb, "correct_conv_forward_naive", "conv_forward_naive", 3.0, 3.0, []),
        CellScore(nb, "correct_relu_forward", "relu_forward", 1.0, 0.0, []),
    ]
    result = Result("jdoe", ASSIGNMENT_ID, "f", "bwrap", cells=cells)
    stored = {
        (nb, "correct_conv_forward_naive"): (3.0, 3.0, "code"),
        (nb, "correct_relu_forward"): (0.0, 1.0, "code"),
        (nb, "inline_question_a"): (2.0, 2.0, "markdown"),
    }
    extras = {(nb, "correct_conv_forward_naive"): 1.0, (nb, "inline_question_a"): 0.5}
    due = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)
    late = Late(due, due + timedelta(hours=25), 90000.0, 1.3, "10% per day")
    data = results_json(result, stored, extras=extras, late=late)
    conv, relu, question = data["tests"]
    assert conv["score"] == 4.0
    assert conv["output"].endswith("+1 extra credit (given by hand).")
    assert relu["score"] == 0.0
    assert question["score"] == 2.5
    assert data["score"] == 5.2  # 6.5 - 1.3, as grades.csv: max(0, raw_score - penalty)
    assert "Extra credit: +1.5" in data["output"]
    assert (
        "Late penalty: \u22121.3 (submitted 1 d 1 h late (due 2026-11-20 23:59 UTC); "
        "10% per day): 6.5 before it, 5.2 after it." in data["output"]
    )


def test_export_of_an_ungraded_course_is_a_clear_error(tmp_path):
    """Is exporting a folder without a gradebook refused by name?"""
    with pytest.raises(ExportError, match="gradebook"):
        export(tmp_path, log=lambda line: None)


def _set_auto_score(course, student, grade_id, value):
    from autograder.grade.gradebook import open_gradebook

    with open_gradebook(course) as gb:
        submission = gb.find_submission(ASSIGNMENT_ID, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name == grade_id:
                    grade.auto_score = value
        gb.db.commit()


def test_a_gradebook_score_that_is_not_the_trusted_one_is_repaired_loudly(graded_copy):
    """If the gradebook holds a score the grader never gave (a run killed between nbgrader's
    step and the trusted record, a hand edit), does export write the trusted one back, say
    whose, and export it?"""
    _set_auto_score(graded_copy, "hostile-monkeypatch", "correct_three_layer_convnet_loss", 4.0)
    said = []
    export(graded_copy, format="csv", log=said.append)
    (line,) = [line for line in said if line.startswith("repaired")]
    assert "hostile-monkeypatch" in line
    assert "correct_three_layer_convnet_loss" in line
    rows = {r["student_id"]: r for r in csv.DictReader((graded_copy / "grades.csv").open())}
    trusted = read_result(graded_copy, "hostile-monkeypatch").points
    assert float(rows["hostile-monkeypatch"]["score"]) == pytest.approx(trusted)


def test_a_submission_collected_again_since_grading_stops_export_by_name(graded_copy, tmp_path):
    """A student hands in another zip after grading (here the untouched release over a full
    marks submission): do export and feedback refuse, naming that student, rather than
    publish the old grade?"""
    from autograder.collect import collect
    from autograder.feedback import FeedbackError, feedback

    release_zip = tmp_path / "solution.zip"
    release = graded_copy / "release" / ASSIGNMENT_ID
    with zipfile.ZipFile(release_zip, "w") as z:
        for path in sorted(release.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(release).as_posix())
    collect(graded_copy, [release_zip], log=None)
    with pytest.raises(ExportError, match=r"solution \(collected again since it was graded\)"):
        export(graded_copy, log=lambda line: None)
    with pytest.raises(FeedbackError, match=r"solution \(collected again"):
        feedback(graded_copy, students=["solution"], log=lambda line: None)
    (graded_copy / "autograder" / "results" / "alternative.json").unlink()
    with pytest.raises(ExportError, match=r"alternative \(collected but never graded\)"):
        export(graded_copy, log=lambda line: None)


def test_an_unreadable_results_file_is_named_then_graded_again(graded_copy):
    """A results file that is not one (`{`): do export name the file and stop, and grade say
    so and grade that student again, leaving the others as they were?"""
    from autograder.grade import grade

    path = graded_copy / "autograder" / "results" / "release.json"
    path.write_text("{")
    with pytest.raises(ExportError, match=r"release \(its results file cannot be read: .*"):
        export(graded_copy, log=lambda line: None)
    said = []
    report = grade(graded_copy, log=said.append)
    assert report.regraded == ["release"]
    assert "release.json" in report.unreadable["release"]
    assert any(line.startswith("release: its results file cannot be read") for line in said)
    assert read_result(graded_copy, "release").points == 0
    export(graded_copy, log=lambda line: None)
