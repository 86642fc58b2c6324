"""A hand-made graded course with a late policy, late submissions and extra credit.

Nothing is graded: Results are written with the grader's own writer and the
gradebook with nbgrader's API, so the four places a grade shows (the feedback
page, the class report, results.json, grades.csv) can be compared in seconds.
"""

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from autograder.collect.late import write_policy
from autograder.grade import pipeline
from autograder.grade.gradebook import open_gradebook
from autograder.grade.results import CaseVerdict, CellScore, Result, write_result

NB = "ConvolutionalNetworks"
ASSIGNMENT = "convnets"
#: The due date, as nbgrader keeps it (naive UTC).
DUE = datetime(2026, 11, 20, 23, 59)

#: student -> (conv points of 4, pool points of 1, inline question points of 3 or None,
#: {grade id: extra credit}, how late)
CLASS = {
    # 2 h 30 min late: 3 started hours at 10% = 30% of 7 = 2.1 taken, 4.9 left
    "lena": (4.0, 1.0, 2.0, {}, timedelta(hours=2, minutes=30)),
    # on time, +1 extra credit on conv: 3 + 1 + 3 + 1 = 8
    "ezra": (3.0, 1.0, 3.0, {"correct_conv_forward_naive": 1.0}, -timedelta(hours=1)),
    # 20 min late (10%) with +0.5 extra credit on pool, the question not graded yet:
    # 2 + 0 + 0.5 = 2.5, 0.25 taken (the penalty counts the extra credit, as nbgrader's)
    "both": (2.0, 0.0, None, {"correct_max_pool": 0.5}, timedelta(minutes=20)),
}
#: What grades.csv must say: student -> (raw_score, late_submission_penalty, score)
EXPECTED = {"lena": (7.0, 2.1, 4.9), "ezra": (8.0, 0.0, 8.0), "both": (2.5, 0.25, 2.25)}


def result_of(course, student, conv, pool):
    folder = pipeline.submitted_dir(course, student, ASSIGNMENT)
    folder.mkdir(parents=True)
    (folder / "layers.py").write_text(f"# {student}'s work\n")
    cells = [
        CellScore(NB, "correct_conv_forward_naive", "conv_forward_naive", 4.0, conv,
                  [CaseVerdict("public", "visible", conv == 4.0)]),
        CellScore(NB, "correct_max_pool", "max_pool_forward_naive", 1.0, pool, []),
    ]  # fmt: skip
    digest = pipeline.submission_digest(folder)
    result = Result(student, ASSIGNMENT, "f", "bwrap", submission=digest, cells=cells)
    write_result(course, result)
    return result


def late_class(course, policy=("per-hour", 10.0, 50.0)):
    """Write the course of CLASS into `course` (a new folder); return it."""
    course = Path(course)
    (course / "release" / ASSIGNMENT).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    write_policy(course, *policy)
    # nbgrader runs `alembic` from PATH when it creates a gradebook (release does the same)
    scripts = str(Path(sys.executable).parent)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", os.pathsep.join([scripts, os.environ.get("PATH", "")]))
        with open_gradebook(course) as gb:
            gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
            gb.add_notebook(NB, ASSIGNMENT)
            gb.add_grade_cell("correct_conv_forward_naive", NB, ASSIGNMENT, max_score=4,
                              cell_type="code")  # fmt: skip
            gb.add_grade_cell("correct_max_pool", NB, ASSIGNMENT, max_score=1, cell_type="code")
            gb.add_grade_cell("inline_q1", NB, ASSIGNMENT, max_score=3, cell_type="markdown")
            for student, (conv, pool, question, extra, late) in CLASS.items():
                result_of(course, student, conv, pool)
                gb.update_or_create_student(student)
                gb.add_submission(ASSIGNMENT, student, timestamp=DUE + late)
                scores = {"correct_conv_forward_naive": conv, "correct_max_pool": pool}
                for gid in ("correct_conv_forward_naive", "correct_max_pool", "inline_q1"):
                    grade = gb.find_grade(gid, NB, ASSIGNMENT, student)
                    grade.auto_score = scores.get(gid)
                    grade.manual_score = question if gid == "inline_q1" else None
                    grade.extra_credit = extra.get(gid)
                    grade.needs_manual_grade = gid == "inline_q1" and question is None
            gb.db.commit()
    return course
