"""Builders for the release tests: a fixture notebook and an instructor source to release.

The source is the repository's own material (package, requirements, and the
notebooks, reference outputs and datasets script once they exist), copied into
a temporary folder laid out like the repository, plus `release_fixture.ipynb`:
a small nbgrader notebook with a solution cell, grade cells with hidden tests
and a manually graded answer. Where the repository does not have a piece yet,
a small stand-in takes its place, so the release can be built today.
"""

import os
import shutil
from pathlib import Path

import nbformat
import numpy as np

from autograder import paths
from autograder.release import Source

FIXTURE_NOTEBOOK = "release_fixture.ipynb"

#: Lines of the fixture notebook that must never reach the release.
NOTEBOOK_SOLUTION_LINE = "side_out = 1 + (H + 2 * pad - HH) // stride"
NOTEBOOK_HIDDEN_LINE = 'assert conv_output_size(7, 3, 0, 2) == 3, "hidden: stride 2, no padding"'
NOTEBOOK_ANSWER_LINE = "Without padding every window must fit inside the input, so the output"

STAND_IN_DATASETS = """\
#!/usr/bin/env bash
# Stand-in for datasets/get_datasets.sh (the tests' copy, used until the real one exists).
set -euo pipefail
cd "$(dirname "$0")"
echo "would download CIFAR-10 here"
"""


def _cell(kind, source, grade_id=None, *, solution=False, grade=False, points=0, locked=False):
    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
    if grade_id is not None:
        cell.id = grade_id.replace("_", "-")
        meta = {
            "grade": grade,
            "grade_id": grade_id,
            "locked": locked,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
        if grade:
            meta["points"] = points
        cell.metadata["nbgrader"] = meta
    return cell


def fixture_notebook():
    """A small nbgrader source notebook in the shape of the real ones (no outputs)."""
    cells = [
        _cell("markdown", "# Release fixture\n\nA notebook the release tests build and grade."),
        _cell("code", "import numpy as np\n\nfrom cs231n.layers import conv_forward_naive"),
        _cell(
            "markdown",
            "Write `conv_output_size(H, HH, pad, stride)`: the output height of a convolution.",
        ),
        _cell(
            "code",
            "def conv_output_size(H, HH, pad, stride):\n"
            '    """The output height of a convolution of a height-H input."""\n'
            "    ### BEGIN SOLUTION\n"
            f"    {NOTEBOOK_SOLUTION_LINE}\n"
            "    return side_out\n"
            "    ### END SOLUTION",
            "conv_output_size",
            solution=True,
        ),
        _cell(
            "code",
            "assert conv_output_size(5, 3, 1, 1) == 5\n"
            "### BEGIN HIDDEN TESTS\n"
            f"{NOTEBOOK_HIDDEN_LINE}\n"
            "### END HIDDEN TESTS",
            "correct_conv_output_size",
            grade=True,
            points=1,
            locked=True,
        ),
        _cell(
            "code",
            "x = np.ones((1, 1, 3, 3))\n"
            "w = np.ones((1, 1, 2, 2))\n"
            'out, _ = conv_forward_naive(x, w, np.zeros(1), {"stride": 1, "pad": 0})\n'
            "assert np.allclose(out, 4.0)\n"
            "### BEGIN HIDDEN TESTS\n"
            'out, _ = conv_forward_naive(x, 2 * w, np.ones(1), {"stride": 1, "pad": 0})\n'
            'assert np.allclose(out, 9.0), "hidden: weights and bias"\n'
            "### END HIDDEN TESTS",
            "correct_conv_forward_naive",
            grade=True,
            points=2,
            locked=True,
        ),
        _cell(
            "markdown",
            "**Inline question 1:** why does a convolution without padding shrink its input?",
            "inline_question_1_prompt",
            locked=True,
        ),
        _cell(
            "markdown",
            f"{NOTEBOOK_ANSWER_LINE}\nshrinks by HH - 1 rows and WW - 1 columns.",
            "inline_question_1",
            solution=True,
            grade=True,
            points=1,
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def make_source(root, *, with_repo_notebooks=True):
    """An instructor source in folder `root`, laid out like the repository; returns its Source."""
    root = Path(root)
    repo = Source.from_repo(paths.REPO)
    source = Source.from_repo(root)
    shutil.copytree(
        repo.package, source.package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    source.requirements.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(repo.requirements, source.requirements)

    source.notebooks.mkdir(parents=True, exist_ok=True)
    if with_repo_notebooks:
        for nb in repo.notebook_files():
            shutil.copyfile(nb, source.notebooks / nb.name)
    nbformat.write(fixture_notebook(), source.notebooks / FIXTURE_NOTEBOOK)

    if repo.reference.is_dir() and any(repo.reference.iterdir()):
        shutil.copytree(repo.reference, source.reference)
    else:
        source.reference.mkdir(parents=True)
        np.savez(source.reference / "stand_in.npz", out=np.arange(4.0))

    source.datasets_script.parent.mkdir(parents=True, exist_ok=True)
    if repo.datasets_script.is_file():
        shutil.copyfile(repo.datasets_script, source.datasets_script)
    else:
        source.datasets_script.write_text(STAND_IN_DATASETS)
    return source


def graded_cells(nb):
    """The autograded test cells of a notebook: {grade_id: cell}."""
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            found[meta["grade_id"]] = cell
    return found


def kernel_env(scratch):
    """The environment a notebook's kernel starts with, as the notebooks' own tests use.

    CS231N_QUICK=1 is the notebooks' documented switch that shrinks training;
    the synthetic dataset is generated once into `scratch`/datasets.
    """
    scratch = Path(scratch)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(
        CS231N_QUICK="1",
        CS231N_DATASETS=str(scratch / "datasets"),
        IPYTHONDIR=str(scratch / "ipython"),
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="agg",
    )
    return env


def grade_errors(nb, workdir, env, timeout=600):
    """Run `nb` in `workdir`, errors allowed; {grade_id: the errors its grade cell raised}.

    Errors are given by name; an empty list means the grade cell passed.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(env=env)
    return {
        grade_id: [o["ename"] for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        for grade_id, cell in graded_cells(nb).items()
    }


def snapshot(folder, skip=("gradebook.db",)):
    """{relative path: bytes} of every file under `folder` but the `skip` names."""
    folder = Path(folder)
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }
