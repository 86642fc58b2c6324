"""grade/notebooks.py and preprocessors.py: nbgrader's autograde kept for the record only."""

import nbformat
import pytest

from autograder.grade import notebooks
from autograder.grade.preprocessors import (
    DROPPED_OUTPUT,
    KeepSafeOutputs,
    SaveManualGrades,
    inert_markdown,
    safe_output,
)

pytestmark = pytest.mark.grade


def test_by_default_autograde_executes_nothing_and_saves_no_autograded_score(tmp_path):
    """Is Execute out of the default pipeline, SaveAutoGrades replaced, outputs made inert, and
    the notebooks' metadata mended first?"""
    config = notebooks.course_config(tmp_path)
    sanitize = config.Autograde.sanitize_preprocessors
    steps = config.Autograde.autograde_preprocessors
    assert sanitize[0].__name__ == "RepairCellMetadata"
    assert KeepSafeOutputs in sanitize
    assert "Execute" not in [step.__name__ for step in steps]
    assert SaveManualGrades in steps
    assert "SaveAutoGrades" not in [step.__name__ for step in steps]
    assert config.OverwriteCells.add_missing_cells is True


def test_execute_runs_the_notebooks_in_the_sandboxed_kernel(tmp_path):
    """With execute, does Execute come back, in the named kernel, with the cell limit?"""
    config = notebooks.course_config(
        tmp_path, kernel_name="convkit-sandbox", cell_timeout=7, execute=True
    )
    steps = [step.__name__ for step in config.Autograde.autograde_preprocessors]
    assert steps[:2] == ["Execute", "KeepSafeOutputs"]
    assert "SaveAutoGrades" not in steps
    assert config.Execute.kernel_name == "convkit-sandbox"
    assert config.Execute.timeout == 7


def test_only_text_and_images_are_kept_from_a_submissions_outputs():
    """Are HTML, JavaScript and SVG dropped, text and PNG kept, and an output left with
    nothing said to be dropped?"""
    rich = nbformat.v4.new_output(
        "display_data",
        data={"text/plain": "<Figure>", "image/png": "iVBOR", "text/html": "<script>x()</script>"},
    )
    kept = safe_output(rich)
    assert set(kept["data"]) == {"text/plain", "image/png"}
    script = nbformat.v4.new_output("display_data", data={"application/javascript": "x()"})
    assert safe_output(script)["data"] == {"text/plain": DROPPED_OUTPUT}
    svg = nbformat.v4.new_output("execute_result", data={"image/svg+xml": "<svg onload=x()>"})
    assert safe_output(svg)["data"] == {"text/plain": DROPPED_OUTPUT}
    stream = nbformat.v4.new_output("stream", name="stdout", text="<b>hi</b>")
    assert safe_output(stream) == stream  # shown as text by every renderer


@pytest.mark.parametrize(
    ("log", "cause"),
    [
        (
            "Traceback (most recent call last):\n  File ...\n"
            "RuntimeError: Inconsistent checksums for cell correct_conv_forward_naive\n"
            "[AutogradeApp | ERROR] There was an error processing assignment",
            "RuntimeError: Inconsistent checksums for cell correct_conv_forward_naive",
        ),
        ("Traceback ...\n    meta['grade_id']\nKeyError: 'grade_id'\n", "KeyError: 'grade_id'"),
        ("nothing useful here", "NbGraderException: Please see the above traceback"),
    ],
)
def test_a_failed_autograde_is_told_by_its_cause(log, cause):
    """Does the flag quote the exception that made nbgrader fail, not its re-raise?"""
    error = "NbGraderException: Please see the above traceback"
    assert notebooks.summarise_failure(error, log) == f"nbgrader autograde failed: {cause}"


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("max <script>steal()</script> pooling", "max &lt;script>steal()&lt;/script> pooling"),
        ("<img src=x onerror=steal()>", "&lt;img src=x onerror=steal()>"),
        ("<iframe src='http://x'></iframe>", "&lt;iframe src='http://x'>&lt;/iframe>"),
        ("<!-- hidden --> a<b", "&lt;!-- hidden --> a&lt;b"),
        ("[click](javascript:steal())", "[click](#blocked-javascript:steal())"),
        ("[x]( DATA:text/html,hi)", "[x]( #blocked-DATA:text/html,hi)"),
        ("![plot](data:image/png;base64,iVBOR)", "![plot](data:image/png;base64,iVBOR)"),
        ("`<b>` and\n```\n<html>\n```", "`<b>` and\n```\n<html>\n```"),
        ("**bold**, $a < b$, 2 < 3, [ok](https://cs231n.github.io)", None),
    ],
)
def test_a_students_markdown_keeps_its_text_and_loses_its_html(source, shown):
    """Is raw HTML shown as text and a script link disarmed, while code, math, emphasis and
    ordinary links stay as written?"""
    assert inert_markdown(source) == (source if shown is None else shown)


def test_only_the_students_own_markdown_cells_are_made_inert():
    """Are the student's Markdown cells made inert and the locked (instructor's) ones left?"""
    nb = nbformat.v4.new_notebook()
    locked = {"nbgrader": {"locked": True, "grade_id": "prompt", "grade": False}}
    nb.cells = [
        nbformat.v4.new_markdown_cell("<img src='figure.png'>", metadata=locked),
        nbformat.v4.new_markdown_cell("**Your Answer:** <script>steal()</script>"),
    ]
    step = KeepSafeOutputs()
    for index, cell in enumerate(nb.cells):
        step.preprocess_cell(cell, {}, index)
    assert nb.cells[0].source == "<img src='figure.png'>"
    assert nb.cells[1].source == "**Your Answer:** &lt;script>steal()&lt;/script>"
