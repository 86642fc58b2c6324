"""Execute the notebooks headless, as a student's Jupyter would, and read what they printed.

A notebook runs in a folder laid out like the course and the release: the
notebook beside `cs231n/` and `reference/`. The kernel starts in that folder
(so `import cs231n` finds the copy there, never the repository's) with:

- CS231N_QUICK=1, the notebooks' documented switch that shrinks training;
- CS231N_DATASETS pointing at a shared folder, where the synthetic dataset is
  generated on first use;
- no PYTHONPATH, its own IPYTHONDIR and no bytecode files.
"""

import os
import re
import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.paths import NOTEBOOKS_DIR, PACKAGE_DIR, REFERENCE_DIR

#: The notebooks, in the order students meet them.
NOTEBOOKS = ("ConvolutionalNetworks", "SpatialNormalization", "PoolingAndTransposedConv")

#: Seconds one cell may take: the overfitting and one-epoch runs are the longest
#: (a few seconds each with CS231N_QUICK=1 on an idle machine; CI machines are slower).
CELL_TIMEOUT = 600


def lay_out_course(root):
    """Copy the notebooks, the instructor's cs231n (with solutions) and reference/ into root."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for stem in NOTEBOOKS:
        shutil.copy(NOTEBOOKS_DIR / f"{stem}.ipynb", root)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PACKAGE_DIR, root / "cs231n", ignore=ignore)
    shutil.copytree(REFERENCE_DIR, root / "reference")
    return root


def kernel_env(datasets, ipython_dir):
    """The environment the kernel starts with."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(
        CS231N_QUICK="1",
        CS231N_DATASETS=str(datasets),
        IPYTHONDIR=str(ipython_dir),
        PYTHONDONTWRITEBYTECODE="1",
        MPLBACKEND="agg",
    )
    return env


def execute(path, *, datasets, ipython_dir, allow_errors=False, timeout=CELL_TIMEOUT):
    """Run every cell of the notebook at `path` in its folder; return (notebook, seconds).

    With allow_errors=False, the first failing cell raises nbclient's
    CellExecutionError (its message holds the cell and the error).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(env=kernel_env(datasets, ipython_dir))
    return nb, time.perf_counter() - start


def grade_cells(nb):
    """The nbgrader grade cells of a notebook that hold code (the check cells)."""
    return [
        cell
        for cell in nb.cells
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
    ]


def grade_id(cell):
    return cell.metadata["nbgrader"]["grade_id"]


def stream_text(cell, name="stdout"):
    """Everything a cell printed on one stream."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == name)


def errors(cell):
    """The error outputs of a cell."""
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def checked_names(cell):
    """The names passed to check("...") in a cell's source: each must print a verdict."""
    return re.findall(r'\bcheck\(\s*"([a-z0-9_]+)"', cell.source)
