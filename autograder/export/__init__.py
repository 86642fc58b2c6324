"""Export the grades: nbgrader's CSV, and Gradescope's results.json per submission.

  --format csv         DIR/grades.csv, written by nbgrader's own CSV exporter
                       (one row per student and assignment: timestamp,
                       raw_score, late_submission_penalty, score, max_score,
                       ...), from the gradebook, so manual grades are included
  --format gradescope  DIR/export/gradescope/<student>/results.json in the
                       format of Gradescope's autograder: the total score, and
                       one test per grade cell with its score, max_score, the
                       cases passed and the hints (and a score a TA changed
                       by hand, as such), one per inline question graded by
                       hand with the TA's comment, visible to the student
                       after the instructor publishes the grades
  --format all         both (the default)

Scores are the gradebook's (the trusted autograder's, or a TA's manual score
where one was given); inline questions not graded yet are left out of the
Gradescope total and listed as pending. Before anything is written the
gradebook is checked against the trusted results (grade.gradebook.verify):
a submission without a current grading stops the export, naming it, and a
cell whose gradebook score is not the trusted one is repaired, loudly.

Late penalties are then taken again from the trusted scores
(collect.late.apply_penalties): the course's late submission plugin (set by
`collect --late`, nbgrader's own by default) is asked for each notebook of a
submission handed in after the gradebook's due date, as nbgrader's autograde
does before the trusted scores are in; the penalty goes into the gradebook,
and grades.csv has the score before it (raw_score), the penalty and the score
after it. Each results.json has the same score: its tests sum to the raw
score, and its score is the one after the penalty, which its output explains
(how late, the due date, the policy, the points taken), computed as
feedback.late computes it for the feedback page (the same plugin, due date and
scores: what apply_penalties stores).

Extra credit a TA typed in the formgrader counts as nbgrader counts it (in
raw_score): in results.json it is added to its test's score, whose output
says "+1 extra credit".
"""

import contextlib
import io
import json
import sys
from pathlib import Path

from ..feedback.late import final_score, late_penalties
from ..grade import GradeError
from ..grade.gradebook import UntrustedGrades, cell_grades, open_gradebook, verify
from ..paths import ASSIGNMENT_ID

#: What this verb writes below --course (checked before it runs: cli.py): grades.csv, the
#: Gradescope files, and the gradebook when a score must be repaired.
WRITES = ("", "export", "gradebook.db")


class ExportError(Exception):
    """Nothing to export, or not a course."""


def export_csv(course, dest=None):
    """Write nbgrader's CSV export to `dest` (default DIR/grades.csv); return its path."""
    from nbgrader.plugins import CsvExportPlugin

    course = Path(course).resolve()
    dest = Path(dest) if dest else course / "grades.csv"
    plugin = CsvExportPlugin(to=str(dest))
    with open_gradebook(course) as gb, contextlib.redirect_stderr(io.StringIO()):
        plugin.export(gb)
    return dest


def _what(case):
    """A case's visibility, with what it exercises where the result says it."""
    return f"{case.visibility}: {case.description}" if case.description else case.visibility


def gradescope_results(course, result, late=None):
    """The results.json content (a dict) of one student's Result; `late`: its feedback.late.Late
    (read from the gradebook when not given)."""
    from ..feedback.questions import read_comments

    grades = cell_grades(course, result.assignment, result.student)
    stored = {cell: (g.score, g.max_score, g.cell_type) for cell, g in grades.items()}
    extras = {cell: g.extra for cell, g in grades.items() if g.extra}
    hand = [cell for cell, grade in grades.items() if grade.cell_type == "markdown"]
    comments = read_comments(course, result.assignment, result.student, hand)
    if late is None:
        late = late_penalties(course, result.assignment, [result.student]).get(result.student)
    return results_json(result, stored, comments, extras=extras, late=late)


def _extra(test, extra):
    """Add a TA's extra credit to a test: its score, and a line of its output that says so."""
    if extra:
        test["score"] = round(test["score"] + extra, 6)
        said = test.get("output", "")
        test["output"] = (said + "\n" if said else "") + f"+{extra:g} extra credit (given by hand)."
    return test


