"""Write each graded student's feedback: a summary page and the executed notebooks.

For every student graded by `python -m autograder grade`:

  1. nbgrader generate_feedback turns the autograded notebooks into HTML pages
     showing the scores of the gradebook (the trusted ones). Hidden tests never
     appear: their source is cleared (nbgrader's ClearHiddenTests), and so are
     the outputs of the cells that run them and any output elsewhere that
     quotes them (a failing hidden assert's traceback, a kernel hook echoing
     cells). Notebooks the sandbox ran (grade --execute-notebooks) show the
     student's paths, not the box's (redact.ScrubSandboxLeftovers);
  2. DIR/feedback/<student>/<assignment>/index.html (page.py) gives the total
     with the inline questions graded by hand (or what still awaits hand
     grading), the score of each function, the cases passed, each distinct
     hint of its misses once (hidden cases name a symptom, never an expected
     value) with what each hidden case that gave it exercises (its
     description: "3 x 2 window, stride 1, ..."), the inline questions in
     notebook order with the student's answer and the TA's score and comment
     (questions.py), and links to the notebook pages. Its total is the score
     grades.csv gives: extra credit a TA gave counts ("+1 extra credit"), and
     a late submission shows how late it was, the policy and the points
     taken, computed now as export computes them (late.py: never a penalty
     stored by an older export, with an older due date or policy).

The pages are what nbgrader's release_feedback hands back to students. Nothing
is written unless every submission asked for has a current trusted grading in
the gradebook (grade.gradebook.verify: stale or missing gradings stop it, by
name; a gradebook score that is not the trusted one is repaired, loudly).
"""

import contextlib
import io
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..grade import GradeError
from ..grade.gradebook import UntrustedGrades, cell_grades, verify
from . import page
from .late import late_penalties
from .questions import read_questions

#: nbgrader's feedback preprocessors, in order: ours must see the hidden
#: regions before ClearHiddenTests removes them, and the outputs as the
#: kernel left them before the sandbox's paths are taken out.
PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.feedback.redact.RedactHiddenTests",
    "autograder.feedback.redact.ScrubSandboxLeftovers",
    "nbgrader.preprocessors.ClearHiddenTests",
]


#: What this verb writes below --course (checked before it runs: cli.py): the pages, and
#: the gradebook when a score must be repaired (grade.gradebook.verify).
WRITES = ("feedback", "gradebook.db")


class FeedbackError(Exception):
    """Feedback cannot be written (not a course, nothing graded yet)."""


@dataclass
class FeedbackReport:
    """- pages: {student: path of the summary page}; problems: {student: what went wrong}."""

    pages: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)


def feedback_dir(course, student, assignment=paths.ASSIGNMENT_ID):
    return Path(course) / "feedback" / student / assignment


def _config(course):
    from ..grade.notebooks import course_config

    config = course_config(course)
    config.GenerateFeedback.preprocessors = PREPROCESSORS
    # nbconvert's HTMLExporter, without its slow BeautifulSoup pass (export.py).
    config.GenerateFeedback.exporter_class = "autograder.feedback.export.FastHTMLExporter"
    return config


def feedback(course, *, students=None, log=print):
    """Write the feedback of every graded student (or of `students`); return a FeedbackReport."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise FeedbackError(f"{course} is not a course directory (no nbgrader_config.py)")
    try:
        results = verify(course, paths.ASSIGNMENT_ID, students=students, log=log)
    except (GradeError, UntrustedGrades) as error:
        raise FeedbackError(f"no feedback written: {error}") from None
    if not results:
        raise FeedbackError(f"nothing graded in {course}: run `python -m autograder grade` first")
    config = _config(course)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    report = FeedbackReport()
    lates = late_penalties(course, paths.ASSIGNMENT_ID, [r.student for r in results])
    for result in results:
        folder = feedback_dir(course, result.student, result.assignment)
        buffer = io.StringIO()
        autograded = course / "autograded" / result.student / result.assignment
        outcome = {"success": True}
        if autograded.is_dir():
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                outcome = api.generate_feedback(result.assignment, result.student, force=True)
        if not outcome.get("success"):
            # The summary page is still written: it needs no executed notebook.
            report.problems[result.student] = "nbgrader generate_feedback failed"
        folder.mkdir(parents=True, exist_ok=True)
        # Only the HTML pages are feedback: nbgrader copies every other file of
        # autograded/ (the student's package, datasets) beside them.
        for extra in folder.iterdir():
            if extra.suffix != ".html" or extra.name == "index.html":
                if extra.is_dir() and not extra.is_symlink():
                    shutil.rmtree(extra)
                else:
                    extra.unlink()
        pages = {
            name: f"{name}.html" if (folder / f"{name}.html").is_file() else None
            for name in result.notebooks
        }
        grades = cell_grades(course, result.assignment, result.student)
        asked = read_questions(course, result, grades)
        index = folder / "index.html"
        text = page.render(result, pages, grades, asked, lates.get(result.student))
        index.write_text(text, encoding="utf-8")
        report.pages[result.student] = index
        line = f"{result.student}: {index.relative_to(course)}"
        if result.student in report.problems:
            line += f" ({report.problems[result.student]}; summary only)"
        log(line)
    return report


def add_arguments(parser):
    parser.add_argument("--course", required=True, help="the course directory (DIR)")
    parser.add_argument(
        "--student", action="append", metavar="ID", help="only this student (repeatable)"
    )


def main(args):
    try:
        report = feedback(args.course, students=args.student)
    except FeedbackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1 if report.problems else 0
