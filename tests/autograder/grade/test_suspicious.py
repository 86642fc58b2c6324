"""Tests of autograder/grade/suspicious.py: what a submission tries, read and never run."""

import json
import shutil

import pytest

from autograder import paths
from autograder.grade.suspicious import MAX_PLACES, scan, scan_source


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
        ("get_ipython().input_transformers_cleanup.append(f)\n", None),
    ],
)
def test_each_construct_is_named_with_its_line(source, words):
    """Is each construct a solution never needs found, at its line, in words?"""
    found = scan_source(source)
    if words is None:  # an attribute, not a string: not flagged on its own
        assert found == []
        return
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
