"""The inline questions of a submission (autograder/feedback/questions.py), read from a
hand-made course: release notebooks, the student's notebooks and gradebook grades."""

import pytest
from nbformat import write
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.feedback import questions as questions_module
from autograder.feedback.questions import answer_text, read_questions, split_prompt
from autograder.grade.gradebook import CellGrade
from autograder.grade.results import CellScore, Result

pytestmark = pytest.mark.feedback


def graded(grade_id, **extra):
    return {"nbgrader": {"grade_id": grade_id, "grade": True, "solution": True, **extra}}


def prompt(grade_id, text):
    return new_markdown_cell(text, metadata={"nbgrader": {"grade_id": grade_id, "locked": True}})


def answer(grade_id, text):
    return new_markdown_cell(text, metadata=graded(grade_id, points=2))


def notebook_with(*pairs):
    """A notebook holding (question id, prompt text, answer text) triples, a code cell between."""
    cells = [new_code_cell("import numpy as np")]
    for grade_id, question, reply in pairs:
        cells += [prompt(f"{grade_id}_prompt", question), answer(grade_id, reply)]
        cells.append(new_code_cell("x = 1"))
    return new_notebook(cells=cells)


def save(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        write(nb, f)


def hand(score=None, auto=None):
    return CellGrade(auto_score=auto, manual_score=score, max_score=2.0, cell_type="markdown")


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course with two notebooks of questions; the student edited a prompt and left one
    answer blank; the gradebook's comments are stood in for."""
    release = tmp_path / "release" / "convnets"
    save(
        notebook_with(
            (
                "inline_question_zeta",
                "**Inline Question 1:** Why *zeta*?",
                "**Your Answer:**\n\nYOUR ANSWER HERE",
            ),
            ("inline_question_alpha", "**Inline Question 2:** Why `alpha`?", "YOUR ANSWER HERE"),
        ),
        release / "ConvolutionalNetworks.ipynb",
    )
    save(
        notebook_with(("inline_question_g", "**Inline Question 1:** What is G?", "")),
        release / "SpatialNormalization.ipynb",
    )
    mine = tmp_path / "autograded" / "jdoe" / "convnets"
    save(
        notebook_with(
            (
                "inline_question_zeta",
                "**Inline Question 1:** Easy one!",
                "**Your Answer:**\n\nBecause <zeta>.\nTwo lines.",
            ),
            (
                "inline_question_alpha",
                "**Inline Question 2:** Why `alpha`?",
                "**Your Answer:**\n\nYOUR ANSWER HERE",
            ),
        ),
        mine / "ConvolutionalNetworks.ipynb",
    )
    # SpatialNormalization was not kept by nbgrader: the submitted copy stands in.
    save(
        notebook_with(("inline_question_g", "", "**Your Answer:** Groups of channels.")),
        tmp_path / "submitted" / "jdoe" / "convnets" / "SpatialNormalization.ipynb",
    )
    monkeypatch.setattr(
        questions_module,
        "read_comments",
        lambda course, assignment, student, cells: {
            ("ConvolutionalNetworks", "inline_question_zeta"): "Good.",
            ("ConvolutionalNetworks", "inline_question_alpha"): "No response.",
        },
    )
    return tmp_path


def result():
    """A Result whose cells list SpatialNormalization first (the notebooks' order)."""
    cells = [
        CellScore("SpatialNormalization", "correct_bn", "spatial_batchnorm_forward", 1.0, 1.0),
        CellScore("ConvolutionalNetworks", "correct_conv", "conv_forward_naive", 1.0, 1.0),
    ]
    return Result("jdoe", "convnets", "f", "bwrap", cells=cells)


GRADES = {
    ("ConvolutionalNetworks", "inline_question_alpha"): hand(auto=0.0),
    ("ConvolutionalNetworks", "correct_conv"): CellGrade(1.0, None, 1.0, "code"),
    ("SpatialNormalization", "inline_question_g"): hand(),
    ("ConvolutionalNetworks", "inline_question_zeta"): hand(score=1.5),
    ("ConvolutionalNetworks", "inline_question_gone"): hand(),
}


def test_questions_come_in_notebook_order_with_the_release_prompts(course):
    """Are the questions in the order of the results' notebooks, then of their cells in the
    release (not by id), numbered and worded as the release has them (a student's edit of
    a prompt is not shown), with a question only the gradebook knows last?"""
    found = read_questions(course, result(), GRADES)
    assert [(q.notebook, q.grade_id, q.number) for q in found] == [
        ("SpatialNormalization", "inline_question_g", 1),
        ("ConvolutionalNetworks", "inline_question_zeta", 1),
        ("ConvolutionalNetworks", "inline_question_alpha", 2),
        ("ConvolutionalNetworks", "inline_question_gone", None),
    ]
    assert [q.prompt for q in found] == ["What is G?", "Why *zeta*?", "Why `alpha`?", ""]


def test_answers_scores_and_comments_are_the_students_and_the_gradebooks(course):
    """Is each answer the student's text without its heading (the kept notebook, else the
    submitted one), None when left as released, with the gradebook's score (None until
    graded by hand, nbgrader's 0 for a blank answer) and comment?"""
    g, zeta, alpha, gone = read_questions(course, result(), GRADES)
    assert g.answer == "Groups of channels."
    assert (g.score, g.max_score, g.comment) == (None, 2.0, None)
    assert zeta.answer == "Because <zeta>.\nTwo lines."
    assert (zeta.score, zeta.comment) == (1.5, "Good.")
    assert alpha.answer is None
    assert (alpha.score, alpha.comment) == (0.0, "No response.")
    assert gone.answer is None


def test_no_question_without_hand_graded_cells(course):
    """Does a gradebook without hand-graded cells give no questions (and no gradebook read)?"""
    assert (
        read_questions(course, result(), {k: v for k, v in GRADES.items() if v.cell_type == "code"})
        == []
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**Inline Question 3:** Why?", (3, "Why?")),
        ("**Inline Question 12**: Why\nnot?", (12, "Why\nnot?")),
        ("A question without a number.", (None, "A question without a number.")),
    ],
)
def test_a_prompt_gives_its_number(text, expected):
    """Is the number read from the label, with the colon inside or outside the bold?"""
    assert split_prompt(text) == expected


def test_an_answer_left_as_released_is_no_answer():
    """Are an empty answer, the release's placeholder and a lone heading no answer?"""
    assert answer_text("**Your Answer:**\n\nYOUR ANSWER HERE") is None
    assert answer_text("**Your Answer:**\n") is None
    assert answer_text("") is None
    assert answer_text("**Your Answer:** mine") == "mine"
