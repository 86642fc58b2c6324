"""A class graded end to end once per session, through the real nbgrader and the sandbox.

`graded_class` releases the assignment into a fresh course, fabricates the
class of `CLASS` (the solutions, the untouched release, a correct
implementation written differently, typical mistakes, and every hostile
submission the autograder issue lists, plus zips collect must refuse),
collects it and grades it with three jobs. The grade, feedback and export tests
read the result; tests that change anything work on a copy (`graded_copy`).

Grading takes a few minutes (each submission runs its harness and its three
notebooks in the sandbox), so everything here is marked slow by the tests.
"""

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


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    return grade_class(tmp_path_factory.mktemp("graded"), CLASS)


@pytest.fixture
def graded_copy(graded_class, tmp_path):
    """A copy of the graded course, free to change."""
    course = tmp_path / "course"
    shutil.copytree(graded_class.course, course, symlinks=True)
    return course
