"""The student README at the release's root: from the unzipped folder to a submission.

Written last into the assignment folder, so it names what the release really
holds: the notebooks in the order to work through them (`NOTEBOOK_ORDER`, then
any other in name order), each with its title, its opening paragraph and the
functions it needs written (a function belongs to the first notebook whose code
names it: `conv_forward_naive`, or the class of a method, `ThreeLayerConvNet`);
the packages of requirements.txt; and every file and folder at the top of the
release. The sections, in order: install, get the data, the notebooks, how the
check cells work, check before handing in, hand in, the files.
"""

import json
import re
from pathlib import Path

from . import selfcheck

#: The order students work in: later notebooks build on the layers of earlier ones.
NOTEBOOK_ORDER = (
    "ConvolutionalNetworks.ipynb",
    "PoolingAndTransposedConv.ipynb",
    "SpatialNormalization.ipynb",
)

#: What each top-level entry of the release is, for the README's file list.
DESCRIPTIONS = {
    "README.md": "this file",
    "cs231n/": "the package you complete: write your code in place of each line that raises "
    "`NotImplementedError`; the files without one are provided, to read",
    "reference/": "the saved inputs and outputs the check cells compare with; do not edit them",
    "datasets/": "where `datasets/get_datasets.sh` puts CIFAR-10",
    "requirements.txt": "the Python packages the assignment needs",
    "check_submission.py": "reports notebooks never run, failed checks, empty answers and "
    "functions not written yet",
    "collect_submission.sh": "zips your notebooks and code for hand-in",
}


def student_readme(folder, notebooks, functions, requirements="requirements.txt"):
    """The README's text for the assignment `folder`.

    `notebooks` are the notebook files (their names are what the release
    holds); `functions` are the student's functions as "cs231n/layers.py:
    conv_forward_naive", in the package's order; `requirements` is the file in
    `folder` the install step names.
    """
    folder = Path(folder)
    ordered = order_notebooks(notebooks)
    owners = assign_functions(ordered, functions)
    packages = requirement_names(folder / requirements)
    first = ordered[0].name if ordered else "the first notebook"
    parts = [
        _INTRO.format(count=len(ordered), first=first),
        _INSTALL.format(requirements=requirements, packages=_and(packages)),
        _DATA,
        _notebooks_section(ordered, owners),
        _CHECKS,
        _SELF_CHECK.format(
            example=_example_cell(ordered), last=ordered[-1].name if ordered else "A.ipynb"
        ),
        _HAND_IN.format(notebooks=_and(f"`{nb.name}`" for nb in ordered)),
        _files_section(folder, ordered),
    ]
    return "\n".join(part.rstrip("\n") + "\n" for part in parts)


def order_notebooks(notebooks):
    """The notebooks (paths) in the order students work through them."""
    rank = {name: i for i, name in enumerate(NOTEBOOK_ORDER)}
    return sorted(
        (Path(nb) for nb in notebooks),
        key=lambda p: (rank.get(p.name, len(rank)), p.name),
    )


def assign_functions(notebooks, functions):
    """{notebook name: [(function, file), ...]}; functions no notebook names go under None.

    A notebook's functions come in the order its code first calls them (or,
    never called, names them); the others in the order given.
    """
    codes = [(nb.name, _code_text(nb)) for nb in notebooks]
    found = {}
    for index, entry in enumerate(functions):
        file, _, function = entry.partition(": ")
        word = function.split(".")[0]
        pattern = re.compile(rf"\b{re.escape(word)}\b")
        call = re.compile(rf"\b{re.escape(word)}\s*\(")
        owner, where = None, index
        for name, code in codes:
            match = pattern.search(code)
            if match:
                owner, where = name, (call.search(code) or match).start()
                break
        found.setdefault(owner, {}).setdefault((function, file), (where, index))
    return {owner: sorted(pairs, key=pairs.get) for owner, pairs in found.items()}


def requirement_names(path):
    """The package names a requirements file lists, in its order (options and comments left out)."""
    names = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0])
    return names


def _notebooks_section(ordered, owners):
    lines = [
        "## 3. The notebooks, in order",
        "",
        "Work through them in this order: a notebook may use functions you wrote for an "
        "earlier one. Run each from the top; its first code cell imports what it needs.",
        "",
    ]
    for number, nb in enumerate(ordered, 1):
        title, opening = _title_and_opening(nb)
        head = f"{number}. **`{nb.name}`**" + (f": {title}." if title else ".")
        lines.append(f"{head} {opening}".rstrip())
        needs = _by_file(owners.get(nb.name, []))
        code, written = _answers(nb)
        if needs or code:
            lines.append("   It needs these functions written:")
        for file, names in needs:
            lines.append(f"   - in `{file}`: {_and(f'`{n}`' for n in names)}")
        if code:
            lines.append(f"   - in the notebook itself: {_and(f'`{n}`' for n in code)}")
        if written:
            questions = "question" if written == 1 else "questions"
            lines.append(f"   It asks {written} written {questions} (the inline questions).")
        lines.append("")
    rest = owners.get(None, [])
    if rest:
        listed = "; ".join(
            f"{_and(f'`{n}`' for n in names)} in `{file}`" for file, names in _by_file(rest)
        )
        lines.append(
            f"Also still to write, though no notebook checks them: {listed}. "
            "`check_submission.py` lists them until they are written."
        )
    return "\n".join(lines)


