"""Grade every collected submission with verdicts the students' code cannot touch.

For each submission in DIR/submitted/ (independently, --jobs at a time):

  1. copy it into a scratch folder that holds nothing else of the course;
  2. run the student's code in a sandbox (bubblewrap: no view of the course,
     the gradebook, other submissions or expected values, no network, limits
     on CPU time, memory, processes, file size and wall time; every process it
     started is killed afterwards). Without bubblewrap a weaker fallback runs,
     with a warning;
  3. inside, a harness calls the student's functions on the public check cases
     and on hidden ones, and writes the outputs as plain data;
  4. the trusted grader, which never imports student code, compares them with
     the outputs of the solutions: partial credit per cell and per case, and a
     hint for each miss;
  5. nbgrader autograde keeps the notebooks for the record, hand grading of
     the inline questions and feedback, executing nothing: a submission runs
     once, in step 2's box. With --execute-notebooks it also runs every
     notebook again, the kernel in the same kind of box, and a cell where its
     in-kernel verdict and the trusted one disagree is flagged;
  6. the trusted scores go into nbgrader's gradebook (auto_score of each
     cell) from this process alone, and the findings into
     DIR/autograder/results/<student>.json for feedback.

With --scheduler ADDRESS the submissions go to a Dask cluster instead of
local worker processes (the cluster decides how many at once, so no --jobs):
each worker runs the same steps 1 to 5 and sends the result back, and this
process alone does step 6. Every worker must see the course directory at the
same absolute path (a shared filesystem) and import this repository: start
them with `PYTHONPATH=REPO:REPO/assignment dask worker ADDRESS --nthreads 1`
after `dask scheduler`. An unreachable scheduler, or a worker that cannot see
the course, stops the run before anything is written.

Re-running grades only what changed (a new submission, release or grader);
--force grades everything again. A run killed halfway and started again ends
with the same gradebook. Exit status: 0 when every submission was graded, 1
when some could not be (the others are graded), 2 for a usage error.
"""

import contextlib
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

from .. import paths
from .notebooks import GRADING_CELL_TIMEOUT
from .results import Result, ResultError, read_result, write_result


def _harness_limits():
    from .sandbox import Limits

    # The solution's harness needs about 10 s of CPU; a correct but slow naive
    # layer (loops everywhere) a few times that. The wall time covers every
    # restart after a runaway case.
    return Limits(cpu_seconds=120, wall_seconds=240)


#: What this verb writes below --course (checked before it runs: cli.py).
WRITES = ("", "gradebook.db", "autograder", "autograder/results", "autograded")


class GradeError(Exception):
    """The course cannot be graded (no release, no submissions, an unknown student)."""


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


def course_paths(course, assignment=paths.ASSIGNMENT_ID):
    """(release folder, submitted folder) of a course; GradeError if it is not one."""
    course = Path(course)
    release = course / "release" / assignment
    if not (course / "nbgrader_config.py").is_file() or not release.is_dir():
        raise GradeError(
            f"{course} is not a released course (no nbgrader_config.py or release/{assignment}/): "
            f"run `python -m autograder release --course {course}` first"
        )
    return release, course / "submitted"


def find_students(course, assignment=paths.ASSIGNMENT_ID, only=None):
    """The ids of students with a submission of `assignment`, sorted; `only` restricts them."""
    submitted = Path(course) / "submitted"
    found = sorted(
        p.parent.name
        for p in submitted.glob(f"*/{assignment}")
        if p.is_dir() and not p.is_symlink() and not p.parent.name.startswith(".")
    )
    if only:
        unknown = sorted(set(only) - set(found))
        if unknown:
            raise GradeError(
                f"no submission of {assignment} for {', '.join(unknown)} in {submitted} "
                "(collect it first: python -m autograder collect)"
            )
        found = [s for s in found if s in set(only)]
    return found


def prepare(
    course,
    *,
    sandbox="auto",
    limits=None,
    kernel_limits=None,
    cell_timeout=None,
    execute_notebooks=False,
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
    limits = limits or _harness_limits()
    cell_timeout = int(cell_timeout or notebooks.default_cell_timeout())
    kernel_env = {"CS231N_QUICK": "1", "CS231N_DATASETS": "/data"}
    if execute_notebooks:
        kernels = _kernels_folder(course)
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
    box_folder = pipeline.prepare_box(work / "box")
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
    )


def _kernels_folder(course):
    """The folder put first on JUPYTER_PATH: it holds the sandboxed kernelspec."""
    return Path(course) / "autograder" / "jupyter"


