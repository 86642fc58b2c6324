"""Check your work before you hand it in: `python3 check_submission.py`.

    python3 check_submission.py                    the notebooks of this folder
    python3 check_submission.py A.ipynb B.ipynb    only these
    python3 check_submission.py --run              run them first

It reads the notebooks as you last saved them and runs nothing, so first run
each notebook from the top (Kernel > Restart Kernel and Run All Cells) and save
it. With --run it runs each notebook itself, from the top in a fresh kernel as
Restart Kernel and Run All Cells does (stopping at the first error), and checks
that run instead, without saving it; this takes as long as running them in
Jupyter. Then it reports, notebook by notebook, with the cell's number (counting
every cell from 1 at the top), the section it sits in and its id:

1. a notebook never run: none of its code cells has been run;
2. check cells that failed when they last ran, with their error, and other
   cells that raised an error;
3. cells never run: each check cell, and how many other code cells;
4. answers still empty: a code answer still raising NotImplementedError("replace
   this line with your code"), a written answer still reading YOUR ANSWER HERE;
5. a notebook saved before your last edit of a file of cs231n/: its outputs
   may not show your code as it is now;

and last, every function of cs231n/ that still raises NotImplementedError.

These are warnings: nothing stops you from handing in. `bash
collect_submission.sh` runs the same check once it has written your zip. Exit
status: 0 nothing to report, 1 something reported. Only Python's standard
library is used.
"""

import argparse
import json
import re
import sys
from pathlib import Path

#: What a code answer cell holds until it is written.
CODE_STUB_LINE = 'raise NotImplementedError("replace this line with your code")'
#: What a written answer cell holds until it is written.
TEXT_STUB = "YOUR ANSWER HERE"
#: The package whose functions are written in place of a line that raises.
PACKAGE = "cs231n"
#: The line left in place of each function of the package still to write.
_PACKAGE_STUB = re.compile(
    r'^\s*raise NotImplementedError\("([\w.]+): not implemented yet; write it in [^"]*"\)'
)
#: How much of an error message a report line shows.
_MESSAGE_CHARS = 160


def check_notebook(path, package=None, run=False):
    """The warnings for the notebook at `path`: a list of lines, empty when all is well.

    With `package` (the cs231n folder), a notebook run and saved before the
    last edit of one of its files is named too. With `run`, the notebook is
    run first (`run_notebook`) and that run is checked.
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except FileNotFoundError:
        return ["missing: keep the notebook's name and its place in this folder"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"cannot be read as a notebook ({type(error).__name__}: {error})"]
    if run:
        try:
            cells = run_notebook(path)["cells"]
        except ImportError as error:
            return [f"cannot run it ({error}): install requirements.txt first"]
        except Exception as error:  # a kernel that died or never started: say so, go on
            return [f"the run stopped: {_first_line(f'{type(error).__name__}: {error}')}"]
        package = None  # just run: no older outputs

    code = [(i, c) for i, c in enumerate(cells, 1) if c.get("cell_type") == "code"]
    if code and all(c.get("execution_count") is None for _, c in code):
        warnings = [
            "never run: none of its code cells has been run; run it from the top "
            "(Kernel > Restart Kernel and Run All Cells) and save it"
        ]
        return warnings + _empty_answers(cells)

    warnings = []
    for number, cell in code:
        for output in _errors(cell):
            what = "check failed" if is_check(cell) else "raised an error"
            message = _first_line(f"{output.get('ename', '')}: {output.get('evalue', '')}")
            warnings.append(f"{what}: {describe(cells, number)}: {message}")
    unrun = [(number, cell) for number, cell in code if cell.get("execution_count") is None]
    stopped = next((n for n, c in code if _errors(c)), None)
    if unrun and stopped is not None and unrun[0][0] > stopped:
        # a run that stopped at an error: one line for everything below it
        checks = [cell for _, cell in unrun if is_check(cell)]
        ids = ", ".join(
            c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "") for c in checks
        )
        counted = _count(len(checks), "check cell") + (f" ({ids})" if ids else "")
        if len(unrun) > len(checks):
            counted += " and " + _count(len(unrun) - len(checks), "other code cell")
        warnings.append(
            f"never run: {counted}, below cell {stopped}, where the run stopped at an error"
        )
        unrun = []
    for number, cell in unrun:
        if is_check(cell):
            warnings.append(f"never run: check {describe(cells, number)}")
    others = [number for number, cell in unrun if not is_check(cell)]
    if others:
        count = _count(len(others), "other code cell")
        warnings.append(f"never run: {count}, the first {describe(cells, others[0])}")
    edited = _edited_since(path, package) if package is not None else None
    if edited:
        warnings.append(
            f"saved before your last edit of {edited}: its outputs may not show your code as "
            "it is now; run it again from the top and save it"
        )
    return warnings + _empty_answers(cells)


def run_notebook(path, timeout=None):
    """Run the notebook at `path` as Restart Kernel and Run All Cells does; return it, unsaved.

    Every code cell is cleared first, so no output of an earlier run remains;
    the run stops at the first cell that raises, as in Jupyter, and the cells
    below it stay never run. The kernel runs in the notebook's folder.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(
        nb, timeout=timeout, resources={"metadata": {"path": str(Path(path).resolve().parent)}}
    )
    try:
        client.execute()
    except CellExecutionError:
        pass  # the error is in the cell's outputs, where the check finds it
    return nb


