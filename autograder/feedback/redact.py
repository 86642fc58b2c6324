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
import sys

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


# ---------------------------------------------------------------------------
# What the sandbox leaves in the outputs of the notebooks it ran


def _python_prefixes():
    """The grader's Python installation folders (the box binds them at their own paths)."""
    return sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}, key=len)


def leftover_rewrites(traceback=False):
    """(pattern, replacement) pairs that turn the box's paths into the student's own.

    A notebook run by `grade --execute-notebooks` ran in the box (grade/sandbox.py,
    grade/kernel.py), and its tracebacks and messages name the box's folders,
    which mean nothing on the student's machine:

      - the workdir, the notebook's folder: /home/student/work/, and the
        fallback box's scratch copy /tmp/convkit-kernel-XXXX/work/, become the
        relative path the student knows ("cs231n/layers.py"); so does ~/work/
        in a traceback (`traceback`: IPython's way of writing the workdir
        there), but not in what a cell printed, where it may be the student's
        own folder;
      - the box's HOME, /home/student/ (the fallback's /tmp/convkit-box-XXXX/home/), is ~/;
      - the grader's Python, bound at its own path (/work/.venv/lib/python3.11/...),
        is "..." (".../lib/python3.11/site-packages/numpy/...");
      - the dataset the kernel reads, bound at /data (CS231N_DATASETS of
        grade/run.py), is the datasets/ folder beside the notebooks.
    """
    from ..grade import sandbox

    name = r"[^\s'\"<>:/]+"  # one folder's name
    # What may stand before a path that starts with ~ or /data: a colour code too.
    start = r"(^|[\s'\"(\[=]|\x1b\[[0-9;]*m)"
    rewrites = [
        (re.compile(rf"(?:/{name})*/convkit-kernel-\w+/work/"), ""),
        (re.compile(rf"(?:/{name})*/convkit-box-\w+/home/"), "~/"),
        (re.compile(re.escape(sandbox.WORKDIR + "/")), ""),
        (re.compile(re.escape(sandbox.HOME + "/")), "~/"),
        (
            re.compile(rf"{start}/data/(?=(?:synthetic|cifar)-10-batches-py)", re.MULTILINE),
            r"\1datasets/",
        ),
    ]
    if traceback:
        rewrites.append((re.compile(rf"{start}~/work/", re.MULTILINE), r"\1"))
    for prefix in reversed(_python_prefixes()):  # the longest first: a venv inside /usr
        if prefix not in ("", "/"):
            rewrites.append((re.compile(re.escape(prefix) + r"(?=/lib(?:64)?/python)"), "..."))
    return rewrites


#: Lines of a stream output that only the box prints: fontconfig without its
#: configuration (a box before /etc/fonts was bound in), and matplotlib
#: building its font cache in the box's empty HOME, which a student's own
#: machine does once.
LEFTOVER_LINES = re.compile(
    r"^(?:Fontconfig (?:error|warning): .*|Matplotlib is building the font cache.*)\n?",
    re.MULTILINE,
)


def scrub(text, rewrites):
    for pattern, replacement in rewrites:
        text = pattern.sub(replacement, text)
    return text


class ScrubSandboxLeftovers(NbGraderPreprocessor):
    """Take what the sandbox left out of the outputs: its paths, fontconfig's complaints.

    Every output of every code cell: stream text (a line only the box prints
    is dropped, and an output left empty with it), an error's message and
    traceback, and the text forms of displayed data (text/plain, text/html,
    ...); images are left alone. The rewrites are leftover_rewrites(), and
    in tracebacks leftover_rewrites(traceback=True).
    """

    def preprocess(self, nb, resources):
        rewrites, in_tracebacks = leftover_rewrites(), leftover_rewrites(traceback=True)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            kept = []
            for output in cell.outputs:
                kind = output.get("output_type")
                if kind == "stream":
                    text = LEFTOVER_LINES.sub("", _joined(output.get("text")))
                    output.text = scrub(text, rewrites)
                    if not output.text:
                        continue
                elif kind == "error":
                    output.evalue = scrub(str(output.get("evalue", "")), rewrites)
                    output.traceback = [
                        scrub(str(line), in_tracebacks) for line in output.get("traceback", [])
                    ]
                else:
                    data = output.get("data") or {}
                    for mime, value in data.items():
                        if mime.startswith("text/"):
                            data[mime] = scrub(_joined(value), rewrites)
                kept.append(output)
            cell.outputs = kept
        return nb, resources


def _joined(value):
    return value if isinstance(value, str) else "".join(map(str, value or []))
