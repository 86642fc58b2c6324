"""The summary page (autograder/feedback/page.py), rendered from hand-made Results, grades
and questions."""

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from autograder.feedback.late import Late
from autograder.feedback.page import Question, inline_markdown, render
from autograder.grade.gradebook import CellGrade
from autograder.grade.results import CaseVerdict, CellScore, Result

pytestmark = pytest.mark.feedback

NOT_DONE = "not implemented: cs231n/layers.py:413 in conv_forward_naive"


def cell(grade_id, function, points, max_points, *cases, notebook="ConvolutionalNetworks"):
    return CellScore(notebook, grade_id, function, max_points, points, list(cases))


def result_of(*cells):
    return Result("jdoe", "convnets", "f", "bwrap", cells=list(cells))


def page_of(*cells, grades=None, questions=()):
    return render(result_of(*cells), {}, grades, questions)


def rows(html):
    """{function: the HTML of its row} of a summary page."""
    return dict(re.findall(r"<tr><td><code>([^<]*)</code>(.*?)</tr>", html))


def totals(html):
    """{label: the cells of its row} of the page's totals table."""
    table = re.search(r"<table class='totals'>(.*?)</table>", html).group(1)
    return {
        label: re.sub(r"<[^>]+>", "", rest)
        for label, rest in re.findall(r"<tr[^>]*><th>([^<]*)</th>(.*?)</tr>", table)
    }


def question(number, grade_id, score, answer="An answer.", notebook="ConvolutionalNetworks"):
    return Question(
        notebook=notebook,
        grade_id=grade_id,
        number=number,
        prompt=f"Prompt of {grade_id}?",
        answer=answer,
        score=score,
        max_score=2.0,
    )


def hand(score):
    return CellGrade(auto_score=None, manual_score=score, max_score=2.0, cell_type="markdown")


# --------------------------------------------------------------------------
# The rows of the autograded functions


def test_a_row_gives_each_distinct_message_once_with_the_cases_it_came_from():
    """Does a function's row show its points, its cases passed and each distinct message of
    its misses once, saying which cases gave it (the check cell's, hidden ones), and "all
    correct" only where nothing was missed?"""
    html = page_of(
        cell(
            "correct_conv_forward_naive",
            "conv_forward_naive",
            1.0,
            4.0,
            CaseVerdict("public", "visible", False, "the output is too large"),
            CaseVerdict("hidden-1", "hidden", False, "wrong at the border"),
            CaseVerdict("hidden-2", "hidden", False, "wrong at the border"),
            CaseVerdict("hidden-3", "hidden", True),
        ),
        cell(
            "correct_max_pool_forward_naive",
            "max_pool_forward_naive",
            2.0,
            2.0,
            CaseVerdict("public", "visible", True),
            CaseVerdict("hidden-1", "hidden", True),
        ),
    )
    conv, pool = rows(html)["conv_forward_naive"], rows(html)["max_pool_forward_naive"]
    assert "1 / 4</td>" in conv
    assert "1 of 4 cases" in conv
    assert conv.count("<li>") == 2
    assert "<li>the output is too large <span class='cases'>(the check cell's case)" in conv
    assert "<li>wrong at the border <span class='cases'>(2 hidden cases)" in conv
    assert "all correct" not in conv
    assert "2 / 2</td>" in pool
    assert "2 of 2 cases" in pool
    assert "all correct" in pool
    assert "<li>" not in pool
    assert totals(html)["Autograded"].startswith("3 / 6")


def test_a_function_not_implemented_says_so_once():
    """Is "not implemented" shown once for a function, however many cases and cells missed
    it, and never on the row of a function that was fine?"""
    every = [CaseVerdict("public", "visible", False, NOT_DONE)] + [
        CaseVerdict(f"hidden-{i}", "hidden", False, NOT_DONE) for i in range(1, 5)
    ]
    html = page_of(
        cell("correct_conv_forward_naive", "conv_forward_naive", 0.0, 3.0, *every),
        cell("correct_conv_forward_same", "conv_forward_naive", 0.0, 2.0, *every[:4]),
        cell(
            "correct_avg_pool_forward_naive",
            "avg_pool_forward_naive",
            2.0,
            2.0,
            CaseVerdict("public", "visible", True),
        ),
    )
    assert html.count("not implemented") == 1
    (conv,) = [row for function, row in rows(html).items() if function == "conv_forward_naive"]
    assert f"<li>{NOT_DONE} <span class='cases'>(all 9 cases)</span></li>" in conv
    assert "0 of 9 cases" in conv


