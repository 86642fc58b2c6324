"""Tests of autograder/grade/pipeline.py's helpers (the whole pipeline: test_grade.py)."""

from autograder.grade.harness import PRINT_CHARS, _CappedWriter
from autograder.grade.pipeline import DROPPED_NOTE, chatty_cases


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
