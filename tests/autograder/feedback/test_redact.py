"""RedactHiddenTests: hidden tests kept out of feedback, outputs included; ScrubSandboxLeftovers:
the sandbox's traces kept out of the notebooks shown."""

import json
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback.redact import RedactHiddenTests, ScrubSandboxLeftovers

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


# --------------------------------------------------------------------------
# ScrubSandboxLeftovers: what the box left in the outputs of the notebooks it ran


def ran_in_the_box():
    """A notebook as `grade --execute-notebooks` keeps it (outputs measured there)."""
    venv = f"{sys.prefix}/lib/python3.11/site-packages/numpy/_core/numeric.py:1204"
    imports = new_code_cell("import matplotlib.pyplot as plt")
    imports.outputs = [
        new_output(
            "stream",
            name="stderr",
            text="Fontconfig error: Cannot load default config file: No such file: (null)\n",
        )
    ]
    data = new_code_cell("data = get_CIFAR10_data()")
    data.outputs = [
        new_output(
            "stream",
            name="stdout",
            text="Fontconfig warning: ignoring UTF-8: not a valid region tag\n"
            "Using the synthetic stand-in for CIFAR-10 (shapes and textures) from "
            "/data/synthetic-10-batches-py; for the real CIFAR-10 run: bash "
            "datasets/get_datasets.sh\nX_train: (49000, 3, 32, 32)\n",
        ),
        new_output(
            "stream",
            name="stdout",
            text="saved to /home/student/.cache/convkit/x.npy and /home/student/work/out.png\n",
        ),
    ]
    crash = new_code_cell("conv_forward_naive(x, w, b, conv_param)")
    crash.outputs = [
        new_output(
            "error",
            ename="ValueError",
            evalue="bad file /home/student/work/cs231n/layers.py",
            traceback=[
                "\x1b[36mFile \x1b[39m\x1b[32m~/work/cs231n/layers.py:422\x1b[39m, in conv",
                f"\x1b[36mFile \x1b[39m\x1b[32m{venv}\x1b[39m, in \x1b[36mtensordot",
                "File /tmp/convkit-kernel-a1b2_c3/work/cs231n/layers.py:9, in f",
                "File /var/tmp/x/convkit-box-zz9/home/.cache/y.py:1",
            ],
        ),
        new_output(
            "display_data",
            data={"text/plain": "<Figure at /home/student/work/f.png>", "image/png": "iVBOR"},
        ),
    ]
    mine = new_code_cell("print(open('/home/jdoe/notes/work/data/x.txt').read())")
    mine.outputs = [
        new_output("stream", name="stdout", text="/home/jdoe/work/a.py /data/mine.csv ~/work/\n")
    ]
    return new_notebook(cells=[imports, data, crash, mine])


def test_the_boxs_paths_become_the_students_own():
    """Are the box's workdir (also as IPython's ~/work/ and the fallback's scratch copy),
    HOME, the grader's Python and the dataset's mount turned into the paths a student
    knows, in messages, tracebacks and displayed text, images left alone?"""
    nb, _ = ScrubSandboxLeftovers().preprocess(ran_in_the_box(), {})
    data, crash = nb.cells[1], nb.cells[2]
    assert "from datasets/synthetic-10-batches-py;" in data.outputs[0].text
    assert data.outputs[1].text == "saved to ~/.cache/convkit/x.npy and out.png\n"
    error = crash.outputs[0]
    assert error.evalue == "bad file cs231n/layers.py"
    assert error.traceback == [
        "\x1b[36mFile \x1b[39m\x1b[32mcs231n/layers.py:422\x1b[39m, in conv",
        "\x1b[36mFile \x1b[39m\x1b[32m.../lib/python3.11/site-packages/numpy/_core/numeric.py:"
        "1204\x1b[39m, in \x1b[36mtensordot",
        "File cs231n/layers.py:9, in f",
        "File ~/.cache/y.py:1",
    ]
    assert crash.outputs[1].data == {"text/plain": "<Figure at f.png>", "image/png": "iVBOR"}
    text = "\n".join(json.dumps(output) for cell in nb.cells[:3] for output in cell.outputs)
    for leftover in ("/home/student", "~/work", "/data/", "convkit-kernel", sys.prefix):
        assert leftover not in text


def test_fontconfig_lines_go_and_the_students_own_paths_stay():
    """Are the lines only the box prints (Fontconfig's) dropped, an output left empty with
    them too, while paths of the student's own machine are kept as they are?"""
    nb, _ = ScrubSandboxLeftovers().preprocess(ran_in_the_box(), {})
    assert nb.cells[0].outputs == []
    assert nb.cells[1].outputs[0].text.startswith("Using the synthetic stand-in")
    assert "Fontconfig" not in nb.cells[1].outputs[0].text
    assert nb.cells[3].outputs[0].text == "/home/jdoe/work/a.py /data/mine.csv ~/work/\n"
    nbformat.validate(nb)
