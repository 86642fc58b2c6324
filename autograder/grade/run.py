"""A grading run: what `grade()` does, in order, for the submissions of one course.

    1. find       the students with a submission (course.find_students); with
                  a scheduler, reach it and check its workers (cluster.connect)
                  before anything is written
    2. prepare    once for every worker: the synthetic dataset, the answer key,
                  the harness's box folder, and with execute_notebooks the
                  sandboxed kernelspec (prepare)
    3. reuse      keep each result whose submission, release and grader are
                  unchanged, written into the gradebook again (--force: none)
    4. schedule   the others, one task each (workers.work): in local worker
                  processes (workers.local_pool), or on the Dask cluster
                  (cluster.submit)
    5. record     each Result as it comes back: into nbgrader's gradebook and
                  DIR/autograder/results/, from this process alone; a task that
                  failed makes its student failed and the others go on

What grading one submission means (steps 1 to 6 of the verb's help) is
pipeline.py, run inside a worker.
"""

import contextlib
import io
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import paths
from ..environ import environment
from ..progress import Progress
from ..report.records import record_failures
from .course import GradeError, course_paths, find_students, kernels_folder
from .results import ResultError, read_result, write_result
from .workers import local_pool


@dataclass
class GradeReport:
    """What a grading run did.

    - results: the Result of every student graded or reused, sorted by id
    - regraded, reused: student ids graded now, and those whose result still held
    - failed: {student: why} for submissions the grader itself could not grade
    - unreadable: {student: why} for results files that could not be read (graded again)
    - sandbox: "bwrap" or "fallback"
    """

    results: list = field(default_factory=list)
    regraded: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    failed: dict = field(default_factory=dict)
    unreadable: dict = field(default_factory=dict)
    sandbox: str = ""


def grade(
    course,
    *,
    students=None,
    jobs=None,
    force=False,
    sandbox="auto",
    limits=None,
    cell_timeout=None,
    scheduler=None,
    execute_notebooks=False,
    time_scale=None,
    log=print,
):
    """Grade the course's submissions (`autograder grade`); return a GradeReport.

    `students` restricts grading to those ids; `jobs` submissions are graded at
    once (default 1), each in its own sandbox; `force` regrades results that
    still hold. `scheduler` (a Dask scheduler's address; not with `jobs`) sends
    the submissions to that cluster's workers instead of local processes.
    `execute_notebooks` also runs every notebook again in a sandboxed kernel,
    for the record (the scores are the same; about 20 s more per submission).
    `time_scale` multiplies every time budget of the harness (each case's, the
    import's, the box's CPU and wall time) by a number above 0: 2 on a machine
    twice as slow (default: the environment variable CONVKIT_TIME_SCALE, else 1;
    results graded with another scale are graded again).
    Raises GradeError when the course cannot be graded at all (not a course,
    nothing collected, an unknown student), or when the scheduler or one of its
    workers cannot grade it (then before anything is written).
    """
    if scheduler and jobs is not None:
        raise ValueError("give jobs or scheduler, not both: the cluster decides concurrency")
    jobs = 1 if jobs is None else jobs
    time_scale = resolve_time_scale(time_scale)
    course = Path(course).resolve()
    release, _ = course_paths(course)
    todo = find_students(course, only=students)
    report = GradeReport()
    if not todo:
        raise GradeError(
            f"nothing to grade: no submission of {paths.ASSIGNMENT_ID} in {course / 'submitted'} "
            f"(collect some first: python -m autograder collect --course {course} ZIP...)"
        )
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler:
            from . import cluster

            # Before anything is written: a scheduler or worker that cannot grade stops here.
            client, seen = stack.enter_context(cluster.connect(scheduler, release, log=log))
        settings = prepare(
            course,
            sandbox=sandbox,
            limits=limits,
            cell_timeout=cell_timeout,
            execute_notebooks=execute_notebooks,
            time_scale=time_scale,
        )
        report.sandbox = settings.sandbox
        if client is not None:
            cluster.check_sandbox(seen, settings.sandbox)
        if settings.sandbox != "bwrap":
            log(
                "WARNING: bubblewrap (bwrap) is not available: student code runs with resource "
                "limits only and could read the course directory. Install it (apt-get install "
                "bubblewrap) before grading for real."
            )
        pending = _reuse(course, settings, todo, force, report)
        for student, why in report.unreadable.items():
            log(f"{student}: its results file cannot be read ({why}): graded again")
        if report.reused:
            log(f"{len(report.reused)} submissions unchanged since they were graded: kept")
        if pending:
            started = time.monotonic()
            if client is None:
                log(
                    f"grading {len(pending)} submissions, {jobs} at a time "
                    f"({settings.sandbox} sandbox)"
                )
                tasks = local_pool(settings, pending, jobs)
            else:
                log(
                    f"grading {len(pending)} submissions on the Dask cluster at {scheduler} "
                    f"({cluster.workers(client)} workers, {settings.sandbox} sandbox)"
                )
                tasks = cluster.submit(client, settings, pending)
            with tasks as finished:
                _record(course, settings, finished, len(pending), report, log)
            log(f"graded {len(report.regraded)} in {time.monotonic() - started:.0f} s")
        # For the class report (`autograder report`): who the grader could not grade, and why.
        record_failures(course, report.failed, report.regraded + report.reused)
    report.results.sort(key=lambda r: r.student)
    return report


