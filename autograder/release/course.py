"""Step 3: lay out the nbgrader course and run `nbgrader generate_assignment`.

The course directory DIR holds

    nbgrader_config.py      written here (see `nbgrader_config_text`)
    gradebook.db            nbgrader's
    source/<assignment>/    the source notebooks, the STRIPPED package and the extras
    release/<assignment>/   made by nbgrader generate_assignment
    <assignment>.zip        step 5

Only the stripped package ever enters `source/`: nbgrader copies every file
that is not a notebook into the release as is, so the solutions never reach a
place it could copy them from. The notebooks keep their solutions (nbgrader
stubs them, removes hidden tests, locks cells and records checksums in the
gradebook).

A release is built in a staging folder inside DIR (with a copy of the
gradebook, so nbgrader still sees the submissions it has) and moved into place
only when every step has succeeded: a failed release leaves DIR as it was. When
nbgrader refuses to regenerate (it will not add or remove cells of a notebook
once submissions exist), its message is reported and the existing release
stays.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder import SKIP_SLOW_IMPORTS

from .errors import ReleaseError
from .headers import TOOL, header_lines, instructor_comment_header

#: Where nbgrader_config.py comes from, as its header says.
CONFIG_ORIGIN = "autograder/release/course.py"
#: The first line of every nbgrader_config.py this module writes: how a rerun recognises DIR.
CONFIG_MARK = instructor_comment_header(CONFIG_ORIGIN).splitlines()[0]
#: The folder inside DIR where a release is built before it is moved into place.
STAGING_NAME = ".release-staging"
#: Per-cell time limit when nbgrader executes a notebook (autograde), in seconds.
CELL_TIMEOUT = 300
#: Assets next to the notebooks that travel with them (images they display).
NOTEBOOK_ASSETS = {".png", ".jpg", ".jpeg", ".gif", ".svg"}
#: What nbgrader puts in place of a notebook's solution region.
CODE_STUB = '# YOUR CODE HERE\nraise NotImplementedError("replace this line with your code")'
#: The id of the markdown cell that says a released notebook is generated.
HEADER_CELL_ID = "generated-header"
#: What that cell tells the student.
NOTEBOOK_STUDENT_LINE = (
    "Students: README.md, beside this notebook, says in which order to work through the "
    "notebooks and how to check and hand in your work."
)


def nbgrader_config_text(assignment_id, course_id, student_files):
    """The text of nbgrader_config.py; `student_files` are paths relative to the assignment."""
    keep = "".join(f"        {_q(name)},\n" for name in sorted(student_files))
    return f"""\
{instructor_comment_header(CONFIG_ORIGIN)}#
# The nbgrader configuration of the convkit course. nbgrader reads it from the
# current directory only: run nbgrader commands in this folder.

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = {_q(course_id)}

# Autograde copies the instructor's files from source/ over a submission,
# except these: the files students write. A provided file a student edited
# (fast_layers.py, checks.py) is replaced by the instructor's copy.
c.Autograde.exclude_overwriting = {{
    {_q(assignment_id)}: [
{keep}    ],
}}

# A grade cell a student deleted is put back and graded, not skipped.
c.OverwriteCells.add_missing_cells = True

# What a solution cell becomes in the release.
c.ClearSolutions.code_stub = {{
    "python": {_q(CODE_STUB)},
}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Never copy caches, bytecode or built extensions anywhere.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    "*.so",
    "*.pyd",
    ".DS_Store",
    "feedback",
]

# Time limit per cell when autograde runs a notebook, in seconds.
c.Execute.timeout = {CELL_TIMEOUT}

# A warning on stderr (numpy's RuntimeWarning, say) must not score a correct
# cell 0: stderr output that holds a warning is dropped before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\\w+Warning: "
"""


def _q(text):
    """`text` as a double-quoted Python string literal."""
    return json.dumps(text)


def prepare_course_dir(course, source, force=False):
    """Create DIR, or check that it is a course this command made (unless `force`)."""
    course = Path(course)
    resolved = course.resolve()
    for folder in (source.package, source.notebooks, source.reference):
        folder = Path(folder).resolve()
        if resolved == folder or folder in resolved.parents:
            raise ReleaseError(
                f"{course} is inside the instructor's source ({folder}): choose a course "
                "directory outside it"
            )
    if course.exists() and not course.is_dir():
        raise ReleaseError(f"{course} exists and is not a directory")
    if course.is_dir() and any(p.name != STAGING_NAME for p in course.iterdir()):
        config = course / "nbgrader_config.py"
        ours = config.is_file() and config.read_text(encoding="utf-8").startswith(CONFIG_MARK)
        if not ours and not force:
            raise ReleaseError(
                f"{course} is not empty and its nbgrader_config.py (if any) was not written by "
                f"`{TOOL}`; choose an empty or new directory, or pass --force to release "
                "into it anyway (its nbgrader_config.py is replaced)"
            )
    course.mkdir(parents=True, exist_ok=True)


@contextlib.contextmanager
def staging(course):
    """A fresh staging folder inside `course`, removed on exit whatever happens.

    It starts with a copy of the course's gradebook, if there is one.
    """
    stage = Path(course) / STAGING_NAME
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        gradebook = Path(course) / "gradebook.db"
        if gradebook.is_file():
            shutil.copy2(gradebook, stage / "gradebook.db")
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def gradebook_signature(course):
    """What tells whether the course's gradebook changed: its size and modification time."""
    path = Path(course) / "gradebook.db"
    if not path.is_file():
        return None
    st = path.stat()
    return (st.st_size, st.st_mtime_ns)


