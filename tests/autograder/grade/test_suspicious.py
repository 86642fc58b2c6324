"""Tests of autograder/grade/suspicious.py: what a submission tries, read and never run."""

import json
import shutil

import pytest

from autograder import paths
from autograder.grade.suspicious import (
    COPY_THRESHOLD,
    MAX_PLACES,
    STUDENT_FILES,
    fast_layer_findings,
    fast_layers,
    flag_fast_layer_cells,
    function_grams,
    provided_fast_layers,
    scan,
    scan_source,
    similarity,
)


def test_the_solution_and_the_release_raise_no_flag(tmp_path, grade_release):
    """Do the instructor's source and the untouched release read as innocent?"""
    solution = tmp_path / "solution"
    shutil.copytree(
        paths.PACKAGE_DIR, solution / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )
    for notebook in paths.NOTEBOOKS_DIR.glob("*.ipynb"):
        shutil.copyfile(notebook, solution / notebook.name)
    assert scan(solution) is None
    assert scan(grade_release) is None
    assert fast_layers(solution) is None
    assert fast_layers(grade_release, grade_release) is None


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import os\nos.fork()\n", "calls fork"),
        ("import subprocess\n", "imports subprocess (starts processes)"),
        ("from ctypes import CDLL\n", "imports from ctypes"),
        ("import sqlite3\ndb = sqlite3.connect('x')\n", "opens databases"),
        ("import __main__\n__main__.to_record = None\n", "reaches into the running program"),
        ("import numpy as np\nnp.allclose = lambda *a: True\n", "reassigns np.allclose"),
        ("import numpy\nnumpy.testing.assert_allclose = None\n", "reassigns numpy.testing"),
        ("open('../../../gradebook.db')\n", "names 'gradebook'"),
        ("exec(open('x').read())\n", "runs code from a string (exec)"),
        ("import autograder.paths\n", "imports the grader's modules"),
        ("import socket\n", "imports socket (opens sockets)"),
        ("from urllib.request import urlopen\n", "imports from urllib.request (fetches URLs"),
        ("import http.client\n", "imports http.client (opens HTTP connections"),
        ("import requests\n", "imports requests (fetches URLs"),
        ("from distributed import Client\n", "imports from distributed (reaches a Dask cluster)"),
        ("import dask.distributed\n", "imports dask.distributed (reaches a Dask cluster)"),
        ("import zmq\n", "imports zmq (talks ZeroMQ"),
        (
            "get_ipython().input_transformers_cleanup.append(f)\n",
            "uses input_transformers_cleanup (rewrites later cells",
        ),
        ("ip.set_custom_exc((Exception,), h)\n", "uses set_custom_exc (replaces how errors"),
    ],
)
def test_each_construct_is_named_with_its_line(source, words):
    """Is each construct a solution never needs found, at its line, in words?"""
    found = scan_source(source)
    assert any(words in what for _, what in found), found
    assert all(line >= 1 for line, _ in found)


def test_notebook_cells_start_up_files_and_broken_code(tmp_path):
    """Are notebook cells scanned (magics skipped), start-up files named, bad files survived?"""
    cells = [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import signal\n"]},
        {"cell_type": "markdown", "source": "import subprocess"},
        {"cell_type": "code", "source": "x = 1"},
        "not a cell",
    ]
    (tmp_path / "A.ipynb").write_text(json.dumps({"cells": cells}))
    (tmp_path / "B.ipynb").write_text("{ not json")
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n" / "broken.py").write_text("def f(:\n")
    (tmp_path / "cs231n" / "deep.py").write_text("x = " + "(" * 5000 + ")" * 5000)
    (tmp_path / "sitecustomize.py").write_text("pass\n")
    (tmp_path / "numpy_patch.pth").write_text("import os\n")
    flag = scan(tmp_path)
    assert flag.startswith("suspicious code")
    assert "A.ipynb cell 1:2 imports signal (handles signals)" in flag
    assert "subprocess" not in flag  # a markdown cell is not code
    assert "sitecustomize.py: a start-up file" in flag
    assert "numpy_patch.pth: a start-up file" in flag


def test_a_submission_trying_the_network_is_named(tmp_path):
    """Does the instructor's flag name each way a submission's notebook and module try to reach
    the network: a socket, a URL, an HTTP connection, a Dask cluster?"""
    cells = [
        {
            "cell_type": "code",
            "source": "import socket\nsocket.create_connection(('127.0.0.1', 1))",
        },
        {"cell_type": "code", "source": "from distributed import Client\nClient('tcp://x:8786')"},
    ]
    (tmp_path / "Notebook.ipynb").write_text(json.dumps({"cells": cells}))
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n" / "layers.py").write_text(
        "import urllib.request\nimport http.client as client\n\ndef f():\n    import requests\n"
    )
    flag = scan(tmp_path)
    assert flag.startswith("suspicious code")
    assert "Notebook.ipynb cell 1:1 imports socket (opens sockets)" in flag
    assert "Notebook.ipynb cell 2:1 imports from distributed (reaches a Dask cluster)" in flag
    assert "cs231n/layers.py:1 imports urllib.request (fetches URLs (the network))" in flag
    assert "cs231n/layers.py:2 imports http.client (opens HTTP connections" in flag
    assert "cs231n/layers.py:5 imports requests (fetches URLs" in flag


