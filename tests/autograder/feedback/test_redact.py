"""RedactHiddenTests: hidden tests kept out of feedback, outputs included."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback.redact import RedactHiddenTests

pytestmark = pytest.mark.feedback

HIDDEN = """\
out = compute_the_layer(x)
check("f", out)
### BEGIN HIDDEN TESTS
secret_expected = run_the_secret_case(seed=2310)
check_close("hidden", f(x2), secret_expected)
### END HIDDEN TESTS
"""


def notebook():
    hidden = new_code_cell(HIDDEN)
    hidden.outputs = [
        new_output("stream", name="stdout", text="f: PASSED\n"),
        new_output(
            "error",
            ename="CheckFailed",
            evalue="hidden",
            traceback=["\x1b[0;31msecret_expected = run_the_secret_case(seed=2310)\x1b[0m"],
        ),
    ]
    echo = new_code_cell("print(history[-1])")
    echo.outputs = [
        new_output(
            "stream", name="stdout", text="check_close(&quot;hidden&quot;, f(x2), secret_expected)"
        ),
        new_output("stream", name="stdout", text="my own line\n"),
    ]
    mine = new_code_cell("out = compute_the_layer(x)\nraise ValueError")
    mine.outputs = [
        new_output("error", ename="ValueError", evalue="", traceback=["out = compute_the_layer(x)"])
    ]
    return new_notebook(cells=[hidden, echo, mine])


def test_a_cell_with_hidden_tests_loses_every_output():
    """Are the outputs of a cell that runs hidden tests replaced by one note?"""
    nb, _ = RedactHiddenTests().preprocess(notebook(), {})
    outputs = nb.cells[0].outputs
    assert len(outputs) == 1
    assert "runs hidden tests" in outputs[0].text


def test_an_output_elsewhere_quoting_a_hidden_line_is_removed():
    """Is an output in another cell that echoes a hidden line (even HTML-escaped) removed?"""
    nb, _ = RedactHiddenTests().preprocess(notebook(), {})
    texts = [output.text for output in nb.cells[1].outputs]
    assert "showed the code of a hidden test" in texts[0]
    assert texts[1] == "my own line\n"


def test_a_line_the_notebook_also_shows_is_no_secret():
    """Is a student's own traceback quoting a visible line (also in a hidden region) kept?"""
    nb = notebook()
    nb.cells[0].source = HIDDEN.replace("### END", "out = compute_the_layer(x)\n### END")
    nb, _ = RedactHiddenTests().preprocess(nb, {})
    assert nb.cells[2].outputs[0].traceback == ["out = compute_the_layer(x)"]
    nbformat.validate(nb)