def check_package(folder):
    """The warnings for the package in `folder`: each function that still raises."""
    folder = Path(folder)
    warnings = []
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            warnings.append(f"cannot read {path.name} ({type(error).__name__})")
            continue
        rel = path.relative_to(folder.parent).as_posix()
        for number, line in enumerate(lines, 1):
            match = _PACKAGE_STUB.match(line)
            if match:
                warnings.append(
                    f"not written yet: {match.group(1)} ({rel}, line {number} still raises "
                    "NotImplementedError)"
                )
    return warnings


def report(notebooks, package=None, out=sys.stdout, run=False):
    """Print the warnings of every notebook, then of the package; return how many there were.

    With `run`, each notebook is run first, and a line says so as it starts.
    """
    total = 0
    sections = []
    for nb in notebooks:
        if run:
            print(f"running {Path(nb).name} from the top ...", file=out, flush=True)
        sections.append((Path(nb).name, check_notebook(nb, package, run=run)))
    if package is not None and Path(package).is_dir():
        sections.append((f"{Path(package).name}/", check_package(package)))
    for name, warnings in sections:
        total += len(warnings)
        if warnings:
            print(f"{name}:", file=out)
            for line in warnings:
                print(f"    {line}", file=out)
        else:
            print(f"{name}: nothing to report", file=out)
    if total:
        print(
            f"{total} warning{'s' if total > 1 else ''}: look at them before you hand in.", file=out
        )
    else:
        print(
            "Nothing to report: every notebook was run, every check passed when it last ran, "
            "every answer is written.",
            file=out,
        )
    return total


def _edited_since(notebook, package):
    """The package's .py file saved last, as cs231n/layers.py, if saved after `notebook`."""
    files = [p for p in Path(package).rglob("*.py") if "__pycache__" not in p.parts]
    if not files:
        return None
    newest = max(files, key=lambda p: p.stat().st_mtime)
    if newest.stat().st_mtime <= Path(notebook).stat().st_mtime:
        return None
    return newest.relative_to(Path(package).parent).as_posix()


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _count(number, noun):
    return f"{number} {noun}" + ("" if number == 1 else "s")


def is_check(cell):
    """Is `cell` a check cell (graded, and not an answer)?"""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _empty_answers(cells):
    found = []
    for number, cell in enumerate(cells, 1):
        if not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        source = _source(cell)
        if cell.get("cell_type") == "code":
            empty = any(line.strip() == CODE_STUB_LINE for line in source.splitlines())
        else:
            empty = TEXT_STUB in source
        if empty:
            still = CODE_STUB_LINE if cell.get("cell_type") == "code" else TEXT_STUB
            found.append(f"answer still empty: {describe(cells, number)} still holds {still}")
    return found


def describe(cells, number):
    """'cell 14, in "Convolution: naive forward pass" (correct_conv_forward_naive)'."""
    section = None
    for cell in cells[: number - 1]:
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("#"):
                    section = line.lstrip("#").strip()
    text = f"cell {number}"
    if section:
        text += f', in "{section}"'
    grade_id = cells[number - 1].get("metadata", {}).get("nbgrader", {}).get("grade_id")
    if grade_id:
        text += f" ({grade_id})"
    return text


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _first_line(text):
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 3] + "..."


def main(argv=None):
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(
        prog="check_submission.py",
        description="Report notebooks never run, failed checks, empty answers and "
        "functions not written yet, from the notebooks as last saved.",
    )
    parser.add_argument(
        "notebooks", nargs="*", help="the notebooks (default: those of this folder)"
    )
    parser.add_argument(
        "--run",
        action="store_true",
        help="run each notebook from the top in a fresh kernel first (not saved)",
    )
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(str(p) for p in here.glob("*.ipynb"))
    return 1 if report(notebooks, package=here / PACKAGE, run=args.run) else 0


if __name__ == "__main__":
    sys.exit(main())