def test_the_cells_of_one_function_share_its_row():
    """Do two grade cells calling the same function add up on one row that names both?"""
    html = page_of(
        cell(
            "correct_conv_forward_naive",
            "conv_forward_naive",
            2.0,
            2.0,
            CaseVerdict("public", "visible", True),
        ),
        cell(
            "correct_conv_forward_same",
            "conv_forward_naive",
            0.0,
            1.0,
            CaseVerdict("hidden-1", "hidden", False, "wrong with pad 'same'"),
        ),
    )
    (row,) = rows(html).values()
    assert "correct_conv_forward_naive, correct_conv_forward_same" in row
    assert "2 / 3</td>" in row
    assert "1 of 2 cases" in row
    assert "<li>wrong with pad &#x27;same&#x27; <span class='cases'>(1 hidden case)" in row


WRONG = "out has wrong values (73 of 210 entries off)"
SAME = "3 x 2 filter, stride 3, 'same' padding, uneven in W, N=2, C=3, F=3, H=9, W=10"
WINDOW = "3 x 2 window, stride 1, overlapping, N=2, C=3, H=6, W=7"


def hints_of(row):
    """{hint: the HTML of its item, described cases included} of a function's row."""
    next_hint = r"(?=<li>[^<]* <span class='cases'>|</ul></td>)"
    return dict(re.findall(rf"<li>([^<]*) <span class='cases'>(.*?)</li>{next_hint}", row))


def test_a_hidden_miss_shows_what_its_case_exercises():
    """Is each hidden case that gave a hint described under it (escaped, once per hint), while
    a passed case, a case missed with another hint and the check cell's case are not?"""
    html = page_of(
        cell(
            "correct_conv_forward_naive",
            "conv_forward_naive",
            0.8,
            4.0,
            CaseVerdict("public", "visible", False, WRONG, description="the check cell's case: p"),
            CaseVerdict("hidden-1", "hidden", False, WRONG, description=SAME),
            CaseVerdict("hidden-2", "hidden", True, description="passed case, 2 x 2 filter"),
            CaseVerdict("hidden-3", "hidden", False, "out is all zeros", description=WINDOW),
            CaseVerdict("hidden-4", "hidden", False, WRONG, description="stride 2, pad 1"),
        )
    )
    (row,) = rows(html).values()
    found = hints_of(row)
    assert set(found) == {WRONG, "out is all zeros"}
    wrong, zeros = found[WRONG], found["out is all zeros"]
    assert wrong.startswith("(the check cell's case and 2 hidden cases)</span>")
    assert (
        "<ul class='described'><li>3 x 2 filter, stride 3, &#x27;same&#x27; padding, uneven in "
        "W, N=2, C=3, F=3, H=9, W=10</li><li>stride 2, pad 1</li></ul>"
    ) in wrong
    assert WINDOW not in wrong
    assert zeros == f"(1 hidden case)</span><ul class='described'><li>{WINDOW}</li></ul>"
    assert "passed case" not in html
    assert "case: p" not in html
    assert html.count("uneven in W") == 1


def test_every_case_missed_alike_lists_no_descriptions():
    """When every case of a function gave the same hint (not implemented), is it said once for
    "all 5 cases" with no list of the cases (nothing to tell apart)?"""
    every = [CaseVerdict("public", "visible", False, NOT_DONE, description="the check cell's")]
    every += [
        CaseVerdict(f"hidden-{i}", "hidden", False, NOT_DONE, description=f"case {i}")
        for i in range(1, 5)
    ]
    html = page_of(cell("correct_conv_forward_naive", "conv_forward_naive", 0.0, 3.0, *every))
    (row,) = rows(html).values()
    assert f"<li>{NOT_DONE} <span class='cases'>(all 5 cases)</span></li>" in row
    assert "described" not in row


def test_cases_described_alike_are_listed_once_and_an_older_result_lists_none():
    """Are two hidden cases of one description (two cells of a function) listed once with
    their number, and do cases without a description (an older result) give the count only?"""
    twin = [
        CaseVerdict("public", "visible", True),
        CaseVerdict("hidden-1", "hidden", False, WRONG, description=WINDOW),
        CaseVerdict("hidden-2", "hidden", True, description="other"),
    ]
    html = page_of(
        cell("correct_max_pool_forward_naive", "max_pool_forward_naive", 1.0, 2.0, *twin),
        cell("correct_max_pool_padded", "max_pool_forward_naive", 1.0, 2.0, *twin),
    )
    (row,) = rows(html).values()
    assert hints_of(row)[WRONG] == (
        f"(2 hidden cases)</span><ul class='described'><li>{WINDOW} (2 cases)</li></ul>"
    )
    older = page_of(
        cell(
            "correct_max_pool_forward_naive",
            "max_pool_forward_naive",
            1.0,
            2.0,
            CaseVerdict("public", "visible", True),
            CaseVerdict("hidden-1", "hidden", False, WRONG),
        )
    )
    (row,) = rows(older).values()
    assert f"<li>{WRONG} <span class='cases'>(1 hidden case)</span></li>" in row