def prepare(
    course,
    *,
    sandbox="auto",
    limits=None,
    kernel_limits=None,
    cell_timeout=None,
    execute_notebooks=False,
    time_scale=1.0,
):
    """Make what every worker shares, once: the dataset, the answer key, the harness's box
    folder, and with `execute_notebooks` the sandboxed kernelspec.

    Returns the Settings the workers use. The dataset is the synthetic one
    (grading runs the notebooks with CS231N_QUICK=1), generated on first use
    into DIR/autograder/datasets.
    """
    from . import kernel, notebooks, pipeline, verdict
    from .sandbox import SandboxError, find_sandbox

    course = Path(course).resolve()
    release, _ = course_paths(course)
    work = course / "autograder"
    datasets = work / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    _ensure_dataset(datasets)
    try:
        box = find_sandbox(sandbox, required=sandbox == "bwrap")
    except SandboxError as error:
        raise GradeError(f"--sandbox bwrap: {error}") from None
    limits = limits or harness_limits(time_scale)
    cell_timeout = int(cell_timeout or notebooks.default_cell_timeout())
    kernel_env = {"CS231N_QUICK": "1", "CS231N_DATASETS": "/data"}
    if execute_notebooks:
        kernels = kernels_folder(course)
        # The kernel runs every cell of three notebooks: its CPU and wall budgets
        # cover them all (each cell also has nbgrader's own time limit).
        budget = max(limits.wall_seconds, 10 * cell_timeout)
        kernel.write_kernelspec(
            kernels,
            name=notebooks.KERNEL_NAME,
            limits=kernel_limits or replace(limits, wall_seconds=budget, cpu_seconds=budget),
            env=kernel_env,
            readonly=[(str(datasets), "/data")],
            sandbox=box.kind,
        )
        notebooks.kernel_environment(kernels)
    verdict.answer_key()  # computed (and cached) once, before the workers start
    box_folder = pipeline.prepare_box(work / "box", time_scale)
    return pipeline.Settings(
        box=box_folder,
        course=course,
        assignment=paths.ASSIGNMENT_ID,
        release=release,
        limits=limits,
        kernel_name=notebooks.KERNEL_NAME,
        cell_timeout=cell_timeout,
        sandbox=box.kind,
        execute_notebooks=bool(execute_notebooks),
        time_scale=float(time_scale),
    )


#: The environment variable giving grade's time scale when none is passed (see grade).
TIME_SCALE_ENV = "CONVKIT_TIME_SCALE"


def resolve_time_scale(time_scale=None):
    """The time scale to grade with: `time_scale`, else $CONVKIT_TIME_SCALE, else 1.

    Raises GradeError unless it is a finite number above 0.
    """
    source = "--time-scale"
    if time_scale is None:
        time_scale, source = os.environ.get(TIME_SCALE_ENV, "1"), TIME_SCALE_ENV
    try:
        value = float(time_scale)
    except (TypeError, ValueError):
        value, shown = float("nan"), repr(time_scale)
    else:
        shown = f"{value:g}"
    if not (0 < value < float("inf")):
        raise GradeError(
            f"{source} must be a number above 0 (2 doubles every time budget), not {shown}"
        )
    return value


def harness_limits(time_scale=1.0):
    """The limits of a harness's box; its CPU and wall time scaled by `time_scale`."""
    from .sandbox import Limits

    # The solution's harness needs about 10 s of CPU; a correct but slow naive
    # layer (loops everywhere) a few times that. The wall time covers every
    # restart after a runaway case.
    return Limits(cpu_seconds=120 * time_scale, wall_seconds=240 * time_scale)


def _ensure_dataset(folder):
    """Generate the synthetic dataset into `folder` unless it is there (a few seconds)."""
    from ..refs import import_solutions

    import_solutions()  # from assignment/, wherever the grader was started
    from cs231n import data_utils

    with (
        environment({data_utils.DATASETS_ENV: str(folder)}),
        contextlib.redirect_stdout(io.StringIO()),
    ):
        data_utils.find_cifar10_dir()


def _reuse(course, settings, todo, force, report):
    """Keep each result whose submission, release and grader are unchanged; return the others.

    A kept result is written into the gradebook again.
    """
    from . import gradebook, pipeline

    pending = []
    for student in todo:
        try:
            previous = read_result(course, student)
        except ResultError as error:  # an unreadable or foreign results file: grade again
            report.unreadable[student] = str(error)
            previous = None
        folder = pipeline.submitted_dir(course, student, settings.assignment)
        if (
            not force
            and previous is not None
            and previous.fingerprint == settings.fingerprint(folder)
        ):
            gradebook.record(course, settings.assignment, previous)
            report.reused.append(student)
            report.results.append(previous)
        else:
            pending.append(student)
    return pending


def _record(course, settings, finished, total, report, log):
    """Take each finished task's Result into the gradebook and results folder, as it comes.

    `finished` yields (student, future) pairs, a local or a Dask future: its
    result() is the Result, or raises what went wrong (the grader failed, the
    worker died), which makes the student failed and the others go on.
    """
    from . import gradebook

    width = len(str(total))
    with Progress(total, "graded", "submissions") as progress:
        log = progress.wrap(log)  # on a terminal, the lines go above the bar
        for done, (student, future) in enumerate(finished, 1):
            try:
                result = future.result()
                # One writer: only this process touches the trusted scores.
                gradebook.record(course, settings.assignment, result)
                write_result(course, result)
            except Exception as error:
                report.failed[student] = (
                    f"{student} was not graded: {type(error).__name__}: {error}"
                )
                log(f"[{done:>{width}}/{total}] {student}: NOT GRADED ({error})")
                progress.step()
                continue
            report.regraded.append(student)
            report.results.append(result)
            flags = len(result.flags) + len(result.cell_flags())
            log(
                f"[{done:>{width}}/{total}] {student}: {result.points:g}/{result.max_points:g}"
                + (f", {flags} flag{'s' if flags > 1 else ''}" if flags else "")
                + f" ({result.seconds:.1f} s)"
            )
            progress.step()


__all__ = ["GradeReport", "grade", "prepare"]
