"""The late penalty a student is shown: the one grades.csv holds, computed now, read-only.

`export` stores each notebook's penalty in the gradebook (collect.late.apply_penalties)
and nbgrader's CSV export reads it back: raw_score, late_submission_penalty,
score = max(0, raw_score - penalty). The feedback page, the class report and
Gradescope's results.json must show the same numbers, but a stored penalty
goes stale: the due date (`collect --due`), an extension or the policy
(`collect --late`) may change after the last export, and feedback may run
before any export. So `late_penalties` does not read the stored value: it
asks the course's late submission plugin, as apply_penalties does, with the
gradebook's due date (an extension included), timestamps and scores as they
are now, and writes nothing:

  1. a submission is late when its timestamp is after its due date
     (nbgrader's SubmittedAssignment.total_seconds_late); no due date or no
     timestamp: on time;
  2. for each notebook of a late submission, the plugin's penalty on the
     notebook's score (nbgrader's, extra credit included), kept between 0 and
     that score, as apply_penalties and nbgrader's AssignLatePenalties do;
  3. the submission's penalty is their sum; its final score is
     max(0, raw score - penalty), as in grades.csv.

What this shows is what the next `export` writes into grades.csv; a
grades.csv written before the due date or the policy changed is older than
it (export again).
"""

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..collect.late import lateness, notebook_penalty, plugin_for, policy_text
from ..grade.gradebook import open_gradebook


@dataclass(frozen=True)
class Late:
    """One submission's lateness and the points its late policy takes.

    - due: the due date that applies (an extension included), aware UTC, or None
    - timestamp: when it was submitted (aware UTC), or None when unknown
    - seconds: how many seconds late (0: on time, or no due date or timestamp)
    - penalty: the points taken (0.0 when on time or the policy takes none)
    - policy: the course's late policy, in words
    """

    due: object
    timestamp: object
    seconds: float
    penalty: float
    policy: str

    @property
    def how_late(self):
        """ "3 h 5 min late", or "" when on time."""
        return lateness(self.timestamp, self.due) if self.seconds > 0 else ""

    def describe(self):
        """The penalty in words, for a page or results.json: how late, the due date, the policy."""
        due = self.due.strftime("%Y-%m-%d %H:%M UTC") if self.due else "?"
        return f"submitted {self.how_late} (due {due}); {self.policy}"


def final_score(raw, late):
    """The score after the late penalty, as nbgrader's CSV export computes it."""
    return round(max(0.0, raw - (late.penalty if late else 0.0)), 6)


class GradesCsvScore:
    """raw, penalty and total as grades.csv has them, for a record of a student's points
    with `auto`, `hand` and `extra` (points) and `late` (a Late, or None)."""

    @property
    def raw(self):
        """grades.csv's raw_score: nbgrader's score, extra credit included."""
        return round(self.auto + self.hand + self.extra, 6)

    @property
    def penalty(self):
        return self.late.penalty if self.late is not None else 0.0

    @property
    def total(self):
        """grades.csv's score: the raw score less the late penalty, at least 0."""
        return final_score(self.raw, self.late)


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc) if isinstance(moment, datetime) else None


def late_penalties(course, assignment, students=None):
    """{student: Late} of every submission of `assignment` in the gradebook (or of `students`).

    Read-only: the gradebook is not written (see the module docstring). {} when
    the course has no gradebook.db.
    """
    from nbgrader.api import MissingEntry

    if not (Path(course) / "gradebook.db").is_file():
        return {}
    plugin = plugin_for(course)
    words = policy_text(plugin)
    found = {}
    with open_gradebook(course) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:
            return {}
        for submission in submissions:
            student = submission.student.id
            if students is not None and student not in students:
                continue
            seconds = float(submission.total_seconds_late)
            points = 0.0
            if seconds > 0:
                for notebook in submission.notebooks:
                    taken = notebook_penalty(plugin, student, notebook, seconds)
                    if taken is not None:
                        points += taken
            found[student] = Late(
                due=_utc(submission.duedate),
                timestamp=_utc(submission.timestamp),
                seconds=seconds,
                penalty=round(points, 6),
                policy=words,
            )
    return found