def results_json(result, stored, comments=None, *, extras=None, late=None):
    """The results.json content (a dict) of a Result, given its gradebook scores.

    `stored` maps (notebook, grade_id) to (score, max_score, cell_type): a
    code cell's score replaces the trusted one (a TA's manual score, which its
    output then says), and a markdown cell (an inline question) is a test once
    scored, else pending. `comments` maps an inline question's (notebook,
    grade_id) to the comment given with its score (the TA's, or nbgrader's "No
    response."), which becomes the test's output. `extras` maps a cell's
    (notebook, grade_id) to the extra credit a TA gave it (CellGrade.extra),
    added to its test's score as nbgrader adds it to raw_score; `late` (a
    feedback.late.Late) takes its penalty from the total, as grades.csv does.
    """
    comments = comments or {}
    extras = extras or {}
    tests = []
    given = 0.0  # the extra credit counted
    changed = 0.0  # what hand scores of autograded cells added to the trusted points
    for number, cell in enumerate(result.cells, start=1):
        score, max_score, _ = stored.get((cell.notebook, cell.grade_id), (cell.points, None, ""))
        score = cell.points if score is None else score
        lines = [
            f"{case.name} ({_what(case)}): "
            + ("passed" if case.passed else f"failed: {case.hint or 'wrong output'}")
            for case in cell.cases
        ]
        if abs(score - cell.points) > 1e-9:
            changed += score - cell.points
            lines.append(
                f"Score changed by hand: {cell.points:g} by the autograder, {score:g} by hand."
            )
        test = {
            "number": str(number),
            "name": f"{cell.notebook}: {cell.grade_id} ({cell.function})",
            "score": float(score),
            "max_score": float(cell.max_points),
            "output": "\n".join(lines),
            "tags": [cell.function],
            "visibility": "after_published",
        }
        given += extras.get((cell.notebook, cell.grade_id), 0.0)
        tests.append(_extra(test, extras.get((cell.notebook, cell.grade_id), 0.0)))
    pending = []
    for (notebook, grade_id), (score, max_score, kind) in sorted(stored.items()):
        if kind != "markdown":
            continue
        if score is None:
            pending.append(f"{notebook}: {grade_id}")
            continue
        test = {
            "number": str(len(tests) + 1),
            "name": f"{notebook}: {grade_id} (graded by hand)",
            "score": float(score),
            "max_score": float(max_score),
            "visibility": "after_published",
        }
        if comments.get((notebook, grade_id)):
            test["output"] = f"Comment: {comments[(notebook, grade_id)]}"
        given += extras.get((notebook, grade_id), 0.0)
        tests.append(_extra(test, extras.get((notebook, grade_id), 0.0)))
    output = [f"Autograded: {round(result.points + changed, 6):g} / {result.max_points:g}."]
    if pending:
        output.append("Not graded yet (inline questions): " + ", ".join(pending) + ".")
    raw = round(sum(t["score"] for t in tests), 6)
    if given:
        output.append(f"Extra credit: +{round(given, 6):g} (given by hand, in the tests' scores).")
    if late is not None and late.seconds > 0:
        output.append(
            f"Late penalty: \u2212{late.penalty:g} ({late.describe()}): "
            f"{raw:g} before it, {final_score(raw, late):g} after it."
        )
    return {
        "score": final_score(raw, late),
        "output": " ".join(output),
        "visibility": "after_published",
        "stdout_visibility": "hidden",
        "execution_time": result.seconds,
        "tests": tests,
    }


def export_gradescope(course, results, dest=None):
    """Write DIR/export/gradescope/<student>/results.json for each of `results`; return paths."""
    course = Path(course).resolve()
    root = Path(dest) if dest else course / "export" / "gradescope"
    written = []
    lates = late_penalties(course, ASSIGNMENT_ID, [r.student for r in results]) if results else {}
    for result in results:
        path = root / result.student / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = gradescope_results(course, result, lates.get(result.student))
        path.write_text(json.dumps(data, indent=1) + "\n")
        written.append(path)
    return written


def export(course, *, format="all", log=print):
    """Export the grades of `course` (`autograder export`); return the paths written."""
    course = Path(course).resolve()
    if not (course / "gradebook.db").is_file():
        raise ExportError(f"{course} has no gradebook.db: release, collect and grade first")
    if not (course / "nbgrader_config.py").is_file():
        raise ExportError(f"{course} is not a course directory (no nbgrader_config.py)")
    try:
        results = verify(course, ASSIGNMENT_ID, log=log)
    except (GradeError, UntrustedGrades) as error:
        raise ExportError(f"nothing exported: {error}") from None
    if not results:
        raise ExportError(f"nothing graded in {course}: run `python -m autograder grade` first")
    written = []
    if format in ("csv", "all"):
        from ..collect.late import apply_penalties

        apply_penalties(course, ASSIGNMENT_ID, log=log)
        written.append(export_csv(course))
        log(f"wrote {written[-1].relative_to(course)}")
    if format in ("gradescope", "all"):
        paths_written = export_gradescope(course, results)
        written += paths_written
        log(f"wrote {len(paths_written)} Gradescope results.json under export/gradescope/")
    return written


def add_arguments(parser):
    parser.add_argument("--course", required=True, help="the course directory (DIR)")
    parser.add_argument(
        "--format",
        choices=("csv", "gradescope", "all"),
        default="all",
        help="what to write (default: all)",
    )


def main(args):
    try:
        export(args.course, format=args.format)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


__all__ = ["ExportError", "export"]
