"""autograder/release/source.py: a release refuses notebooks whose .py source says otherwise."""

import shutil

import pytest

from autograder import paths
from autograder.release import ReleaseError
from autograder.release.source import Source

pytestmark = pytest.mark.release

NOTEBOOK = "PoolingAndTransposedConv"


@pytest.fixture
def source(tmp_path):
    """A copy of this repository's source material, notebooks with their .py sources."""
    repo = Source.from_repo(paths.REPO)
    copy = Source.from_repo(tmp_path / "repo")
    shutil.copytree(repo.package, copy.package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(repo.notebooks, copy.notebooks)
    shutil.copytree(repo.reference, copy.reference)
    copy.datasets_script.parent.mkdir(parents=True)
    shutil.copyfile(repo.datasets_script, copy.datasets_script)
    shutil.copyfile(repo.requirements, copy.requirements)
    return copy


def test_agreeing_pairs_pass(source):
    source.check()


def test_a_py_edited_without_make_notebooks_stops_the_release(source):
    """Is a .py whose check cell changed refused, naming the file, the cell and the fix?"""
    py = source.notebooks / f"{NOTEBOOK}.py"
    text = py.read_text(encoding="utf-8")
    assert text.count("correct_max_pool_padded") >= 1
    lines = text.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if '"correct_max_pool_padded"' in line)
    lines.insert(header + 1, "# an edit made in an editor\n")
    py.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ReleaseError) as caught:
        source.check()
    message = str(caught.value)
    assert f"notebooks/{NOTEBOOK}.py" in message
    assert "(correct_max_pool_padded)" in message
    assert "make notebooks" in message


def test_a_cell_added_in_jupyter_only_stops_the_release(source):
    """Is an .ipynb with one cell more than its .py refused with both cell counts?"""
    import nbformat

    path = source.notebooks / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    count = len(nb.cells)
    nb.cells.append(nbformat.v4.new_markdown_cell("A note added in Jupyter."))
    nbformat.write(nb, path)
    with pytest.raises(ReleaseError, match=rf"\({count} cells\) and {NOTEBOOK}\.ipynb \("):
        source.check()


def test_a_notebook_without_a_py_is_left_alone(source):
    (source.notebooks / f"{NOTEBOOK}.py").unlink()
    source.check()