def commit(stage, course, assignment_id, gradebook_before):
    """Move the staged course into `course`, replacing what an earlier release left there.

    `gradebook_before` is the gradebook's signature when the staging copy was
    made: if the gradebook changed since (nbgrader collecting or grading at
    the same time), nothing is replaced, so no grade is lost.
    """
    if gradebook_signature(course) != gradebook_before:
        raise ReleaseError(
            f"{Path(course) / 'gradebook.db'} changed while the release was built (is an nbgrader "
            "command running on this course?); nothing was replaced: run the release again"
        )
    names = [
        "nbgrader_config.py",
        "gradebook.db",
        f"source/{assignment_id}",
        f"release/{assignment_id}",
        f"{assignment_id}.zip",
    ]
    old = stage / "old"
    for name in names:
        new, current = stage / name, Path(course) / name
        if not new.exists():
            continue
        if current.exists():
            (old / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(current, old / name)
        current.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, current)


def write_notebooks(source, dest):
    """Copy the source notebooks into `dest`, each with a first cell saying it is generated.

    Images next to the notebooks (for the cells that show them) come along;
    nothing else in the notebooks folder does.
    """
    import nbformat

    dest = Path(dest)
    names = []
    for path in source.notebook_files():
        nb = nbformat.read(path, as_version=4)
        nb.cells.insert(0, _header_cell(nb, source.origin(path)))
        dest.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest / path.name)
        names.append(path.name)
    for path in sorted(source.notebooks.rglob("*")):
        rel = path.relative_to(source.notebooks)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in NOTEBOOK_ASSETS:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)
    return names


def _header_cell(nb, origin):
    import nbformat

    text = "  \n".join(header_lines(f"`{origin}`", NOTEBOOK_STUDENT_LINE))
    cell = nbformat.v4.new_markdown_cell(f"<small><i>{text}</i></small>")
    if (nb.nbformat, nb.nbformat_minor) >= (4, 5):
        cell["id"] = HEADER_CELL_ID
    else:
        cell.pop("id", None)
    return cell


#: Python statements for nbgrader's own process, before it runs: the alembic revision a new
#: gradebook is stamped with is read in that process, from nbgrader's migration scripts,
#: instead of by the `alembic heads` command nbgrader starts for it (a second Python that
#: imports nbgrader again: 4 of the 8 seconds a release took). The same revision either way
#: (tests/autograder/release/test_course.py).
ALEMBIC_HEAD_IN_PROCESS = (
    "import os, nbgrader.api; from alembic.script import ScriptDirectory; "
    "nbgrader.api.get_alembic_version = lambda: ScriptDirectory(os.path.join("
    "os.path.dirname(nbgrader.api.__file__), 'alembic')).get_current_head()"
)


def generate(stage, assignment_id, verbose=False):
    """Run the real `nbgrader generate_assignment` in `stage`; raise ReleaseError if it fails.

    nbgrader reads nbgrader_config.py from its working directory, so it runs in
    `stage` with this Python (the one that has nbgrader). The course root is
    also given on the command line, so a user-wide nbgrader config pointing
    elsewhere cannot redirect it. Returns nbgrader's log.
    """
    cmd = [
        sys.executable,
        "-c",
        # `python -m nbgrader`, without the import that costs nbgrader 2 s of CPU, nor the
        # second Python it starts to learn its gradebook's revision
        f"{SKIP_SLOW_IMPORTS}; {ALEMBIC_HEAD_IN_PROCESS}; "
        "from nbgrader.apps.nbgraderapp import main; main()",
        "generate_assignment",
        assignment_id,
        "--force",
        f"--CourseDirectory.root={Path(stage).resolve()}",
    ]
    # nbgrader runs the `alembic` executable found on PATH when it opens the
    # gradebook: put this Python's scripts first, or an unactivated venv fails.
    scripts = str(Path(sys.executable).parent)
    path = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    env = dict(os.environ, PATH=path, PYTHONDONTWRITEBYTECODE="1")
    try:
        proc = subprocess.run(
            cmd, cwd=stage, env=env, capture_output=True, text=True, check=False, timeout=600
        )
    except subprocess.TimeoutExpired:
        raise ReleaseError(
            "nbgrader generate_assignment ran for 10 minutes without finishing; the course "
            "directory is unchanged"
        ) from None
    log = proc.stdout + proc.stderr
    if verbose:
        print(log, file=sys.stderr, end="")
    release = Path(stage) / "release" / assignment_id
    if proc.returncode != 0 or not release.is_dir():
        raise ReleaseError(failure_message(log, proc.returncode))
    return log


def failure_message(log, returncode):
    """What to tell the instructor when nbgrader failed: its own errors, and what to do."""
    wanted = []
    for line in log.splitlines():
        line = line.strip()
        noise = "Traceback (most recent call last)" in line or "Please see the" in line
        error = "| ERROR]" in line or re.match(r"^[\w.]*(Error|Exception): ", line)
        if error and not noise and line not in wanted:
            wanted.append(line)
    if not wanted:
        wanted = [line for line in log.strip().splitlines()[-15:]]
    message = (
        f"nbgrader generate_assignment failed (exit code {returncode}); the course directory "
        "is unchanged and the existing release (if any) stays as it was. nbgrader said:\n"
        + "\n".join(f"  {line}" for line in wanted)
    )
    if "submissions associated" in log:
        message += (
            "\nnbgrader does not let a release add or remove cells of a notebook once "
            "submissions exist (their grades refer to those cells). Keep the cells and their "
            "ids, and change only their contents; or release into a new course directory."
        )
    return message
