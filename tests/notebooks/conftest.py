"""Fixtures shared by the notebook tests: one dataset folder and one course folder per session."""

import pytest

from tests.notebooks.harness import lay_out_course


@pytest.fixture(scope="session")
def datasets_dir(tmp_path_factory):
    """An empty datasets folder: the first notebook generates the synthetic dataset in it."""
    return tmp_path_factory.mktemp("datasets")


@pytest.fixture(scope="session")
def ipython_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ipython")


@pytest.fixture(scope="session")
def instructor_course(tmp_path_factory):
    """The notebooks beside the instructor's cs231n (solutions in place) and reference/."""
    return lay_out_course(tmp_path_factory.mktemp("course") / "convnets")
