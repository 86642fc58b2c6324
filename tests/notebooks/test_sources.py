"""Are the source notebooks sound: each .ipynb in step with its .py, and every rule of a kit
notebook kept (nbgrader metadata, grade ids, points, locked cells, markers, the beat of a
section, no outputs)?

Each notebook is a pair (notebooks/jupytext.toml): notebooks/<Name>.py, the source in
jupytext's percent format, and notebooks/<Name>.ipynb, what Jupyter, nbgrader and the
release read. `make notebooks` brings a pair in step. These tests read the files and run no
cell. Each rule is a test over a `Sources` (a notebooks folder); the last test breaks a copy
of the folder once per rule and checks that the rule's test then fails, with its message.
"""

import difflib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
import pytest
from jupytext.cli import jupytext as jupytext_cli
from nbgrader.nbgraderformat import MetadataValidator

from autograder.paths import NOTEBOOKS_DIR, REFERENCE_DIR
from autograder.refs.cases import CASES
from tests.notebooks.harness import NOTEBOOKS

pytestmark = pytest.mark.notebooks

MARKERS = {
    "solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
    "hidden": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
}
#: jupytext's pairing of the notebooks folder.
CONFIG = "jupytext.toml"
#: The nbgrader metadata of each kind of cell a kit notebook has (besides points and ids).
KINDS = {
    "check cell": {"grade": True, "solution": False, "locked": True},
    "solution cell": {"grade": False, "solution": True, "locked": False},
    "question": {"grade": False, "solution": False, "locked": True},
    "answer": {"grade": True, "solution": True, "locked": False},
}
#: (kind, cell type, what its grade id looks like): ids read like test names in the gradebook.
KIND_SHAPES = {
    "check cell": ("code", r"correct_[a-z0-9_]+"),
    "solution cell": ("code", r"[a-z][a-z0-9_]*"),
    "question": ("markdown", r"inline_question_[a-z0-9_]+_prompt"),
    "answer": ("markdown", r"inline_question_[a-z0-9_]+"),
}
#: The first markdown cell after the title, the same in every notebook.
HOW_CHECKS_WORK = "**How the checks work.**"


@dataclass(frozen=True)
class Sources:
    """The notebook pairs of one folder: the repository's notebooks/, or a broken copy."""

    folder: Path

    @cached_property
    def notebooks(self):
        """{stem: notebook} for every .ipynb of the folder, read as nbformat 4."""
        return {
            path.stem: nbformat.read(path, as_version=4)
            for path in sorted(self.folder.glob("*.ipynb"))
        }

    def cells(self):
        """(stem, cell) for every cell of every notebook."""
        return [(stem, cell) for stem, nb in self.notebooks.items() for cell in nb.cells]


@pytest.fixture(scope="module")
def sources():
    return Sources(NOTEBOOKS_DIR)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def where(stem, cell):
    """A cell as a message names it: its grade id, or its first line."""
    meta = nbgrader(cell)
    if meta.get("grade_id"):
        return f"{stem}: {meta['grade_id']}"
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
    return f"{stem}: the {cell.cell_type} cell {first[:60]!r}"


def kind(cell):
    """The kind of an nbgrader cell (a key of KINDS), or None for an unusual combination."""
    flags = {key: nbgrader(cell).get(key) for key in ("grade", "solution", "locked")}
    return next((name for name, want in KINDS.items() if want == flags), None)


def regions(source, begin, end):
    """(inside, outside) line lists of the begin/end regions; raise ValueError if unbalanced."""
    inside, outside, depth = [], [], 0
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == begin:
            if depth:
                raise ValueError(f"nested {begin}")
            depth = 1
        elif stripped == end:
            if not depth:
                raise ValueError(f"{end} without {begin}")
            depth = 0
        else:
            (inside if depth else outside).append(line)
    if depth:
        raise ValueError(f"{begin} never closed")
    return inside, outside


def check_cells(sources):
    """(stem, index, cell) of every check cell (a graded code cell)."""
    return [
        (stem, i, cell)
        for stem, nb in sources.notebooks.items()
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and nbgrader(cell).get("grade")
    ]


# ---------------------------------------------------------------------------
# The pairs
# ---------------------------------------------------------------------------