def _ensure_dataset(folder):
    """Generate the synthetic dataset into `folder` unless it is there (a few seconds)."""
    import io

    from ..refs import import_solutions

    import_solutions()  # from assignment/, wherever the grader was started
    from cs231n import data_utils

    previous = os.environ.get(data_utils.DATASETS_ENV)
    os.environ[data_utils.DATASETS_ENV] = str(folder)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            data_utils.find_cifar10_dir()
    finally:
        if previous is None:
            os.environ.pop(data_utils.DATASETS_ENV, None)
        else:
            os.environ[data_utils.DATASETS_ENV] = previous


@contextlib.contextmanager
def _worker_blas_threads(jobs):
    """Let each worker's BLAS use its share of the cores, no more.

    Workers are spawned with this process's environment; numpy reads these
    variables when it is first imported there. N workers each running a BLAS
    with one thread per core would oversubscribe the machine, and OpenBLAS
    threads that spin waiting for a busy core make a small product many times
    slower (seen here: 14.6 s instead of 0.3 s for the affine layers of one
    overfitting run on a loaded 2-core machine).
    """
    share = str(max(1, (os.cpu_count() or 1) // max(1, int(jobs))))
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: saved[name] or share for name in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _start_worker():
    """Ready a worker process once: import nbgrader and load the answer key.

    Both cost seconds; done here, they are paid once per worker rather than
    inside the first student's timings.
    """
    import nbgrader.apps  # noqa: F401

    from . import notebooks, verdict

    notebooks.quiet_nbgrader_logging()
    verdict.answer_key()


def die_with_parent(signum=signal.SIGKILL):
    """Have the kernel send this process `signum` when its parent dies (Linux; else nothing).

    If the parent is already gone (we were adopted before asking), the signal
    is sent now. Local workers ask for SIGKILL; the kernel launcher for SIGTERM,
    which it handles by taking its box down.
    """
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signum), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os.kill(os.getpid(), signum)


def _start_local_worker():
    """Ready a local worker: die with the grader, then as every worker (_start_worker).

    A worker would outlive a grader killed outright (SIGKILL: no cleanup runs
    in it), and go on grading and writing nbgrader's files: it asks the kernel
    for SIGKILL when its parent dies, and its boxes and kernel launchers die
    with it (bwrap --die-with-parent, kernel.py's own parent-death signal).
    """
    die_with_parent()
    _start_worker()


#: One student at a time per process: nbgrader changes the working directory
#: and grading redirects stdout, both process-wide (a Dask worker may run
#: several tasks at once in threads; a local worker runs one anyway).
_ONE_STUDENT = threading.Lock()


def _work(settings, student):
    """A worker's task: grade one student (runs in a worker process, local or Dask's)."""
    from . import pipeline

    with _ONE_STUDENT:
        return pipeline.grade_student(settings, student)


@contextlib.contextmanager
def _local_pool(settings, pending, jobs):
    """Grade `pending` in `jobs` local worker processes; yield (student, future) as they finish."""
    context = get_context("spawn")
    with (
        _worker_blas_threads(jobs),
        ProcessPoolExecutor(
            max_workers=max(1, int(jobs)), mp_context=context, initializer=_start_local_worker
        ) as pool,
    ):
        futures = {pool.submit(_work, settings, student): student for student in pending}
        yield ((futures[future], future) for future in as_completed(futures))


def _record(course, settings, finished, total, report, log):
    """Take each finished task's Result into the gradebook and results folder, as it comes.

    `finished` yields (student, future) pairs, a local or a Dask future: its
    result() is the Result, or raises what went wrong (the grader failed, the
    worker died), which makes the student failed and the others go on.
    """
    from . import gradebook

    width = len(str(total))
    for done, (student, future) in enumerate(finished, 1):
        try:
            result = future.result()
            # One writer: only this process touches the trusted scores.
            gradebook.record(course, settings.assignment, result)
            write_result(course, result)
        except Exception as error:
            report.failed[student] = f"{student} was not graded: {type(error).__name__}: {error}"
            log(f"[{done:>{width}}/{total}] {student}: NOT GRADED ({error})")
            continue
        report.regraded.append(student)
        report.results.append(result)
        flags = len(result.flags) + len(result.cell_flags())
        log(
            f"[{done:>{width}}/{total}] {student}: {result.points:g}/{result.max_points:g}"
            + (f", {flags} flag{'s' if flags > 1 else ''}" if flags else "")
            + f" ({result.seconds:.1f} s)"
        )


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
    log=print,
):
    """Grade the course's submissions (`autograder grade`); return a GradeReport.

    `students` restricts grading to those ids; `jobs` submissions are graded at
    once (default 1), each in its own sandbox; `force` regrades results that
    still hold. `scheduler` (a Dask scheduler's address; not with `jobs`) sends
    the submissions to that cluster's workers instead of local processes.
    `execute_notebooks` also runs every notebook again in a sandboxed kernel,
    for the record (the scores are the same; about 20 s more per submission).
    Raises GradeError when the course cannot be graded at all (not a course,
    nothing collected, an unknown student), or when the scheduler or one of its
    workers cannot grade it (then before anything is written).
    """
    if scheduler and jobs is not None:
        raise ValueError("give jobs or scheduler, not both: the cluster decides concurrency")
    jobs = 1 if jobs is None else jobs
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
                tasks = _local_pool(settings, pending, jobs)
            else:
                log(
                    f"grading {len(pending)} submissions on the Dask cluster at {scheduler} "
                    f"({cluster.workers(client)} workers, {settings.sandbox} sandbox)"
                )
                tasks = cluster.submit(client, settings, pending)
            with tasks as finished:
                _record(course, settings, finished, len(pending), report, log)
            log(f"graded {len(report.regraded)} in {time.monotonic() - started:.0f} s")
    report.results.sort(key=lambda r: r.student)
    return report


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
            and previous.fingerprint
            == pipeline.fingerprint(folder, settings.release, execute=settings.execute_notebooks)
        ):
            gradebook.record(course, settings.assignment, previous)
            report.reused.append(student)
            report.results.append(previous)
        else:
            pending.append(student)
    return pending