def _example_cell(ordered):
    """', such as `cell 9, in "..." (correct_...)`': the first check cell, as the check names it."""
    for path in ordered:
        cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
        for number, cell in enumerate(cells, 1):
            if cell.get("cell_type") == "code" and selfcheck.is_check(cell):
                return f", such as `{selfcheck.describe(cells, number)}`"
    return ""


def _files_section(folder, ordered):
    lines = ["## The files", "", "| file or folder | what it is |", "|---|---|"]
    others = sorted(
        (p for p in Path(folder).iterdir() if not p.name.startswith(".")),
        key=lambda p: p.name.lower(),
    )
    names = [nb.name for nb in ordered] + [
        p.name + ("/" if p.is_dir() else "") for p in others if p.suffix != ".ipynb"
    ]
    if "README.md" not in names:
        names.insert(0, "README.md")
    for name in names:
        if name.endswith(".ipynb"):
            what = "a notebook (see above)"
        else:
            what = DESCRIPTIONS.get(name, "")
        lines.append(f"| `{name}` | {what} |")
    return "\n".join(lines)


def _title_and_opening(path):
    """The first heading of a notebook and the paragraph below it, on one line each."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = _source(cell).strip()
        if not text.startswith("# "):
            continue
        heading, _, body = text.partition("\n")
        paragraph = body.strip().split("\n\n")[0]
        return heading[2:].strip(), " ".join(paragraph.split())
    return "", ""


def _answers(path):
    """The ids of a notebook's code answer cells, and how many written answers it asks."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    code, written = [], 0
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution"):
            continue
        if cell.get("cell_type") == "code":
            code.append(meta.get("grade_id", "?"))
        else:
            written += 1
    return code, written


def _code_text(path):
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return "\n".join(_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code")


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _by_file(pairs):
    grouped = {}
    for function, file in pairs:
        grouped.setdefault(file, []).append(function)
    return list(grouped.items())


def _and(items):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_INTRO = """\
# Convolutional networks: the assignment

You write the layers of convolutional networks in numpy, in the package `cs231n/`, and check
each one in {count} Jupyter notebooks as you go; then you hand in one zip of your notebooks and
your code. Start with `{first}`.
"""

_INSTALL = """\
## 1. Install

You need Python 3.10 or newer. In this folder, preferably in a virtual environment of its own:

    python3 -m venv .venv
    source .venv/bin/activate          (on Windows: .venv\\Scripts\\activate)
    python3 -m pip install -r {requirements}

`{requirements}` lists {packages}. Then open the notebooks from this folder:

    jupyter notebook

(JupyterLab, VS Code and other editors of notebooks work too: run the notebooks with this
folder as the working directory, so that `import cs231n` finds the package.)
"""

_DATA = """\
## 2. Get the data

The notebooks train on CIFAR-10 when you have downloaded it:

    bash datasets/get_datasets.sh

downloads it (about 170 MB) into `datasets/cifar-10-batches-py/` and checks its checksum. Without
it, the notebooks use a synthetic stand-in in CIFAR-10's format (`cs231n/synthetic.py`: ten
classes of shapes and textures), generated offline on first use in a few seconds. The cell that
loads the data prints which dataset is in use. Every check works on either; only the accuracy
of the training run differs.
"""

_CHECKS = """\
## 4. How the check cells work

Each section of a notebook names the file and function you write. The check cell after it runs
your code on seeded inputs saved in `reference/`, compares your outputs with the solution's and
prints one line: `PASSED`, or `FAILED` with the relative error and the threshold, followed by
what looks wrong (a wrong shape and which axis, an output off by a constant, scaled, transposed,
wrong only on the border, ...). Until you write a function, its check says "Not implemented yet".
The first line of a check cell says what error to expect.

- Check cells are locked: do not edit or delete them, and keep the notebooks' names.
- The notebooks reload your edits to `cs231n/` before every cell runs: edit a file, save it, and
  run the check cell again.
- Written answers (the inline questions) go in the cells that read YOUR ANSWER HERE: double-click
  one, replace the text with your answer, and run it. Code you write in a notebook itself goes in
  place of the line `raise NotImplementedError("replace this line with your code")`.
- A check that passes is a good sign, not a grade: your functions are graded on the check cells'
  inputs and on hidden ones of the same kinds (other values, shapes and seeds).
"""

_SELF_CHECK = """\
## 5. Check your work before you hand it in

1. In each notebook: Kernel > Restart Kernel and Run All Cells, then save it (File > Save).
2. In this folder:

       python3 check_submission.py

It reads the notebooks as you saved them (it runs nothing) and reports, notebook by notebook,
each notebook never run, each check cell that failed when it last ran (with its error), each
cell never run, each answer still empty, each notebook saved before your last edit of a file of
`cs231n/`, and then every function of `cs231n/` that still raises `NotImplementedError`. A cell
is named by its number (counting every cell from 1 at the top), the section it sits in and its
id{example}. It ends with "Nothing to report" when all is well.

To check a fresh run instead of what you saved, `python3 check_submission.py --run` first runs
each notebook from the top in a fresh kernel, as Restart Kernel and Run All Cells does (it takes
as long, and saves nothing); name notebooks to check only those:
`python3 check_submission.py --run {last}`.
"""

_HAND_IN = """\
## 6. Hand in

In this folder, with your student id:

    bash collect_submission.sh YOUR_ID

writes `YOUR_ID.zip` here, holding your notebooks ({notebooks}) and every `.py`
file of `cs231n/` (not the datasets, not the reference outputs). Then it runs
`check_submission.py` and shows its warnings: they never stop the zip, but read them, fix what
you can and run the script again. Hand in `YOUR_ID.zip`, that file alone, where your course
collects the assignment.
"""