def run_jupytext(*args):
    status = jupytext_cli(["--quiet", *map(str, args)])
    assert not status, f"jupytext {' '.join(map(str, args))} exited with {status}"


def differences(now, made, name, source, limit=30):
    """The first lines of a diff from `name` as it is to `name` as jupytext makes it."""
    lines = difflib.unified_diff(
        now.splitlines(), made.splitlines(), name, f"{name} made from {source}", lineterm=""
    )
    return "\n".join(list(lines)[:limit])


def pair_problems(folder, stem):
    """What `make notebooks` would change in the pair `stem` of `folder`: [] when it agrees.

    Run on copies, both ways: the notebook jupytext makes of the .py (edited last) must be
    the .ipynb, and the .py jupytext writes from the .ipynb (edited last) must be the .py.
    """
    problems = []
    py_text = (folder / f"{stem}.py").read_text(encoding="utf-8")
    ipynb_text = (folder / f"{stem}.ipynb").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        for way in ("from_py", "from_ipynb"):
            work = Path(tmp) / way
            work.mkdir()
            shutil.copy(folder / CONFIG, work / CONFIG)
            py, ipynb = work / f"{stem}.py", work / f"{stem}.ipynb"
            py.write_text(py_text, encoding="utf-8")
            ipynb.write_text(ipynb_text, encoding="utf-8")
            if way == "from_py":
                os.utime(ipynb, (1_000_000_000, 1_000_000_000))
                run_jupytext("--sync", py)  # the .py is newer: it gives the cells
                made = ipynb.read_text(encoding="utf-8")
                if made != ipynb_text:
                    problems.append(
                        f"{stem}.ipynb is not what jupytext makes of {stem}.py:\n"
                        + differences(ipynb_text, made, f"{stem}.ipynb", f"{stem}.py")
                    )
            else:
                run_jupytext("--to", "py:percent", ipynb)
                made = py.read_text(encoding="utf-8")
                if made != py_text:
                    problems.append(
                        f"{stem}.py is not what jupytext writes from {stem}.ipynb:\n"
                        + differences(py_text, made, f"{stem}.py", f"{stem}.ipynb")
                    )
    return problems


def test_every_notebook_is_a_pair_the_notebook_tests_run(sources):
    """Does every .ipynb have its .py and every .py its .ipynb (and nothing else is a .py in
    notebooks/), with the jupytext pairing beside them, and does tests/notebooks/harness.py
    run each notebook?"""
    ipynb = {p.stem for p in sources.folder.glob("*.ipynb")}
    py = {p.stem for p in sources.folder.glob("*.py")}
    assert (sources.folder / CONFIG).is_file(), f"notebooks/{CONFIG} (the pairing) is missing"
    assert py == ipynb, (
        f"not paired: {sorted(ipynb ^ py)} (a new notebook: save it from Jupyter with jupytext "
        "installed, or run make notebooks; a helper module belongs in assignment/cs231n/)"
    )
    assert ipynb == set(NOTEBOOKS), (
        f"tests/notebooks/harness.py NOTEBOOKS {sorted(NOTEBOOKS)} differs from {sorted(ipynb)}"
    )


def test_each_notebook_agrees_with_its_py(sources):
    """Is each .ipynb exactly what jupytext makes of its .py, and the .py what jupytext writes
    from the .ipynb (so `make notebooks` would change neither, whichever was edited last)?"""
    problems = [
        problem
        for path in sorted(sources.folder.glob("*.py"))
        if path.with_suffix(".ipynb").is_file()
        for problem in pair_problems(sources.folder, path.stem)
    ]
    assert not problems, "run make notebooks:\n" + "\n\n".join(problems)


# ---------------------------------------------------------------------------
# The notebook files
# ---------------------------------------------------------------------------


def test_source_notebooks_carry_no_outputs(sources):
    for stem, cell in sources.cells():
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{where(stem, cell)} has outputs: clear them"
            assert cell.execution_count is None, f"{where(stem, cell)} has an execution count"


