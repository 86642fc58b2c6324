"""Caught before submission: is the README's column still what the notebooks' checks do?

A few mistakes, one per notebook, are run again through their notebooks'
check cells (presubmit.py) and compared with their README rows. The pooling
one is issue 17's: a window whose width is its height, which a check on
square windows alone lets through.
The whole corpus is measured by `python -m tests.corpora --mistakes`.
"""

import pytest

from tests.corpora import presubmit, report
from tests.corpora.mistakes import BY_ID

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

#: Cheap to run (a check cell catches each before any training cell) and spread over the
#: three notebooks.
SAMPLE = (
    "mistake-maxpool-height-for-width",
    "mistake-avgpool-divide-by-stride",
    "mistake-gn-batch-mean",
)


def readme_row(student_id):
    return next(row for row in report.read_readme_rows() if row.startswith(f"| {student_id} |"))


@pytest.mark.parametrize("student_id", SAMPLE)
def test_the_caught_before_submission_column_is_up_to_date(student_id, tmp_path):
    """Does running the notebooks with the mistake fail the check cell the README names?"""
    mistake = BY_ID[student_id]
    measured = presubmit.measure(mistake, tmp_path / "student", tmp_path / "datasets")
    row = readme_row(student_id)
    expected = presubmit.column(mistake, measured, presubmit.lost_cells(row))
    assert row.endswith(f"| {expected} |"), (
        f"{student_id}: the notebooks now say {expected!r}: run python -m tests.corpora --mistakes"
    )


def test_the_rate_of_mistakes_caught_before_submission_is_reported():
    """Does the README give the rate, and every mistake row a 'caught before submission'?"""
    text = report.readme_text()
    assert "Caught before submission: " in text
    rows = [row for row in report.read_readme_rows() if row.startswith("| mistake-")]
    assert rows
    for row in rows:
        last = row.rstrip(" |").rsplit(" | ", 1)[-1]
        assert last == "no" or last.startswith("correct_"), row