def add_arguments(parser):
    parser.add_argument("--course", required=True, help="the course directory (DIR)")
    parser.add_argument(
        "--jobs", type=int, default=None, help="submissions graded at once (default 1)"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help=(
            "grade on the Dask cluster of this scheduler (tcp://HOST:8786) instead of local "
            "processes; its workers must see DIR at the same path (not with --jobs)"
        ),
    )
    parser.add_argument(
        "--student",
        action="append",
        metavar="ID",
        help="grade only this student (repeat for several)",
    )
    parser.add_argument(
        "--force", action="store_true", help="grade again even submissions graded before"
    )
    parser.add_argument(
        "--execute-notebooks",
        action="store_true",
        help=(
            "also run every notebook again, top to bottom, with its kernel in the sandbox, "
            "and flag cells where its in-kernel checks and the trusted grader disagree "
            "(for the record: the scores are the same; about 20 s more per submission). "
            "By default each submission runs once, in the harness, and the notebooks kept "
            "for hand grading and feedback are the student's own"
        ),
    )
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=None,
        metavar="SECONDS",
        help=(
            "with --execute-notebooks: seconds a notebook cell may run, a whole number "
            f"above 0 (default {GRADING_CELL_TIMEOUT})"
        ),
    )
    parser.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "fallback"),
        default="auto",
        help=(
            "auto: bubblewrap when it works, else the weaker fallback (warned); bwrap: "
            "refuse to grade without it; fallback: resource limits only (default auto)"
        ),
    )


def main(args):
    if args.scheduler and args.jobs is not None:
        print(
            "error: --jobs and --scheduler do not go together: with --scheduler the Dask "
            "cluster's workers decide how many submissions are graded at once",
            file=sys.stderr,
        )
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.cell_timeout is not None and args.cell_timeout < 1:
        print(
            f"error: --cell-timeout must be a whole number of seconds above 0, not "
            f"{args.cell_timeout}",
            file=sys.stderr,
        )
        return 2
    try:
        report = grade(
            args.course,
            students=args.student,
            jobs=args.jobs,
            force=args.force,
            sandbox=args.sandbox,
            cell_timeout=args.cell_timeout,
            scheduler=args.scheduler,
            execute_notebooks=args.execute_notebooks,
        )
    except GradeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_table(report.results)
    return 1 if report.failed else 0


def print_table(results, out=None):
    """Print one line per student: score, maximum, and the flags."""
    out = out or sys.stdout
    if not results:
        return
    width = max(len("student"), *(len(r.student) for r in results))
    print(f"{'student':<{width}}  {'score':>11}  flags", file=out)
    for result in results:
        flags = [*result.flags, *(f"{cell}: {flag}" for cell, flag in result.cell_flags())]
        score = f"{result.points:g}/{result.max_points:g}"
        first = flags[0] if flags else ""
        print(f"{result.student:<{width}}  {score:>11}  {first}", file=out)
        for flag in flags[1:]:
            print(f"{'':<{width}}  {'':>11}  {flag}", file=out)


__all__ = ["GradeError", "GradeReport", "Result", "grade"]
