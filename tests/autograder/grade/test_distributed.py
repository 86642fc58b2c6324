"""The grade verb on a Dask cluster (`--scheduler`): the local run's scores, from other processes.

A real `distributed.LocalCluster` (two worker processes, one thread each, on
localhost) grades a copy of the class graded locally by `graded_class`; the
gradebook rows and per-cell points must come out the same. Sabotage planted on
the workers (a grader that raises, a worker that dies) must cost only the
student it hits.
"""

import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys

import pytest

from autograder import cli
from autograder.grade import GradeError, cluster, grade
from autograder.grade.results import read_result
from autograder.paths import REPO
from tests.classroom import CELL_TIMEOUT, grade_table

pytestmark = [pytest.mark.grade, pytest.mark.slow]

#: Graded on the cluster, notebooks and all: the solution (trained, about 15 s), the release
#: and a hostile submission the instructor is told about (flags to compare).
GRADED = ("hostile-monkeypatch", "release", "solution")
#: Its task raises on the worker.
RAISES = "alternative"
#: Its worker process exits while grading it.
DIES = "mistake-l2-half"

WORKER_PATH = os.pathsep.join([str(REPO), str(REPO / "assignment")])


def sabotage(raises, dies):
    """A function for client.run: the workers' grader raises for `raises`, exits for `dies`.

    Nested, so that cloudpickle sends it by value (the test module is not
    importable on the workers).
    """

    def patch():
        import os

        from autograder.grade import pipeline

        honest = pipeline.grade_student

        def grade_student(settings, student, **kwargs):
            if student == raises:
                raise RuntimeError("the grader broke on this worker")
            if student == dies:
                os._exit(1)
            return honest(settings, student, **kwargs)

        pipeline.grade_student = grade_student

    return patch


def snapshot(folder):
    """Every path under `folder` with its size and modification time."""
    return {path: (path.lstat().st_size, path.lstat().st_mtime_ns) for path in folder.rglob("*")}


@pytest.fixture
def light_copy(graded_class, tmp_path):
    """A copy of the graded course without its dataset (for runs that must stop early)."""
    course = tmp_path / "course"
    skip = str(graded_class.course / "autograder")
    shutil.copytree(
        graded_class.course,
        course,
        symlinks=True,
        ignore=lambda folder, names: ["datasets"] if folder == skip else [],
    )
    return course


@pytest.fixture(scope="module")
def cluster_run(graded_class, tmp_path_factory):
    """The class's copy graded on a LocalCluster: (course, report, lines, results kept).

    GRADED lose their results and gradebook scores first, so that what is
    compared afterwards is what the cluster wrote; RAISES and DIES keep theirs.
    """
    import dask
    from distributed import Client, LocalCluster

    course = tmp_path_factory.mktemp("distributed") / "course"
    shutil.copytree(graded_class.course, course, symlinks=True)
    # Forget the local run's verdicts of the students graded again: they must come back.
    results = course / "autograder" / "results"
    for student in GRADED:
        (results / f"{student}.json").unlink()
    db = sqlite3.connect(course / "gradebook.db")
    with db:
        db.execute(
            """
            UPDATE grade SET auto_score = NULL WHERE notebook_id IN (
                SELECT submitted_notebook.id FROM submitted_notebook
                JOIN submitted_assignment
                    ON submitted_notebook.assignment_id = submitted_assignment.id
                WHERE submitted_assignment.student_id IN (?, ?, ?))
            """,
            GRADED,
        )
    db.close()
    kept = {s: (results / f"{s}.json").read_bytes() for s in (RAISES, DIES)}
    lines = []
    config = {
        # A worker that dies fails its task at once, and only the task it was running.
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with (
        dask.config.set(config),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            env={"PYTHONPATH": WORKER_PATH},
        ) as local,
    ):
        with Client(local.scheduler_address, set_as_default=False) as client:
            client.run(sabotage(RAISES, DIES))
        report = grade(
            course,
            students=[*GRADED, RAISES, DIES],
            force=True,
            cell_timeout=CELL_TIMEOUT,
            scheduler=local.scheduler_address,
            log=lines.append,
        )
    return course, report, lines, kept


