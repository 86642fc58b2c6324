"""The nbgrader preprocessors grading swaps in: no untrusted score, no active content.

nbgrader's autograde is kept for the record: it restores the locked cells from
the gradebook, keeps each notebook for hand grading in the formgrader and for
feedback, and creates the gradebook rows. Two of its steps are replaced:

- `SaveManualGrades` instead of `SaveAutoGrades`: it does what nbgrader does
  for the hand-graded cells (the inline answers: "needs manual grade", and the
  "No response." comment when an answer is untouched) and writes no score of an
  autograded code cell. Those scores come only from the trusted grader
  (gradebook.record, in the grading command's own process), so no worker ever
  writes a score a student's outputs or kernel could have chosen, even one that
  outlives a killed run.
- `KeepSafeOutputs` instead of `ClearOutput` when the notebooks are not
  executed again (and after Execute when they are): the student's outputs
  are kept for the human reader, minus everything a browser would run or
  render as markup (HTML, JavaScript, SVG, widgets, Markdown and LaTeX
  outputs), and the raw HTML of the student's own Markdown cells is shown as
  text (`inert_markdown`). A notebook's outputs and answers are whatever its
  author wrote into the file, and the formgrader shows them to an instructor
  logged in to a Jupyter server, where a script could run code as them.

`RepairCellMetadata` runs first, on the student's notebook as nbgrader reads
it (the file in submitted/ is not changed): what a student does innocently in
Jupyter must not make nbgrader's autograde fail, and so lose the notebook the
inline answers are graded in (cells.repair_cells says what it mends).

`in_kernel_points(notebook)` reads what nbgrader's own rule (its
`determine_grade`) would give each autograded cell of an executed notebook,
without writing it anywhere: only compared with the trusted scores.
"""

import re
from pathlib import Path

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades
from traitlets import Unicode

from .cells import release_metadata, repair_cells

#: The output data a feedback or formgrader page may show: inert text and images.
SAFE_MIME_TYPES = ("text/plain", "image/png", "image/jpeg")
#: The note that replaces an output whose every representation was dropped.
DROPPED_OUTPUT = "[output not shown: only text and PNG/JPEG images are kept from submissions]"


def is_autograded(cell):
    """Whether `cell` is an autograded test cell (a grade cell holding code, not an answer)."""
    return utils.is_grade(cell) and cell.cell_type == "code" and not utils.is_solution(cell)


class SaveManualGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades for the hand-graded cells only; autograded cells are untouched."""

    def _add_score(self, cell, resources):
        if is_autograded(cell):
            return
        super()._add_score(cell, resources)


class KeepSafeOutputs(NbGraderPreprocessor):
    """Outputs as text and images only; the student's Markdown without active HTML."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            cell.outputs = [safe_output(output) for output in cell.get("outputs", [])]
        elif cell.cell_type == "markdown" and not utils.is_locked(cell):
            cell.source = inert_markdown(cell.source)
        return cell, resources


#: Code spans and fenced blocks, where Markdown shows "<" as it is.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|(`+).*?\2)", re.DOTALL)
#: The start of an HTML tag, comment or processing instruction (an autolink too).
_TAG = re.compile(r"<(?=[A-Za-z/!?])")
#: A link or image whose target is a script, or inline data other than a PNG/JPEG/GIF image.
_ACTIVE_LINK = re.compile(
    r"(\]\(\s*<?)(javascript|vbscript|data(?!:image/(?:png|jpe?g|gif)[;,])):", re.IGNORECASE
)


def inert_markdown(source):
    """`source` with its raw HTML shown as text and script links disarmed (code left alone).

    Markdown renders as before: emphasis, lists, math and code are untouched;
    only "<tag" becomes "&lt;tag" (so `<script>`, `<img onerror=...>` and
    `<iframe>` print as text) and "](javascript:" becomes "](#blocked-javascript:".
    """
    parts, last = [], 0
    for match in _CODE.finditer(source):
        parts.append(_disarm(source[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_disarm(source[last:]))
    return "".join(parts)


def _disarm(text):
    return _ACTIVE_LINK.sub(r"\1#blocked-\2:", _TAG.sub("&lt;", text))


def safe_output(output):
    """`output` with only SAFE_MIME_TYPES in its data (a note when nothing is left)."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return output  # stream and error outputs are text
    data = output.get("data", {})
    kept = {mime: value for mime, value in data.items() if mime in SAFE_MIME_TYPES}
    if not kept:
        kept = {"text/plain": DROPPED_OUTPUT}
    output["data"] = kept
    output["metadata"] = {
        key: value for key, value in output.get("metadata", {}).items() if key in kept
    }
    return output


def in_kernel_points(nb):
    """{grade_id: points} nbgrader's rule gives each autograded cell of the executed `nb`."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: utils.determine_grade(cell)[0]
        for cell in nb.cells
        if is_autograded(cell)
    }


class RepairCellMetadata(NbGraderPreprocessor):
    """repair_cells on each notebook autograde reads, against the release's copy of it."""

    release_dir = Unicode("", help="the course's release/ folder").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.release_dir) / info["assignment"] / f"{info['notebook']}.ipynb"
        if path.is_file():
            repair_cells(nb.cells, release_metadata(path))
        return nb, resources
