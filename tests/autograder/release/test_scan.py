"""Step 4 of the release: the leak scan catches each kind of leak it claims to.

Each test plants one leak in a copy of the clean release built for the session
and checks that the scan reports it, with its kind and the file's path.
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

import autograder
from autograder import paths
from autograder.release import Source
from autograder.release.scan import KINDS, MARKERS, collect_secrets, scan_release
from tests.autograder.release.helpers import (
    FIXTURE_NOTEBOOK,
    NOTEBOOK_ANSWER_LINE,
    NOTEBOOK_HIDDEN_LINE,
    NOTEBOOK_SOLUTION_LINE,
)

pytestmark = [pytest.mark.release, pytest.mark.slow]

AUTOGRADER_DIR = Path(autograder.__file__).parent


@pytest.fixture(scope="module")
def secrets(built):
    return collect_secrets(built.source, instructor_dirs=[AUTOGRADER_DIR])


@pytest.fixture
def release(built, tmp_path):
    return Path(shutil.copytree(built.result.release, tmp_path / paths.ASSIGNMENT_ID))


def _layers_solution_line(secrets):
    return next(
        line
        for line, origin in secrets.solution.items()
        if origin.startswith("assignment/cs231n/layers.py:")
    )


def _edit_cell(release, grade_id, edit):
    path = release / FIXTURE_NOTEBOOK
    nb = json.loads(path.read_text())
    cell = next(
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    )
    edit(cell)
    path.write_text(json.dumps(nb, indent=1))


def _append(path, line):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(f"{line}\n")


def _source_lines(extra):
    def edit(cell):
        cell["source"] = "".join(cell["source"]) + "\n" + extra

    return edit


# name -> (plant(release, secrets, built), kind, path of the finding)
PLANTS = {
    "solution line in a provided file": (
        lambda r, s, b: _append(r / "cs231n/fast_layers.py", "    " + _layers_solution_line(s)),
        "solution",
        "cs231n/fast_layers.py",
    ),
    "unstripped package file": (
        lambda r, s, b: shutil.copyfile(b.source.package / "layers.py", r / "cs231n/layers.py"),
        "instructor-only",
        "cs231n/layers.py",
    ),
    "notebook solution line": (
        lambda r, s, b: _edit_cell(r, "conv_output_size", _source_lines(NOTEBOOK_SOLUTION_LINE)),
        "solution",
        FIXTURE_NOTEBOOK,
    ),
    "written answer": (
        lambda r, s, b: _edit_cell(r, "inline_question_1", _source_lines(NOTEBOOK_ANSWER_LINE)),
        "solution",
        FIXTURE_NOTEBOOK,
    ),
    "hidden test in a notebook": (
        lambda r, s, b: _edit_cell(
            r, "correct_conv_output_size", _source_lines(NOTEBOOK_HIDDEN_LINE)
        ),
        "hidden-test",
        FIXTURE_NOTEBOOK,
    ),
    "hidden test in a .py file": (
        lambda r, s, b: _append(r / "cs231n/checks.py", NOTEBOOK_HIDDEN_LINE),
        "hidden-test",
        "cs231n/checks.py",
    ),
    "marker in a binary file": (
        lambda r, s, b: (r / "reference/extra.npz").write_bytes(b"\xff\xfe### END SOLUTION\x00"),
        "marker",
        "reference/extra.npz",
    ),
    "bytecode cache": (
        lambda r, s, b: _append(r / "cs231n/__pycache__/layers.cpython-311.pyc", ""),
        "bytecode",
        "cs231n/__pycache__",
    ),
    "bytecode file": (lambda r, s, b: _append(r / "layers.pyc", ""), "bytecode", "layers.pyc"),
    "built extension": (
        lambda r, s, b: _append(r / "cs231n/im2col_cython.cpython-311-x86_64-linux-gnu.so", ""),
        "bytecode",
        "cs231n/im2col_cython.cpython-311-x86_64-linux-gnu.so",
    ),
    "nbgrader config": (
        lambda r, s, b: shutil.copyfile(b.course / "nbgrader_config.py", r / "nbgrader_config.py"),
        "instructor-only",
        "nbgrader_config.py",
    ),
    "gradebook": (
        lambda r, s, b: shutil.copyfile(b.course / "gradebook.db", r / "gradebook.db"),
        "instructor-only",
        "gradebook.db",
    ),
    "autograder folder": (
        lambda r, s, b: _append(r / "autograder/cases.txt", "x"),
        "instructor-only",
        "autograder",
    ),
    "hidden cases by name": (
        lambda r, s, b: _append(r / "reference/hidden_cases.npz", "x"),
        "instructor-only",
        "reference/hidden_cases.npz",
    ),
    "solutions by name": (
        lambda r, s, b: _append(r / "cs231n/solutions.py", "x = 1"),
        "instructor-only",
        "cs231n/solutions.py",
    ),
    "autograder file under another name": (
        lambda r, s, b: shutil.copyfile(AUTOGRADER_DIR / "cli.py", r / "notes.txt"),
        "instructor-only",
        "notes.txt",
    ),
    "course folder": (
        lambda r, s, b: _append(r / "source/convnets/x.txt", "x"),
        "instructor-only",
        "source",
    ),
    "notebook output": (
        lambda r, s, b: _edit_cell(
            r,
            "correct_conv_output_size",
            lambda c: c.update(outputs=[{"output_type": "stream", "name": "stdout", "text": "1"}]),
        ),
        "output",
        FIXTURE_NOTEBOOK,
    ),
    "execution count": (
        lambda r, s, b: _edit_cell(
            r, "correct_conv_output_size", lambda c: c.update(execution_count=3)
        ),
        "output",
        FIXTURE_NOTEBOOK,
    ),
    "symbolic link": (
        lambda r, s, b: (r / "data").symlink_to(b.source.package),
        "link",
        "data",
    ),
}
for marker in MARKERS:
    PLANTS[f"marker {marker}"] = (
        lambda r, s, b, m=marker: _append(r / "cs231n/layers.py", f"    ### {m}"),
        "marker",
        "cs231n/layers.py",
    )


def test_clean_release_has_no_leaks(built, secrets):
    """Does the scan find nothing in the release as built?"""
    assert scan_release(built.result.release, secrets) == []


@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_planted_leak_is_caught(plant, built, secrets, release):
    """Is each kind of planted leak reported with its kind and its file?"""
    do, kind, where = PLANTS[plant]
    do(release, secrets, built)
    leaks = scan_release(release, secrets)
    assert any(leak.kind == kind and leak.path == where for leak in leaks), leaks
    assert all(leak.path.startswith(where) for leak in leaks), leaks
    assert str(next(leak for leak in leaks if leak.kind == kind)).startswith(where)


def test_every_claimed_kind_is_planted():
    """Does some planted leak exercise every kind the scan claims?"""
    assert set(KINDS) == {kind for _, kind, _ in PLANTS.values()}


def test_secrets_are_solution_lines_not_provided_ones(tmp_path):
    """Are lines that provided code also uses, and trivial lines, left out of the secrets?"""
    root = tmp_path / "src"
    source = Source.from_repo(root)
    source.package.mkdir(parents=True)
    source.notebooks.mkdir(parents=True)
    (source.package / "layers.py").write_text(
        "def provided(x):\n"
        "    N, C, H, W = x.shape\n"
        "    return N\n"
        "\n"
        "\n"
        "def student(x):\n"
        "    ### BEGIN SOLUTION\n"
        "    N, C, H, W = x.shape\n"
        "    if N:\n"
        "        out = x.sum(axis=(2, 3)) * secret_scale\n"
        "    else:\n"
        "        out = None\n"
        "    ### END SOLUTION\n"
        "    return out\n"
    )
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "def f():\n    ### BEGIN SOLUTION\n    return 42 * 17\n    ### END SOLUTION"
    )
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "f", "locked": False}
    nb.cells.append(cell)
    nbformat.write(nb, source.notebooks / "n.ipynb")

    secrets = collect_secrets(source)

    assert set(secrets.solution) == {
        "out = x.sum(axis=(2, 3)) * secret_scale",
        "out = None",
        "return 42 * 17",
    }
    assert secrets.solution["return 42 * 17"] == "notebooks/n.ipynb cell 0"
    assert secrets.solution["out = None"] == "assignment/cs231n/layers.py:12"
