"""The grade verb end to end: a fabricated class through collect, the sandbox and nbgrader.

The class (see tests/classroom.py) is graded once; every test reads
that run, or grades a copy of it again.
"""

import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest

from autograder.demo.fabricate import side_effects
from autograder.grade import GradeError, find_students, grade
from autograder.grade.gradebook import scores
from autograder.grade.results import read_result, read_results
from autograder.paths import ASSIGNMENT_ID, REPO
from tests.classroom import CELL_TIMEOUT, CLASS, grade_table

pytestmark = [pytest.mark.grade, pytest.mark.slow]

GRADED = [s for s in CLASS if not s.startswith("hostile-zip-")]


def fabricated(graded_class, student):
    return next(f for f in graded_class.fabricated if f.student_id == student)


def test_every_collected_submission_is_graded(graded_class):
    """Is every submission collect took graded, and the refused zips not?"""
    assert sorted(graded_class.collected.collected) == sorted(GRADED)
    assert not graded_class.report.failed
    assert sorted(r.student for r in graded_class.report.results) == sorted(GRADED)
    assert graded_class.report.sandbox == "bwrap"


@pytest.mark.parametrize("student", GRADED)
def test_each_submission_earns_exactly_its_honest_score(graded_class, student):
    """Does each submission score what its code honestly earns, cell by cell?

    The solution and the alternative implementation: full marks; the release:
    zero; a mistake: points lost in the cells it breaks only; a hostile
    submission: only what its honest base earns, whatever it attacked.
    """
    result = read_result(graded_class.course, student)
    assert result is not None
    assert fabricated(graded_class, student).expect.mismatches(result) == []


def test_the_gradebook_holds_the_trusted_scores(graded_class):
    """Is every autograded cell's auto_score in nbgrader's gradebook the trusted one?"""
    table = grade_table(graded_class.course)
    for result in read_results(graded_class.course):
        for cell in result.cells:
            auto, manual, _ = table[(result.student, cell.notebook, cell.grade_id)]
            assert auto == pytest.approx(cell.points), (result.student, cell.grade_id)
            assert manual is None
    totals = scores(graded_class.course, ASSIGNMENT_ID)
    assert totals["solution"][0] == pytest.approx(61)
    assert totals["hostile-gradebook"][0] == pytest.approx(0)


def test_no_attack_left_a_trace(graded_class):
    """Is nothing written outside the scratch folders, no process left, the gradebook unrigged?"""
    gradebook = graded_class.course / "gradebook.db"
    assert side_effects(graded_class.fabricated, gradebook=gradebook) == []
    assert not any(graded_class.canaries.iterdir())


def test_the_solution_is_graded_without_a_flag(graded_class):
    """Do the solution and the alternative pass nbgrader's in-kernel checks too (no flag)?"""
    for student in ("solution", "alternative"):
        result = read_result(graded_class.course, student)
        assert result.flags == []
        assert result.cell_flags() == []
        assert set(result.notebooks.values()) == {"executed"}
        assert all(cell.nbgrader_points == cell.max_points for cell in result.cells)


def test_the_instructor_is_told_what_each_attack_did(graded_class):
    """Does each attack that nbgrader alone would miss or choke on get a flag?"""

    def flags(student):
        result = read_result(graded_class.course, student)
        return " | ".join([*result.flags, *(flag for _, flag in result.cell_flags())])

    assert "nbgrader's in-kernel run gave" in flags("hostile-monkeypatch")
    assert "nbgrader's in-kernel run gave" in flags("hostile-input-transformer")
    assert "kernel died" in flags("hostile-exit")
    assert "time limit" in flags("hostile-loop-cell")
    assert "edited provided file cs231n/fast_layers.py (ignored)" in flags(
        "hostile-edited-provided"
    )
    assert "sitecustomize.py" in flags("hostile-site")
    # The loop in a package function costs its own cells, not the run.
    assert "did not finish" not in flags("hostile-loop-function")


def test_hidden_case_hints_never_hold_an_expected_value(graded_class):
    """Is no hint of a hidden case quoting a number the grader expected?"""
    value = re.compile(r"\d\.\d{3,}")  # the key's floats print with several digits
    hidden = [
        case.hint
        for result in read_results(graded_class.course)
        for cell in result.cells
        for case in cell.cases
        if case.visibility == "hidden" and case.hint
    ]
    assert hidden  # the mistakes and attacks miss hidden cases
    assert [hint for hint in hidden if value.search(hint)] == []


def test_grading_again_changes_nothing(graded_class, graded_copy):
    """Does a second run reuse every result and leave the gradebook exactly as it was?"""
    before = grade_table(graded_copy)
    report = grade(graded_copy, log=lambda line: None)
    assert sorted(report.reused) == sorted(GRADED)
    assert report.regraded == []
    assert grade_table(graded_copy) == before


def test_runs_killed_at_random_moments_end_with_the_same_gradebook(graded_class, graded_copy):
    """Killed with SIGKILL at random moments, again and again, then run to the end: is the
    gradebook the clean run's?"""
    before = grade_table(graded_copy)
    again = ["solution", "mistake-conv-stride", "hostile-gradebook"]
    results = graded_copy / "autograder" / "results"
    for student in again:
        (results / f"{student}.json").unlink()
    command = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        "--course",
        str(graded_copy),
        "--jobs",
        "2",
        "--cell-timeout",
        str(CELL_TIMEOUT),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "assignment")])}
    # Moments in every step: preparing, the harness, nbgrader rewriting grades.
    moments = random.Random(7).sample(range(2, 30), 3)
    for seconds in moments:
        proc = subprocess.Popen(
            command,
            cwd=graded_copy,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(seconds)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(3)  # the killed run's kernels and boxes are told, and go
        assert leftover(graded_copy) == [], f"the run killed after {seconds} s left processes"
    finished = {p.stem for p in results.glob("*.json")}
    assert not set(again) <= finished, "every run finished before it was killed: kill sooner"
    subprocess.run(command, cwd=graded_copy, env=env, check=True, capture_output=True)
    assert grade_table(graded_copy) == before


def leftover(course):
    """Processes (pid, command) whose command line names `course`: kernels, boxes, workers."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(course) in command:
            found.append((int(entry), command[:200]))
    return found


def test_jobs_one_grades_as_the_class_run_with_two(graded_class, graded_copy):
    """Regraded one at a time (--jobs 1, --student), do three students get the records and
    gradebook rows the class run with --jobs 2 gave them, hint for hint?"""
    again = ["solution", "mistake-conv-stride", "hostile-monkeypatch"]
    before = {s: read_result(graded_copy, s) for s in again}
    table = grade_table(graded_copy)
    report = grade(
        graded_copy,
        students=again,
        force=True,
        jobs=1,
        cell_timeout=CELL_TIMEOUT,
        log=lambda line: None,
    )
    assert sorted(report.regraded) == sorted(again)

    def record(result):
        return (
            result.flags,
            [
                (c.grade_id, c.points, c.flag, [(v.passed, v.hint) for v in c.cases])
                for c in result.cells
            ],
        )

    for student in again:
        assert record(read_result(graded_copy, student)) == record(before[student]), student
    assert grade_table(graded_copy) == table


def test_an_unknown_student_or_course_is_a_clear_error(graded_class, tmp_path):
    """Are an unknown --student and a folder that is no course refused by name?"""
    with pytest.raises(GradeError, match="nobody"):
        find_students(graded_class.course, only=["nobody"])
    with pytest.raises(GradeError, match="not a released course"):
        grade(tmp_path, log=lambda line: None)
