"""Where grading finds things in a course directory, and the error when it cannot.

    DIR/nbgrader_config.py                   a course at all (written by release)
    DIR/release/<assignment>/                 what was handed out
    DIR/submitted/<student>/<assignment>/     what collect took in, one folder a student
    DIR/autograder/jupyter/                   the sandboxed kernelspec (kernels_folder)

The grading run (run.py), the Dask workers (cluster.py) and the gradebook's
check before publishing (gradebook.verify) all locate a course through here.
"""

from pathlib import Path

from .. import paths


class GradeError(Exception):
    """The course cannot be graded (no release, no submissions, an unknown student)."""


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


def kernels_folder(course):
    """The folder put first on JUPYTER_PATH: it holds the sandboxed kernelspec."""
    return Path(course) / "autograder" / "jupyter"


__all__ = ["GradeError", "course_paths", "find_students", "kernels_folder"]