def test_nbgrader_accepts_the_metadata(sources):
    """Does nbformat accept each notebook, and nbgrader's own validator every cell (ids,
    points, cell types)?"""
    for stem, nb in sources.notebooks.items():
        nbformat.validate(nb)
        try:
            MetadataValidator().validate_nb(nb)
        except Exception as error:  # a jsonschema or nbgrader ValidationError, a schema too old
            raise AssertionError(f"{stem}: nbgrader refuses it: {error}") from None
        assert nb.metadata.kernelspec.name == "python3", stem


def test_notebook_metadata_names_the_kernel_only(sources):
    """Does each notebook's metadata hold the kernel and language only: no jupytext pairing
    (notebooks/jupytext.toml pairs them all) and no stale note?"""
    for stem, nb in sources.notebooks.items():
        extra = set(nb.metadata) - {"kernelspec", "language_info"}
        assert not extra, f"{stem}: notebook metadata {sorted(extra)}: remove it"


def test_cells_carry_nbgrader_metadata_only(sources):
    """Is nbgrader's the only cell metadata (none of Jupyter's view state, none of jupytext's
    blank-line counts such as lines_to_next_cell)?"""
    for stem, cell in sources.cells():
        extra = set(cell.metadata) - {"nbgrader"}
        assert not extra, (
            f"{where(stem, cell)}: cell metadata {sorted(extra)}: remove it (a lines_to_next_cell "
            "comes from a cell followed by more than one blank line in the .py)"
        )


def test_no_cell_starts_or_ends_with_blank_lines(sources):
    for stem, cell in sources.cells():
        assert cell.source == cell.source.strip("\n"), f"{where(stem, cell)}: blank lines"
        assert cell.source.strip(), f"{where(stem, cell)} is empty"


def test_cell_ids_are_unique_in_each_notebook(sources):
    """Has every cell an id of its own in its notebook? (Read as stored: nbformat renames a
    duplicate on reading, with a warning, and Jupyter would give it a new id on every save.)"""
    for path in sorted(sources.folder.glob("*.ipynb")):
        stem, nb = path.stem, json.loads(path.read_text(encoding="utf-8"))
        assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5), f"{stem}: no cell ids"
        ids = [cell.get("id") for cell in nb["cells"]]
        assert None not in ids, f"{stem}: a cell without an id"
        assert len(ids) == len(set(ids)), f"{stem}: {sorted({i for i in ids if ids.count(i) > 1})}"


