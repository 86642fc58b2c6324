"""The attack corpus, graded end to end among honest students (tests/classroom.py).

For each attack: only the points its honest base earns, no marker of it seen
after grading (files outside the scratch folder, processes, gradebook values),
the instructor told what it did, and its README row still true.
"""

import pytest

from autograder.demo.fabricate import side_effects
from autograder.grade.results import read_result
from tests.classroom import CLASS
from tests.corpora import report
from tests.corpora.attacks import ATTACKS, told, told_line

pytestmark = [pytest.mark.grade, pytest.mark.slow]


def fabricated(graded_class, student):
    return next(f for f in graded_class.fabricated if f.student_id == student)


def test_the_corpus_has_twenty_five_attacks_all_in_the_graded_class():
    """Are there at least 25 attacks, every one graded in the end-to-end class?"""
    assert len(ATTACKS) >= 25
    assert set(ATTACKS) <= set(CLASS)


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_earns_nothing_leaves_nothing_and_is_reported(graded_class, attack):
    """Honest score only, no trace, the instructor told, and the README row true?"""
    made = fabricated(graded_class, attack)
    row = report.attack_row(graded_class, made).rsplit(" | ", 1)[0]  # all but the told line
    assert side_effects([made], gradebook=graded_class.course / "gradebook.db") == []
    if made.expect.collect == "reject":
        problems = [str(p) for p in graded_class.collected.problems if p.student == attack]
        assert problems, f"collect took {attack} in"
        assert told_line(attack, problems), problems
        assert read_result(graded_class.course, attack) is None
    else:
        result = read_result(graded_class.course, attack)
        assert made.expect.mismatches(result) == []
        assert told_line(attack, told(result)), told(result)
    assert any(line.startswith(row) for line in report.read_readme_rows()), (
        "tests/corpora/README.md is out of date: run python -m tests.corpora"
    )


def test_the_honest_students_are_graded_as_if_alone(graded_class):
    """Do the solution and the alternative get full marks without a flag, whatever the
    attacks graded beside them did?"""
    for student in ("solution", "alternative"):
        result = read_result(graded_class.course, student)
        assert result.points == result.max_points
        assert result.flags == []
        assert result.cell_flags() == []
