"""One course built for the whole session (nbgrader takes seconds per run), and ways to copy it.

`built` releases the test source (the repository's material plus the fixture
notebook, see helpers.py) into a fresh course directory twice, keeping a
snapshot of the first run, so tests can compare the two runs and inspect the
result. Tests that change anything work on copies.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.release import ReleaseResult, Source, build_release
from tests.autograder.release.helpers import make_source, snapshot


@dataclass
class Built:
    source: Source
    course: Path
    result: ReleaseResult
    first: dict  # snapshot of the course after the first run
    first_zip: bytes
    steps: list  # the lines the first run logged


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    source = make_source(tmp_path_factory.mktemp("source"))
    course = tmp_path_factory.mktemp("course") / "c"
    steps = []
    first = build_release(course, source=source, log=steps.append)
    tree = snapshot(course)
    zip_bytes = first.archive.read_bytes()
    result = build_release(course, source=source)
    return Built(source, course, result, tree, zip_bytes, steps)


@pytest.fixture
def course_copy(built, tmp_path):
    """A copy of the built course and of its source, free to change: (Source, course)."""
    root = tmp_path / "source"
    shutil.copytree(built.source.root, root)
    course = tmp_path / "c"
    shutil.copytree(built.course, course)
    return Source.from_repo(root), course


@pytest.fixture(scope="session")
def kernel_scratch(tmp_path_factory):
    """Where notebook kernels keep their dataset and IPython files, shared by the session."""
    scratch = tmp_path_factory.mktemp("kernel")
    (scratch / "ipython").mkdir()
    return scratch
