"""Fixtures of the collect tests: a fabricated course and a folder for submission zips."""

import pytest

from tests.autograder.collect.helpers import make_course


@pytest.fixture
def course(tmp_path):
    """A released course (hand-made: collect reads only release/convnets/)."""
    return make_course(tmp_path / "course")


@pytest.fixture
def inbox(tmp_path):
    """An empty folder for the zips students handed in."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder
