"""Fixtures for grading tests: one real release, the answer key, and a way to grade a folder.

`grade_release` is built once per session with the real `build_release`
(about 7 s). `instructor_submission` is a submission holding the instructor's
source (solutions and source notebooks). `make_submission` copies it and
patches the solution text, to make the typical mistakes. `run_grading` runs
the harness as a plain subprocess (`python -I harness.py`, no sandbox) in a
workdir assembled from a submission, then reads and scores what it wrote.
"""

import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from autograder import paths

HARNESS_DIR = Path(__file__).resolve().parents[1] / "autograder" / "grade"


@dataclass
class Graded:
    scores: list  # CellScore per cell run
    outputs: object  # verdict.Outputs
    stdout: str
    stderr: str
    returncode: int
    workdir: Path
    assembly: object

    def points(self):
        return {cell.grade_id: cell.points for cell in self.scores}

    def cell(self, grade_id):
        return next(cell for cell in self.scores if cell.grade_id == grade_id)

    def lost(self):
        """grade_ids of the cells below full marks."""
        return {cell.grade_id for cell in self.scores if cell.points < cell.max_points}

    def hints(self, grade_id):
        return [case.hint for case in self.cell(grade_id).cases if case.hint]


def instructor_copy(folder):
    """A submission made of the instructor's source, written into `folder`; returns it."""
    sub = Path(folder)
    shutil.copytree(paths.PACKAGE_DIR, sub / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    for notebook in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        shutil.copyfile(notebook, sub / notebook.name)
    return sub


def patched_copy(source, folder, patches=None):
    """A copy of the submission `source` in `folder`, patched; returns it.

    `patches` maps a file of the submission to [(old, new), ...]; every `old`
    text must occur exactly once in the file.
    """
    sub = Path(folder)
    shutil.copytree(source, sub)
    for rel, replacements in (patches or {}).items():
        path = sub / rel
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return sub


class HarnessRunner:
    """Runs the harness on a submission without a sandbox, and scores its outputs.

    For trusted submissions only (the solution, mistakes made on purpose): the
    harness runs as `python -I harness.py` in a workdir assembled from the
    release and the submission, then the verdict reads and scores what it wrote.
    """

    def __init__(self, release, answer_key, folder):
        self.release, self.answer_key, self.folder = Path(release), answer_key, Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._inputs = {}
        self._count = 0
        self._lock = threading.Lock()  # runs may go on in several threads at once

    def inputs_file(self, cells, grace=None, import_seconds=None):
        """The inputs file of those cells' cases (written once per set)."""
        from autograder.grade import harness

        grace = harness.GRACE_SECONDS if grace is None else grace
        with self._lock:
            return self._inputs_file(cells, grace, import_seconds)

    def _inputs_file(self, cells, grace, import_seconds):
        from autograder.grade import verdict

        ids = (
            tuple((case.id, case.timeout) for cell in cells for case in cell.cases),
            grace,
            import_seconds,
        )
        if ids not in self._inputs:
            path = self.folder / f"inputs-{len(self._inputs)}.npz"
            cases = [case for cell in cells for case in cell.cases]
            verdict.write_inputs(path, cases, grace=grace, import_seconds=import_seconds)
            self._inputs[ids] = path
        return self._inputs[ids]

    def run(
        self,
        submission,
        only=None,
        skip=(),
        budgets=None,
        grace=None,
        prepare=None,
        timeout=300,
        import_seconds=None,
        cells=None,
    ):
        """Graded: the harness on the cases of the chosen cells (by grade_id; default all).

        `cells` replaces the grader's cells (cases.cells()) by others, such as the
        same cases with other seeds (the answer key must then be theirs).
        `budgets` maps a grade_id to another time budget for its cases (seconds);
        `grace` is the harness watchdog's grace period; `prepare(workdir)` runs
        before the harness (to plant files the assembly would never copy).
        """
        from autograder.grade import cases, verdict, workdir

        with self._lock:
            self._count += 1
            number = self._count
        budgets = budgets or {}
        cells = [
            cell
            if cell.grade_id not in budgets
            else replace(
                cell,
                cases=tuple(replace(c, timeout=budgets[cell.grade_id]) for c in cell.cases),
            )
            for cell in (cases.cells() if cells is None else cells)
            if (only is None or cell.grade_id in only) and cell.grade_id not in skip
        ]
        scratch = self.folder / f"grading-{number}"
        box = scratch / "box"
        box.mkdir(parents=True)
        for name in ("harness.py", "programs.py"):
            shutil.copyfile(HARNESS_DIR / name, box / name)
        work = scratch / "work"
        assembly = workdir.assemble(self.release, submission, work)
        if prepare is not None:
            prepare(work)
        proc = subprocess.run(
            [
                sys.executable,
                "-I",
                str(box / "harness.py"),
                "--inputs",
                str(self.inputs_file(cells, grace, import_seconds)),
                "--out",
                ".grader-out",
            ],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        all_cases = [case for cell in cells for case in cell.cases]
        outputs = verdict.read_outputs(work / ".grader-out", all_cases)
        scores = verdict.score_cells(outputs, self.answer_key, cells)
        return Graded(scores, outputs, proc.stdout, proc.stderr, proc.returncode, work, assembly)


@pytest.fixture(scope="session")
def grade_release(tmp_path_factory):
    """The student release of this repository, built by the real build_release."""
    from autograder.release import build_release

    course = tmp_path_factory.mktemp("grade-course") / "course"
    return build_release(course).release


@pytest.fixture(scope="session")
def instructor_submission(tmp_path_factory):
    """A submission made of the instructor's source: the solutions and the source notebooks."""
    return instructor_copy(tmp_path_factory.mktemp("instructor") / "convnets")


@pytest.fixture(scope="session")
def answer_key(tmp_path_factory):
    from autograder.grade import verdict

    return verdict.answer_key(cache=tmp_path_factory.mktemp("answer-key"))


@pytest.fixture
def make_submission(instructor_submission, tmp_path):
    """make_submission({"cs231n/layers.py": [(old, new), ...]}) -> a patched copy's folder.

    Every `old` text must occur exactly once in the file.
    """
    counter = [0]

    def make(patches=None):
        counter[0] += 1
        return patched_copy(
            instructor_submission, tmp_path / f"submission-{counter[0]}" / "convnets", patches
        )

    return make


@pytest.fixture(scope="session")
def harness_runner(grade_release, answer_key, tmp_path_factory):
    """The session's HarnessRunner (its inputs files are written once per set of cells)."""
    return HarnessRunner(grade_release, answer_key, tmp_path_factory.mktemp("harness-runs"))


@pytest.fixture
def inputs_files(harness_runner):
    """inputs_file(cells, grace) -> the inputs file of those cells' cases (made once per set)."""
    return harness_runner.inputs_file


@pytest.fixture
def run_grading(harness_runner):
    """run_grading(submission, only=None, skip=(), budgets=None, grace=None) -> Graded.

    See HarnessRunner.run.
    """
    return harness_runner.run