def test_a_judged_hidden_miss_shows_its_description_and_no_value_of_the_key():
    """From a hidden case judged against a key (made up here) to the page: is the miss shown
    with the case's own description, and no value of the key anywhere on the page?"""
    from autograder.grade import cases, verdict
    from autograder.grade.verdict import CaseOutput

    case = next(c for c in cases.all_cases() if c.id == "correct_conv_forward_naive.hidden-2")
    shape = (2, 3, 3, 4)  # (N, F, H', W') of this case
    key = {"out": 0.5817 + 0.0231 * np.arange(np.prod(shape)).reshape(shape)}
    shifted = CaseOutput("ok", outputs={"out": key["out"] + 3.1})
    verdicts = [
        CaseVerdict("public", "visible", True, description="the check cell's case: p"),
        verdict.judge_case(case, shifted, {"outputs": key}),
    ]
    html = page_of(cell(case.cell, "conv_forward_naive", 0.5, 1.0, *verdicts))
    (row,) = rows(html).values()
    (item,) = hints_of(row).values()
    assert item.startswith("(1 hidden case)</span><ul class='described'><li>3 x 2 filter, stride 3")
    assert case.description.replace("'", "&#x27;") in item
    assert not any(f"{v:.3g}" in html for v in (*key["out"].ravel(), 3.1))


def test_a_hint_quoting_markup_is_escaped():
    """Is a hint quoting the student's own exception message (markup included) escaped?"""
    html = page_of(
        cell(
            "correct_conv_forward_naive",
            "conv_forward_naive",
            0.0,
            1.0,
            CaseVerdict("public", "visible", False, "ValueError: <script>steal()</script>"),
        )
    )
    assert "<script" not in html
    assert "ValueError: &lt;script&gt;steal()&lt;/script&gt;" in html


# --------------------------------------------------------------------------
# The totals


def conv_cell(points=2.0):
    return cell(
        "correct_conv_forward_naive",
        "conv_forward_naive",
        points,
        3.0,
        CaseVerdict("public", "visible", True),
        CaseVerdict("hidden-1", "hidden", points == 3.0, None if points == 3.0 else "wrong"),
    )


def test_the_total_holds_the_points_graded_by_hand():
    """With every inline question graded, is the total the autograded points plus the hand
    graded ones, out of both maxima, with each part on its own line and nothing pending?"""
    questions = [question(1, "inline_question_a", 1.5), question(2, "inline_question_b", 2.0)]
    html = page_of(conv_cell(), questions=questions)
    table = totals(html)
    assert table["Total"] == "5.5 / 7"
    assert table["Autograded"].startswith("2 / 3")
    assert table["Inline questions, graded by hand"] == "3.5 / 4"
    assert "awaiting" not in html


def test_questions_not_graded_yet_are_awaiting_hand_grading_with_their_points():
    """While some inline questions are not graded, does the total say "so far" and "awaiting
    hand grading" with the points (and questions) at stake, counting only what is graded?"""
    questions = [
        question(1, "inline_question_a", 1.0),
        question(2, "inline_question_b", None),
        question(1, "inline_question_c", None, notebook="SpatialNormalization"),
    ]
    table = totals(page_of(conv_cell(), questions=questions))
    assert table["Total"] == "3 / 9 so farawaiting hand grading: 4 points (2 inline questions)"
    assert table["Inline questions, graded by hand"] == (
        "1 / 21 question graded; awaiting hand grading: 4 points (2 questions)"
    )
    table = totals(page_of(conv_cell(), questions=[question(1, "inline_question_a", None)]))
    assert table["Total"] == "2 / 5 so farawaiting hand grading: 2 points (1 inline question)"
    assert table["Inline questions, graded by hand"] == "– / 2awaiting hand grading"


def test_a_score_a_ta_changed_counts_as_in_the_gradebook():
    """Does a TA's manual score of an autograded cell count in its row and the totals (as in
    export), with the autograder's own score named beside it?"""
    grades = {
        ("ConvolutionalNetworks", "correct_conv_forward_naive"): CellGrade(2.0, 3.0, 3.0, "code"),
        ("ConvolutionalNetworks", "inline_question_a"): hand(2.0),
    }
    html = page_of(conv_cell(), grades=grades, questions=[question(1, "inline_question_a", 2.0)])
    (row,) = rows(html).values()
    assert "3 / 3</td>" in row
    assert "correct_conv_forward_naive: 2 by the autograder, 3 by hand" in row
    assert totals(html)["Total"] == "5 / 5"


def late(penalty, seconds=9000.0):
    due = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)
    return Late(due, due + timedelta(seconds=seconds), seconds, penalty, "10% per hour")


