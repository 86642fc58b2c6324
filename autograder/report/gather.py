"""Steps 1 to 4 of the class report: read the course, and sum it up.

Everything is read, nothing written (the gradebook is opened only when it
exists, and nothing is repaired: `feedback` and `export` do that):

  1. who handed in: DIR/submitted/<student>/<assignment>/ (grade.course);
  2. who is graded: each one's Result (DIR/autograder/results/), current when
     it grades the files in submitted/ now with this grader (the same test as
     grade.gradebook.verify); every other student is "not graded", with why
     (never graded, its last grading failed, collected again since, ...),
     and so is each student whose only zip collect refused;
  3. the gradebook (nbgrader's, DIR/gradebook.db): a TA's score of an
     autograded cell counts (as on the feedback page and in export), the
     inline questions scored by hand so far, the ones still waiting, the
     flagged cells nobody has looked at, the extra credit given by hand, and
     each late submission's penalty, computed as export computes it
     (feedback.late, read-only), so a student's total is grades.csv's score;
  4. the class: each function's mean score and share of full marks, and the
     hints most students got (a hint counts once per student, however many
     of the student's cases gave it), in notebook order.
"""

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..feedback.late import GradesCsvScore, late_penalties
from ..feedback.page import by_function, cell_score, missed
from ..grade.gradebook import CellGrade
from . import records

#: Hints shown per function.
TOP_HINTS = 3


@dataclass
class Student(GradesCsvScore):
    """One graded student.

    - result: the Result; auto, auto_max: autograded points that count (a TA's
      override included) and their maximum
    - hand, hand_max: points given by hand to inline questions so far, and
      the points of every inline question (graded or not)
    - pending: [(notebook, grade id, points)] of inline questions not graded yet
    - review: grade ids of flagged autograded cells nobody has scored by hand
    - grades: the gradebook's rows, {(notebook, grade id): (CellGrade, needs_manual_grade)}
    - extra: the extra credit given by hand (counted in the total, as in grades.csv)
    - late: the submission's feedback.late.Late, or None (no gradebook)
    """

    id: str
    result: object
    auto: float
    auto_max: float
    hand: float = 0.0
    hand_max: float = 0.0
    pending: list = field(default_factory=list)
    review: list = field(default_factory=list)
    grades: dict = field(default_factory=dict)
    extra: float = 0.0
    late: object = None

    @property
    def total_max(self):
        return round(self.auto_max + self.hand_max, 6)

    def flags(self):
        """[(where, flag)]: the submission's flags ("" for where), then each cell's."""
        return [("", f) for f in self.result.flags] + list(self.result.cell_flags())


@dataclass
class Function:
    """One function across the class: mean points, full marks, the commonest hints."""

    name: str
    grade_ids: list
    max_points: float
    mean: float
    full: int  # students with full marks
    students: int
    hints: list  # [(hint, students who got it)], most common first, at most TOP_HINTS
    hinted: int = 0  # distinct hints in all


@dataclass
class ClassReport:
    """What the class report shows.

    - graded: Students, sorted by id; ungraded: [(student, why)], sorted
    - functions: Functions in notebook order
    - refused: ZipProblems of zips collect did not take (fatal); warnings: the others
    - collected_since: students with a refused zip who have a submission now
    - notes: what could not be read (a record, the gradebook), for the page's end
    """

    course: Path
    assignment: str
    graded: list = field(default_factory=list)
    ungraded: list = field(default_factory=list)
    functions: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    collected_since: set = field(default_factory=set)
    notes: list = field(default_factory=list)

    @property
    def flagged(self):
        return [s for s in self.graded if s.flags()]

    @property
    def hand_grading(self):
        return [s for s in self.graded if s.pending or s.review]

    @property
    def adjusted(self):
        """The students handed in late or given extra credit: their score is not the sum of
        their cells'."""
        return [s for s in self.graded if s.extra or (s.late is not None and s.late.seconds > 0)]


