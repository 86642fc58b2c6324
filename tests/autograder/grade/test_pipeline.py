"""Tests of autograder/grade/pipeline.py's helpers (the whole pipeline: test_grade.py)."""

import pytest

from autograder.grade import cases
from autograder.grade.course import GradeError
from autograder.grade.harness import (
    GRACE_SECONDS,
    IMPORT_SECONDS,
    PRINT_CHARS,
    _CappedWriter,
    read_inputs,
)
from autograder.grade.pipeline import DROPPED_NOTE, Settings, chatty_cases, prepare_box
from autograder.grade.run import TIME_SCALE_ENV, resolve_time_scale


def test_the_cases_whose_printing_was_cut_are_named():
    """Does the log of a harness that cut two cases' printing name those two, once each?"""
    import io

    log = io.StringIO()
    for case_id, chars in (("a.public", 10), ("b.hidden-1", PRINT_CHARS + 1), ("c.public", 5)):
        writer = _CappedWriter(log, PRINT_CHARS)
        writer.write("x" * chars)
        log.write(f"\nharness: {case_id}: ok (0.01 s, cpu 0.01 s)\n")
    writer = _CappedWriter(log, PRINT_CHARS)
    for _ in range(3):
        writer.write("y" * PRINT_CHARS)
    log.write("harness: d.hidden-2: raised (0.01 s, cpu 0.01 s)\n")
    text = log.getvalue()
    assert text.count(DROPPED_NOTE) == 2
    assert chatty_cases(text) == ["b.hidden-1", "d.hidden-2"]
    assert chatty_cases("harness: a.public: ok\n") == []


def _inputs_meta(folder):
    """The harness's inputs file in `folder` read back: (case id -> timeout, import budget,
    grace)."""
    meta, _ = read_inputs(folder / "inputs.npz")
    budgets = {entry["id"]: entry["timeout"] for entry in meta["cases"]}
    return budgets, meta["import_seconds"], meta["grace"]


def test_a_time_scale_multiplies_every_budget_the_box_and_the_verdict_see(tmp_path):
    """With time_scale 0.5, does the box get every case's budget, the grace past it and the
    import's budget halved; do the cells the verdict scores with (and names a budget from)
    carry the scaled budgets; is each scale's fingerprint another?"""
    plain = {case.id: case.timeout for case in cases.all_cases()}
    budgets, import_seconds, grace = _inputs_meta(prepare_box(tmp_path / "half", 0.5))
    assert budgets == {case_id: timeout * 0.5 for case_id, timeout in plain.items()}
    assert (import_seconds, grace) == (IMPORT_SECONDS * 0.5, GRACE_SECONDS * 0.5)
    assert _inputs_meta(prepare_box(tmp_path / "one")) == (plain, IMPORT_SECONDS, GRACE_SECONDS)

    settings = {
        scale: Settings(tmp_path, "convnets", tmp_path, None, "k", 20, time_scale=scale)
        for scale in (1.0, 0.5, 2.0)
    }
    scaled = {c.id: c.timeout for c in cases.all_cases(settings[2.0].cells())}
    assert scaled == {case_id: timeout * 2 for case_id, timeout in plain.items()}
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "a.py").write_text("x = 1\n")
    prints = {scale: s.fingerprint(submission) for scale, s in settings.items()}
    assert len(set(prints.values())) == 3


def test_the_time_scale_comes_from_the_argument_then_the_environment(monkeypatch):
    """Is the argument used first, then $CONVKIT_TIME_SCALE, then 1, and is a value that is
    not a number above 0 a GradeError naming where it came from?"""
    monkeypatch.setenv(TIME_SCALE_ENV, "3")
    assert resolve_time_scale(0.25) == 0.25
    assert resolve_time_scale() == 3.0
    monkeypatch.delenv(TIME_SCALE_ENV)
    assert resolve_time_scale() == 1.0
    for bad in ("0", "-1", "soon", "inf", "nan"):
        monkeypatch.setenv(TIME_SCALE_ENV, bad)
        with pytest.raises(GradeError, match=f"{TIME_SCALE_ENV} must be a number above 0"):
            resolve_time_scale()
    with pytest.raises(GradeError, match="--time-scale must be a number above 0"):
        resolve_time_scale(0)
