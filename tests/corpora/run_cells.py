"""Run some code cells of a notebook in one interpreter, as a student's kernel would.

    python -I run_cells.py NOTEBOOK.ipynb CELLS.json OUT.json [MUST_RUN]

Run in the folder that holds the notebook, its `cs231n/` and `reference/`
(that folder goes first on sys.path, so `import cs231n` finds its copy).
CELLS.json lists the indices of the code cells to run, in order; each cell is
exec'd in one shared namespace, IPython magics left out (the kernel's reload
magics change nothing in a fresh process), and an error stops that cell only,
as in Jupyter with "run all, continue after errors". OUT.json receives, for
every cell run: its index, its error ("CheckFailed: ..."), or null, and its
seconds. Printed output is thrown away. With MUST_RUN (a JSON list of cell
indices), it stops after a check (nbgrader grade) cell has failed and every
cell of MUST_RUN has run. Used by presubmit.py; no imports from
the repository, so the notebook sees only its folder.
"""

import contextlib
import io
import json
import os
import sys
import time

import nbformat


def code_of(cell):
    """The cell's Python: its source without IPython magic lines (%, %%, !)."""
    lines = cell.source.splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def is_graded(cell):
    return bool(cell.metadata.get("nbgrader", {}).get("grade"))


def main(notebook, cells_json, out_json, must_run="[]"):
    folder = os.path.dirname(os.path.abspath(notebook))
    sys.path.insert(0, folder)
    os.chdir(folder)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nb = nbformat.read(notebook, as_version=4)
    with open(cells_json, encoding="utf-8") as f:
        wanted = json.load(f)
    pending = set(json.loads(must_run))
    namespace = {"__name__": "__main__"}
    results = []
    failed = False
    for index in wanted:
        if failed and not pending:
            break
        cell = nb.cells[index]
        start = time.perf_counter()
        error = None
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                exec(compile(code_of(cell), f"<cell {index}>", "exec"), namespace)
        except Exception as exc:  # a failing cell is what is measured
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        results.append(
            {"index": index, "error": error, "seconds": round(time.perf_counter() - start, 3)}
        )
        plt.close("all")
        pending.discard(index)
        failed = failed or (error is not None and is_graded(cell))
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(*sys.argv[1:5])
