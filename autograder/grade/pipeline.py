"""Grading one submission: the ordered steps, run in a worker process.

    1. fingerprint   hash the submitted files (and what grading depends on);
                     a result with the same fingerprint is reused, not regraded
    2. assemble      copy the release's provided files and the student's own
                     files into a scratch folder that holds nothing else; read
                     the code for what a solution never does (suspicious.py)
    3. harness       run the harness on the student's package in the sandbox:
                     public and hidden cases in, outputs out as plain .npz data
    4. verdict       compare those outputs with the answer key computed from the
                     solutions (never importing student code): points, hints
    5. notebooks     nbgrader autograde for the record, hand grading and
                     feedback: by default it executes nothing (the student's
                     own notebooks are kept); with execute_notebooks it runs
                     them again, the kernel in the sandbox
    6. compare       (execute_notebooks only) flag every cell where nbgrader's
                     in-kernel verdict and the trusted one disagree

The worker returns a Result and writes no score anywhere: only the main
process writes it into the gradebook (gradebook.py) and the results folder, so
a worker that dies (or outlives a killed run) leaves no half-written record and
the student is simply graded again next time.
"""

import hashlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import harness as harness_module
from . import notebooks as notebooks_step
from .cells import notebook_repairs
from .results import GRADER_VERSION, Result, notebook_left_out

#: The files of this package that run inside the sandbox.
BOX_FILES = ("harness.py", "programs.py")
#: Where, relative to the scratch workdir, the harness writes its outputs.
OUT_DIR = ".grader-out"


@dataclass
class Settings:
    """What every worker needs to grade a submission (picklable)."""

    course: Path
    assignment: str
    release: Path
    limits: object  # sandbox.Limits for the harness
    kernel_name: str
    cell_timeout: int
    box: Path = None  # the folder prepare_box wrote
    run_notebooks: bool = True  # nbgrader's autograde step at all (the record)
    execute_notebooks: bool = False  # ... and in it, run the notebooks again in a kernel box
    sandbox: str = "auto"  # "auto", "bwrap" or "fallback"
    env: dict = field(default_factory=dict)  # extra environment inside the box
    time_scale: float = 1.0  # every time budget of the harness (cases, grace, import) times this

    def cells(self):
        """The graded cells, their cases' time budgets scaled by time_scale."""
        from . import cases

        return cases.scaled(cases.cells(), self.time_scale)

    def fingerprint(self, folder):
        """The fingerprint of the submission in `folder` graded with these settings."""
        return fingerprint(
            folder, self.release, execute=self.execute_notebooks, time_scale=self.time_scale
        )


def prepare_box(folder, time_scale=1.0):
    """Write the harness, its programs and the inputs of every case into `folder`, once a run.

    The folder is bound read-only into every box, so it must be readable by the
    box's unprivileged user. It holds inputs only: never an expected value.
    `time_scale` multiplies every case's time budget, the grace a case ignoring
    SIGALRM gets past it, and the import's budget.
    """
    from . import cases, verdict

    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    here = Path(__file__).parent
    for name in BOX_FILES:
        shutil.copyfile(here / name, folder / name)
    verdict.write_inputs(
        folder / "inputs.npz",
        cases.all_cases(cases.scaled(cases.cells(), time_scale)),
        grace=harness_module.GRACE_SECONDS * time_scale,
        import_seconds=harness_module.IMPORT_SECONDS * time_scale,
    )
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def harness_order():
    """The case ids in the order the harness runs them (harness.case_order)."""
    from . import cases, harness

    entries = [{"id": case.id, "timeout": case.timeout} for case in cases.all_cases()]
    return [entry["id"] for entry in harness.case_order(entries)]


def submitted_dir(course, student, assignment):
    return Path(course) / "submitted" / student / assignment


def submission_digest(folder):
    """A hash of the files a student handed in (nbgrader's timestamp.txt aside)."""
    return _tree_digest(folder, skip={"timestamp.txt"})