def test_the_flag_lists_a_few_places_and_counts_the_rest(tmp_path):
    """Does a file full of forks give one line: the first places and how many more?"""
    (tmp_path / "many.py").write_text("import os\n" + "os.fork()\n" * 30)
    flag = scan(tmp_path)
    assert flag.count("calls fork") == MAX_PLACES
    assert flag.endswith(f"and {30 - MAX_PLACES} more")


def test_edited_and_deleted_test_cells_are_named(tmp_path, grade_release):
    """Are changed and deleted test cells named by notebook and grade id, and an untouched
    release, or a missing notebook, left alone?"""
    from autograder.grade.suspicious import edited_tests

    assert edited_tests(grade_release, grade_release) is None
    folder = tmp_path / "sub"
    shutil.copytree(grade_release, folder)
    path = folder / "ConvolutionalNetworks.ipynb"
    nb = json.loads(path.read_text())
    tests = [
        c
        for c in nb["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        and not c["metadata"]["nbgrader"].get("solution")
    ]
    tests[0]["source"] = "pass"
    deleted = tests[1]["metadata"]["nbgrader"]["grade_id"]
    nb["cells"].remove(tests[1])
    path.write_text(json.dumps(nb))
    (folder / "SpatialNormalization.ipynb").unlink()
    flag = edited_tests(grade_release, folder)
    changed = tests[0]["metadata"]["nbgrader"]["grade_id"]
    assert flag.startswith("test cells edited")
    assert f"ConvolutionalNetworks: {changed} (changed)" in flag
    assert f"ConvolutionalNetworks: {deleted} (deleted)" in flag
    assert "SpatialNormalization" not in flag


# ---------------------------------------------------------------------------
# The provided fast layers in the student's code
# ---------------------------------------------------------------------------

FAST_TEXT = (paths.PACKAGE_DIR / "fast_layers.py").read_text(encoding="utf-8")
LAYERS_TEXT = (paths.PACKAGE_DIR / "layers.py").read_text(encoding="utf-8")

OWN_VECTORISED = """
def conv_forward_naive(x, w, b, conv_param):
    stride, (pad_top, pad_bottom, pad_left, pad_right) = check_conv_args(x, w, b, conv_param)
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad_top, pad_bottom), (pad_left, pad_right)))
    windows = np.lib.stride_tricks.sliding_window_view(x_pad, w.shape[2:], axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,fcij->nfhw", windows, w) + b[None, :, None, None]
    return out, (x, w, b, conv_param)


def max_pool_forward_naive(x, pool_param):
    PH, PW, stride = check_pool_args(x, pool_param)
    windows = np.lib.stride_tricks.sliding_window_view(x, (PH, PW), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].max(axis=(4, 5)), (x, pool_param)
"""


def submission(folder, layers=LAYERS_TEXT, cnn=None):
    """A submission folder: the instructor's package with another layers.py (and cnn.py)."""
    shutil.copytree(
        paths.PACKAGE_DIR, folder / "cs231n", ignore=shutil.ignore_patterns("__pycache__")
    )
    (folder / "cs231n" / "layers.py").write_text(layers, encoding="utf-8")
    if cnn is not None:
        (folder / "cs231n" / "classifiers" / "cnn.py").write_text(cnn, encoding="utf-8")
    return folder


def honest_functions():
    """(label, FunctionDef) of the solutions' student files, the alternative, and an own
    vectorised implementation: code that must stay below the copy threshold."""
    import ast

    from autograder.demo.mistakes import ALTERNATIVE_BODIES, replace_body

    alternative = LAYERS_TEXT
    for function, body in ALTERNATIVE_BODIES.items():
        alternative = replace_body(alternative, function, body, "layers.py")
    texts = {rel: (paths.PACKAGE_DIR.parent / rel).read_text() for rel in STUDENT_FILES}
    texts["cs231n/layer_utils.py"] = (paths.PACKAGE_DIR / "layer_utils.py").read_text()
    texts["alternative"] = alternative
    texts["own vectorised"] = OWN_VECTORISED
    return [
        (f"{label}: {node.name}", node)
        for label, text in texts.items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef)
    ]


