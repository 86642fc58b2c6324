"""A class graded end to end once per session, through the real nbgrader and the sandbox.

`graded_class` releases the assignment into a fresh course, fabricates the
class of `CLASS` (the solutions, the untouched release, a correct
implementation written differently, typical mistakes, and every hostile
submission the autograder issue lists, plus zips collect must refuse),
collects it and grades it with three jobs, once per test run: under pytest-xdist the
first worker to ask grades it and the other reads it back (`graded_once`). The
grade, feedback and export tests read the result; tests that change anything,
feedback and export included, work on a copy (`graded_copy`).

Grading takes a few minutes (each submission runs its harness and its three
notebooks in the sandbox), so everything here is marked slow by the tests.
"""

import fcntl
import os
import pickle
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.corpora.attacks import ATTACKS

#: The fabricated students graded end to end (ids of autograder.demo.fabricate).
CLASS = (
    "solution",
    "release",
    "alternative",
    "mistake-conv-stride",
    "mistake-l2-half",
    *ATTACKS,  # every attack of the corpus (tests/corpora/attacks/)
)
#: Per-cell time limit of the notebooks in these tests, in seconds.
CELL_TIMEOUT = 20
#: Every time budget of the harness is halved in this suite (CONVKIT_TIME_SCALE, set by
#: tests/conftest.py for every grade run, in process or not; `grade --time-scale`): the
#: attacks that loop until stopped spin half as long. The slowest honest case of the
#: class (the alternative's naive convolution, 14 s of its 60 on two busy cores) keeps
#: twice the time it needs.
TIME_SCALE = "0.5"


@dataclass
class GradedClass:
    course: Path
    fabricated: list  # autograder.demo.fabricate.Fabricated
    collected: object  # CollectResult
    report: object  # GradeReport
    lines: list  # what grade logged
    canaries: Path


def grade_table(course):
    """Every grade row of the gradebook: {(student, notebook, cell): (auto, manual, needs)}."""
    db = sqlite3.connect(Path(course) / "gradebook.db")
    try:
        rows = db.execute(
            """
            SELECT submitted_assignment.student_id, notebook.name, base_cell.name,
                   grade.auto_score, grade.manual_score, grade.needs_manual_grade
            FROM grade
            JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
            JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
            JOIN notebook ON submitted_notebook.notebook_id = notebook.id
            JOIN base_cell ON grade.cell_id = base_cell.id
            """
        ).fetchall()
    finally:
        db.close()
    return {(s, n, c): (a, m, bool(needs)) for s, n, c, a, m, needs in rows}


def grade_class(root, ids, log=None):
    """Release, fabricate `ids`, collect and grade them under `root`; a GradedClass.

    Three jobs on two cores: the attacks that sleep or wait on a limit leave a
    core idle, and every budget of the harness has room to spare for it.
    """
    from autograder.collect import collect
    from autograder.demo.fabricate import fabricate_class
    from autograder.grade import grade
    from autograder.release import build_release

    root = Path(root)
    course = root / "course"
    release = build_release(course)
    canaries = root / "canaries"
    canaries.mkdir()
    fabricated = fabricate_class(release.release, root / "zips", ids=ids, canary_dir=canaries)
    collected = collect(course, [root / "zips"], log=None)
    lines = []

    def record(line):
        lines.append(line)
        if log is not None:
            log(line)

    report = grade(course, jobs=3, cell_timeout=CELL_TIMEOUT, log=record)
    return GradedClass(course, fabricated, collected, report, lines, canaries)


def shared_root(tmp_path_factory):
    """The folder every process of this pytest run shares: the run's own temporary folder
    (under pytest-xdist, the parent of each worker's)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def graded_once(root, ids):
    """The GradedClass of `ids` graded under `root`, by whichever process of the run asks
    first: the others wait for it (a lock) and read it back (a pickle), so two workers
    never both spend minutes grading the same class."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    record = root / "graded_class.pickle"
    with open(root / "graded_class.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            graded = grade_class(root / "graded", ids)
            record.write_bytes(pickle.dumps(graded))
            return graded
    return pickle.loads(record.read_bytes())


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The class of CLASS graded end to end, once per test run (every worker shares it).

    Read only: a test that changes the course works on `graded_copy`, since the other
    worker may be reading or copying it at the same time.
    """
    return graded_once(shared_root(tmp_path_factory) / "graded-class", CLASS)


@pytest.fixture
def graded_copy(graded_class, tmp_path):
    """A copy of the graded course, free to change."""
    course = tmp_path / "course"
    shutil.copytree(graded_class.course, course, symlinks=True)
    return course
