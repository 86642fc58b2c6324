"""A progress line for long runs: "graded 12/40 submissions, 1:23 left".

On a terminal it is one line on stderr, redrawn in place with a carriage
return; the lines a verb logs are printed above it (`Progress.wrap`), so the
bar stays last. Elsewhere (a log file, CI, a pipe) it is a plain line every
`every` steps and at the last one, never a carriage return.

The time left is the time per step so far times the steps left; it is shown
once a step is done.

    progress = Progress(len(todo), "graded", "submissions")
    log = progress.wrap(log)
    for student in todo:
        ...
        log(f"{student}: 7/10")
        progress.step()
    progress.close()
"""

import sys
import time

#: Characters of the bar drawn on a terminal.
WIDTH = 24


def duration(seconds):
    """`seconds` as m:ss, or h:mm:ss from an hour on."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class Progress:
    """The progress of `total` steps: `verb` ("graded") `done`/`total` `noun` ("submissions").

    - stream: where it is shown (default: sys.stderr); a terminal if its
      isatty() says so
    - clock: seconds, monotonic (default: time.monotonic; tests pass a fake)
    - every: steps between plain lines when not on a terminal (default: a
      tenth of the total, at least 1)
    """

    def __init__(self, total, verb, noun="", *, stream=None, clock=time.monotonic, every=None):
        self.total = total
        self.verb = verb
        self.noun = noun
        self.stream = stream or sys.stderr
        self.clock = clock
        self.every = every or max(1, total // 10)
        self.done = 0
        self.started = clock()
        isatty = getattr(self.stream, "isatty", None)
        self.terminal = bool(isatty and isatty())
        self._shown = 0  # characters of the bar on the terminal's line now
        if self.terminal and total:
            self._draw()

    def text(self):
        """ "graded 12/40 submissions, 1:23 left" (no time left before the first step or after
        the last)."""
        text = f"{self.verb} {self.done}/{self.total}" + (f" {self.noun}" if self.noun else "")
        if 0 < self.done < self.total:
            per_step = (self.clock() - self.started) / self.done
            text += f", {duration(per_step * (self.total - self.done))} left"
        return text

    def step(self, count=1):
        """Count `count` more steps done, and show it."""
        self.done = min(self.total, self.done + count)
        if self.terminal:
            self._draw()
        elif self.done % self.every == 0 or self.done == self.total:
            self._write(self.text() + "\n")

    def wrap(self, log):
        """`log` (a function of one line, or None) printing above the bar on a terminal."""
        if log is None or not self.terminal:
            return log

        def above(line):
            self._clear()
            log(line)
            self._draw()

        return above

    def close(self):
        """Leave the terminal's line to what comes next (the bar stays, finished)."""
        if self.terminal and self._shown:
            self._write("\n")
            self._shown = 0

    def _draw(self):
        filled = WIDTH * self.done // self.total if self.total else WIDTH
        line = f"[{'#' * filled}{' ' * (WIDTH - filled)}] {self.text()}"
        # Spaces cover the end of a longer line drawn before ("10:00 left" -> "9:59 left").
        self._write("\r" + line + " " * max(0, self._shown - len(line)))
        self._shown = len(line)

    def _clear(self):
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
