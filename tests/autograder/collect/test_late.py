"""Due dates and late policies: where collect puts them, and the penalties export takes."""

import argparse
import csv
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from autograder.collect import CollectError, add_arguments, collect, main
from autograder.collect.late import (
    apply_penalties,
    config_block,
    parse_due,
    penalty,
    plugin_for,
    read_due,
    write_policy,
)
from autograder.collect.plugin import LatePenalty
from tests.autograder.collect.helpers import make_zip, submission

pytestmark = pytest.mark.collect

DUE = datetime(2026, 11, 20, 23, 59, tzinfo=timezone.utc)
HOUR, DAY = 3600, 86400


def run(*argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return main(parser.parse_args([str(a) for a in argv]))


@pytest.fixture
def configured(course, monkeypatch):
    """The hand-made course with an nbgrader_config.py and a gradebook, as a release leaves them."""
    from autograder.grade.gradebook import open_gradebook

    (course / "nbgrader_config.py").write_text(
        'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "convkit"\n'
    )
    # nbgrader runs `alembic` from PATH when it creates a gradebook (release does the same)
    scripts = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    with open_gradebook(course) as gb:
        gb.update_or_create_assignment("convnets")
    return course


@pytest.mark.parametrize(
    ("method", "seconds", "expected"),
    [
        ("per_day", 1, 1.0),  # a started day counts: 10% of 10 points
        ("per_day", DAY, 1.0),
        ("per_day", DAY + 1, 2.0),
        ("per_day", 30 * DAY, 5.0),  # capped at 50%
        ("per_hour", 2 * HOUR + 5, 3.0),
        ("zero", 5, 10.0),
        ("none", DAY, None),
        ("per_day", 0, None),  # on time
    ],
)
def test_penalties_follow_the_policy(method, seconds, expected):
    """Is the penalty 10% of the score per started unit, at most 50%, or all, or none?"""
    assert penalty(method, 10, 50, 10.0, seconds) == expected


@pytest.mark.parametrize("text", ["2026-11-20", "2026-11-20T23:59", "next friday"])
def test_a_due_date_needs_a_time_and_a_zone(text):
    """Is --due without a time or a zone refused instead of guessed?"""
    with pytest.raises(CollectError, match="--due"):
        parse_due(text)


def test_a_due_date_is_converted_to_utc():
    """Is an offset honoured, Z read as UTC?"""
    assert parse_due("2026-11-20T18:59-05:00") == DUE
    assert parse_due("2026-11-20 23:59Z") == DUE


def test_due_goes_into_the_gradebook_and_late_students_are_named(configured, inbox):
    """Does --due land in the gradebook, and is a submission after it reported as late?"""
    make_zip(inbox / "ontime.zip", submission(), mtime=DUE.timestamp() - 60)
    make_zip(inbox / "tardy.zip", submission(), mtime=DUE.timestamp() + 2 * HOUR + 300)
    lines = []
    result = collect(configured, [inbox], due="2026-11-20T18:59-05:00", log=lines.append)
    assert read_due(configured, "convnets") == DUE
    assert result.late == {"tardy": "2 h 5 min late"}
    text = "\n".join(lines)
    assert "collected tardy from" in text
    assert ", 2 h 5 min late" in text
    again = collect(configured, [inbox], log=None)  # the gradebook's due date is used
    assert again.late == {"tardy": "2 h 5 min late"}


def test_the_late_policy_goes_into_nbgrader_config(configured):
    """Is --late written once (a second replaces the first) and read back as nbgrader would?"""
    write_policy(configured, "zero", 0, 100)
    write_policy(configured, "per-day", 10, 50)
    text = (configured / "nbgrader_config.py").read_text()
    assert text.count("BEGIN late policy") == 1
    assert config_block("per-day", 10, 50) in text
    assert text.startswith("c = get_config()")
    plugin = plugin_for(configured)
    assert isinstance(plugin, LatePenalty)
    assert (plugin.penalty_method, plugin.percent, plugin.cap) == ("per_day", 10.0, 50.0)
    assert plugin.late_submission_penalty("jdoe", 8.0, DAY + 1) == 1.6


def test_the_cli_sets_the_policy(configured, inbox):
    """Does `--late per-day --late-percent 10` write the policy, and refuse without a percent?"""
    make_zip(inbox / "jdoe.zip", submission())
    assert run("--course", configured, inbox, "--late", "per-day") == 2
    assert run("--course", configured, inbox, "--late", "per-day", "--late-percent", "10") == 0
    assert (
        'c.LatePenalty.penalty_method = "per_day"'
        in (configured / "nbgrader_config.py").read_text()
    )


def test_nbgraders_own_plugin_is_used_when_none_is_named(configured):
    """Without --late, is nbgrader's LateSubmissionPlugin (no penalty) what applies?"""
    from nbgrader.plugins import LateSubmissionPlugin

    plugin = plugin_for(configured)
    assert type(plugin) is LateSubmissionPlugin
    assert plugin.late_submission_penalty("jdoe", 8.0, DAY) is None


def graded(course, scores):
    """A gradebook holding one notebook of two 10-point cells; `scores`: student -> (t, s, s)."""
    from autograder.grade.gradebook import open_gradebook

    with open_gradebook(course) as gb:
        gb.update_or_create_assignment("convnets", duedate=DUE.replace(tzinfo=None))
        gb.add_notebook("ConvolutionalNetworks", "convnets")
        for cell in ("a", "b"):
            gb.add_grade_cell(
                cell, "ConvolutionalNetworks", "convnets", max_score=10, cell_type="code"
            )
        for student, (when, *points) in scores.items():
            gb.update_or_create_student(student)
            gb.add_submission("convnets", student, timestamp=when.replace(tzinfo=None))
            for cell, score in zip(("a", "b"), points, strict=True):
                gb.find_grade(cell, "ConvolutionalNetworks", "convnets", student).auto_score = score
        gb.db.commit()


def test_export_keeps_raw_score_penalty_and_score(configured):
    """Does grades.csv hold each raw score, the policy's penalty on it, and the score left?"""
    from autograder.export import export_csv

    write_policy(configured, "per-day", 10, 50)
    graded(
        configured,
        {
            "ontime": (DUE, 10, 5),
            "day1": (DUE.replace(day=21), 10, 6),  # 16 points, 1 started day: 1.6
            "week": (DUE.replace(day=28), 10, 10),  # 8 days: capped at 50%
        },
    )
    taken = apply_penalties(configured, "convnets", log=None)
    assert taken == {"day1": 1.6, "week": 10.0}
    rows = {row["student_id"]: row for row in csv.DictReader(open(export_csv(configured)))}
    assert float(rows["day1"]["raw_score"]) == 16.0
    assert float(rows["day1"]["late_submission_penalty"]) == pytest.approx(1.6)
    assert float(rows["day1"]["score"]) == pytest.approx(14.4)
    assert float(rows["week"]["score"]) == 10.0
    assert float(rows["ontime"]["score"]) == 15.0
    assert rows["ontime"]["late_submission_penalty"] in ("", "0.0", "None")


def test_due_and_late_need_a_released_course(course, inbox):
    """Are --due and --late refused, before anything is collected, without gradebook or config?"""
    make_zip(inbox / "jdoe.zip", submission())
    with pytest.raises(CollectError, match=r"gradebook\.db is missing"):
        collect(course, [inbox], due=DUE, log=None)
    with pytest.raises(CollectError, match=r"nbgrader_config\.py is missing"):
        collect(course, [inbox], late=("zero", 0, 100), log=None)
    assert not (course / "submitted").exists()