def test_the_copy_threshold_lies_between_honest_code_and_copies():
    """Do the solutions, the alternative and an own vectorised implementation score well below
    COPY_THRESHOLD against every provided function, renamed copies 1, and layers copied with a
    statement of their own well above it?"""
    import ast

    from autograder.demo.hostile import pasted_fast_layers

    provided = provided_fast_layers()
    assert {"_im2col", "_col2im", "_pad_channels_first", "conv_forward_fast"} <= set(provided.grams)
    assert "_grid" not in provided.grams  # a one-line helper: too common to call a copy
    honest = max(
        (similarity(function_grams(node), grams), label, name)
        for label, node in honest_functions()
        for name, grams in provided.grams.items()
    )
    assert honest[0] < COPY_THRESHOLD - 0.2, honest
    layers = tuple(name for name in provided.grams if not name.startswith("_"))
    assert len(layers) == 8
    for edited in ((), layers):
        code, names = pasted_fast_layers(FAST_TEXT, edited=edited)
        copies = {n.name: n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef)}
        for name, grams in provided.grams.items():
            score = similarity(function_grams(copies[names[name]]), grams)
            # Renamed and reformatted: the same tokens. A layer with a statement of its own:
            # still far above the threshold.
            assert score >= (COPY_THRESHOLD + 0.1 if name in edited else 0.999), (name, score)


def test_the_solution_the_alternative_and_own_vectorised_code_raise_no_fast_flag(
    tmp_path, grade_release
):
    """Do the solutions, the untouched release, the alternative and an own vectorised
    implementation (sliding_window_view, as the fast layers use) read as innocent?"""
    from autograder.demo.mistakes import ALTERNATIVE_BODIES, replace_body

    assert fast_layers(submission(tmp_path / "solution")) is None
    assert fast_layers(grade_release, grade_release) is None
    alternative = LAYERS_TEXT
    for function, body in ALTERNATIVE_BODIES.items():
        alternative = replace_body(alternative, function, body, "layers.py")
    assert fast_layers(submission(tmp_path / "alternative", alternative)) is None
    assert fast_layers(submission(tmp_path / "own", LAYERS_TEXT + OWN_VECTORISED)) is None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("from .fast_layers import conv_forward_fast\n", "imports from .fast_layers"),
        ("from . import fast_layers as f\n", "imports fast_layers (from .)"),
        ("import cs231n.fast_layers\n", "imports cs231n.fast_layers"),
        ("from .layer_utils import conv_relu_forward\n", "imports from .layer_utils"),
        ("def f(x):\n    return conv_forward_im2col(x)\n", "f: names conv_forward_im2col"),
        ("def f(m, x):\n    return m.max_pool_forward_fast(x)\n", "f: names max_pool_forward_fast"),
        ("m = __import__('cs231n.fast_' + 'layers')\n", None),  # taken apart: not read here
        ("import importlib\nm = importlib.import_module('cs231n.fast_layers')\n",
         "names 'fast_layers' in a string"),
        ("def g(m):\n    return getattr(m, 'conv_backward_fast')\n",
         "g: names 'conv_backward_fast' in a string"),
        ("conv_forward_naive = max\n", "rebinds conv_forward_naive"),
    ],
)  # fmt: skip
def test_each_reference_to_the_fast_layers_is_named_with_its_line(tmp_path, code, words):
    """Is each way layers.py reaches for the fast layers named, with the file, line and function?"""
    line = LAYERS_TEXT.count("\n") + 1 + code.count("\n")  # the code's last line
    flag = fast_layers(submission(tmp_path, LAYERS_TEXT + "\n" + code))
    if words is None:
        assert flag is None
        return
    assert flag.startswith("the provided fast layers in the student's code")
    assert f"cs231n/layers.py:{line} {words}" in flag, flag


def test_a_model_may_use_the_sandwich_layers_but_not_rebind_a_naive_layer(tmp_path):
    """Is cnn.py's own import of layer_utils left alone, and a naive layer it rebinds named?"""
    cnn = (paths.PACKAGE_DIR / "classifiers" / "cnn.py").read_text()
    rebound = cnn + (
        "\nfrom .. import layers as _layers\n"
        "_layers.conv_forward_naive = _layers.affine_forward\n"
        "setattr(_layers, 'max_pool_forward_naive', None)\n"
    )
    assert fast_layers(submission(tmp_path / "a", cnn=cnn)) is None
    flag = fast_layers(submission(tmp_path / "b", cnn=rebound))
    line = cnn.count("\n") + 3
    assert f"cs231n/classifiers/cnn.py:{line} rebinds _layers.conv_forward_naive" in flag
    assert f"cs231n/classifiers/cnn.py:{line + 1} rebinds max_pool_forward_naive (setattr)" in flag


