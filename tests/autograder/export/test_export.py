"""The export verb on the class graded end to end (tests/classroom.py)."""

import csv
import json

import pytest

from autograder.export import ExportError, export
from autograder.grade.results import read_results

pytestmark = [pytest.mark.export, pytest.mark.slow]


@pytest.fixture(scope="module")
def exported(graded_class):
    paths = export(graded_class.course, log=lambda line: None)
    return graded_class.course, paths


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
    """Does a lost test say which case failed and why?"""
    course, _ = exported
    data = json.loads(
        (course / "export" / "gradescope" / "mistake-conv-stride" / "results.json").read_text()
    )
    lost = [t for t in data["tests"] if t["score"] < t["max_score"]]
    assert lost
    assert all("failed:" in t["output"] for t in lost)


def test_export_of_an_ungraded_course_is_a_clear_error(tmp_path):
    """Is exporting a folder without a gradebook refused by name?"""
    with pytest.raises(ExportError, match="gradebook"):
        export(tmp_path, log=lambda line: None)
