"""Tests of benchmarks/bench_grade.py: the arithmetic of its rows, on made-up timings.

Grading itself is tested end to end in tests/autograder; here the real pipeline
is replaced by fakes with chosen timings, so that each figure and verdict can
be checked against a hand computation. Nothing here looks at a clock.
"""

from dataclasses import dataclass, field

import pytest

from benchmarks import bench_grade


@dataclass
class FakeResult:
    seconds: float
    points: float = 61.0
    phases: dict = field(default_factory=dict)


@dataclass
class FakeReport:
    results: list
    failed: dict = field(default_factory=dict)


def test_a_class_too_slow_is_reported_missed_with_its_projection(monkeypatch):
    """Is 40 s per submission, measured on 10, projected to 66.7 min for 100 and MISSED?"""

    def grade_once(course, students, *, jobs=1, sandbox="bwrap", execute=False):
        return 400.0, FakeReport([FakeResult(1.0, points=p) for p in (61, 0, 61)])

    monkeypatch.setattr(bench_grade, "grade_once", grade_once)
    rows, seconds = bench_grade.class_rows(None, [f"s{i}" for i in range(10)], 2)
    [(figure, measured, comparison)] = rows
    assert seconds == 400.0
    assert figure == "grade a class of 10 submissions, --jobs 2"
    assert measured == "6.7 min"
    assert "40.0 s per submission" in comparison
    assert "a class of 100 projected from 10: 66.7 min" in comparison
    assert "MISSED" in comparison
    assert "scores seen 0, 61" in comparison


def test_a_fast_enough_class_of_100_is_measured_not_projected(monkeypatch):
    """Is a class of 100 graded in 9 minutes called measured and ok?"""
    monkeypatch.setattr(
        bench_grade, "grade_once", lambda *a, **k: (540.0, FakeReport([FakeResult(5.4)]))
    )
    [(_, measured, comparison)], _ = bench_grade.class_rows(None, [f"s{i}" for i in range(100)], 2)
    assert measured == "9.0 min"
    assert "a class of 100 measured: 9.0 min" in comparison
    assert "(aim <= 10 min on 2 cores: ok)" in comparison
    assert "MISSED" not in comparison


def test_the_sandbox_overhead_is_the_bwrap_time_over_the_fallback_time(monkeypatch):
    """With bwrap 30 s and fallback 24 s, is the overhead +25%, over the 20% aim?"""
    seconds = {"bwrap": 30.0, "fallback": 24.0}
    phases = {"assemble": 0.5, "harness": 10.0, "verdict": 2.0, "notebooks": 17.5}

    def grade_once(course, students, *, jobs=1, sandbox="bwrap", execute=False):
        return 99.0, FakeReport([FakeResult(50.0 if execute else seconds[sandbox], phases=phases)])

    monkeypatch.setattr(bench_grade, "grade_once", grade_once)
    monkeypatch.setattr(bench_grade, "plain_autograde", lambda course, student: 15.0)
    rows = bench_grade.per_submission_rows(None, repeats=1)
    assert [row[0] for row in rows] == [
        f"grade one submission ({kind}), jobs 1, bwrap box" for kind in bench_grade.SINGLE
    ]
    figure, measured, comparison = rows[0]
    assert measured == "30.0 s"  # the worker's seconds, not the 99 s of the whole call
    assert "harness 10.0" in comparison
    assert "notebooks 17.5" in comparison
    assert "sandbox overhead +25% (aim <= 20%: MISSED)" in comparison
    assert "plain nbgrader autograde 15.0 s (2.00x)" in comparison
    assert "with --execute-notebooks 50.0 s" in comparison


def test_the_whole_grade_is_compared_with_plain_nbgrader_on_the_same_class(monkeypatch):
    """With 20 plain autogrades of 15 s projected to a class of 100 (25 min), is a grade of
    the class in 30 min 1.20x (ok) and one in 40 min 1.60x (MISSED)?"""
    calls = []
    monkeypatch.setattr(
        bench_grade, "plain_autograde", lambda course, student: calls.append(student) or 15.0
    )
    students = [f"s{i}" for i in range(100)]
    [(figure, measured, comparison)] = bench_grade.plain_class_rows(None, students, 1800.0)
    assert len(calls) == 20
    assert figure == "plain nbgrader autograde of the same 100, one process"
    assert measured == "25.0 min"
    assert "projected from 20" in comparison
    assert "1.20x as long (aim <= 1.3x: ok)" in comparison
    [(_, _, comparison)] = bench_grade.plain_class_rows(None, students[:10], 10 * 15.0 * 1.6)
    assert "measured" in comparison
    assert "1.60x as long (aim <= 1.3x: MISSED)" in comparison


def test_jobs_scaling_is_the_ratio_of_the_two_runs(monkeypatch):
    """With 100 s at --jobs 1 and 60 s at --jobs 2, is the throughput 1.67x?"""
    monkeypatch.setattr(
        bench_grade,
        "grade_once",
        lambda course, students, *, jobs=1, sandbox="bwrap", execute=False: (
            100.0 / (1 + (jobs - 1) * 2 / 3),
            None,
        ),
    )
    [(figure, measured, comparison)] = bench_grade.jobs_rows(None, ["a", "b", "c", "d"], 2)
    assert figure == "grade 4 submissions, --jobs 2 vs --jobs 1"
    assert measured == "60 s"
    assert "1.67x the throughput" in comparison


def test_a_failed_grading_stops_the_benchmark(monkeypatch):
    """Does a submission that could not be graded raise rather than count as fast?"""
    import autograder.grade as grade_module

    monkeypatch.setattr(
        grade_module, "grade", lambda *a, **k: FakeReport([], failed={"s1": "BrokenProcessPool"})
    )
    with pytest.raises(RuntimeError, match="grading failed"):
        bench_grade.grade_once(None, ["s1"])
