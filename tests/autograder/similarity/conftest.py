"""Fixtures of the similarity tests: a hand-made released course (no nbgrader), fresh per test."""

import shutil

import pytest

from tests.autograder.similarity.helpers import make_course


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """A released course built once: the stripped package and one notebook."""
    return make_course(tmp_path_factory.mktemp("similarity") / "course")


@pytest.fixture
def course(released, tmp_path):
    """A copy of the released course, free to collect into."""
    copy = tmp_path / "course"
    shutil.copytree(released, copy)
    return copy
