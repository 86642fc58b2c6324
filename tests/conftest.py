"""Settings for the whole suite.

Tests marked `slow` are left out by `make test-fast` (`pytest -m "not slow"`),
the quick tier for the edit-test loop; `make test` runs everything. A test is
slow by its mark, or by asking for one of SLOW_FIXTURES.

`make test` runs the suite in two pytest-xdist workers (`--dist loadgroup`, scheduled
here by `work_unit`): a file's tests form one unit. The class graded end to end is
graded once per run and shared by both workers (GRADED_CLASS_FILES).

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


#: The files whose tests ask for the class graded end to end (`graded_class`,
#: tests/classroom.py; `graded_copy` asks for it too). The class is graded once per run:
#: the first worker to ask grades it, the other waits for it and reads it back. Under
#: pytest-xdist these files are handed out last (but the first, handed out first), so the
#: class is ready when they start and both workers share their minutes; collection fails if
#: a file asking for the class is missing here.
GRADED_CLASS_FILES = (
    "tests/autograder/grade/test_grade.py",  # grades the class: handed out first
    # The others, longest first (measured: test_regrade's three 60 s, 40 s and 20 s, then
    # 50 s, 40, 25, 14 and 3 s).
    "tests/autograder/grade/test_regrade.py",
    "tests/autograder/grade/test_distributed.py",
    "tests/autograder/feedback/test_feedback.py",
    "tests/autograder/feedback/test_formgrader.py",
    "tests/autograder/export/test_export.py",
    "tests/corpora/attacks/test_attacks.py",
)

#: Files whose tests are each a unit of work of their own: minutes in all, in tests
#: that share no module fixture worth keeping together (test_regrade's three each
#: regrade a copy of the class), so both workers can share them at the end of the run.
SPLIT_FILES = frozenset({"tests/autograder/grade/test_regrade.py"})


#: numpy's BLAS threads per test process under pytest-xdist: one, as in the harness. Two
#: workers with two OpenBLAS threads each on two cores spin against each other (a training
#: run measured six times slower).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(WorkUnits(), "convkit-work-units")
    # Half the grader's time budgets, for every grade run of the suite (tests/classroom.py).
    from autograder.grade.run import TIME_SCALE_ENV
    from tests.classroom import TIME_SCALE

    os.environ.setdefault(TIME_SCALE_ENV, TIME_SCALE)
    # Set before the workers start: they inherit it, and import numpy after.
    if getattr(config.option, "numprocesses", None):
        for name in BLAS_THREADS:
            os.environ.setdefault(name, "1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
        path = item.nodeid.split("::", 1)[0]
        if "graded_class" in fixtures and path not in GRADED_CLASS_FILES:
            raise pytest.UsageError(
                f"{item.nodeid} asks for the graded class: add {path} to "
                "GRADED_CLASS_FILES in tests/conftest.py"
            )


#: The units of work that take longest (minutes each, measured), handed out first, one
#: to each worker: the class graded end to end, and the mistake corpus. Everything else
#: fills in around them; the other files reading the graded class come last, longest
#: first (the order of GRADED_CLASS_FILES), so the run does not end on one long unit.
FIRST_UNITS = (GRADED_CLASS_FILES[0], "tests/corpora/test_mistakes.py")
LAST_UNITS = GRADED_CLASS_FILES[1:]


def work_unit(nodeid):
    """The unit of work a test belongs to under xdist: its file (a module's fixtures are
    built once), or the test itself in SPLIT_FILES."""
    path = nodeid.split("::", 1)[0]
    return nodeid if path in SPLIT_FILES else path


class WorkUnits:
    """The xdist hook, registered only when pytest-xdist is loaded (`-p no:xdist` is
    then a plain serial run, not an unknown-hook error)."""

    @staticmethod
    def pytest_xdist_make_scheduler(config, log):
        """`--dist loadgroup` as this suite means it: units of work by `work_unit`.

        xdist's own loadgroup reads `xdist_group` marks by rewriting test ids, which
        pytest 9.2 ignores (every test was scheduled alone: the graded class and the
        corpus were each built on both workers). FIRST_UNITS go first, then the units
        with the most tests, then LAST_UNITS.
        """
        if config.getvalue("dist") != "loadgroup":
            return None
        from xdist.scheduler import LoadScopeScheduling

        class WorkUnitScheduling(LoadScopeScheduling):
            def _split_scope(self, nodeid):
                return work_unit(nodeid)

            def _assign_work_unit(self, node):
                for path in LAST_UNITS:  # after the class is graded, longest first
                    for unit in [u for u in self.workqueue if u.split("::", 1)[0] == path]:
                        self.workqueue.move_to_end(unit)
                for unit in reversed(FIRST_UNITS):  # the longest chains start at once
                    if unit in self.workqueue:
                        self.workqueue.move_to_end(unit, last=False)
                super()._assign_work_unit(node)

        return WorkUnitScheduling(config, log)
