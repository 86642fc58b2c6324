"""grade/cells.py: the nbgrader metadata of submitted cells, checked against the release's."""

import copy
import json

import nbformat
import pytest

from autograder.grade.cells import notebook_repairs, release_metadata, repair_cells

pytestmark = pytest.mark.grade


def _meta(grade_id, *, grade, solution, locked, points=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
        "checksum": f"sum-{grade_id}",
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def release_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Spec"),
        nbformat.v4.new_code_cell(
            "def train_one_epoch(data):\n    raise NotImplementedError",
            metadata=_meta("train_one_epoch", grade=False, solution=True, locked=False),
        ),
        nbformat.v4.new_code_cell(
            "check('conv')",
            metadata=_meta("correct_conv", grade=True, solution=False, locked=True, points=3),
        ),
    ]
    return nb


@pytest.fixture
def folders(tmp_path):
    release, submitted = tmp_path / "release", tmp_path / "submitted"
    release.mkdir()
    submitted.mkdir()
    nbformat.write(release_notebook(), release / "Nb.ipynb")
    return release, submitted


def test_an_untouched_notebook_needs_no_repair(folders):
    """Does the release's own notebook, submitted as it is, get no note?"""
    release, submitted = folders
    nbformat.write(release_notebook(), submitted / "Nb.ipynb")
    assert notebook_repairs(release, submitted) == []


def test_innocent_jupyter_edits_are_mended_and_named(folders):
    """A copied answer cell (same grade_id), a check cell set to grade: false, and metadata
    without a grade_id: is each mended as the release has it, and named?"""
    release, submitted = folders
    nb = release_notebook()
    copied = copy.deepcopy(nb.cells[1])
    copied.source = "def train_one_epoch(data):\n    return 'my second try'"
    copied.id = "copied-cell"
    nb.cells.insert(2, copied)
    nb.cells[3].metadata.nbgrader["grade"] = False
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade": True}}))
    nbformat.write(nb, submitted / "Nb.ipynb")
    notes = notebook_repairs(release, submitted)
    assert notes == [
        "Nb.ipynb cell 3: a second cell with grade_id train_one_epoch (copied?): nbgrader's "
        "record keeps it as an ordinary cell",
        "Nb.ipynb correct_conv: its nbgrader metadata was edited (grade): the release's restored",
        "Nb.ipynb cell 5: nbgrader metadata without a grade_id, removed",
    ]
    # The submitted file itself is not changed.
    assert (
        json.loads((submitted / "Nb.ipynb").read_text())["cells"][3]["metadata"]["nbgrader"][
            "grade"
        ]
        is False
    )
    # In place, on nbformat's nodes (as nbgrader's autograde reads them).
    cells = nbformat.read(submitted / "Nb.ipynb", as_version=4).cells
    repair_cells(cells, release_metadata(release / "Nb.ipynb"))
    assert "nbgrader" not in cells[2].metadata
    assert cells[3].metadata.nbgrader.grade is True  # attribute access, as nbgrader uses
    assert cells[3].metadata.nbgrader.checksum == "sum-correct_conv"
    assert "nbgrader" not in cells[4].metadata


def test_a_missing_or_broken_notebook_is_left_to_other_checks(folders):
    """Does notebook_repairs skip a missing notebook and one that is not JSON?"""
    release, submitted = folders
    assert notebook_repairs(release, submitted) == []
    (submitted / "Nb.ipynb").write_text("{ not json")
    assert notebook_repairs(release, submitted) == []
