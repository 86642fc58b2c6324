"""Are the source notebooks clean, valid nbgrader source, in step with build.py, and consistent?

These tests read the committed .ipynb files without running them.
"""

import importlib.util
import re

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

from autograder.paths import NOTEBOOKS_DIR, REFERENCE_DIR
from autograder.refs.cases import CASES
from tests.notebooks.harness import NOTEBOOKS

pytestmark = pytest.mark.notebooks

MARKERS = {
    "solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
    "hidden": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
}


def load(stem):
    return nbformat.read(NOTEBOOKS_DIR / f"{stem}.ipynb", as_version=4)


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def all_cells():
    return [(stem, cell) for stem in NOTEBOOKS for cell in load(stem).cells]


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


def load_build():
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_the_committed_notebook_is_what_build_py_writes(stem):
    """Is the .ipynb exactly what notebooks/build.py generates (nobody edited it by hand)?"""
    text = (NOTEBOOKS_DIR / f"{stem}.ipynb").read_text(encoding="utf-8")
    assert text == load_build().render(stem), "run: python notebooks/build.py"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_source_notebooks_carry_no_outputs(stem):
    for cell in load(stem).cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_nbgrader_accepts_the_metadata(stem):
    """Does nbgrader's own validator accept every cell (ids, points, cell types)?"""
    nb = load(stem)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)
    assert nb.metadata.kernelspec.name == "python3"


def test_grade_ids_are_unique_across_all_notebooks():
    ids = [nbgrader(cell)["grade_id"] for _, cell in all_cells() if nbgrader(cell)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_cell_ids_are_unique_in_each_notebook():
    for stem in NOTEBOOKS:
        ids = [cell.id for cell in load(stem).cells]
        assert len(ids) == len(set(ids)), stem


def test_grade_cells_have_points_and_test_like_ids():
    for _stem, cell in all_cells():
        meta = nbgrader(cell)
        if not meta.get("grade"):
            continue
        assert meta["points"] > 0, meta["grade_id"]
        if cell.cell_type == "code":
            assert re.fullmatch(r"correct_[a-z0-9_]+", meta["grade_id"]), meta["grade_id"]
        else:
            assert re.fullmatch(r"inline_question_[a-z0-9_]+", meta["grade_id"]), meta["grade_id"]


def test_every_check_cell_has_a_visible_part_in_the_same_beat():
    """Does every check cell start with the error to expect, and run a check outside the hidden
    tests, inside `with checking(...)`?"""
    for stem, cell in all_cells():
        meta = nbgrader(cell)
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        _, visible = regions(cell.source, *MARKERS["hidden"])
        code = [line for line in visible if line.strip() and not line.strip().startswith("#")]
        assert code, f"{stem}: {meta['grade_id']} has no visible test"
        assert visible[0].startswith("# Expect"), f"{stem}: {meta['grade_id']}"
        assert "with checking(" in cell.source, f"{stem}: {meta['grade_id']}"
        assert re.search(r"\bcheck(_close|_at_least|_equal)?\(", "\n".join(visible))


def test_markers_are_balanced_and_in_the_right_cells():
    """Are solution markers only in solution cells, hidden tests only in grade cells, and every
    region closed and not nested?"""
    for stem, cell in all_cells():
        meta = nbgrader(cell)
        for kind, (begin, end) in MARKERS.items():
            inside, _ = regions(cell.source, begin, end)  # raises if unbalanced
            has_region = begin in cell.source
            if kind == "solution" and has_region:
                assert meta.get("solution"), f"{stem}: solution region outside a solution cell"
                assert inside, f"{stem}: empty solution region"
            if kind == "hidden" and has_region:
                assert meta.get("grade"), f"{stem}: hidden tests outside a grade cell"
                assert cell.cell_type == "code", f"{stem}: hidden tests in a markdown cell"


def test_no_notebook_holds_hidden_tests():
    """Do the hidden cases live in the grader only (autograder/grade/cases.py), never in a
    notebook, where they would run in the student's kernel?"""
    for stem, cell in all_cells():
        for marker in MARKERS["hidden"]:
            assert marker not in cell.source, f"{stem}: {nbgrader(cell).get('grade_id')}"


def test_the_notebooks_state_the_fast_layer_rule():
    """Does every notebook tell students that the naive layers must do the work themselves?"""
    for stem in NOTEBOOKS:
        text = "\n".join(cell.source for s, cell in all_cells() if s == stem)
        assert "earn their points only by doing the work" in text, stem
        assert "cs231n/fast_layers.py" in text, stem


def test_inline_questions_have_one_fixed_form():
    """Is every inline question a locked "**Inline Question n:**" cell, numbered from 1, followed
    by a manually graded "**Your Answer:**" cell holding the instructor's answer?"""
    for stem in NOTEBOOKS:
        cells = load(stem).cells
        numbers = []
        for i, cell in enumerate(cells):
            match = re.match(r"\*\*Inline Question (\d+):\*\*", cell.source)
            if not match:
                continue
            numbers.append(int(match.group(1)))
            assert nbgrader(cell).get("locked"), f"{stem}: question {match.group(1)} not locked"
            answer = cells[i + 1]
            meta = nbgrader(answer)
            assert answer.cell_type == "markdown"
            assert meta["grade"]
            assert meta["solution"]
            assert meta["points"] > 0
            assert answer.source.startswith("**Your Answer:**\n\n### BEGIN SOLUTION\n")
            assert answer.source.endswith("\n### END SOLUTION")
        assert numbers == list(range(1, len(numbers) + 1)), stem
        assert numbers, f"{stem} has no inline question"


def test_manually_graded_cells_are_exactly_the_answers():
    for stem, cell in all_cells():
        meta = nbgrader(cell)
        if cell.cell_type == "markdown" and meta.get("grade"):
            assert cell.source.startswith("**Your Answer:**"), stem


def test_no_helper_is_defined_in_a_notebook():
    """Are helpers only imported from cs231n, never defined in a notebook? (The one function a
    notebook defines is the one the student writes, in a solution cell.)"""
    for stem, cell in all_cells():
        if nbgrader(cell).get("solution"):
            continue
        assert not re.search(r"^\s*(def|class) ", cell.source, re.M), f"{stem}: {cell.source}"


def test_check_cells_and_reference_files_match():
    """Does every reference case used by a cell exist, and is every case used by some cell?"""
    used = set()
    for stem, cell in all_cells():
        for name in re.findall(r'(?:reference_inputs|check)\(\s*"([a-z0-9_]+)"', cell.source):
            assert (REFERENCE_DIR / f"{name}.npz").is_file(), f"{stem}: no reference for {name}"
            used.add(name)
    assert used == set(CASES)


def test_the_quick_parameter_is_documented_and_read_once():
    """Is CS231N_QUICK read in one parameter cell, near the top, with a markdown note above?"""
    cells = load("ConvolutionalNetworks").cells
    readers = [
        i for i, c in enumerate(cells) if "CS231N_QUICK" in c.source and c.cell_type == "code"
    ]
    assert len(readers) == 1
    i = readers[0]
    assert i < 8
    assert "CS231N_QUICK=1" in cells[i - 1].source
    assert 'QUICK = os.environ.get("CS231N_QUICK") == "1"' in cells[i].source
