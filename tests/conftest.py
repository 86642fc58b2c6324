"""Settings for the whole suite.

Hypothesis draws the same examples on every run (derandomize), so a test passes or
fails the same way on CI as here; HYPOTHESIS_PROFILE=explore draws new ones (and
remembers failures in .hypothesis/) when hunting for bugs.
"""

import os

from hypothesis import settings

settings.register_profile("convkit", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "convkit"))

#: Fixtures shared by the autograder's tests and the corpora: a release, the answer
#: key and a harness run (tests/grading.py); a class graded end to end (tests/classroom.py).
pytest_plugins = ("tests.grading", "tests.classroom")
