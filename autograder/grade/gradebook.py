"""Step 7 of grading: the trusted scores go into nbgrader's gradebook.

nbgrader stays the record (its formgrader, feedback and export read the
gradebook), but the score of every autograded cell is the trusted grader's:
`Grade.auto_score` is written with it, from the grading command's own process
only. nbgrader's autograde step, in the workers, writes no score of an
autograded cell (preprocessors.SaveManualGrades).

What is left alone: `manual_score` (a TA's override of a cell, and the inline
questions graded by hand in the formgrader) and `extra_credit` (which counts
wherever grades.csv counts it: CellGrade.extra). A cell the
grader flags is marked `needs_manual_grade`, so the formgrader lists it for
review.

Writing is idempotent: the same Result always leaves the same rows.
`mismatches(course, assignment, result)` says where the gradebook does not
hold the results' scores (a run killed between nbgrader's step and this one),
for export and feedback to check before they publish anything (`verify`).
They read what they publish through here too: `cell_grades` (every grade cell
of a submission, hand-graded ones included) and `open_gradebook`.
"""

import contextlib
import warnings
from dataclasses import dataclass
from pathlib import Path


def database_url(course):
    """nbgrader's default gradebook of a course: DIR/gradebook.db."""
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


@contextlib.contextmanager
def open_gradebook(course):
    """nbgrader's Gradebook of `course`, as a context manager.

    SQLAlchemy's warnings about nbgrader's own sessions (a new student's rows
    "not in session") are kept off the instructor's terminal: the scores are
    right regardless (FIELD_NOTES), and they would bury the grader's lines.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(database_url(course)) as gb:
            yield gb


def ensure_student(course, student):
    """Add `student` to the gradebook if nbgrader does not know them yet."""
    with open_gradebook(course) as gb:
        gb.update_or_create_student(student)


def record(course, assignment, result):
    """Write the trusted scores of `result` (a Result) into the gradebook.

    The student and the submission are created when missing (nbgrader could not
    autograde the submission at all). Raises KeyError naming a grade cell the
    gradebook does not have (the release and the grader disagree).
    """
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gb:
        gb.update_or_create_student(result.student)
        try:
            gb.find_submission(assignment, result.student)
        except MissingEntry:
            gb.add_submission(assignment, result.student)
        for cell in result.cells:
            try:
                grade = gb.find_grade(cell.grade_id, cell.notebook, assignment, result.student)
            except MissingEntry:
                raise KeyError(
                    f"the gradebook has no grade cell {cell.grade_id!r} in {cell.notebook}.ipynb: "
                    "release the assignment again (python -m autograder release)"
                ) from None
            grade.auto_score = float(cell.points)
            grade.needs_manual_grade = bool(cell.flag) or grade.manual_score is not None
        gb.db.commit()


def scores(course, assignment):
    """{student: (score, max_score)} of every submission, as nbgrader computes them."""
    table = {}
    with open_gradebook(course) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            table[submission.student.id] = (submission.score, submission.max_score)
    return table


@dataclass(frozen=True)
class CellGrade:
    """One grade cell of a submission as the gradebook holds it.

    - auto_score: the trusted grader's score (None for a cell graded by hand)
    - manual_score: a TA's score or override, None until there is one
    - max_score: the cell's points
    - cell_type: "code" (autograded) or "markdown" (an inline question)
    - extra_credit: what a TA typed in the formgrader's "extra credit" box, None when empty
    """

    auto_score: float | None
    manual_score: float | None
    max_score: float
    cell_type: str
    extra_credit: float | None = None

    @property
    def score(self):
        """The score that counts: the TA's when there is one, else the grader's (as nbgrader).
        Extra credit is apart (`extra`)."""
        return self.manual_score if self.manual_score is not None else self.auto_score

    @property
    def extra(self):
        """The extra credit that counts, 0.0 when none: nbgrader adds it to the cell's score
        (so to grades.csv) once the cell has a score, and not before."""
        if self.score is None or not self.extra_credit:
            return 0.0
        return float(self.extra_credit)


def cell_grades(course, assignment, student):
    """{(notebook, grade_id): CellGrade} of a student's submission; {} when it has none."""
    from nbgrader.api import MissingEntry

    cells = {}
    with open_gradebook(course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return cells
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cells[(notebook.name, grade.name)] = CellGrade(
                    auto_score=grade.auto_score,
                    manual_score=grade.manual_score,
                    max_score=grade.max_score,
                    cell_type=grade.cell_type,
                    extra_credit=grade.extra_credit,
                )
    return cells


class UntrustedGrades(Exception):
    """The gradebook cannot be published as it is: the message names the students and why."""


def mismatches(course, assignment, result):
    """The grade ids of `result` whose gradebook auto_score is not the trusted score."""
    from nbgrader.api import MissingEntry

    wrong = []
    with open_gradebook(course) as gb:
        for cell in result.cells:
            try:
                grade = gb.find_grade(cell.grade_id, cell.notebook, assignment, result.student)
            except MissingEntry:
                wrong.append(cell.grade_id)
                continue
            if grade.auto_score is None or abs(grade.auto_score - cell.points) > 1e-9:
                wrong.append(cell.grade_id)
    return wrong


def verify(course, assignment, *, students=None, log=print):
    """Make sure the gradebook holds, for every submission, the trusted grading of it; return
    the Results (sorted by student).

    Export and feedback call this before they publish anything:

      1. every submission in DIR/submitted/ (or of `students`) must have a
         result, and that result must be the grading of the files there now
         (Result.submission) by this version of the grader; otherwise
         UntrustedGrades names the students (a submission collected again
         since it was graded, one never graded, a results file that cannot be
         read or written by an older grader), and nothing is published. (A
         grader or release edited since grading does not stop it: `grade`
         regrades those when it is run again.)
      2. a cell whose gradebook auto_score is not the result's score (a run
         killed between nbgrader's step and the trusted record, or a hand edit
         of the database) is written again from the result, and `log` says
         whose scores were repaired.
    """
    from . import pipeline
    from .course import find_students
    from .results import GRADER_VERSION, read_result

    course = Path(course).resolve()
    problems, results = [], []
    for student in find_students(course, assignment, only=students):
        folder = pipeline.submitted_dir(course, student, assignment)
        try:
            result = read_result(course, student)
        except Exception as error:
            problems.append(f"{student} (its results file cannot be read: {error})")
            continue
        if result is None:
            problems.append(f"{student} (collected but never graded)")
            continue
        if result.grader_version != GRADER_VERSION:
            problems.append(
                f"{student} (graded by an older grader, version {result.grader_version})"
            )
            continue
        if result.submission != pipeline.submission_digest(folder):
            problems.append(f"{student} (collected again since it was graded)")
            continue
        results.append(result)
    if problems:
        raise UntrustedGrades(
            f"{len(problems)} submission{'s' if len(problems) > 1 else ''} in "
            f"{course / 'submitted'} {'have' if len(problems) > 1 else 'has'} no current "
            f"grade: {'; '.join(problems)}. Grade them first: python -m autograder grade "
            f"--course {course}"
        )
    for result in results:
        wrong = mismatches(course, assignment, result)
        if wrong:
            record(course, assignment, result)
            log(
                f"repaired the gradebook for {result.student}: {len(wrong)} cell"
                f"{'s' if len(wrong) > 1 else ''} ({', '.join(wrong[:3])}"
                f"{', ...' if len(wrong) > 3 else ''}) did not hold the trusted score "
                "(a grading run killed halfway, or the database edited by hand)"
            )
    return results
