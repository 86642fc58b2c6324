"""The autograder's functions for programs: the same work as the command line.

Each function here is what one CLI verb runs, with keyword arguments in place
of flags. They raise on failure (with a message that names the problem)
instead of printing and exiting.

Each repeats its verb's signature on purpose, and imports the verb only when
called: this module stays light to import, and offers programs the options a
verb documents, not its internal ones (grade's `limits`, for one).
"""

# gradescope-bundle: the autograder zip Gradescope runs (python -m autograder gradescope-bundle).
from .gradescope import BundleError as BundleError

# refs: regenerate or verify assignment/reference/ (python -m autograder refs).
from .refs import RefsMismatch as RefsMismatch

# release: build the nbgrader course and the student release (python -m autograder release).
from .release import MarkerError as MarkerError
from .release import ReleaseError as ReleaseError
from .release import ReleaseResult as ReleaseResult
from .release import Source as Source

# report: the class report (python -m autograder report).
from .report import ReportError as ReportError
from .report import ReportResult as ReportResult


def release(course, *, source=None, force=False, verbose=False, log=None):
    """Build the nbgrader course and the student release in `course` (`autograder release`).

    `source` is a Source or the root of a convkit checkout (default: this one);
    `force` releases into a non-empty directory this command did not make.
    Returns a ReleaseResult (the release folder, the zip, the notebooks and
    the student functions). Raises ReleaseError, MarkerError for a malformed
    marker, and leaves the course directory as it was.
    """
    from .release import build_release

    return build_release(course, source=source, force=force, verbose=verbose, log=log)


def refs(out=None, *, check=False):
    """Regenerate the reference outputs from the solutions (`autograder refs`).

    `out` is the folder to write (default: assignment/reference). With
    check=True nothing is written: the files are regenerated into a temporary
    folder and compared with `out`, and RefsMismatch lists every file that is
    missing, unexpected or different. Returns the list of paths written (empty
    with check=True).
    """
    from .refs import refs as run

    return run(out=out, check=check)


def collect(course, submissions, *, limits=None, log=print):
    """Take submission zips (files, or folders of them) into DIR/submitted/ (`autograder collect`).

    Returns a CollectResult: the students collected and every problem found,
    each naming the zip (and member) at fault; a bad zip never stops the others.
    The zips refused or warned about are kept in DIR/autograder/collect.json,
    for the class report. `limits` (collect.Limits) caps file sizes and member
    counts. Raises CollectError, before writing anything, when DIR is not a
    released course or a PATH does not exist.
    """
    from .collect import collect as run

    return run(course, submissions, limits=limits, log=log, record=True)


def grade(
    course,
    *,
    students=None,
    jobs=None,
    force=False,
    sandbox="auto",
    cell_timeout=None,
    scheduler=None,
    execute_notebooks=False,
    log=print,
):
    """Grade the collected submissions in the sandbox (`autograder grade`); a GradeReport.

    `jobs` submissions at a time in local processes (default 1), or, with
    `scheduler` (a Dask scheduler's address, `--scheduler`), on that cluster's
    workers, which must see `course` at the same path. Each submission runs
    once, in the harness's box; `execute_notebooks` also runs its notebooks
    again in a sandboxed kernel, for the record (`--execute-notebooks`). Scores
    go into nbgrader's gradebook and DIR/autograder/results/, written by this
    process only. Raises GradeError when the course cannot be graded at all
    (nothing collected, an unknown student), or the scheduler or a worker
    cannot grade it; ValueError for both `jobs` and `scheduler`.
    """
    from .grade import grade as run

    return run(
        course,
        students=students,
        jobs=jobs,
        force=force,
        sandbox=sandbox,
        cell_timeout=cell_timeout,
        scheduler=scheduler,
        execute_notebooks=execute_notebooks,
        log=log,
    )


def feedback(course, *, students=None, log=print):
    """Write each graded student's feedback pages (`autograder feedback`); a FeedbackReport.

    Raises FeedbackError, naming them, when a submission asked for has no
    current trusted grading (grade.gradebook.verify); repairs, loudly, a
    gradebook score that is not the trusted one.
    """
    from .feedback import feedback as run

    return run(course, students=students, log=log)


def export(course, *, format="all", log=print):
    """Write DIR/grades.csv and/or Gradescope results.json files (`autograder export`).

    Raises ExportError, naming them, when a submission has no current trusted
    grading (grade.gradebook.verify); repairs, loudly, a gradebook score that
    is not the trusted one.
    """
    from .export import export as run

    return run(course, format=format, log=log)


def report(course, *, out=None, log=print):
    """Write the class report, DIR/report/index.html or `out` (`autograder report`).

    Returns a ReportResult (the page's path, and what it shows: a
    report.gather.ClassReport). Reads the course and never repairs it. Raises
    ReportError when `course` is not a course or the page cannot be written.
    """
    from .report import report as run

    return run(course, out=out, log=log)


def gradescope_bundle(course, *, out=None, visibility="after_published", log=print):
    """Write the autograder zip Gradescope runs (`autograder gradescope-bundle`); a Bundle.

    `out` defaults to DIR/gradescope/autograder.zip; `visibility` is when
    students see the tests (Gradescope's hidden, after_due_date,
    after_published or visible). The Bundle names the zip, its member count and
    size, and the answer key it holds. Raises BundleError when `course` is not
    a released course, the solution fails a case, or the zip cannot be written.
    """
    from .gradescope import gradescope_bundle as run

    return run(course, out=out, visibility=visibility, log=log)
