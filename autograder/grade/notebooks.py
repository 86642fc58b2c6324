"""Step 5 of grading: nbgrader autograde, with the notebook kernel inside the sandbox.

nbgrader's autograde is kept for what it does well: it restores the test cells
from the gradebook (a student's edited or deleted test cell is put back), runs
every notebook top to bottom, and keeps the executed notebooks for manual
grading and feedback. Its per-cell verdicts come from inside the student's
kernel, so they are only compared with the trusted ones, never used as scores.

The kernel runs in the sandbox (see kernel.py): nbgrader, in this trusted
process, only exchanges messages with it. Two traps are designed around:

- `NbGraderAPI` does not read `nbgrader_config.py`, so `course_config` loads it
  and adds what grading needs (the sandboxed kernel, the cell time limit).
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


def course_config(course, *, kernel_name=None, cell_timeout=None):
    """nbgrader's configuration for `course`: its nbgrader_config.py plus grading's settings."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course = Path(course).resolve()
    config = Config()
    if (course / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    config.CourseDirectory.root = str(course)
    if kernel_name:
        config.Execute.kernel_name = kernel_name
    if cell_timeout:
        config.Execute.timeout = int(cell_timeout)
    # The kernel cannot be interrupted when it ignores SIGINT: do not wait for it.
    config.Execute.interrupt_on_timeout = False
    return config


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
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"nbgrader autograde failed: {lines[-1][:200] if lines else 'no message'}"


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
