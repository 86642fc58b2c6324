"""What grading one submission found: the record that feedback and export read.

`grade` writes one `Result` per student to `DIR/autograder/results/<student>.json`
(atomically, after the gradebook holds its scores). Everything in it may be shown
to the student who submitted, except where a field says otherwise: hints of hidden
cases name the symptom (a wrong shape, a constant offset, NaN) and never an
expected value.

A `CellScore` is the trusted score of one nbgrader grade cell: the cell's points
times the fraction of its cases that pass. Each case is one call of the
student's function (the public check-cell case, or a hidden one).
"""

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Bump when the meaning of a result changes: results of another version are regraded.
GRADER_VERSION = 3


@dataclass
class CaseVerdict:
    """One case of a grade cell: did the student's output match the solution's?

    - name: the case's id ("public", "hidden-1", ...)
    - visibility: "visible" (the public check-cell case) or "hidden"
    - passed: whether every output of the case was within tolerance
    - hint: for a miss, which output is wrong and how; None when passed
    - unjudged: None, or what went wrong when the grader itself failed to judge
      the outputs (a grader bug: the case counts as failed and its cell is
      flagged for hand grading)
    - description: what the case exercises, one line ("3 x 2 window, stride 1,
      ..."; cases.GradedCase.description): its inputs' features, never an
      expected value; "" in results written before descriptions were kept
    """

    name: str
    visibility: str
    passed: bool
    hint: object = None
    unjudged: object = None
    description: str = ""


@dataclass
class CellScore:
    """The trusted score of one grade cell.

    - notebook: the notebook's name without .ipynb ("ConvolutionalNetworks")
    - grade_id: the nbgrader grade cell id ("correct_conv_forward_naive")
    - function: what the cell tests, as students know it ("conv_forward_naive")
    - max_points, points: the cell's points and the trusted score
    - cases: the CaseVerdicts the score is made of
    - nbgrader_points: what nbgrader's in-kernel run gave the cell (None: not run)
    - flag: why the two disagree, or another reason to look at this cell; None if fine
    """

    notebook: str
    grade_id: str
    function: str
    max_points: float
    points: float
    cases: list = field(default_factory=list)
    nbgrader_points: object = None
    flag: object = None


@dataclass
class Result:
    """Everything grading one submission found.

    - student, assignment: ids as nbgrader knows them
    - fingerprint: a hash of the submitted files, the release, the grader and
      its mode; a result whose fingerprint still matches is not graded again
    - submission: a hash of the submitted files alone: export and feedback
      publish a result only while the submission it graded is still the one in
      submitted/ (gradebook.verify)
    - sandbox: "bwrap" or "fallback" (weaker isolation, warned about)
    - cells: the CellScores of every autograded cell, in notebook order
    - notebooks: notebook name -> "executed", "missing" or what went wrong
    - flags: submission-level findings for the instructor (a timeout, a killed
      harness, a kernel that died, tampering noticed), each one line
    - log: the tail of what the harness printed, for the instructor only
    - seconds: how long grading took
    - phases: seconds per step ("assemble", "harness", "verdict", "notebooks")
    """

    student: str
    assignment: str
    fingerprint: str
    sandbox: str
    submission: str = ""
    cells: list = field(default_factory=list)
    notebooks: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
    log: str = ""
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)
    grader_version: int = GRADER_VERSION

    @property
    def points(self):
        return round(sum(cell.points for cell in self.cells), 6)

    @property
    def max_points(self):
        return round(sum(cell.max_points for cell in self.cells), 6)

    def cell_flags(self):
        """(grade_id, flag) for every flagged cell."""
        return [(cell.grade_id, cell.flag) for cell in self.cells if cell.flag]

    def to_json(self):
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text)
        cells = []
        for cell in data.pop("cells"):
            # A field missing from an older file takes its default (description: "").
            cell["cases"] = [CaseVerdict(**case) for case in cell["cases"]]
            cells.append(CellScore(**cell))
        return cls(cells=cells, **data)


def results_dir(course):
    """Where the results of a course live: DIR/autograder/results."""
    return Path(course) / "autograder" / "results"


def write_result(course, result):
    """Write `result` to DIR/autograder/results/<student>.json atomically; return the path."""
    folder = results_dir(course)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.student}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{result.student}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(result.to_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def notebook_left_out(name):
    """What happens to a submission whose notebook `name` is missing or unreadable: one rule,
    said alike by collect, grade and the feedback page."""
    return (
        f"{name} is missing or unreadable: its cells that grade package functions are "
        "scored from the package (cs231n/); what lives only in the notebook (train_one_epoch, "
        "the inline answers) scores 0"
    )


class ResultError(Exception):
    """A results file that cannot be read as a Result; the message names the file."""


def read_result(course, student):
    """The Result of `student`, or None when the student has not been graded.

    Raises ResultError naming the file when it is not a readable Result (broken
    JSON, fields of another grader version).
    """
    path = results_dir(course) / f"{student}.json"
    if not path.is_file():
        return None
    try:
        return Result.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ResultError(
            f"{path}: not a readable result ({type(error).__name__}: {error})"
        ) from None


def read_results(course):
    """Every Result of the course, sorted by student id."""
    folder = results_dir(course)
    if not folder.is_dir():
        return []
    return [
        read_result(course, path.stem)
        for path in sorted(folder.glob("*.json"))
        if not path.name.startswith(".")
    ]
