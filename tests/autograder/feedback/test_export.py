"""FastHTMLExporter: nbconvert's pages, the same elements given alt text and focus, without bs4.

Every page is compared with nbconvert's own HTMLExporter by parsing both with bs4:
the alt text of every image, the tabindex of every input and output div, and the
visible text must be the same.
"""

import base64
import logging
from unittest import mock

import nbformat
import pytest
from bs4 import BeautifulSoup
from hypothesis import example, given
from hypothesis import strategies as st
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from nbgrader.converters import GenerateFeedback
from nbgrader.coursedir import CourseDirectory

from autograder import paths
from autograder.feedback import _config, export
from autograder.feedback.export import MISSING_ALT, FastHTMLExporter, accessible

pytestmark = pytest.mark.feedback

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb"))
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n not really a picture").decode()
FOCUSABLE = "div.jp-Cell-inputWrapper, div.jp-OutputArea-output"

#: What a student's text/html output can hold: images with and without alt text,
#: markup that only looks like tags, the lab template's classes, unclosed elements.
STUDENT_HTML = """\
<table><tr><td><img src="cell.png"></td><td><img src='ok.png' alt='a diagram'></td></tr></table>
<IMG SRC=upper.png><img title="a > b" src="t.png"/><img src=w.png/><img alt src=empty.png>
<script>var s = "<img src=no.png></div>";</script><!-- <img src=commented.png> -->
<div class="jp-Notebook"><div class="jp-OutputArea-output" tabindex="-1">nested</div>
<div class="x jp-Cell-inputWrapper"><p>unclosed paragraph<br>in</div></div>
<div class="jp-OutputArea-output">outside a notebook element</div>
1 < 2 & 3 > 2
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="2" height="2"/></svg>'


def synthetic():
    """A notebook with every kind of image a page shows: outputs, markdown, student HTML."""
    markdown = new_markdown_cell(
        "A plot: ![the loss curve](loss.png)\n\n"
        '<img src="raw.png">\n\n'
        "Text that mentions <img> in `<img src=code.png>`."
    )
    code = new_code_cell("show()")
    code.outputs = [
        new_output("display_data", data={"image/png": PNG}),
        new_output(
            "display_data",
            data={"image/png": PNG},
            metadata={"image/png": {"width": 40, "height": 30}},
        ),
        new_output("display_data", data={"image/jpeg": PNG}, metadata={"image/jpeg": {"alt": "x"}}),
        new_output("display_data", data={"image/svg+xml": SVG}),
        new_output(
            "execute_result",
            execution_count=1,
            data={"text/html": STUDENT_HTML, "text/plain": "<HTML object>"},
        ),
        new_output("display_data", data={"text/markdown": "![](md.png) and <img src='md2.png'>"}),
        new_output("stream", name="stdout", text="a < b & <img src=x.png> as text\n"),
        new_output(
            "error",
            ename="ValueError",
            evalue="bad <img>",
            traceback=["\x1b[0;31mValueError\x1b[0m: bad <img src=tb.png>"],
        ),
    ]
    nb = new_notebook(cells=[markdown, code, new_code_cell("x = 1")])
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return nb


def scored(nb):
    """`nb` as nbgrader's feedback template expects it: scores (and a comment) on graded cells."""
    for cell in nb.cells:
        grading = cell.metadata.get("nbgrader")
        if grading:
            grading.setdefault("score", grading.get("points", 0))
            grading.setdefault("comment", "See ![the figure](figure.png) <img src=c.png>")
    return nb


@pytest.fixture(scope="module")
def feedback_converter(tmp_path_factory):
    """nbgrader's GenerateFeedback, configured as `python -m autograder feedback` configures it."""
    config = _config(tmp_path_factory.mktemp("course"))
    return GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)


def exporters(template, converter):
    """(ours, nbconvert's) for the nbgrader feedback template or one of nbconvert's."""
    if template == "feedback":
        config = converter.config
        return converter.exporter_class(config=config), HTMLExporter(config=config)
    return FastHTMLExporter(template_name=template), HTMLExporter(template_name=template)


def differences(ours, theirs):
    """How page `ours` differs from `theirs` as bs4 reads them: alt texts, focus, visible text."""
    a, b = (BeautifulSoup(page, features="html.parser") for page in (ours, theirs))
    found = []
    if alts(a) != alts(b):
        found.append("alt texts")
    if [div.get("tabindex") for div in a.select(FOCUSABLE)] != [
        div.get("tabindex") for div in b.select(FOCUSABLE)
    ]:
        found.append("focusable divs")
    if a.get_text() != b.get_text():
        found.append("visible text")
    return found


def alts(soup):
    """The alt text of every image, in page order (None where it has none)."""
    return [img.get("alt") for img in soup.find_all("img")]


def export_both(template, nb, converter, caplog):
    """Both pages of `nb`, and the warnings each exporter logged."""
    ours, theirs = exporters(template, converter)
    pages, warnings = [], []
    for exporter, name in ((ours, "ours"), (theirs, "theirs")):
        exporter.log = logging.getLogger(f"test_export.{name}")
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=exporter.log.name):
            grades = {"notebook": "nb", "score": 1, "max_score": 2, "late_penalty": 0}
            page, _ = exporter.from_notebook_node(nb, {"nbgrader": grades})
        pages.append(page)
        warnings.append([record.getMessage() for record in caplog.records])
    return pages, warnings


