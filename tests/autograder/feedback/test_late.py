"""The late penalty and the extra credit (autograder/feedback/late.py), the same number in the
four places a grade shows: the feedback page, the class report, results.json, grades.csv."""

import csv
import hashlib
import html
import json
import re

import pytest

from autograder.collect.late import write_policy
from autograder.export import export
from autograder.feedback import feedback
from autograder.feedback.late import late_penalties
from autograder.report.gather import gather
from tests.autograder.feedback.helpers import ASSIGNMENT, EXPECTED, late_class

pytestmark = pytest.mark.feedback


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The class of helpers.CLASS, shared by the tests that change nothing but its outputs."""
    return late_class(tmp_path_factory.mktemp("late") / "course")


def page_total(course, student):
    """The total of a student's feedback page, as a number, and the page's text."""
    page = (course / "feedback" / student / ASSIGNMENT / "index.html").read_text()
    total = re.search(r"<tr class='total'><th>Total</th><td class='num'>([\d.]+) /", page)
    return float(total.group(1)), " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def csv_rows(course):
    with (course / "grades.csv").open() as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def test_the_penalty_is_computed_now_and_nothing_is_written(course):
    """Does late_penalties give each submission's penalty from the policy, the due date and the
    scores (extra credit included, as nbgrader's), without writing the gradebook?"""
    before = hashlib.sha256((course / "gradebook.db").read_bytes()).hexdigest()
    lates = late_penalties(course, ASSIGNMENT)
    assert {s: late.penalty for s, late in lates.items()} == pytest.approx(
        {s: penalty for s, (_, penalty, _) in EXPECTED.items()}
    )
    assert lates["lena"].how_late == "2 h 30 min late"
    assert lates["ezra"].seconds == 0
    assert lates["ezra"].how_late == ""
    assert "10% of the score per hour" in lates["lena"].describe()
    assert "2026-11-20 23:59 UTC" in lates["lena"].describe()
    assert hashlib.sha256((course / "gradebook.db").read_bytes()).hexdigest() == before


def test_the_page_the_report_results_json_and_grades_csv_give_one_score(course):
    """Are the feedback page's total, the report's score, results.json's score and grades.csv's
    score one number for a late student, one given extra credit and one with both, and does
    the page say how late, the penalty and the extra credit?"""
    feedback(course, log=lambda line: None)
    found = {s.id: s for s in gather(course).graded}
    export(course, log=lambda line: None)
    rows = csv_rows(course)
    for student, (raw, penalty, score) in EXPECTED.items():
        row = rows[student]
        assert float(row["raw_score"]) == pytest.approx(raw)
        assert float(row["late_submission_penalty"] or 0) == pytest.approx(penalty)
        assert float(row["score"]) == pytest.approx(score)
        total, _ = page_total(course, student)
        assert total == pytest.approx(score)
        assert found[student].total == pytest.approx(score)
        assert found[student].raw == pytest.approx(raw)
        data = json.loads((course / "export" / "gradescope" / student / "results.json").read_text())
        assert data["score"] == pytest.approx(score)

    _, lena = page_total(course, "lena")
    assert "Late penalty \u22122.1" in lena
    assert "submitted 2 h 30 min late (due 2026-11-20 23:59 UTC)" in lena
    assert "7 before the penalty" in lena
    assert "after the late penalty" in lena
    _, ezra = page_total(course, "ezra")
    assert "+1 extra credit" in ezra
    assert "Late penalty" not in ezra
    _, both = page_total(course, "both")
    assert "+0.5 extra credit" in both
    assert "Late penalty \u22120.25" in both


def test_a_policy_changed_after_export_shows_at_once_and_in_the_next_export(tmp_path):
    """After the policy changes, does the page show the new penalty (not the one the last
    export stored), and does the next export's grades.csv agree with it?"""
    course = late_class(tmp_path / "course")
    export(course, format="csv", log=lambda line: None)
    assert float(csv_rows(course)["lena"]["score"]) == pytest.approx(4.9)
    write_policy(course, "zero", 0.0, 100.0)
    feedback(course, students=["lena"], log=lambda line: None)
    total, text = page_total(course, "lena")
    assert total == 0
    assert "a late submission scores 0" in text
    export(course, format="csv", log=lambda line: None)
    assert float(csv_rows(course)["lena"]["score"]) == total
