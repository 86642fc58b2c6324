"""The student README (autograder/release/readme.py): true to the release it sits in."""

import re

import nbformat
import pytest

from autograder import paths
from autograder.release import Source, readme
from tests.autograder.release.helpers import FIXTURE_NOTEBOOK

#: What the README names that the student's own steps create, as path prefixes.
CREATED = (".venv", "YOUR_ID.zip", "datasets/cifar-10-batches-py/")
#: What a name must end with to count as a file the README points at.
FILE_SUFFIXES = (".ipynb", ".py", ".sh", ".txt", ".md", ".npz", ".zip")
#: The instructor's tools: never in the student's requirements.
INSTRUCTOR_TOOLS = {"dask", "ruff", "pytest", "hypothesis", "scipy", "nbgrader", "jupytext"}


def named_paths(text):
    """Every file or folder a README names: backticked, or a word of an indented command."""
    spans = [w for span in re.findall(r"`([^`\n]+)`", text) for w in span.split()]
    spans += [w for line in text.splitlines() if line.startswith("    ") for w in line.split()]
    found = set()
    for span in spans:
        span = span.strip("().,;:")
        if not re.fullmatch(r"[\w.-]+(/[\w.<>-]*)*", span) or "<" in span:
            continue
        if span.endswith("/") or span.endswith(FILE_SUFFIXES):
            found.add(span)
    return found


@pytest.mark.release
@pytest.mark.slow
@pytest.mark.parametrize("name", ["README.md", "reference/README.md"])
def test_readme_names_only_what_the_release_holds(built, name):
    """Is every notebook, file and folder a README names in the release (or made by a step it
    describes)?"""
    release = built.result.release
    text = (release / name).read_text(encoding="utf-8")
    names = named_paths(text)
    if name == "README.md":
        assert {"check_submission.py", "collect_submission.sh", "requirements.txt"} <= names
    missing = sorted(
        n
        for n in names
        if not n.startswith(CREATED)
        and not (release / n).exists()
        and not (release / name).parent.joinpath(n).exists()
    )
    assert not missing, f"{name} names what the release does not hold: {missing}"


@pytest.mark.release
@pytest.mark.slow
def test_readme_walks_through_every_notebook_in_order(built):
    """Does the README name every released notebook, in NOTEBOOK_ORDER, start with the first,
    and list what the release's requirements.txt lists?"""
    release = built.result.release
    text = (release / "README.md").read_text(encoding="utf-8")
    notebooks = sorted(p.name for p in release.glob("*.ipynb"))
    steps = re.findall(r"^\d+\. \*\*`([\w.-]+\.ipynb)`\*\*", text, re.MULTILINE)
    assert sorted(steps) == notebooks
    assert steps == [p.name for p in readme.order_notebooks(steps)]
    assert f"Start with `{steps[0]}`." in text
    packages = readme.requirement_names(release / "requirements.txt")
    assert f"lists {readme._and(packages)}." in " ".join(text.split())
    for heading in ("Install", "Get the data", "How the check cells work", "Hand in"):
        assert re.search(rf"^## \d\. {heading}", text, re.MULTILINE), heading


def test_order_covers_the_repository_notebooks():
    """Has every notebook of the repository a place in NOTEBOOK_ORDER? (add a new one there)"""
    names = {p.name for p in Source.from_repo().notebook_files()}
    assert names <= set(readme.NOTEBOOK_ORDER), names - set(readme.NOTEBOOK_ORDER)


def test_unknown_notebooks_come_last_by_name():
    """Are notebooks NOTEBOOK_ORDER does not know put after the known ones, by name?"""
    known = list(readme.NOTEBOOK_ORDER)
    got = readme.order_notebooks(["b.ipynb", known[-1], "a.ipynb", known[0]])
    assert [p.name for p in got] == [known[0], known[-1], "a.ipynb", "b.ipynb"]


def test_functions_go_to_the_first_notebook_that_uses_them(tmp_path):
    """Is each function listed under the first notebook whose code names it (a method under its
    class's), and a function no notebook names listed apart?"""
    paths_ = []
    for name, code in (("one.ipynb", "conv_forward_naive(x)\nNet()"), ("two.ipynb", "conv(x)")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbformat.write(nb, tmp_path / name)
        paths_.append(tmp_path / name)
    owners = readme.assign_functions(
        paths_,
        [
            "cs231n/layers.py: conv_forward_naive",
            "cs231n/cnn.py: Net.loss",
            "cs231n/cnn.py: Net.loss",
            "cs231n/layers.py: conv",
            "cs231n/optim.py: rmsprop",
        ],
    )
    assert owners == {
        "one.ipynb": [("conv_forward_naive", "cs231n/layers.py"), ("Net.loss", "cs231n/cnn.py")],
        "two.ipynb": [("conv", "cs231n/layers.py")],
        None: [("rmsprop", "cs231n/optim.py")],
    }


def test_the_fixture_notebook_gets_its_title_and_opening(tmp_path):
    """Does a notebook's entry carry its first heading, the paragraph below it, its code answer
    cells and how many written answers it asks?"""
    from tests.autograder.release.helpers import fixture_notebook

    nbformat.write(fixture_notebook(), tmp_path / FIXTURE_NOTEBOOK)
    (tmp_path / "requirements.txt").write_text("numpy>=1\n# a comment\nmatplotlib\n")
    text = readme.student_readme(tmp_path, [tmp_path / FIXTURE_NOTEBOOK], [])
    assert (
        f"1. **`{FIXTURE_NOTEBOOK}`**: Release fixture. A notebook the release tests build "
        "and grade." in text
    )
    assert "`requirements.txt` lists numpy and matplotlib." in text
    assert "   - in the notebook itself: `conv_output_size`\n" in text
    assert "   It asks 1 written question (the inline questions).\n" in text


def test_student_requirements_leave_the_instructor_tools_out():
    """Does assignment/requirements.txt list what students need and nothing of the instructor's,
    and does the repository's requirements.txt include it?"""
    student = readme.requirement_names(Source.from_repo().requirements)
    assert {"numpy", "matplotlib", "notebook", "ipykernel"} <= set(student)
    assert not INSTRUCTOR_TOOLS & {name.lower() for name in student}
    repo = paths.REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    assert "-r assignment/requirements.txt" in repo
    makefile = (paths.REPO / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/.installed: requirements.txt assignment/requirements.txt" in makefile