NOTEBOOK_CASES = [pytest.param(path, id=path.stem) for path in NOTEBOOKS] + [
    pytest.param(None, id="synthetic")
]


def test_feedback_uses_the_fast_exporter(feedback_converter):
    """Does `python -m autograder feedback` export its notebooks with FastHTMLExporter?"""
    assert feedback_converter.exporter_class is FastHTMLExporter


@pytest.mark.parametrize("template", ["feedback", "lab"])
@pytest.mark.parametrize("path", NOTEBOOK_CASES)
def test_same_page_as_nbconvert(template, path, feedback_converter, caplog):
    """Do nbconvert's and our pages give the same images alt text and the same divs focus?"""
    nb = synthetic() if path is None else nbformat.read(path, as_version=4)
    (ours, theirs), (our_warnings, their_warnings) = export_both(
        template, scored(nb), feedback_converter, caplog
    )
    assert differences(ours, theirs) == []
    assert our_warnings == their_warnings
    soup = BeautifulSoup(ours, features="html.parser")
    if template == "lab":
        focusable = soup.select(".jp-Notebook div.jp-Cell-inputWrapper")
        focusable += soup.select(".jp-Notebook div.jp-OutputArea-output")
        assert focusable
        assert all(div.get("tabindex") == "0" for div in focusable)
    if path is None:
        assert our_warnings
        assert None not in alts(soup)


@pytest.mark.parametrize(
    "sabotage", [("FOCUSABLE_CLASSES", frozenset({"jp-Cell-inputWrapper"})), ("MISSING_ALT", "")]
)
def test_a_wrong_edit_is_noticed(sabotage, feedback_converter, caplog, monkeypatch):
    """Would the comparison fail on an exporter forgetting outputs' focus, or alt text?"""
    monkeypatch.setattr(export, *sabotage)
    for template in ("feedback", "lab"):
        (ours, theirs), _ = export_both(template, synthetic(), feedback_converter, caplog)
        assert differences(ours, theirs) != []


def nbconvert_pass(page):
    """nbconvert's own HTMLExporter edits on `page`, as if its template had written it."""

    def rendered(self, nb, resources=None, **kw):
        return page, resources

    with mock.patch.object(TemplateExporter, "from_notebook_node", rendered):
        return HTMLExporter().from_notebook_node(new_notebook())[0]


#: Markup a student's output can hold, in any order: the property below joins some.
FRAGMENTS = [
    '<body class="jp-Notebook">',
    "</body>",
    '<div class="jp-Notebook">',
    '<span class="jp-Notebook">',
    "</span>",
    '<div class="jp-OutputArea-output">',
    '<div class="jp-Cell-inputWrapper" tabindex="0">',
    '<DIV CLASS="x jp-OutputArea-output">',
    '<div class="jp&#45;OutputArea-output">',
    '<div class="jp-OutputArea-output" class="replaced">',
    "<div/>",
    "</div>",
    "<p>",
    "</p>",
    '<img src="a.png">',
    "<img alt='' src=b.png>",
    "<IMG SRC=c.png/>",
    '<img title="x > y" src=d.png>',
    "<img src=e.png></img>",
    "<br>",
    "<br/>",
    "</br>",
    "<table><tr><td>",
    "</td></tr></table>",
    "text & more",
    " 1 < 2 ",
    "<!-- <img src=f.png> -->",
    '<script>"<img src=g.png></div>"</script>',
    "<style>div > img {}</style>",
]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
@example(["<br>", '<div class="jp-Notebook">', "</br>", '<div class="jp-OutputArea-output">'])
def test_any_markup_gets_nbconvert_edits(fragments):
    """On any mix of tags, does `accessible` edit what nbconvert edits, and only add attributes?"""
    page = "".join(fragments)
    ours, missing = accessible(page)
    assert differences(ours, nbconvert_pass(page)) == []
    added = ours.replace(f' alt="{MISSING_ALT}"', "").replace(' tabindex="0"', "")
    assert added == page.replace(' tabindex="0"', "")
    assert missing == ours.count(f' alt="{MISSING_ALT}"')


@pytest.mark.parametrize(
    "page",
    [
        "1 < 2 and <3 <img",
        '<script>document.write("<img src=x.png>")</script>',
        "<style>img > div {}</style><!-- <img src=x.png> --><!-->",
        "<textarea><img src=x.png></textarea><title><img src=y.png></title>",
        '<img src="x.png" alt="">',
        '<img src="never closed.png',
        '<div class="jp-Notebook"><!-- <div class="jp-OutputArea-output"> --></div>',
    ],
)
def test_text_that_is_not_a_tag_is_left_alone(page):
    """Is markup a browser shows as text, or never reads as a tag, left as it was?"""
    assert accessible(page) == (page, 0)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("<img src=a.png/>", f'<img alt="{MISSING_ALT}" src=a.png/>'),
        ("<img a=>", f'<img alt="{MISSING_ALT}" a=>'),
        ('<img\nsrc="x"\nwidth=3\n>', f'<img alt="{MISSING_ALT}"\nsrc="x"\nwidth=3\n>'),
        (
            '<b class="jp-Notebook"><DIV TABINDEX=-1 class="jp-OutputArea-output" tabindex="2">',
            '<b class="jp-Notebook"><DIV tabindex="0" class="jp-OutputArea-output" tabindex="0">',
        ),
    ],
)
def test_attributes_go_where_they_end_nothing(page, expected):
    """Is a new attribute written right after the tag's name, and an old tabindex replaced?"""
    assert accessible(page)[0] == expected
