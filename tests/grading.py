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
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from autograder import paths

HARNESS_DIR = Path(__file__).resolve().parents[3] / "autograder" / "grade"


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


@pytest.fixture(scope="session")
def grade_release(tmp_path_factory):
    """The student release of this repository, built by the real build_release."""
    from autograder.release import build_release

    course = tmp_path_factory.mktemp("grade-course") / "course"
    return build_release(course).release


@pytest.fixture(scope="session")
def instructor_submission(tmp_path_factory):
    """A submission made of the instructor's source: the solutions and the source notebooks."""
    sub = tmp_path_factory.mktemp("instructor") / "convnets"
    shutil.copytree(paths.PACKAGE_DIR, sub / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    for notebook in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        shutil.copyfile(notebook, sub / notebook.name)
    return sub


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
        sub = tmp_path / f"submission-{counter[0]}" / "convnets"
        shutil.copytree(instructor_submission, sub)
        for rel, replacements in (patches or {}).items():
            path = sub / rel
            text = path.read_text(encoding="utf-8")
            for old, new in replacements:
                assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {rel}"
                text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")
        return sub

    return make


@pytest.fixture(scope="session")
def inputs_files(tmp_path_factory):
    """inputs_file(cells, grace) -> the inputs file of those cells' cases (made once per set)."""
    from autograder.grade import harness, verdict

    folder = tmp_path_factory.mktemp("inputs")
    made = {}

    def inputs_file(cells, grace=harness.GRACE_SECONDS, import_seconds=None):
        ids = (
            tuple((case.id, case.timeout) for cell in cells for case in cell.cases),
            grace,
            import_seconds,
        )
        if ids not in made:
            path = folder / f"inputs-{len(made)}.npz"
            cases = [case for cell in cells for case in cell.cases]
            verdict.write_inputs(path, cases, grace=grace, import_seconds=import_seconds)
            made[ids] = path
        return made[ids]

    return inputs_file


@pytest.fixture
def run_grading(grade_release, answer_key, inputs_files, tmp_path):
    """run_grading(submission, only=None, skip=(), budgets=None, grace=None) -> Graded.

    Assembles a workdir from the release and `submission`, runs the harness
    on the cases of the chosen cells (by grade_id; default all), and scores.
    `budgets` maps a grade_id to another time budget for its cases (seconds);
    `grace` is the harness watchdog's grace period; `prepare(workdir)` runs
    before the harness (to plant files the assembly would never copy).
    """
    from autograder.grade import cases, harness, verdict, workdir

    counter = [0]

    def run(
        submission,
        only=None,
        skip=(),
        budgets=None,
        grace=None,
        prepare=None,
        timeout=300,
        import_seconds=None,
    ):
        counter[0] += 1
        budgets = budgets or {}
        cells = [
            cell
            if cell.grade_id not in budgets
            else replace(
                cell,
                cases=tuple(replace(c, timeout=budgets[cell.grade_id]) for c in cell.cases),
            )
            for cell in cases.cells()
            if (only is None or cell.grade_id in only) and cell.grade_id not in skip
        ]
        scratch = tmp_path / f"grading-{counter[0]}"
        box = scratch / "box"
        box.mkdir(parents=True)
        for name in ("harness.py", "programs.py"):
            shutil.copyfile(HARNESS_DIR / name, box / name)
        work = scratch / "work"
        assembly = workdir.assemble(grade_release, submission, work)
        if prepare is not None:
            prepare(work)
        proc = subprocess.run(
            [
                sys.executable,
                "-I",
                str(box / "harness.py"),
                "--inputs",
                str(
                    inputs_files(
                        cells,
                        harness.GRACE_SECONDS if grace is None else grace,
                        import_seconds,
                    )
                ),
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
        scores = verdict.score_cells(outputs, answer_key, cells)
        return Graded(scores, outputs, proc.stdout, proc.stderr, proc.returncode, work, assembly)

    return run
