"""An nbgrader preprocessor that keeps hidden tests out of feedback, outputs included.

nbgrader's ClearHiddenTests removes the hidden region from a cell's source but
keeps the cell's outputs, so a failing hidden assert shows its lines in the
traceback, and anything the student's kernel printed (an IPython hook can echo
every cell it runs) may repeat them in a later cell. This preprocessor runs
before ClearHiddenTests, while the hidden regions are still in the sources:

1. it collects the lines of every hidden region of the notebook, except those
   the notebook also shows outside one (the same call in a visible check);
2. a cell that holds a hidden region loses all its outputs, replaced by one
   line saying so (its score is still shown by nbgrader);
3. in every other cell, an output whose text contains a hidden line is
   replaced by a line saying it was removed.

Short lines (a bare `else:`) are not secrets and are not looked for.
"""

import html
import re

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

#: Hidden lines shorter than this (after stripping) are not searched for.
MIN_SECRET_LENGTH = 12


def hidden_lines(source, begin, end):
    """The stripped lines strictly between `begin` and `end` markers (case-insensitive)."""
    return [line for line, hidden in _marked_lines(source, begin, end) if hidden]


def visible_lines(source, begin, end):
    """The stripped lines outside hidden regions (and not the markers themselves)."""
    return [line for line, hidden in _marked_lines(source, begin, end) if not hidden]


def _marked_lines(source, begin, end):
    """(stripped line, inside a hidden region) for every line but the markers."""
    inside = False
    for line in source.splitlines():
        upper = line.upper()
        if begin.upper() in upper:
            inside = True
        elif end.upper() in upper:
            inside = False
        else:
            yield line.strip(), inside


def _texts(output):
    """Every piece of text an output shows."""
    if output.get("output_type") == "stream":
        yield str(output.get("text", ""))
    elif output.get("output_type") == "error":
        yield str(output.get("ename", ""))
        yield str(output.get("evalue", ""))
        yield from (str(line) for line in output.get("traceback", []))
    else:
        for value in (output.get("data") or {}).values():
            yield value if isinstance(value, str) else "".join(map(str, value))


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class RedactHiddenTests(NbGraderPreprocessor):
    """Remove every output that could show a hidden test (see the module docstring)."""

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)
    cell_note = Unicode(
        "[Output not shown: this cell runs hidden tests. Its score above is the autograder's; "
        "the summary page says what was wrong.]\n"
    ).tag(config=True)
    output_note = Unicode("[Output removed: it showed the code of a hidden test.]\n").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        secrets = set()
        hidden_cells = set()
        for index, cell in enumerate(nb.cells):
            if self.begin_test_delimeter.upper() in cell.source.upper():
                hidden_cells.add(index)
                secrets.update(
                    line
                    for line in hidden_lines(
                        cell.source, self.begin_test_delimeter, self.end_test_delimeter
                    )
                    if len(line) >= MIN_SECRET_LENGTH
                )
        # A hidden line that the notebook also shows (the same call in the visible
        # part of a cell) is no secret: a student's own traceback may quote it.
        for cell in nb.cells:
            secrets.difference_update(
                visible_lines(cell.source, self.begin_test_delimeter, self.end_test_delimeter)
            )
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if index in hidden_cells:
                cell.outputs = [new_output("stream", name="stdout", text=self.cell_note)]
                continue
            cell.outputs = [
                new_output("stream", name="stdout", text=self.output_note)
                if self._shows(output, secrets)
                else output
                for output in cell.outputs
            ]
        return nb, resources

    @staticmethod
    def _shows(output, secrets):
        if not secrets:
            return False
        for text in _texts(output):
            plain = html.unescape(_ANSI.sub("", text))
            if any(secret in plain for secret in secrets):
                return True
        return False
