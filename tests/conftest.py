"""Settings for the whole suite.

Tests marked `slow` are left out by `make test-fast` (`pytest -m "not slow"`),
the quick tier for the edit-test loop; `make test` runs everything. A test is
slow by its mark, or by asking for one of SLOW_FIXTURES.

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


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
