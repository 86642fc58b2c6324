"""Write one page for the instructor about the whole class: scores, struggles, loose ends.

    python -m autograder report --course DIR [--out FILE]

Writes DIR/report/index.html (or FILE), and prints its summary:

  1. Who handed in: every student with a submission in DIR/submitted/.
  2. Who is graded: each one whose trusted result (DIR/autograder/results/)
     grades the files there now; the others are listed as not graded, with
     why (never graded, the grader failed on it, collected again since), as
     is each student whose only zip collect refused.
  3. Read the gradebook: a TA's score of an autograded cell counts, as in
     feedback and export; the inline questions still to grade by hand, and
     the flagged cells nobody has reviewed; extra credit given by hand and
     the late penalties count, so each score is grades.csv's.
  4. Sum up the class: the distribution of the scores (a plot), each
     function's mean score, share of full marks and the hints most students
     got (where the class struggled).
  5. Write the page: the summary, the plot, the functions, every flag, every
     zip collect refused or warned about (from DIR/autograder/collect.json),
     the hand grading pending, the late submissions and extra credit
     (raw score, penalty, score), and who was not graded and why.

It reads and never repairs: nothing in the course changes but the page. Run
it at any time: after collect it lists the refused zips, after grade the
scores, while TAs grade by hand what is left to do.

Exit status: 0 the page was written; 2 DIR is not a course, or the page
cannot be written.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from ..paths import ASSIGNMENT_ID

#: What this verb writes below --course (checked before it runs: cli.py); a read-only
#: course can still be reported on with --out elsewhere.
WRITES = ("report",)


class ReportError(Exception):
    """The report cannot be written (not a course, the page cannot be saved)."""


@dataclass
class ReportResult:
    """What `report` did: the page written, and what it shows (a gather.ClassReport)."""

    path: Path
    report: object


def report(course, *, out=None, log=print):
    """Write the class report of `course` (`autograder report`); return a ReportResult.

    `out`: the page's path (default DIR/report/index.html). Raises ReportError
    when `course` is not a course or the page cannot be written.
    """
    from . import gather, page

    log = log or (lambda line: None)
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ReportError(
            f"{course} is not a course directory (no nbgrader_config.py): run "
            "`python -m autograder release --course DIR` first"
        )
    found = gather.gather(course, ASSIGNMENT_ID)
    text = page.render(found)
    path = Path(out).resolve() if out else course / "report" / "index.html"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error.strerror or error}") from None
    for line in summary_lines(found):
        log(line)
    log(f"wrote {path.relative_to(course) if path.is_relative_to(course) else path}")
    return ReportResult(path, found)


def summary_lines(found, hardest=3):
    """The short text summary printed on the terminal."""
    from ..collect.problems import printable  # a hint or id may hold escapes and newlines
    from .page import summary

    lines = [
        f"{label}: {value}" + (f" ({note})" if note else "")
        for label, value, note in summary(found)
    ]
    ranked = sorted(
        (f for f in found.functions if f.max_points),
        key=lambda f: (f.mean / f.max_points, f.name),
    )
    for f in ranked[:hardest]:
        if f.mean >= f.max_points - 1e-9:
            break
        hint = (
            f"; most common hint: {printable(f.hints[0][0])} ({f.hints[0][1]})" if f.hints else ""
        )
        lines.append(
            f"hard: {f.name}, mean {f.mean:.2f}/{f.max_points:g}, full marks "
            f"{f.full}/{f.students}{hint}"
        )
    for student, why in found.ungraded[:5]:
        lines.append(f"not graded: {printable(student)}: {printable(why)}")
    if len(found.ungraded) > 5:
        lines.append(f"not graded: ... and {len(found.ungraded) - 5} more (see the page)")
    return lines


def add_arguments(parser):
    parser.add_argument("--course", required=True, help="the course directory (DIR)")
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="where to write the page (default DIR/report/index.html)",
    )


def main(args):
    try:
        report(args.course, out=args.out)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


__all__ = ["ReportError", "ReportResult", "report"]