def pasted(edited=()):
    """layers.py with the fast layers pasted in (renamed, hostile.py), max_pool_forward_naive
    and max_pool_backward_naive wired to them; the pasted code's first line."""
    from autograder.demo.hostile import pasted_fast_layers, wired
    from autograder.demo.mistakes import replace_body

    code, names = pasted_fast_layers(FAST_TEXT, edited=edited)
    text = LAYERS_TEXT
    for naive in ("max_pool_forward_naive", "max_pool_backward_naive"):
        text = replace_body(text, naive, wired(naive, **names), "layers.py")
    return text + code, text.count("\n") + 1


def test_a_pasted_copy_is_named_with_the_provided_function_and_its_score(tmp_path):
    """Is each renamed, reformatted copy of a provided function named by file:line, its name,
    the provided function it resembles and the similarity, edited copies included?"""
    text, start = pasted(edited=("max_pool_forward_fast",))
    found = fast_layer_findings(submission(tmp_path, text))
    # A release without fast_layers.py: compared with the instructor's, which it comes from.
    assert fast_layer_findings(tmp_path, tmp_path / "no-release") == found
    copies = {f.provided: f for f in found}
    assert len(found) == len(copies) == len(provided_fast_layers().grams)
    forward = copies["max_pool_forward_fast"]
    assert forward.function == "_max_pool_forward_vectorised"
    assert forward.line > start
    assert text.splitlines()[forward.line - 1].startswith("def _max_pool_forward_vectorised(")
    assert COPY_THRESHOLD + 0.1 <= forward.score < 1.0
    assert copies["_im2col"].score == 1.0
    assert str(forward) == (
        f"cs231n/layers.py:{forward.line} _max_pool_forward_vectorised resembles the provided "
        f"max_pool_forward_fast (similarity {forward.score:.2f})"
    )
    assert str(forward) in fast_layers(submission(tmp_path / "again", text))


def test_cells_whose_naive_layers_reached_or_copied_the_fast_layers_are_flagged(tmp_path):
    """Are the cells whose naive layer runs a pasted copy flagged for hand grading (its points
    kept), a cell the harness caught flagged with its message, and no other cell?"""
    from autograder.grade import cases
    from autograder.grade.results import CellScore
    from autograder.grade.verdict import CaseOutput, Outputs

    text, _ = pasted(edited=("max_pool_forward_fast", "max_pool_backward_fast"))
    folder = submission(tmp_path, text)
    cells = [
        CellScore(c.notebook, c.grade_id, c.function, c.points, c.points) for c in cases.cells()
    ]
    outputs = Outputs({case.id: CaseOutput("ok") for case in cases.all_cases()})
    message = "conv_forward_naive called the provided conv_forward_fast"
    for case in cases.all_cases():
        if case.cell == "correct_conv_forward_naive" and case.name != "hidden-4":
            error = {"kind": "used fast layers", "message": message}
            outputs[case.id] = CaseOutput("error", error=error)
    cells[0].flag = "an earlier flag"
    flagged = flag_fast_layer_cells(cells, outputs, folder)
    pools = {
        "correct_max_pool_forward_naive",
        "correct_max_pool_backward_naive",
        "correct_max_pool_fast_matches_naive",
        "correct_max_pool_padded",
    }
    assert set(flagged) == {"correct_conv_forward_naive", *pools}
    by_id = {cell.grade_id: cell for cell in cells}
    conv = by_id["correct_conv_forward_naive"]
    assert conv.flag.startswith("an earlier flag; the naive layers reached the provided fast")
    assert f"in 4 of its 5 cases ({message}): those score 0" in conv.flag
    copy = "_max_pool_forward_vectorised (cs231n/layers.py:"
    for grade_id in pools:
        assert copy in by_id[grade_id].flag
        assert "like the provided max_pool_forward_fast, similarity 0.9" in by_id[grade_id].flag
        assert by_id[grade_id].flag.endswith(
            "the points stand unless a grader decides it is not the student's own work"
        )
    assert "max_pool_forward_naive runs a copy of the provided fast layers: " + copy in (
        by_id["correct_max_pool_forward_naive"].flag
    )
    backward = by_id["correct_max_pool_backward_naive"].flag
    assert backward.startswith(
        "max_pool_backward_naive and max_pool_forward_naive run a copy of the provided fast"
    )
    assert "_max_pool_backward_vectorised (cs231n/layers.py:" in backward
    others = [c for c in cells if c.grade_id not in flagged]
    assert others
    assert all(c.flag is None for c in others)
    solution_cells = [
        CellScore(c.notebook, c.grade_id, c.function, c.points, c.points) for c in cases.cells()
    ]
    clean = Outputs({case.id: CaseOutput("ok") for case in cases.all_cases()})
    assert flag_fast_layer_cells(solution_cells, clean, submission(tmp_path / "solution")) == []