def read_gradebook(course, assignment):
    """{student: {(notebook, grade_id): (CellGrade, needs_manual_grade)}}, and the students
    the gradebook knows; both empty when there is no gradebook.db."""
    if not (Path(course) / "gradebook.db").is_file():
        return {}, set()
    from nbgrader.api import MissingEntry

    from ..grade.gradebook import open_gradebook

    table = {}
    with open_gradebook(course) as gb:
        known = {s.id for s in gb.students}
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return table, known
        for submission in submissions:
            cells = table.setdefault(submission.student.id, {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[(notebook.name, grade.name)] = (
                        CellGrade(
                            auto_score=grade.auto_score,
                            manual_score=grade.manual_score,
                            max_score=grade.max_score,
                            cell_type=grade.cell_type,
                            extra_credit=grade.extra_credit,
                        ),
                        bool(grade.needs_manual_grade),
                    )
    return table, known


def why_not_current(course, assignment, student, failures):
    """(the student's current Result, None) or (None, why it is not graded)."""
    from ..grade import pipeline
    from ..grade.results import GRADER_VERSION, read_result

    try:
        result = read_result(course, student)
    except Exception as error:
        return None, f"its results file cannot be read: {error}"
    if result is None:
        if student in failures:
            why = failures[student].removeprefix(f"{student} was not graded: ")
            return None, f"the last grading run could not grade it: {why}"
        return None, "collected but never graded (run `python -m autograder grade`)"
    if result.grader_version != GRADER_VERSION:
        return None, f"graded by an older grader (version {result.grader_version}): grade again"
    folder = pipeline.submitted_dir(course, student, assignment)
    if result.submission != pipeline.submission_digest(folder):
        return None, "collected again since it was graded: grade again"
    return result, None


def student_of(result, grades, late=None):
    """A Student from a Result, its gradebook rows ({key: (CellGrade, needs_manual)}) and its
    late.Late (or None)."""
    plain = {key: grade for key, (grade, _) in grades.items()}
    auto = round(sum(cell_score(cell, plain)[0] for cell in result.cells), 6)
    extra = round(sum(grade.extra for grade in plain.values()), 6)
    student = Student(
        result.student, result, auto, result.max_points, grades=grades, extra=extra, late=late
    )
    autograded = {(c.notebook, c.grade_id) for c in result.cells}
    for (notebook, grade_id), (grade, needs_manual) in sorted(grades.items()):
        if grade.cell_type == "markdown" and (notebook, grade_id) not in autograded:
            student.hand_max += grade.max_score
            if grade.manual_score is None:
                student.pending.append((notebook, grade_id, grade.max_score))
            else:
                student.hand += grade.manual_score
        elif needs_manual and grade.manual_score is None:
            student.review.append(grade_id)
    student.hand, student.hand_max = round(student.hand, 6), round(student.hand_max, 6)
    return student


def functions_of(students):
    """The Functions of the class, in notebook order (as first met)."""
    per = OrderedDict()  # function -> [(points, max, grade ids, distinct hints)]
    for s in students:
        plain = {key: grade for key, (grade, _) in s.grades.items()}
        for name, cells in by_function(s.result.cells).items():
            points = sum(cell_score(cell, plain)[0] for cell in cells)
            hints = {hint for hint, _, _ in missed(cells)}
            per.setdefault(name, []).append(
                (points, sum(c.max_points for c in cells), [c.grade_id for c in cells], hints)
            )
    functions = []
    for name, rows in per.items():
        counts = Counter(hint for *_, hints in rows for hint in hints)
        max_points = max(m for _, m, _, _ in rows)
        # Most students first; among equals, the hint's text, so the order never varies.
        common = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        functions.append(
            Function(
                name=name,
                grade_ids=rows[0][2],
                max_points=max_points,
                mean=round(sum(p for p, *_ in rows) / len(rows), 6),
                full=sum(1 for p, m, _, _ in rows if p >= m - 1e-9),
                students=len(rows),
                hints=common[:TOP_HINTS],
                hinted=len(counts),
            )
        )
    return functions


def gather(course, assignment=paths.ASSIGNMENT_ID):
    """The ClassReport of `course` (steps 1 to 4)."""
    from ..grade.course import find_students

    course = Path(course).resolve()
    report = ClassReport(course, assignment)
    failures, why = records.read_failures(course)
    problems, why_collect = records.read_collect(course)
    report.notes += [w for w in (why, why_collect) if w]
    try:
        table, known = read_gradebook(course, assignment)
    except Exception as error:  # a broken gradebook.db: the results still tell most
        table, known = {}, set()
        report.notes.append(f"the gradebook cannot be read ({type(error).__name__}: {error})")
    try:
        lates = late_penalties(course, assignment) if table else {}
    except Exception as error:  # a late policy plugin that cannot be loaded, say
        lates = {}
        report.notes.append(
            f"the late penalties cannot be computed ({type(error).__name__}: {error}): "
            "the scores are before any penalty"
        )
    submitted = find_students(course, assignment)
    for student in submitted:
        result, why = why_not_current(course, assignment, student, failures)
        if result is None:
            report.ungraded.append((student, why))
            continue
        report.graded.append(student_of(result, table.get(student, {}), lates.get(student)))
    report.functions = functions_of(report.graded)

    report.refused = [p for p in problems if p.fatal]
    report.warnings = [p for p in problems if not p.fatal]
    have = set(submitted)
    report.collected_since = {p.student for p in report.refused if p.student in have}
    refused = OrderedDict()
    for p in report.refused:
        if p.student and p.student not in have:
            refused.setdefault(p.student, p.message)
    for student, message in refused.items():
        report.ungraded.append((student, f"collect refused its zip: {message}"))
    for student in sorted(known - have - set(refused)):
        report.ungraded.append((student, "in the gradebook, but no submission was collected"))
    report.ungraded.sort()
    return report
