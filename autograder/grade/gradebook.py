"""Step 7 of grading: the trusted scores go into nbgrader's gradebook.

nbgrader stays the record (its formgrader, feedback and export read the
gradebook), but the score of every autograded cell is the trusted grader's:
`Grade.auto_score` is overwritten with it, from the grading command's own
process, after nbgrader's in-kernel run has written its own verdicts (which are
read first, to flag disagreements).

What is left alone: `manual_score` (a TA's override of a cell, and the inline
questions graded by hand in the formgrader) and `extra_credit`. A cell the
grader flags is marked `needs_manual_grade`, so the formgrader lists it for
review.

Writing is idempotent: the same Result always leaves the same rows.
"""

from pathlib import Path


def database_url(course):
    """nbgrader's default gradebook of a course: DIR/gradebook.db."""
    return f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def _gradebook(course):
    from nbgrader.api import Gradebook

    return Gradebook(database_url(course))


def nbgrader_points(course, assignment, student):
    """What nbgrader's own run gave each grade cell: {(notebook, grade_id): points or None}.

    Empty when the student has no submission in the gradebook (autograde failed
    before recording one).
    """
    from nbgrader.api import MissingEntry

    points = {}
    with _gradebook(course) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return points
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.cell_type == "code":
                    points[(notebook.name, grade.name)] = grade.auto_score
    return points


def ensure_student(course, student):
    """Add `student` to the gradebook if nbgrader does not know them yet."""
    with _gradebook(course) as gb:
        gb.update_or_create_student(student)


def record(course, assignment, result):
    """Write the trusted scores of `result` (a Result) into the gradebook.

    The student and the submission are created when missing (nbgrader could not
    autograde the submission at all). Raises KeyError naming a grade cell the
    gradebook does not have (the release and the grader disagree).
    """
    from nbgrader.api import MissingEntry

    with _gradebook(course) as gb:
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
    with _gradebook(course) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            table[submission.student.id] = (submission.score, submission.max_score)
    return table
