"""The progress line of long runs (autograder/progress.py), on a fake clock and fake streams."""

import io

import pytest

from autograder.progress import Progress, duration


class Clock:
    """Seconds that move only when told."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (83, "1:23"), (599.6, "10:00"), (3725, "1:02:05")]
)
def test_durations_read_as_a_clock(seconds, shown):
    """Is a time left shown as m:ss, and h:mm:ss from an hour on?"""
    assert duration(seconds) == shown


def test_the_time_left_is_the_time_per_step_so_far_times_the_steps_left():
    """After 12 of 40 steps in 36 s, does it say 1:24 left (3 s a step, 28 steps)?"""
    clock = Clock()
    progress = Progress(40, "graded", "submissions", stream=io.StringIO(), clock=clock)
    assert progress.text() == "graded 0/40 submissions"
    clock.now += 36
    progress.step(12)
    assert progress.text() == "graded 12/40 submissions, 1:24 left"
    progress.step(28)
    assert progress.text() == "graded 40/40 submissions"


def test_not_on_a_terminal_it_writes_plain_lines_every_n_steps_and_at_the_end():
    """Written to a file, is it a plain line every `every` steps and at the last, with no
    carriage return, and are the verb's own lines left alone?"""
    clock, out = Clock(), io.StringIO()
    progress = Progress(5, "read", "submissions", stream=out, clock=clock, every=2)
    logged = []
    log = progress.wrap(logged.append)
    for _ in range(5):
        clock.now += 2
        log("a line")
        progress.step()
    progress.close()
    assert "\r" not in out.getvalue()
    assert out.getvalue().splitlines() == [
        "read 2/5 submissions, 0:06 left",
        "read 4/5 submissions, 0:02 left",
        "read 5/5 submissions",
    ]
    assert logged == ["a line"] * 5


def test_on_a_terminal_it_redraws_one_line_and_prints_log_lines_above_it():
    """On a terminal, is the bar redrawn in place with a carriage return, cleared before a
    logged line and drawn again after it, and ended with a newline when closed?"""
    clock, out = Clock(), Terminal()
    shown = []

    def log(line):
        shown.append((out.getvalue(), line))

    with Progress(2, "graded", stream=out, clock=clock) as progress:
        log = progress.wrap(log)
        clock.now += 90
        progress.step()
        log("[1/2] ada: 73/73")
        progress.step()
    screen = out.getvalue()
    half = "[" + "#" * 12 + " " * 12 + "] graded 1/2, 1:30 left"
    assert screen.startswith("\r[" + " " * 24 + "] graded 0/2")
    assert "\r" + half in screen
    before, line = shown[0]
    assert line == "[1/2] ada: 73/73"
    assert before.endswith("\r" + " " * len(half) + "\r")  # the bar cleared first
    assert screen.count("\r" + half) == 2  # and drawn again after the line
    assert screen.endswith("\r[" + "#" * 24 + "] graded 2/2" + " " * len(", 1:30 left") + "\n")
    assert "\n" not in screen[:-1]


def test_nothing_to_do_shows_nothing():
    """With no step to take, is nothing drawn, on a terminal or not?"""
    for out in (io.StringIO(), Terminal()):
        with Progress(0, "graded", stream=out):
            pass
        assert out.getvalue() == ""


def test_grading_counts_every_submission_even_one_that_failed(tmp_path, capsys):
    """Does grade's record loop (run._record) count a submission the grader failed on, log its
    line, and end its progress at the total, on stderr when that is no terminal?"""
    from types import SimpleNamespace

    from autograder.grade.run import GradeReport, _record

    class Failed:
        def result(self):
            raise RuntimeError("the worker died")

    report, lines = GradeReport(), []
    finished = [("ada", Failed()), ("bob", Failed())]
    _record(tmp_path, SimpleNamespace(assignment="convnets"), finished, 2, report, lines.append)
    assert lines == [
        "[1/2] ada: NOT GRADED (the worker died)",
        "[2/2] bob: NOT GRADED (the worker died)",
    ]
    assert sorted(report.failed) == ["ada", "bob"]
    assert capsys.readouterr().err.splitlines()[-1] == "graded 2/2 submissions"
