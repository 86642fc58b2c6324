"""Step 5 of grading: nbgrader autograde, for the record (hand grading, feedback).

The scores come from the harness and the trusted verdict; nbgrader's autograde
is kept for what it does well: it restores the locked cells from the
gradebook (a student's edited or deleted test cell is put back), keeps each
notebook for hand grading of the inline questions in the formgrader and for
feedback, and creates the gradebook rows the trusted scores go into. It runs
in one of two ways:

- by default, without executing anything (`execute=False`): the notebooks
  kept are the student's own executed copies, their outputs reduced to text
  and images (preprocessors.KeepSafeOutputs). A submission runs once, in the
  harness's box.
- `execute=True` (`grade --execute-notebooks`): every notebook is run again top
  to bottom, its kernel inside the sandbox (see kernel.py; nbgrader, in this
  trusted process, only exchanges messages with it over Unix sockets). Its
  per-cell verdicts come from inside the student's kernel, so they are only
  compared with the trusted ones (preprocessors.in_kernel_points), never
  stored as scores.

Either way no score of an autograded cell is written here
(preprocessors.SaveManualGrades). Two traps are designed around:

- `NbGraderAPI` does not read `nbgrader_config.py`, so `course_config` loads it
  and adds what grading needs (the preprocessors, the sandboxed kernel, the cell
  time limit).
- A kernel that dies or ignores interrupts makes nbgrader fail the submission
  and leave no autograded notebook; that is reported as a flag, and the trusted
  scores are recorded all the same.
"""

import contextlib
import io
import logging
import os
import re
from pathlib import Path

#: The kernelspec name the sandboxed kernel is registered under.
KERNEL_NAME = "convkit-sandbox"
#: Per-cell time limit when grading, in seconds. Grading runs the notebooks
#: with CS231N_QUICK=1, where the slowest cell takes a few seconds; a cell that
#: loops forever costs a submission this long, not the course's 300 s.
GRADING_CELL_TIMEOUT = 60


def default_cell_timeout():
    return GRADING_CELL_TIMEOUT


def course_config(course, *, kernel_name=None, cell_timeout=None, execute=False):
    """nbgrader's configuration for `course`: its nbgrader_config.py plus grading's settings.

    `execute` runs the notebooks again (in the kernel `kernel_name`, each cell
    within `cell_timeout` seconds); without it autograde executes nothing.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        Execute,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
    )
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from . import kernel
    from .preprocessors import KeepSafeOutputs, RepairCellMetadata, SaveManualGrades

    course = Path(course).resolve()
    config = Config()
    if (course / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    config.CourseDirectory.root = str(course)
    # nbgrader's own lists, with its output clearing and score saving replaced
    # (see preprocessors.py), and Execute only when asked for.
    config.RepairCellMetadata.release_dir = str(course / "release")
    # A grade cell the student deleted (or whose metadata they deleted) is put back.
    config.OverwriteCells.add_missing_cells = True
    config.Autograde.sanitize_preprocessors = [
        RepairCellMetadata,
        ClearOutput if execute else KeepSafeOutputs,
        DeduplicateIds,
        OverwriteKernelspec,
        OverwriteCells,
        CheckCellMetadata,
    ]
    config.Autograde.autograde_preprocessors = [
        # What the student's kernel printed is made inert too.
        *([Execute, KeepSafeOutputs] if execute else []),
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutput,
        SaveManualGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    if execute:
        if kernel_name:
            config.Execute.kernel_name = kernel_name
        if cell_timeout:
            config.Execute.timeout = int(cell_timeout)
        # The kernel cannot be interrupted when it ignores SIGINT: do not wait for it.
        config.Execute.interrupt_on_timeout = False
        kernel.configure_client(config)
    return config


def in_kernel_points(course, assignment, student):
    """{(notebook, grade_id): points} nbgrader's rule gives the autograded notebooks' cells.

    Read from DIR/autograded/<student>/<assignment>/*.ipynb after an executing
    autograde; a notebook that is not there (or not readable) adds nothing.
    """
    import nbformat

    from .preprocessors import in_kernel_points as cell_points

    points = {}
    folder = Path(course) / "autograded" / student / assignment
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # nbgrader wrote it; a broken one simply gives no points
            continue
        for grade_id, value in cell_points(nb).items():
            points[(path.stem, grade_id)] = value
    return points


def autograde(course, assignment, student, config):
    """Run nbgrader autograde for one student; return (ok, one-line problem or None, log text).

    The run happens in this process (importing nbgrader costs seconds, so a
    worker grades many students). It never raises: nbgrader's API reports
    failure in its return value.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    # nbgrader logs through the root logger and prints warnings; keep them in the log.
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        try:
            outcome = api.autograde(assignment, student, force=True, create=True)
        except Exception as error:  # nbgrader's API should not raise; be sure
            outcome = {"success": False, "error": f"{type(error).__name__}: {error}", "log": ""}
    log = "\n".join(part for part in (outcome.get("log") or "", buffer.getvalue()) if part)
    if outcome.get("success"):
        return True, None, log
    return False, summarise_failure(outcome.get("error") or "", log), log


_DEAD = re.compile(r"DeadKernelError|Kernel died|kernel died", re.IGNORECASE)
_TIMEOUT = re.compile(r"CellTimeoutError|Timeout waiting|timed out", re.IGNORECASE)
_UNRESPONSIVE = re.compile(r"UnresponsiveKernelError|not responding", re.IGNORECASE)


def summarise_failure(error, log):
    """One line for the instructor saying why nbgrader could not autograde a submission."""
    text = f"{error}\n{log}"
    if _DEAD.search(text):
        return "the notebook kernel died (os._exit, a crash or a resource limit)"
    if _UNRESPONSIVE.search(text):
        return "the notebook kernel stopped responding"
    if _TIMEOUT.search(text):
        return "a notebook cell exceeded the time limit and could not be interrupted"
    return f"nbgrader autograde failed: {failure_cause(error, log)}"


#: A traceback's last line: "KeyError: 'grade_id'", "RuntimeError: Inconsistent checksums ...".
_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit))(?::\s*(.*))?$")


def failure_cause(error, log):
    """The exception that made nbgrader fail, from its log, rather than its own re-raise.

    nbgrader's API reports "NbGraderException: Please see the above traceback";
    the real cause is the last exception line of the log before it.
    """
    causes = []
    for line in f"{log}\n{error}".splitlines():
        match = _EXCEPTION_LINE.match(line.strip())
        if match and match.group(1) != "NbGraderException":
            causes.append(line.strip())
    if causes:
        return causes[-1][:300]
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


def quiet_nbgrader_logging():
    """Keep nbgrader's and traitlets' log lines off the console (they go to the log text)."""
    for name in ("nbgrader", "traitlets", "NbGraderAPI"):
        logging.getLogger(name).setLevel(logging.ERROR)


def kernel_environment(folder):
    """Put the folder holding our kernelspec first on JUPYTER_PATH (for this process)."""
    folder = str(Path(folder).resolve())
    current = os.environ.get("JUPYTER_PATH", "")
    parts = [p for p in current.split(os.pathsep) if p and p != folder]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([folder, *parts])
