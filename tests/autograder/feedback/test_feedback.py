"""The feedback verb on the class graded end to end (tests/classroom.py)."""

import html
import json
import re
import shutil
import sqlite3

import pytest

from autograder.feedback import FeedbackError, feedback
from autograder.grade.gradebook import cell_grades, open_gradebook
from autograder.grade.results import read_result, read_results

pytestmark = [pytest.mark.feedback, pytest.mark.slow]


@pytest.fixture(scope="module")
def written(graded_class, tmp_path_factory):
    """The feedback of a copy of the graded course, written once."""
    course = tmp_path_factory.mktemp("feedback") / "course"
    shutil.copytree(graded_class.course, course, symlinks=True)
    report = feedback(course, log=lambda line: None)
    return course, report


def test_every_graded_student_gets_a_summary_page(written):
    """Is there an index.html per graded student, with their score on it?"""
    course, report = written
    results = read_results(course)
    assert sorted(report.pages) == sorted(r.student for r in results)
    for result in results:
        text = report.pages[result.student].read_text()
        assert f"{result.points:g} / {result.max_points:g}" in text


def test_no_hidden_test_reaches_the_gradebook_or_feedback(written):
    """Do the gradebook's cells and every feedback page hold no hidden test (the hidden cases
    live in the grader only), and do the pages show the notebooks?"""
    course, _ = written
    db = sqlite3.connect(course / "gradebook.db")
    try:
        sources = [row[0] for row in db.execute("SELECT source FROM source_cell")]
    finally:
        db.close()
    assert sources
    assert [s for s in sources if "HIDDEN TESTS" in s.upper()] == []
    pages = sorted((course / "feedback").rglob("*.html"))
    assert any(p.name == "ConvolutionalNetworks.html" for p in pages)
    for page in pages:
        assert "HIDDEN TESTS" not in page.read_text(errors="replace").upper(), page


def test_feedback_holds_pages_only(written):
    """Does a student's feedback folder hold only HTML, not the package nbgrader copied?"""
    course, _ = written
    for folder in (course / "feedback").glob("*/*"):
        assert {p.suffix for p in folder.iterdir()} == {".html"}, folder


def test_the_summary_names_each_mistake(written):
    """Does the summary of a mistake show the hint of every case the broken function missed?"""
    course, report = written
    (result,) = [r for r in read_results(course) if r.student == "mistake-conv-stride"]
    hints = [
        case.hint
        for cell in result.cells
        if cell.function == "conv_forward_naive"
        for case in cell.cases
        if not case.passed and case.hint
    ]
    assert hints
    text = report.pages["mistake-conv-stride"].read_text()
    for hint in hints:
        assert html.escape(hint, quote=True) in text
    solution = report.pages["solution"].read_text()
    assert "all correct" in solution
    assert "ConvolutionalNetworks.html" in solution


def test_a_student_quoting_html_cannot_inject_it(written):
    """Is every hint escaped (a student's exception message could hold markup)?"""
    course, report = written
    for page in report.pages.values():
        text = page.read_text()
        assert "<script" not in text.lower()
    data = json.loads((course / "autograder" / "results" / "solution.json").read_text())
    assert data["student"] == "solution"


def test_hand_grading_shows_in_the_total_and_the_questions(graded_copy):
    """After a TA grades one inline question in the formgrader (a score and a comment), does
    the page give the total with those points, the other questions' points as awaiting hand
    grading, and every inline question of the release in notebook order, numbered, with the
    TA's score and comment on the one graded?"""
    question = ("ConvolutionalNetworks", "inline_question_fast_layers")
    with open_gradebook(graded_copy) as gb:
        gb.find_grade(*reversed(question), "convnets", "solution").manual_score = 1.5
        comment = gb.find_comment(*reversed(question), "convnets", "solution")
        comment.manual_comment = "Name the <b>BLAS</b> call."
        gb.db.commit()
    report = feedback(graded_copy, students=["solution"], log=lambda line: None)
    text = report.pages["solution"].read_text()
    result = read_result(graded_copy, "solution")
    grades = cell_grades(graded_copy, "convnets", "solution")
    hand = {cell: grade for cell, grade in grades.items() if grade.cell_type == "markdown"}
    worth = hand[question].max_score
    waiting = sum(grade.max_score for grade in hand.values()) - worth
    assert (
        f"{result.points + 1.5:g} / {result.max_points + waiting + worth:g} so far</td>"
        f"<td class='pending'>awaiting hand grading: {waiting:g} points "
        f"({len(hand) - 1} inline questions)"
    ) in text
    release = graded_copy / "release" / "convnets"
    expected = []
    for notebook in sorted({cell.notebook for cell in result.cells}):
        expected.append(f"{notebook}.ipynb")
        nb = json.loads((release / f"{notebook}.ipynb").read_text())
        for cell in nb["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
            if grade_id.startswith("inline_question_") and grade_id.endswith("_prompt"):
                label = re.match(r"\*\*(Inline Question \d+):", "".join(cell["source"]))
                expected.append(label.group(1))
    section = text[text.index("<h2>Inline questions</h2>") :]
    shown = re.findall(r"<h3>([^<]*)</h3>|<h4>(Inline Question \d+):", section)
    assert ["".join(pair) for pair in shown] == expected
    assert sum(label.startswith("Inline") for label in expected) == len(hand)
    graded = section[section.index("id='ConvolutionalNetworks-inline_question_fast_layers'") :]
    graded = graded[: graded.index("</section>")]
    assert f"1.5 / {worth:g}" in graded
    assert "Name the &lt;b&gt;BLAS&lt;/b&gt; call." in graded


def test_feedback_before_grading_is_a_clear_error(tmp_path):
    """Is feedback for a folder that is no course, or not yet graded, refused by name?"""
    with pytest.raises(FeedbackError, match="not a course"):
        feedback(tmp_path, log=lambda line: None)


def test_an_unknown_student_is_named(graded_copy):
    """Is `--student nobody` refused by name, even beside a known student?"""
    with pytest.raises(FeedbackError, match="nobody"):
        feedback(graded_copy, students=["solution", "nobody"], log=lambda line: None)
