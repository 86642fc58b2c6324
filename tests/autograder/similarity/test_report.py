"""The page: hostile submissions escaped, no script can run, the plot inside, no accusation."""

import base64
import re
import shutil
import subprocess

import pytest

from autograder.similarity import similarity
from autograder.similarity.extract import Piece
from autograder.similarity.report import MAX_WIDTH, code_block, plot_png
from tests.autograder.similarity.helpers import (
    NOTEBOOK,
    answered_notebook,
    release_files,
    solved,
    write_submission,
)

#: A student id that is markup (a folder may be named so).
HOSTILE_ID = "<img src=x onerror=alert(1)>"
#: Code that closes the page's <pre> and opens a script, in a string and a comment.
HOSTILE_CODE = (
    '    note = "</pre><script>alert(document.cookie)</script>"  # <!-- </td></table> -->\n'
    "    return note + '<iframe src=https://example.com>'"
)
HOSTILE_PROSE = (
    "**Your Answer:**\n\nThe gradient reaches only the maximum of every window, as said in class."
    "\n<script>alert(2)</script><a href=javascript:alert(3)>look</a>"
)


@pytest.fixture(scope="module")
def hostile(released, tmp_path_factory):
    """The report of a class of two, one named with markup, both with markup in their code."""
    course = tmp_path_factory.mktemp("hostile") / "course"
    shutil.copytree(released, course)
    for student in (HOSTILE_ID, "bob"):
        files = solved(course, ["conv_forward_naive", "conv_backward_naive"])
        files[NOTEBOOK] = answered_notebook(
            "def train(data):\n" + HOSTILE_CODE + "\n" + "    x = data['X_train'] * 2\n" * 3,
            HOSTILE_PROSE,
        )
        write_submission(course, student, files)
    return similarity(course, log=None)


def test_markup_from_submissions_is_shown_as_text(hostile):
    """Are a student id, code and a markdown answer holding markup shown escaped, so that the
    page holds no script, iframe, image or link of theirs?"""
    report = hostile
    page = report.path.read_text()
    assert report.pairs[0].score == 1.0
    assert {report.pairs[0].a, report.pairs[0].b} == {HOSTILE_ID, "bob"}
    for tag in ("<script", "<iframe", "<img src=x", "<a href=javascript", "<!--"):
        assert tag not in page.lower()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_the_page_lets_no_script_run_and_loads_nothing(hostile):
    """Does the page's Content-Security-Policy forbid scripts and every request, and the only
    image is the plot inside the page?"""
    page = hostile.path.read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy
    assert "default-src 'none'" in policy.group(1)
    assert "script-src" not in policy.group(1)
    assert re.findall(r'src="([^"]{0,22})', page) == ["data:image/png;base64,"]


def test_the_plot_is_a_png_inside_the_page(hostile):
    """Is the distribution plot a PNG embedded in the page?"""
    page = hostile.path.read_text()
    data = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    assert plot_png([]).startswith(b"\x89PNG")
    assert plot_png([0.1] * 2000 + [0.97]).startswith(b"\x89PNG")  # a logarithmic axis


def test_the_page_ranks_and_accuses_no_one(course):
    """Does the page say it ranks pairs for a person to read, without words of accusation?"""
    write_submission(course, "ann", solved(course, ["adam", "conv_forward_naive"]))
    write_submission(course, "bob", solved(course, ["adam", "conv_forward_naive"]))
    write_submission(course, "eve", release_files(course))
    page = similarity(course, log=None).path.read_text()
    assert "ranks pairs of submissions" in page
    assert "not a finding" in page
    assert "No code of their own to compare" in page
    text = re.sub(r"<[^>]+>", " ", page).lower()
    for word in ("cheat", "plagiar", "suspect", "guilty", "dishonest"):
        assert word not in text


def test_a_piece_shows_its_own_lines_with_the_shared_ones_marked():
    """Are only the student's own lines shown, numbered, the shared ones marked and a gap
    between distant lines shown?"""
    source = "def f(x):\n    a = 1\n    b = 2\n    return a\n\n\n    c = 3\n"
    piece = Piece("m.py", "f", "code", source, (2, 3, 7))
    block = code_block(piece, {3})
    assert "def f" not in block
    assert '<span class="ln">   2</span>     a = 1' in block
    assert "<mark>    b = 2</mark>" in block
    assert "⋮" in block


def test_a_line_between_two_shared_lines_is_marked():
    """Is a line that winnowing skipped, between two shared lines, marked as well?"""
    source = "a = 1\nb = 2\nc = 3\nd = 4\n"
    block = code_block(Piece("m.py", "f", "code", source, (1, 2, 3, 4)), {1, 3})
    assert "<mark>b = 2</mark>" in block
    assert "<mark>d = 4</mark>" not in block


def test_a_browser_finds_no_element_of_the_students(hostile):
    """Parsed by a real browser (headless Chromium, when installed), does the page hold one
    image (the plot) and no script, iframe or link of a student's?"""
    browser = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    if not browser:
        pytest.skip("no headless Chromium (apt-get install chromium-headless-shell)")
    dom = subprocess.run(
        [browser, "--no-sandbox", "--disable-gpu", "--dump-dom", hostile.path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count("<img") == 1
    assert 'src="data:image/png;base64,' in dom
    for tag in ("<script", "<iframe", '<a href="javascript'):
        assert tag not in dom
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in dom


def test_a_very_long_line_is_cut():
    """Is a line of a megabyte shown cut to MAX_WIDTH characters?"""
    source = "x = '" + "a" * 1_000_000 + "'\n"
    block = code_block(Piece("m.py", "<module>", "code", source, (1,)), {1})
    assert len(block) < MAX_WIDTH + 200
    assert " …" in block
