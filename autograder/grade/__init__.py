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

Re-running grades only what changed (a new submission, release, grader or
--time-scale); --force grades everything again. A run killed halfway and
started again ends with the same gradebook. Exit status: 0 when every
submission was graded, 1 when some could not be (the others are graded), 2 for
a usage error.
"""

# The verb's entry point: what the command line needs (add_arguments, main) and
# the function programs call (grade). The run itself is run.py; one submission,
# pipeline.py; the processes that grade, workers.py (local) and cluster.py (Dask).
import sys

from .course import GradeError
from .notebooks import GRADING_CELL_TIMEOUT
from .results import Result
from .run import GradeReport, grade

#: What this verb writes below --course (checked before it runs: cli.py).
WRITES = ("", "gradebook.db", "autograder", "autograder/results", "autograded")


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
        "--time-scale",
        type=float,
        default=None,
        metavar="FACTOR",
        help=(
            "multiply every time budget of the harness by FACTOR, a number above 0: each "
            "case's (20 s for most, 60 s for the convolutions, 120 s for training), the 20 s "
            "allowed for importing the student's package, the box's CPU and wall time. 2 on "
            "a machine twice as slow as a laptop; results graded with another factor are "
            "graded again (default: $CONVKIT_TIME_SCALE, else 1)"
        ),
    )
    parser.add_argument(
        "--sandbox",
        choices=("auto", "bwrap", "fallback"),
        default="auto",
        help=(
            "auto: bubblewrap when it works, else the weaker fallback (warned); bwrap: "
            "refuse to grade without it; fallback: resource limits and a network filter only "
            "(default auto)"
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
            time_scale=args.time_scale,
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