def test_grade_ids_are_unique_across_all_notebooks(sources):
    ids = [nbgrader(cell)["grade_id"] for _, cell in sources.cells() if nbgrader(cell)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_nbgrader_cell_is_one_of_the_four_kinds(sources):
    """Is every nbgrader cell a locked check cell with points, an unlocked solution cell, a
    locked question or an unlocked answer with points, of its cell type, with a grade id that
    reads like a test name?"""
    for stem, cell in sources.cells():
        meta = nbgrader(cell)
        if not meta:
            continue
        name = kind(cell)
        flags = {key: meta.get(key) for key in ("grade", "solution", "locked")}
        assert name, f"{where(stem, cell)}: {flags} is none of the kinds {KINDS}"
        cell_type, id_shape = KIND_SHAPES[name]
        assert cell.cell_type == cell_type, f"{where(stem, cell)}: a {name} must be {cell_type}"
        assert re.fullmatch(id_shape, meta["grade_id"]), f"{where(stem, cell)}: not {id_shape}"
        assert meta.get("schema_version") == 3, where(stem, cell)
        assert meta.get("task") is False, where(stem, cell)
        if meta["grade"]:
            points = meta.get("points")
            assert isinstance(points, (int, float)), f"{where(stem, cell)}: points {points!r}"
            assert points > 0, f"{where(stem, cell)}: points {points!r}"
        else:
            assert "points" not in meta, f"{where(stem, cell)}: points on a {name}"


def test_every_check_cell_keeps_the_beat(sources):
    """Does every check cell come after a markdown spec (a heading, in a section whose text
    names in backticks the cs231n file or a name the cell uses), start with the error to
    expect, seed its inputs, and run a visible check inside `with checking(...)`?"""
    for stem, index, cell in check_cells(sources):
        cells = sources.notebooks[stem].cells
        here = where(stem, cell)
        before = index - 1
        while before >= 0 and cells[before].cell_type == "code":
            before -= 1
        assert before >= 0, f"{here}: no markdown before it"
        spec = cells[before]
        not_spec = f"{here}: the cell before it is not a section's spec (a markdown heading)"
        assert spec.source.startswith("#"), not_spec
        assert not nbgrader(spec), not_spec
        section = before
        while section > 0 and not cells[section].source.startswith("## "):
            section -= 1
        prose = "\n".join(
            c.source for c in cells[section : before + 1] if c.cell_type == "markdown"
        )
        code = "\n".join(c.source for c in cells[before + 1 : index + 1])
        named = re.findall(r"`([^`]+)`", prose)
        assert any(
            re.fullmatch(r"cs231n/[\w/]+\.py", n) or re.search(rf"\b{re.escape(n)}\b", code)
            for n in named
            if re.fullmatch(r"[\w./]+", n)
        ), f"{here}: its section names in backticks neither a cs231n file nor a name it uses"
        _, visible = regions(cell.source, *MARKERS["hidden"])
        expect = f"{here}: the first line says what error to expect ('# Expect ...')"
        assert visible, expect
        assert visible[0].startswith("# Expect"), expect
        assert "reference_inputs(" in cell.source or "np.random.seed(" in cell.source, (
            f"{here}: neither reads saved inputs (reference_inputs) nor seeds numpy"
        )
        assert "with checking(" in cell.source, f"{here}: no `with checking(...)`"
        assert re.search(r"\bcheck(_close|_at_least|_equal)?\(", "\n".join(visible)), (
            f"{here}: calls no check"
        )


def test_markers_are_balanced_and_in_the_right_cells(sources):
    """Are solution markers only in solution cells and answers, each of which has a region,
    hidden tests only in check cells, and every region closed and not nested?"""
    for stem, cell in sources.cells():
        meta = nbgrader(cell)
        for marker, (begin, end) in MARKERS.items():
            try:
                inside, _ = regions(cell.source, begin, end)
            except ValueError as error:
                raise AssertionError(f"{where(stem, cell)}: {error}") from None
            has_region = begin in cell.source
            if marker == "solution":
                if meta.get("solution"):
                    assert has_region, f"{where(stem, cell)}: a solution cell without {begin}"
                else:
                    assert not has_region, f"{where(stem, cell)}: {begin} outside a solution cell"
                if has_region:
                    assert inside, f"{where(stem, cell)}: an empty solution region"
            if marker == "hidden" and has_region:
                assert kind(cell) == "check cell", f"{where(stem, cell)}: hidden tests here"


def test_no_notebook_holds_hidden_tests(sources):
    """Do the hidden cases live in the grader only (autograder/grade/cases.py), never in a
    notebook, where they would run in the student's kernel?"""
    for stem, cell in sources.cells():
        for marker in MARKERS["hidden"]:
            assert marker not in cell.source, f"{where(stem, cell)}: {marker}"


def test_inline_questions_have_one_fixed_form(sources):
    """Is every inline question a locked "**Inline Question n:**" cell, numbered from 1, with
    the grade id of its answer plus "_prompt", followed by that manually graded "**Your
    Answer:**" cell holding the instructor's answer, and are the answers the only manually
    graded cells?"""
    for stem, nb in sources.notebooks.items():
        cells = nb.cells
        numbers = []
        for i, cell in enumerate(cells):
            meta = nbgrader(cell)
            if cell.cell_type == "markdown" and meta.get("grade"):
                alone = f"{where(stem, cell)}: an answer without its question before it"
                assert i > 0, alone
                assert kind(cells[i - 1]) == "question", alone
            match = re.match(r"\*\*Inline Question (\d+):\*\* ", cell.source)
            if not match:
                assert kind(cell) != "question", f"{where(stem, cell)}: not **Inline Question n:**"
                continue
            numbers.append(int(match.group(1)))
            assert kind(cell) == "question", f"{stem}: question {match.group(1)} is not locked"
            assert i + 1 < len(cells), f"{where(stem, cell)}: no answer after it"
            answer = cells[i + 1]
            assert kind(answer) == "answer", f"{where(stem, cell)}: no answer after it"
            assert meta["grade_id"] == nbgrader(answer)["grade_id"] + "_prompt", where(stem, cell)
            assert answer.source.startswith("**Your Answer:**\n\n### BEGIN SOLUTION\n")
            assert answer.source.endswith("\n### END SOLUTION"), where(stem, answer)
        assert numbers, f"{stem} has no inline question"
        assert numbers == list(range(1, len(numbers) + 1)), f"{stem}: questions {numbers}"


def test_no_helper_is_defined_in_a_notebook(sources):
    """Are helpers only imported from cs231n, never defined in a notebook? (The one function a
    notebook defines is the one the student writes, in a solution cell.)"""
    for stem, cell in sources.cells():
        if cell.cell_type != "code" or nbgrader(cell).get("solution"):
            continue
        assert not re.search(r"^\s*(def|class) ", cell.source, re.M), (
            f"{where(stem, cell)} defines a helper: put it in assignment/cs231n/"
        )


def test_check_cells_and_reference_files_match(sources):
    """Does every reference case used by a cell exist, and is every case used by some cell?"""
    used = set()
    for stem, cell in sources.cells():
        for name in re.findall(r'(?:reference_inputs|check)\(\s*"([a-z0-9_]+)"', cell.source):
            assert (REFERENCE_DIR / f"{name}.npz").is_file(), f"{stem}: no reference for {name}"
            used.add(name)
    assert used == set(CASES), f"used but not a case, or a case unused: {sorted(used ^ set(CASES))}"


def test_every_notebook_explains_the_checks_in_the_same_words(sources):
    """Does every notebook open (after its title) with the same "How the checks work" cell,
    which tells students that the naive layers must do the work themselves?"""
    texts = {stem: nb.cells[1].source for stem, nb in sources.notebooks.items()}
    for stem, text in texts.items():
        assert text.startswith(HOW_CHECKS_WORK), f"{stem}: cell 2 is not {HOW_CHECKS_WORK}"
        assert "earn their points only by doing the work" in text, stem
        assert "cs231n/fast_layers.py" in text, stem
    first = next(iter(texts))
    for stem, text in texts.items():
        assert text == texts[first], (
            f"{stem} explains the checks unlike {first}: keep the cell the same in every notebook\n"
            + "\n".join(
                difflib.unified_diff(texts[first].splitlines(), text.splitlines(), lineterm="")
            )
        )


def test_the_quick_parameter_is_documented_and_read_once(sources):
    """Is CS231N_QUICK read in one parameter cell, near the top, with a markdown note above?"""
    cells = sources.notebooks["ConvolutionalNetworks"].cells
    readers = [
        i for i, c in enumerate(cells) if "CS231N_QUICK" in c.source and c.cell_type == "code"
    ]
    assert len(readers) == 1, f"CS231N_QUICK is read in cells {readers}"
    i = readers[0]
    assert i < 8
    assert "CS231N_QUICK=1" in cells[i - 1].source, "the cell above does not document it"
    assert 'QUICK = os.environ.get("CS231N_QUICK") == "1"' in cells[i].source


# ---------------------------------------------------------------------------
# Can each rule fail? One broken copy of the notebooks per rule.
# ---------------------------------------------------------------------------


def edit_text(name, old, new):
    """A breakage: replace `old` (present once) with `new` in one file of the folder."""

    def edit(folder):
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not in {name} exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def edit_cell(stem, grade_id, change):
    """A breakage: change(cell, notebook) on the cell `grade_id` (a cell id when not a grade
    id) of notebook `stem`'s .ipynb."""

    def edit(folder):
        path = folder / f"{stem}.ipynb"
        nb = nbformat.read(path, as_version=4)
        (cell,) = [c for c in nb.cells if grade_id in (nbgrader(c).get("grade_id"), c.id)]
        change(cell, nb)
        nbformat.write(nb, path)

    return edit


def remove(name):
    return lambda folder: (folder / name).unlink()


def setting(**values):
    def change(cell, nb):
        cell.metadata.nbgrader.update(values)

    return change


def replacing(old, new):
    def change(cell, nb):
        assert old in cell.source, (old, cell.source)
        cell.source = cell.source.replace(old, new, 1)

    return change


CONV, POOL, NORM = "ConvolutionalNetworks", "PoolingAndTransposedConv", "SpatialNormalization"

BREAKAGES = [
    pytest.param(
        test_every_notebook_is_a_pair_the_notebook_tests_run,
        remove(f"{NORM}.py"),
        "not paired",
        id="a notebook without its .py",
    ),
    pytest.param(
        test_each_notebook_agrees_with_its_py,
        edit_text(f"{CONV}.py", "the filters it learns.\n", "the filters it learns!\n"),
        f"{CONV}.ipynb is not what jupytext makes of {CONV}.py",
        id="a .py edited, its notebook not synced",
    ),
    pytest.param(
        test_each_notebook_agrees_with_its_py,
        edit_text(f"{POOL}.ipynb", '"# Average pooling,', '"# Average pooling!'),
        f"{POOL}.py is not what jupytext writes from {POOL}.ipynb",
        id="a notebook edited, its .py not synced",
    ),
    pytest.param(
        test_source_notebooks_carry_no_outputs,
        edit_cell(
            NORM,
            "correct_spatial_batchnorm_forward",
            lambda c, nb: c.update(
                outputs=[nbformat.v4.new_output("stream", name="stdout", text="PASSED\n")]
            ),
        ),
        "has outputs",
        id="an output left in a check cell",
    ),
    pytest.param(
        test_nbgrader_accepts_the_metadata,
        edit_cell(NORM, "correct_spatial_batchnorm_forward", setting(grade_id="bad id!")),
        "nbgrader refuses it",
        id="a grade id nbgrader refuses",
    ),
    pytest.param(
        test_notebook_metadata_names_the_kernel_only,
        edit_cell(
            NORM,
            "correct_spatial_batchnorm_forward",
            lambda c, nb: nb.metadata.update(jupytext={"formats": "ipynb,py:percent"}),
        ),
        r"notebook metadata \['jupytext'\]",
        id="jupytext's pairing in a notebook",
    ),
    pytest.param(
        test_cells_carry_nbgrader_metadata_only,
        edit_cell(CONV, "train_one_epoch", lambda c, nb: c.metadata.update(lines_to_next_cell=2)),
        r"cell metadata \['lines_to_next_cell'\]",
        id="jupytext's blank-line count in a cell",
    ),
    pytest.param(
        test_no_cell_starts_or_ends_with_blank_lines,
        edit_cell(
            POOL, "correct_conv_forward_same", lambda c, nb: c.update(source=c.source + "\n")
        ),
        "correct_conv_forward_same: blank lines",
        id="a trailing blank line",
    ),
    pytest.param(
        test_cell_ids_are_unique_in_each_notebook,
        edit_text(
            f"{CONV}.ipynb",
            '"id": "correct_conv_backward_naive"',
            '"id": "correct_conv_forward_naive"',
        ),
        r"\['correct_conv_forward_naive'\]",
        id="two cells with one id",
    ),
    pytest.param(
        test_grade_ids_are_unique_across_all_notebooks,
        edit_cell(
            POOL, "correct_conv_forward_same", setting(grade_id="correct_conv_forward_naive")
        ),
        "correct_conv_forward_naive",
        id="a grade id in two notebooks",
    ),
    pytest.param(
        test_every_nbgrader_cell_is_one_of_the_four_kinds,
        edit_cell(CONV, "correct_conv_forward_naive", setting(locked=False)),
        "is none of the kinds",
        id="an unlocked check cell",
    ),
    pytest.param(
        test_every_nbgrader_cell_is_one_of_the_four_kinds,
        edit_cell(CONV, "correct_conv_forward_naive", setting(points=0)),
        "correct_conv_forward_naive: points",
        id="a check cell worth 0 points",
    ),
    pytest.param(
        test_every_nbgrader_cell_is_one_of_the_four_kinds,
        edit_cell(CONV, "correct_conv_forward_naive", setting(grade_id="conv_forward_check")),
        r"not correct_\[a-z0-9_\]\+",
        id="a check cell's id that is not a test name",
    ),
    pytest.param(
        test_every_check_cell_keeps_the_beat,
        edit_cell(NORM, "correct_spatial_groupnorm_forward", replacing("# Expect", "# Look for")),
        "the first line says what error to expect",
        id="a check cell that does not say what error to expect",
    ),
    pytest.param(
        test_every_check_cell_keeps_the_beat,
        edit_cell(CONV, "convolutionalnetworks-06", replacing("## Convolution", "Convolution")),
        "correct_conv_forward_naive: the cell before it is not a section's spec",
        id="a check cell without a spec heading",
    ),
    pytest.param(
        test_every_check_cell_keeps_the_beat,
        edit_cell(
            NORM,
            "spatialnormalization-11",
            lambda c, nb: c.update(source=c.source.replace("`", "")),
        ),
        "correct_spatial_groupnorm_forward: its section names in backticks neither",
        id="a spec that names no file or function",
    ),
    pytest.param(
        test_markers_are_balanced_and_in_the_right_cells,
        edit_cell(POOL, "inline_question_checkerboard", replacing("\n### END SOLUTION", "")),
        "### BEGIN SOLUTION never closed",
        id="a solution region never closed",
    ),
    pytest.param(
        test_markers_are_balanced_and_in_the_right_cells,
        edit_cell(
            CONV,
            "train_one_epoch",
            lambda c, nb: c.update(
                source=c.source.replace("### BEGIN SOLUTION\n", "").replace(
                    "\n    ### END SOLUTION", ""
                )
            ),
        ),
        "a solution cell without ### BEGIN SOLUTION",
        id="a solution cell without its region",
    ),
    pytest.param(
        test_no_notebook_holds_hidden_tests,
        edit_cell(
            NORM,
            "correct_spatial_batchnorm_forward",
            lambda c, nb: c.update(
                source=c.source + "\n### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS"
            ),
        ),
        "correct_spatial_batchnorm_forward: ### BEGIN HIDDEN TESTS",
        id="hidden tests in a check cell",
    ),
    pytest.param(
        test_inline_questions_have_one_fixed_form,
        edit_cell(NORM, "inline_question_group_norm_prompt", replacing("Question 2", "Question 3")),
        r"questions \[1, 3\]",
        id="inline questions numbered 1, 3",
    ),
    pytest.param(
        test_inline_questions_have_one_fixed_form,
        edit_cell(NORM, "inline_question_group_norm_prompt", setting(grade_id="group_norm_prompt")),
        "group_norm_prompt",
        id="a question's id not its answer's",
    ),
    pytest.param(
        test_no_helper_is_defined_in_a_notebook,
        edit_cell(
            CONV,
            "convolutionalnetworks-35",
            lambda c, nb: c.update(source="def smooth(values):\n    return values\n\n" + c.source),
        ),
        "defines a helper",
        id="a helper defined in a notebook",
    ),
    pytest.param(
        test_check_cells_and_reference_files_match,
        edit_cell(
            NORM,
            "correct_spatial_batchnorm_forward",
            replacing('reference_inputs("spatial_batchnorm_forward")', 'reference_inputs("sbn")'),
        ),
        "no reference for sbn",
        id="a check cell reading a case that does not exist",
    ),
    pytest.param(
        test_every_notebook_explains_the_checks_in_the_same_words,
        edit_cell(NORM, "spatialnormalization-01", replacing("is a good sign", "is a grade")),
        "explains the checks unlike",
        id="one notebook's explanation of the checks edited",
    ),
    pytest.param(
        test_the_quick_parameter_is_documented_and_read_once,
        edit_cell(CONV, "convolutionalnetworks-03", replacing("CS231N_QUICK=1", "QUICK")),
        "the cell above does not document it",
        id="the quick parameter undocumented",
    ),
]


@pytest.mark.parametrize(("rule", "breakage", "message"), BREAKAGES)
def test_each_rule_fails_on_a_broken_copy(rule, breakage, message, tmp_path):
    """Does the rule's test fail, saying what is wrong, on a copy of notebooks/ broken once?"""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, folder, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    rule(Sources(folder))  # the copy keeps the rule, until broken
    breakage(folder)
    with pytest.raises(AssertionError, match=message):
        rule(Sources(folder))


def test_every_rule_has_a_broken_copy():
    """Is each rule above tried on a broken copy?"""
    tried = {param.values[0].__name__ for param in BREAKAGES}
    rules = {
        name
        for name, value in globals().items()
        if name.startswith("test_")
        and callable(value)
        and value.__code__.co_varnames[: value.__code__.co_argcount] == ("sources",)
    }
    assert rules - tried == set()
