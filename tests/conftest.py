"""Settings for the whole suite.

Tests marked `slow` are left out by `make test-fast` (`pytest -m "not slow"`),
the quick tier for the edit-test loop; `make test` runs everything. A test is
slow by its mark, or by asking for one of SLOW_FIXTURES.

`make test` runs the suite in two pytest-xdist workers (`--dist loadgroup`): a file's
tests form one group, and the tests that share a minutes-long session fixture
(SHARED_FIXTURES) form one group across files, so it is built once.

Hypothesis draws the same examples on every run (derandomize), so a test passes or
fails the same way on CI as here; HYPOTHESIS_PROFILE=explore draws new ones (and
remembers failures in .hypothesis/) when hunting for bugs.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("convkit", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "convkit"))

#: Fixtures shared by the autograder's tests and the corpora: a release, the answer
#: key and a harness run (tests/grading.py); a class graded end to end (tests/classroom.py).
pytest_plugins = ("tests.grading", "tests.classroom")

#: Fixtures that take more than a few seconds to build (a class graded or fabricated
#: end to end, a Dask scheduler started, a quick training run): the tests that ask
#: for one are marked slow.
SLOW_FIXTURES = frozenset(
    {
        "graded_class",  # tests/classroom.py: a class released, collected and graded
        "klass",  # tests/autograder/demo/test_fabricate.py: the whole demo class made
        "scheduler",  # tests/autograder/grade/conftest.py: a real Dask scheduler
        "quick_rows",  # tests/benchmarks/test_bench_train.py: a quick training benchmark
    }
)


#: Session fixtures that tests in several files share and that take minutes to build:
#: under pytest-xdist (`make test` runs two workers), every test asking for one runs on
#: the same worker, so each is built once.
SHARED_FIXTURES = ("graded_class",)


#: numpy's BLAS threads per test process under pytest-xdist: one, as in the harness. Two
#: workers with two OpenBLAS threads each on two cores spin against each other (a training
#: run measured six times slower).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    # Set before the workers start: they inherit it, and import numpy after.
    if getattr(config.option, "numprocesses", None):
        for name in BLAS_THREADS:
            os.environ.setdefault(name, "1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
        item.add_marker(pytest.mark.xdist_group(xdist_group(item, fixtures)))


def xdist_group(item, fixtures):
    """The group a test runs in under `--dist loadgroup`: the first of SHARED_FIXTURES it
    asks for, else its file (so a module's fixtures are built once, on one worker)."""
    shared = [name for name in SHARED_FIXTURES if name in fixtures]
    return shared[0] if shared else item.nodeid.split("::", 1)[0]