def test_the_cluster_grades_as_the_local_run(graded_class, cluster_run):
    """Do the gradebook rows and per-cell points from the cluster equal the local run's?"""
    course, report, lines, _ = cluster_run
    assert sorted(report.regraded) == sorted(GRADED)
    assert any("on the Dask cluster at tcp://" in line for line in lines)
    local, remote = grade_table(graded_class.course), grade_table(course)
    for student in GRADED:
        mine = {k: v for k, v in remote.items() if k[0] == student}
        assert mine, student
        assert mine == {k: v for k, v in local.items() if k[0] == student}
        before, after = read_result(graded_class.course, student), read_result(course, student)
        assert after.points == pytest.approx(before.points)
        assert [(c.grade_id, c.points, c.flag) for c in after.cells] == [
            (c.grade_id, c.points, c.flag) for c in before.cells
        ]


def test_a_failure_on_a_worker_costs_only_its_student(cluster_run):
    """Do a grader that raises and a worker that dies make only their own student failed?"""
    course, report, lines, kept = cluster_run
    assert sorted(report.failed) == sorted([RAISES, DIES])
    assert RAISES in report.failed[RAISES]
    assert "the grader broke on this worker" in report.failed[RAISES]
    assert DIES in report.failed[DIES]
    assert "KilledWorker" in report.failed[DIES]
    assert any(f"{RAISES}: NOT GRADED" in line for line in lines)
    # Their previous results are left as they were.
    for student, data in kept.items():
        assert (course / "autograder" / "results" / f"{student}.json").read_bytes() == data


def test_an_unreachable_scheduler_stops_before_anything_is_written(light_copy):
    """Is a scheduler nobody listens at a clear GradeError, with the course left untouched?"""
    with socket.socket() as s:  # a port just free on localhost
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = snapshot(light_copy)
    with pytest.raises(
        GradeError, match=rf"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"
    ):
        grade(light_copy, scheduler=f"tcp://127.0.0.1:{port}", log=lambda line: None)
    assert snapshot(light_copy) == before
    with pytest.raises(GradeError, match="not a scheduler address"):
        grade(light_copy, scheduler="no-port-here", log=lambda line: None)


def test_scheduler_and_jobs_together_are_a_usage_error(tmp_path, capsys):
    """Are --scheduler and --jobs together refused with exit status 2 and a reason?"""
    argv = ["grade", "--course", str(tmp_path), "--scheduler", "tcp://127.0.0.1:8786"]
    assert cli.main([*argv, "--jobs", "2"]) == 2
    assert "--jobs and --scheduler do not go together" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not both"):
        grade(tmp_path, jobs=2, scheduler="tcp://127.0.0.1:8786")


def test_a_worker_without_the_repository_is_named(light_copy, tmp_path):
    """Is a worker that cannot import autograder refused by address, before anything is written?"""
    from distributed import Client, LocalCluster

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with LocalCluster(
        n_workers=0, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL
    ) as local:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "distributed.cli.dask_worker", local.scheduler_address),
                *("--nthreads", "1", "--no-dashboard", "--name", "outsider"),
            ],
            cwd=elsewhere,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with Client(local.scheduler_address, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=60)
            before = snapshot(light_copy)
            with pytest.raises(GradeError) as caught:
                grade(light_copy, scheduler=local.scheduler_address, log=lambda line: None)
            message = str(caught.value)
            assert "cannot import autograder" in message
            assert "tcp://127.0.0.1:" in message  # the worker's address
            assert snapshot(light_copy) == before
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def test_the_worker_check_names_a_course_it_cannot_see(tmp_path):
    """Does the check run on each worker report a release folder that is not there?"""
    found = cluster.worker_check(str(tmp_path / "nowhere"))()
    assert found["problems"] == [f"cannot see the course's release folder {tmp_path / 'nowhere'}"]


def test_workers_without_bubblewrap_are_named_when_the_run_uses_it():
    """Are workers without bwrap refused by address when this run boxes students with bwrap?"""
    seen = {"tcp://10.0.0.1:4000": {"bwrap": True}, "tcp://10.0.0.2:4000": {"bwrap": False}}
    with pytest.raises(GradeError, match=r"do not have it: tcp://10\.0\.0\.2:4000;"):
        cluster.check_sandbox(seen, "bwrap")
    cluster.check_sandbox(seen, "fallback")