def fingerprint(folder, release, *, execute=False, time_scale=1.0):
    """A hash of the submission's files, the release's, the grader's code and its mode.

    Any change to what a student handed in, to the release (a new answer key
    may follow), to the grader itself, to whether the notebooks are executed
    again (`execute`) or to the time budgets (`time_scale`) gives another fingerprint.
    """
    mode = "execute" if execute else "record"
    if time_scale != 1:
        mode += f"-time-x{time_scale!r}"
    digest = hashlib.sha256(f"convkit-grader-{GRADER_VERSION}-{mode}\n".encode())
    digest.update(f"submission:{submission_digest(folder)}\n".encode())
    digest.update(f"release:{_tree_digest(release)}\n".encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(f"grader:{path.name}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _tree_digest(root, skip=()):
    """A hash of the regular files below `root` (names and contents; links and caches left out)."""
    digest = hashlib.sha256()
    root = Path(root)
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        if rel in skip:
            continue
        digest.update(f"{rel}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def box_env(settings):
    """The environment of the harness inside the box."""
    env = {"CS231N_QUICK": "1"}
    env.update(settings.env)
    return env


#: How many times the harness is started again, in a fresh box, after the
#: sandbox stopped it (each time past the case that was running).
MAX_RESTARTS = 4
#: The least wall time worth starting the harness again for, in seconds.
MIN_ATTEMPT_SECONDS = 15


def run_harness(settings, sandbox, workdir, box, case_ids, log):
    """Step 3: the harness in the sandbox, started again past a case the box stopped.

    A case that exhausts the box's limits (CPU time, memory, wall time) kills
    the whole run; the cases already written are kept, and the harness is
    started again in a fresh box with that case marked as stopped, so one
    runaway function costs only its own cell. `case_ids` are the case ids in
    the harness's own order. Returns the list of one-line problems (empty
    when the harness ran to the end).
    """
    argv = [
        sys.executable,
        "-I",
        f"{BOX_MOUNT}/harness.py",
        "--inputs",
        f"{BOX_MOUNT}/inputs.npz",
        "--out",
        OUT_DIR,
    ]
    problems, stopped = [], []
    # The box's wall time is the budget of all attempts together.
    deadline = time.monotonic() + settings.limits.wall_seconds
    for attempt in range(MAX_RESTARTS + 1):
        left = deadline - time.monotonic()
        if left < MIN_ATTEMPT_SECONDS:
            problems.append("the harness was not started again: the run's wall time is spent")
            return problems
        extra = []
        if attempt:
            extra = ["--resume", "1", "--stop-reason", problems[-1].split(": ", 1)[-1]]
            for case in stopped:
                extra += ["--stopped", case]
        run = sandbox.run(
            argv + extra,
            workdir=workdir,
            readonly=[(box, BOX_MOUNT)],
            env=box_env(settings),
            limits=replace(settings.limits, wall_seconds=max(1, int(left))),
        )
        log.append(run.stdout[-4000:])
        chatty = chatty_cases(run.stdout)
        if chatty:
            problems.append(
                f"printed more than {harness_module.PRINT_CHARS} characters in "
                f"{', '.join(chatty[:5])}{' and more' if len(chatty) > 5 else ''} "
                "(the rest was dropped)"
            )
        if not run.reason and run.returncode == 0:
            return problems
        written = _written(workdir / OUT_DIR)
        culprit = next((case for case in case_ids if case not in written), None)
        why = run.reason or f"exit status {run.returncode}"
        if culprit is None:
            problems.append(f"the harness was stopped after its last case: {why}")
            return problems
        problems.append(f"the harness was stopped during {culprit}: {why}")
        if culprit in stopped:  # the harness did not get past it: give up
            return problems
        stopped.append(culprit)
    return problems


#: What the harness prints when a case's own printing is cut (harness._CappedWriter).
DROPPED_NOTE = "[harness: further output of this case dropped]"


def chatty_cases(stdout):
    """The case ids whose printing the harness cut, from its log (the line after the note)."""
    found = []
    for part in stdout.split(DROPPED_NOTE)[1:]:
        for line in part.splitlines():
            if line.startswith("harness: ") and line.count(":") >= 2:
                case_id = line.split(":", 2)[1].strip()
                if case_id not in found:
                    found.append(case_id)
                break
    return found


def _written(outdir):
    """The case ids with a record in the (untrusted) output folder; only names are read."""
    try:
        if outdir.is_symlink() or not outdir.is_dir():
            return set()
        return {p.name[:-4] for p in outdir.iterdir() if p.name.endswith(".npz")}
    except OSError:
        return set()


#: Where the harness and its inputs appear inside the box (read-only).
BOX_MOUNT = "/grader"


def grade_student(settings, student, *, sandbox=None, key=None):
    """Grade one student's submission; return a Result (never raises for a bad submission)."""
    from . import suspicious, verdict
    from . import workdir as workdir_step
    from .sandbox import find_sandbox

    started = time.monotonic()
    mark = [started]

    def lap(step):
        """Record how long `step` took (since the previous step ended)."""
        now = time.monotonic()
        result.phases[step] = round(now - mark[0], 2)
        mark[0] = now

    folder = submitted_dir(settings.course, student, settings.assignment)
    result = Result(
        student=student,
        assignment=settings.assignment,
        fingerprint=settings.fingerprint(folder),
        submission=submission_digest(folder),
        sandbox="",
    )
    sandbox = sandbox or find_sandbox(settings.sandbox, required=settings.sandbox == "bwrap")
    result.sandbox = sandbox.kind
    key = key if key is not None else verdict.answer_key()
    log = []

    with tempfile.TemporaryDirectory(
        prefix=f"convkit-grade-{student}-", dir=scratch_root()
    ) as scratch:
        scratch = Path(scratch)
        # 2. assemble: the release's provided files, the student's own files, nothing else.
        work = scratch / "work"
        taken = workdir_step.assemble(settings.release, folder, work)
        result.flags.extend(taken.flags)
        # What the code tries beyond the assignment, read (never run) for the instructor.
        for noticed in (
            suspicious.scan(folder),
            suspicious.edited_tests(settings.release, folder),
            suspicious.fast_layers(folder, settings.release),
        ):
            if noticed:
                result.flags.append(noticed)
        repairs = notebook_repairs(settings.release, folder)
        if repairs:
            result.flags.append(
                "notebook cells mended for nbgrader's record (the submitted files are "
                f"unchanged): {'; '.join(repairs)}"
            )
        lap("assemble")
        # 3. harness: it and its inputs are bound read-only (prepared once by prepare_box).
        order = harness_order()
        result.flags.extend(run_harness(settings, sandbox, work, settings.box, order, log))
        lap("harness")
        # 4. verdict, from plain data only.
        outputs = verdict.read_outputs(work / OUT_DIR)
        result.cells = verdict.score_cells(outputs, key, settings.cells())
        # Naive layers that reached or copied the provided fast layers: for a human.
        suspicious.flag_fast_layer_cells(result.cells, outputs, folder, settings.release)
        if outputs.problems:
            result.flags.extend(outputs.problems)
        lap("verdict")

    # 5. notebooks: nbgrader autograde for the record (executing them again only when asked).
    present = {p.stem for p in folder.glob("*.ipynb")}
    kept = "executed in the sandbox" if settings.execute_notebooks else "as submitted"
    for name in sorted({cell.notebook for cell in result.cells}):
        result.notebooks[name] = kept if name in present else "missing"
        if name not in present:
            result.flags.append(notebook_left_out(f"{name}.ipynb"))
    if settings.run_notebooks:
        config = notebooks_step.course_config(
            settings.course,
            kernel_name=settings.kernel_name,
            cell_timeout=settings.cell_timeout,
            execute=settings.execute_notebooks,
        )
        ok, problem, nb_log = notebooks_step.autograde(
            settings.course, settings.assignment, student, config
        )
        log.append(nb_log[-4000:])
        if not ok:
            result.flags.append(problem)
            for name, status in result.notebooks.items():
                if status == kept:
                    result.notebooks[name] = f"not autograded: {problem}"
        elif settings.execute_notebooks:
            # 6. compare nbgrader's in-kernel verdicts with the trusted ones.
            points = notebooks_step.in_kernel_points(settings.course, settings.assignment, student)
            for cell in result.cells:
                cell.nbgrader_points = points.get((cell.notebook, cell.grade_id))
                cell.flag = disagreement(cell) or cell.flag
        lap("notebooks")
    result.log = "\n".join(part for part in log if part)[-8000:]
    result.seconds = round(time.monotonic() - started, 1)
    return result


def disagreement(cell):
    """A one-line flag when nbgrader's in-kernel verdict and the trusted one disagree, else None."""
    if cell.nbgrader_points is None:
        return None
    in_kernel_full = cell.nbgrader_points >= cell.max_points
    trusted_full = cell.points >= cell.max_points
    if in_kernel_full and not trusted_full:
        return (
            f"nbgrader's in-kernel run gave {cell.nbgrader_points:g}/{cell.max_points:g}, the "
            f"trusted grader {cell.points:g}: the notebook's checks passed where the graded "
            "outputs are wrong (hidden cases, or checks tampered with)"
        )
    if trusted_full and not in_kernel_full:
        return (
            f"nbgrader's in-kernel run gave {cell.nbgrader_points:g}/{cell.max_points:g}, the "
            f"trusted grader full marks: the notebook's cell failed (edited, crashed or timed "
            "out) although the code is right"
        )
    return None


def scratch_root():
    """Where scratch folders are made (outside the course directory)."""
    return Path(os.environ.get("CONVKIT_SCRATCH") or tempfile.gettempdir())
