"""The grade verb run again on the class graded end to end (tests/classroom.py): with
--execute-notebooks, killed at several moments, one job at a time. Each works on a copy.
"""

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from autograder.grade import grade
from autograder.grade.results import read_result
from autograder.paths import REPO
from tests.classroom import CELL_TIMEOUT, grade_table

pytestmark = [pytest.mark.grade, pytest.mark.slow]


#: Submissions whose notebooks attack the kernel, graded again with --execute-notebooks.
EXECUTED = (
    "solution",
    "hostile-monkeypatch",
    "hostile-input-transformer",
    "hostile-exit",
    "hostile-loop-cell",
)


@pytest.fixture(scope="module")
def executed(graded_class, tmp_path_factory):
    """A copy of the graded class, a few students graded again with --execute-notebooks."""
    course = tmp_path_factory.mktemp("executed") / "course"
    shutil.copytree(graded_class.course, course, symlinks=True)
    report = grade(
        course,
        students=list(EXECUTED),
        jobs=3,
        cell_timeout=CELL_TIMEOUT,
        execute_notebooks=True,
        log=lambda line: None,
    )
    return course, report


def test_execute_notebooks_runs_them_in_the_box_and_compares(executed, graded_class):
    """With --execute-notebooks, are the notebooks run again (the kernel in the box), the
    in-kernel verdicts compared with the trusted ones, and the scores unchanged?"""
    course, report = executed
    assert sorted(report.regraded) == sorted(EXECUTED)

    def flags(student):
        result = read_result(course, student)
        return " | ".join([*result.flags, *(flag for _, flag in result.cell_flags())])

    solution = read_result(course, "solution")
    assert solution.flags == []
    assert solution.cell_flags() == []
    assert set(solution.notebooks.values()) == {"executed in the sandbox"}
    assert all(cell.nbgrader_points == cell.max_points for cell in solution.cells)
    assert "nbgrader's in-kernel run gave" in flags("hostile-monkeypatch")
    assert "nbgrader's in-kernel run gave" in flags("hostile-input-transformer")
    assert "kernel died" in flags("hostile-exit")
    assert "time limit" in flags("hostile-loop-cell")
    for student in EXECUTED:
        again, first = read_result(course, student), read_result(graded_class.course, student)
        assert [c.points for c in again.cells] == [c.points for c in first.cells], student
        assert again.fingerprint != first.fingerprint  # the mode is part of it
    table, clean = grade_table(course), grade_table(graded_class.course)
    assert {k: v[0] for k, v in table.items()} == {k: v[0] for k, v in clean.items()}


def _grade_command(course, *extra):
    return [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        "--course",
        str(course),
        "--jobs",
        "2",
        *extra,
    ]


def _grade_env():
    path = os.pathsep.join([str(REPO), str(REPO / "assignment")])
    return {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}


def kill_when(command, cwd, moment):
    """Run `command` under tests/reaper.py, SIGKILL its main process once a line of its output
    starts with `moment`; return (the lines seen, the processes it left running)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reaper", *command],
        cwd=cwd,
        env=_grade_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    lines, sent = [], False
    for line in proc.stdout:
        if line.startswith("LEFTOVER "):
            proc.wait()
            return lines, json.loads(line[len("LEFTOVER ") :])
        lines.append(line.rstrip("\n"))
        if not sent and line.strip().startswith(moment):
            proc.send_signal(signal.SIGUSR1)
            sent = True
    proc.wait()
    raise AssertionError(f"the reaper gave no LEFTOVER line (exit {proc.returncode}): {lines}")


#: The students a killed regrade grades again: the ones that leave processes behind (a
#: double fork, a fork bomb, a loop ignoring signals), a notebook that exits, code run at
#: interpreter start-up, and the release (seconds each: the class's training and looping
#: submissions would only make each kill wait longer).
KILLED = (
    "hostile-detached",
    "hostile-exit",
    "hostile-fork-bomb",
    "hostile-loop-cell",
    "hostile-site",
    "release",
)


def test_a_regrade_killed_at_several_moments_leaves_nothing_and_changes_no_grade(
    graded_class, graded_copy
):
    """A --force regrade of hostile submissions of a graded class, its main process SIGKILLed
    while preparing, with its first result in, and with four: is no process of the run left
    (workers, boxes and what runs in them), and does the next run (of the whole class)
    export what the clean run did, row for row?"""
    from autograder.export import export

    export(graded_copy, log=lambda line: None)
    clean_csv = (graded_copy / "grades.csv").read_text()
    before = grade_table(graded_copy)
    command = _grade_command(graded_copy, "--force", *(f"--student={s}" for s in KILLED))
    for moment in ("grading ", "[1/", "[4/"):  # the progress lines of six: "[1/6] ..."
        lines, left = kill_when(command, graded_copy, moment)
        assert any(line.strip().startswith(moment) for line in lines), (moment, lines)
        assert left == [], f"killed at {moment!r}, the run left processes: {left}"
    rerun = subprocess.run(
        _grade_command(graded_copy), cwd=graded_copy, env=_grade_env(), capture_output=True
    )
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    assert b"Warning" not in rerun.stderr  # SQLAlchemy's noise stays off the terminal
    assert grade_table(graded_copy) == before
    (graded_copy / "grades.csv").unlink()
    repaired = []
    export(graded_copy, log=repaired.append)
    assert not [line for line in repaired if "repaired" in line]
    assert (graded_copy / "grades.csv").read_text() == clean_csv


def test_jobs_one_grades_as_the_class_run_in_parallel(graded_class, graded_copy):
    """Regraded one at a time (--jobs 1, --student), do three students get the records and
    gradebook rows the class run with three jobs gave them, hint for hint?"""
    again = ["solution", "release", "hostile-monkeypatch"]
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
