"""The summary page (autograder/feedback/page.py), rendered from hand-made Results."""

import re

import pytest

from autograder.feedback.page import render
from autograder.grade.results import CaseVerdict, CellScore, Result

pytestmark = pytest.mark.feedback


def cell(grade_id, function, points, max_points, *cases):
    return CellScore("ConvolutionalNetworks", grade_id, function, max_points, points, list(cases))


def page_of(*cells):
    result = Result("jdoe", "convnets", "f", "bwrap", cells=list(cells))
    return render(result, {})


def rows(html):
    """{function: the HTML of its row} of a summary page."""
    return dict(re.findall(r"<tr><td><code>([^<]*)</code>(.*?)</tr>", html))


def test_a_row_lists_the_hint_of_each_missed_case_and_marks_the_hidden_ones():
    """Does a function's row show its points, its cases passed and a hint per case it missed,
    "(hidden case)" after the hidden ones only, and "all correct" only where none was missed?"""
    html = page_of(
        cell(
            "correct_conv_forward_naive",
            "conv_forward_naive",
            1.0,
            3.0,
            CaseVerdict("public", "visible", False, "the output is too large"),
            CaseVerdict("hidden-1", "hidden", False, "wrong at the border"),
            CaseVerdict("hidden-2", "hidden", True),
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
    assert "1 / 3</td>" in conv
    assert "1 of 3 cases" in conv
    assert "<li>the output is too large</li>" in conv
    assert "<li>wrong at the border (hidden case)</li>" in conv
    assert "all correct" not in conv
    assert "2 / 2</td>" in pool
    assert "2 of 2 cases" in pool
    assert "all correct" in pool
    assert "<li>" not in pool
    assert "<strong>3 / 5</strong>" in html


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
    assert "<li>wrong with pad &#x27;same&#x27; (hidden case)</li>" in row


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