def test_extra_credit_counts_and_says_so_where_it_was_given():
    """Does extra credit a TA gave a cell and a question count in the total, as nbgrader counts
    it in grades.csv, with "+1 extra credit" in the cell's row, the question and the header?"""
    nb = "ConvolutionalNetworks"
    grades = {
        (nb, "correct_conv_forward_naive"): CellGrade(2.0, None, 3.0, "code", extra_credit=1.0),
        (nb, "inline_question_a"): CellGrade(None, 2.0, 2.0, "markdown", extra_credit=0.5),
    }
    asked = [replace(question(1, "inline_question_a", 2.0), extra=0.5)]
    html = render(result_of(conv_cell()), {}, grades, asked)
    table = totals(html)
    assert table["Total"] == "5.5 / 5"
    assert table["Autograded"].startswith("2 / 3")
    assert table["Extra credit"].startswith("+1.5")
    (row,) = rows(html).values()
    assert "+1 extra credit" in row
    assert "2 / 2</span> <span class='full'>+0.5 extra credit</span>" in html


def test_extra_credit_on_a_cell_with_no_score_does_not_count():
    """As in nbgrader, is extra credit on a question nobody has scored left out of the total?"""
    nb = "ConvolutionalNetworks"
    grades = {(nb, "inline_question_a"): CellGrade(None, None, 2.0, "markdown", extra_credit=1.0)}
    html = render(result_of(conv_cell()), {}, grades, [question(1, "inline_question_a", None)])
    assert totals(html)["Total"].startswith("2 / 5 so far")
    assert "Extra credit" not in totals(html)


def test_a_late_submission_shows_how_late_the_penalty_and_the_score_after_it():
    """Is the total the score after the penalty (grades.csv's), with a row saying how late, the
    due date, the policy, the points taken and the score before it?"""
    asked = [question(1, "inline_question_a", 2.0)]
    html = render(result_of(conv_cell()), {}, {}, asked, late(1.2))
    table = totals(html)
    assert table["Total"] == "2.8 / 5after the late penalty"
    assert table["Late penalty"] == (
        "\u22121.2submitted 2 h 30 min late (due 2026-11-20 23:59 UTC); 10% per hour; "
        "4 before the penalty"
    )
    # A penalty never takes the score below 0; an on-time submission has no late row.
    assert totals(render(result_of(conv_cell()), {}, {}, (), late(9.0)))["Total"].startswith("0 /")
    assert "Late penalty" not in totals(render(result_of(conv_cell()), {}, {}, (), late(0.0, 0)))


# --------------------------------------------------------------------------
# The inline questions


def test_inline_questions_come_in_notebook_order_with_numbers_prompts_and_answers():
    """Are the questions shown in the order given (notebook order), under their notebook,
    as "Inline Question n:" with the score or "awaiting hand grading", the prompt, the
    student's answer (escaped), the comment, and "No answer." for a blank one?"""
    questions = [
        Question(
            "ConvolutionalNetworks",
            "inline_question_b",
            1,
            "Why *is* `log(10)` the loss?",
            "Because <b>1/10</b>.\n\nSecond paragraph.",
            1.5,
            2.0,
            "Say why the scores are small.",
        ),
        Question("ConvolutionalNetworks", "inline_question_a", 2, "Where?", None, 0.0, 2.0),
        Question("SpatialNormalization", "inline_question_z", 1, "Why G?", "Groups.", None, 3.0),
    ]
    html = page_of(conv_cell(), questions=questions)
    section = html[html.index("<h2>Inline questions</h2>") :]
    order = re.findall(r"<h3>([^<]*)</h3>|<h4>(Inline Question \d+):", section)
    assert order == [
        ("ConvolutionalNetworks.ipynb", ""),
        ("", "Inline Question 1"),
        ("", "Inline Question 2"),
        ("SpatialNormalization.ipynb", ""),
        ("", "Inline Question 1"),
    ]
    first, second, third = re.findall(r"<section class='question'.*?</section>", section, re.DOTALL)
    assert "<p>Why <em>is</em> <code>log(10)</code> the loss?</p>" in first
    assert "1.5 / 2" in first
    assert "Because &lt;b&gt;1/10&lt;/b&gt;.\n\nSecond paragraph." in first
    assert "Say why the scores are small." in first
    assert "0 / 2" in second
    assert "No answer." in second
    assert "awaiting hand grading (3 points)" in third
    assert "Groups." in third


def test_a_prompt_is_markdown_made_safe():
    """Is a prompt's markup escaped, with only code, bold and italics turned into HTML?"""
    assert inline_markdown("a <img src=x> and `x<y` *b*\nc\n\nd **e**") == (
        "<p>a &lt;img src=x&gt; and <code>x&lt;y</code> <em>b</em> c</p><p>d <strong>e</strong></p>"
    )
    assert inline_markdown("C * H * W values") == "<p>C * H * W values</p>"
