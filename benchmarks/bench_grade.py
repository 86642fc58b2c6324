"""Grading speed: seconds per submission, the sandbox's cost, --jobs scaling, a whole class.

Everything runs on a course built in a temporary folder from this checkout
(the release and a fabricated class, as `autograder demo` makes them), through
the real pipeline (`autograder.grade.grade`: harness in bubblewrap, trusted
verdict, nbgrader autograde for the record, executing nothing):

1. per submission (jobs 1; the seconds the worker spent on it, not the
   start of the worker): the solution, the untouched release and a typical
   mistake, each graded in the bwrap box, in the fallback box (resource limits
   only: the sandbox's cost is the difference) and by plain `nbgrader
   autograde` (nbgrader's own configuration: the same notebooks executed in an
   ordinary kernel, no harness, no sandbox: what grading with nbgrader alone
   costs), taking turns, median of the repeats; and with --execute-notebooks
   (the notebooks run again in a sandboxed kernel, for the record);
2. --jobs scaling: the same submissions graded with --jobs 1 and with --jobs
   N (N = cores), throughput ratio;
3. a class of CONVKIT_BENCH_CLASS submissions (default 100; copies of the
   fabricated solution, alternative, release and mistakes under new ids) graded
   with --jobs N, against the aim of 100 submissions in 10 minutes on 2 cores;
   and the same class (at most CONVKIT_BENCH_PLAIN of it, default 20) through
   plain `nbgrader autograde`, one process as nbgrader runs, against the aim
   that the whole `grade` costs at most 1.3 times as much.

Run it with `python -m benchmarks grade`; CONVKIT_BENCH_QUICK=1 shrinks every
part, CONVKIT_BENCH_REPEATS sets the repeats of part 1 (default 3).
"""

import contextlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _path in (str(_ROOT), str(_ROOT / "assignment")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from autograder.environ import environment  # noqa: E402
from autograder.grade import notebooks as notebooks_step  # noqa: E402

#: The kinds graded one at a time, and the mix the class is made of.
SINGLE = ("solution", "release", "mistake-conv-stride")
CLASS_MIX = ("solution", "alternative", "release", "mistake-conv-stride", "mistake-bn-axes")
#: The aim: a class of 100 in 10 minutes on 2 cores.
AIM_CLASS, AIM_SECONDS = 100, 600
#: The aim for the sandbox's cost, as a fraction of the fallback box's time.
AIM_OVERHEAD = 0.20
#: The aim for the whole of `grade` against plain nbgrader autograde, same class.
AIM_PLAIN_RATIO = 1.3


def quick():
    return os.environ.get("CONVKIT_BENCH_QUICK") == "1"


def build_course(root, kinds):
    """A released course in root/course with the fabricated `kinds` collected; return its path."""
    from autograder.collect import collect
    from autograder.demo.fabricate import fabricate_class
    from autograder.release import build_release

    course = Path(root) / "course"
    release = build_release(course, force=True)
    zips = Path(root) / "zips"
    fabricate_class(release.release, zips, ids=kinds, canary_dir=Path(root) / "canaries")
    collect(course, [zips], log=lambda line: None)
    return course


def add_copies(course, root, count, mix):
    """Collect `count` more submissions, copies of the fabricated `mix`, as s001, s002, ..."""
    from autograder.collect import collect

    zips = Path(root) / "zips"
    copies = Path(root) / "copies"
    copies.mkdir(exist_ok=True)
    ids = []
    for i in range(count):
        student = f"s{i + 1:03d}"
        shutil.copy(zips / f"{mix[i % len(mix)]}.zip", copies / f"{student}.zip")
        ids.append(student)
    collect(course, [copies], log=lambda line: None)
    return ids


def grade_once(course, students, *, jobs=1, sandbox="bwrap", execute=False):
    """Grade `students` afresh; return (wall seconds, GradeReport)."""
    from autograder.grade import grade

    start = time.perf_counter()
    report = grade(
        course,
        students=list(students),
        jobs=jobs,
        force=True,
        sandbox=sandbox,
        execute_notebooks=execute,
        log=_quiet,
    )
    seconds = time.perf_counter() - start
    if report.failed:
        raise RuntimeError(f"grading failed for {report.failed}")
    return seconds, report


def plain_autograde(course, student):
    """Plain `nbgrader autograde` of one submission, in an ordinary kernel; return seconds."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    datasets = course / "autograder" / "datasets"
    # nbgrader's own configuration: its preprocessors, an ordinary kernel.
    config = Config()
    config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    config.CourseDirectory.root = str(course)
    config.Execute.kernel_name = "python3"
    config.Execute.timeout = notebooks_step.GRADING_CELL_TIMEOUT
    # What the sandboxed kernel gets, so that both run the same cells the same way.
    env = {
        "CS231N_QUICK": "1",
        "CS231N_DATASETS": str(datasets),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }
    with environment(env):
        start = time.perf_counter()
        ok, problem, _ = notebooks_step.autograde(course, "convnets", student, config)
        seconds = time.perf_counter() - start
    if not ok:
        raise RuntimeError(f"plain nbgrader autograde failed for {student}: {problem}")
    return seconds


def _quiet(*args):
    pass


def per_submission_rows(course, repeats):
    """Rows 1: each kind alone with bwrap, with the fallback box, and by plain nbgrader."""
    rows = []
    for student in SINGLE:
        times = {"bwrap": [], "fallback": [], "plain": [], "execute": []}
        phases = []
        for _ in range(repeats):
            # The worker's own figure: without starting the worker (imports, answer key).
            result = grade_once(course, [student], sandbox="bwrap")[1].results[0]
            times["bwrap"].append(result.seconds)
            phases.append(result.phases)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the fallback box's warning: forced here
                result = grade_once(course, [student], sandbox="fallback")[1].results[0]
            times["fallback"].append(result.seconds)
            with contextlib.redirect_stdout(io.StringIO()):
                times["plain"].append(plain_autograde(course, student))
            result = grade_once(course, [student], execute=True)[1].results[0]
            times["execute"].append(result.seconds)
        bwrap, fallback, plain, execute = (
            statistics.median(times[k]) for k in ("bwrap", "fallback", "plain", "execute")
        )
        steps = ", ".join(
            f"{step} {statistics.median(p[step] for p in phases):.1f}"
            for step in ("assemble", "harness", "verdict", "notebooks")
            if all(step in p for p in phases)
        )
        overhead = bwrap / fallback - 1
        verdict = "ok" if overhead <= AIM_OVERHEAD else "MISSED"
        rows.append(
            (
                f"grade one submission ({student}), jobs 1, bwrap box",
                f"{bwrap:.1f} s",
                f"steps (s): {steps}; fallback box {fallback:.1f} s: sandbox overhead "
                f"{100 * overhead:+.0f}% (aim <= {100 * AIM_OVERHEAD:.0f}%: {verdict}); plain "
                f"nbgrader autograde {plain:.1f} s ({bwrap / plain:.2f}x); with "
                f"--execute-notebooks {execute:.1f} s",
            )
        )
    return rows


def jobs_rows(course, students, jobs):
    """Row 2: the same submissions with --jobs 1 and --jobs N."""
    one, _ = grade_once(course, students, jobs=1)
    many, _ = grade_once(course, students, jobs=jobs)
    return [
        (
            f"grade {len(students)} submissions, --jobs {jobs} vs --jobs 1",
            f"{many:.0f} s",
            f"--jobs 1 {one:.0f} s: {one / many:.2f}x the throughput with {jobs} jobs "
            f"on {os.cpu_count()} cores",
        )
    ]


def class_rows(course, students, jobs):
    """Row 3: a whole class, against the aim; also returns the wall seconds."""
    seconds, report = grade_once(course, students, jobs=jobs)
    count = len(students)
    per = seconds / count
    projected = per * AIM_CLASS
    verdict = "ok" if projected <= AIM_SECONDS else "MISSED"
    scored = sorted({f"{r.points:g}" for r in report.results})
    how = "measured" if count >= AIM_CLASS else f"projected from {count}"
    return [
        (
            f"grade a class of {count} submissions, --jobs {jobs}",
            f"{seconds / 60:.1f} min",
            f"{per:.1f} s per submission; a class of {AIM_CLASS} {how}: "
            f"{projected / 60:.1f} min (aim <= {AIM_SECONDS / 60:.0f} min on 2 cores: "
            f"{verdict}); scores seen {', '.join(scored)}",
        )
    ], seconds


def plain_class_rows(course, students, graded_seconds):
    """Row 4: plain nbgrader autograde of the class, one process, against the whole grade."""
    count = min(len(students), int(os.environ.get("CONVKIT_BENCH_PLAIN") or 20))
    with contextlib.redirect_stdout(io.StringIO()):
        seconds = sum(plain_autograde(course, student) for student in students[:count])
    plain = seconds / count * len(students)
    ratio = graded_seconds / plain
    verdict = "ok" if ratio <= AIM_PLAIN_RATIO else "MISSED"
    how = "measured" if count == len(students) else f"projected from {count}"
    return [
        (
            f"plain nbgrader autograde of the same {len(students)}, one process",
            f"{plain / 60:.1f} min",
            f"{how}; the whole grade --jobs N took {ratio:.2f}x as long "
            f"(aim <= {AIM_PLAIN_RATIO}x: {verdict})",
        )
    ]


def run():
    """Build the course, time every part; return rows (figure, measured, comparison)."""
    if not shutil.which("bwrap"):
        return [("grading", "not measured", "bubblewrap is not installed (make sandbox)")]
    small = quick()
    repeats = int(os.environ.get("CONVKIT_BENCH_REPEATS") or (1 if small else 3))
    jobs = max(1, os.cpu_count() or 1)
    size = int(os.environ.get("CONVKIT_BENCH_CLASS") or (4 if small else AIM_CLASS))
    with tempfile.TemporaryDirectory(prefix="convkit-bench-grade-") as root:
        kinds = tuple(dict.fromkeys(SINGLE + CLASS_MIX))
        course = build_course(root, kinds)
        # The first grading also prepares the course (dataset, kernelspec, box), and
        # the first plain autograde imports nbgrader: neither is timed.
        grade_once(course, ["release"])
        with contextlib.redirect_stdout(io.StringIO()):
            plain_autograde(course, "release")
        rows = per_submission_rows(course, repeats)
        scaling = 2 if small else 2 * len(CLASS_MIX)
        copies = add_copies(course, root, max(size, scaling), CLASS_MIX)
        rows += jobs_rows(course, copies[:scaling], jobs)
        class_row, seconds = class_rows(course, copies[:size], jobs)
        rows += class_row
        rows += plain_class_rows(course, copies[:size], seconds)
    return rows


def main():
    for figure, measured, comparison in run():
        print(f"{figure:<60} {measured:>10}   {comparison}")


if __name__ == "__main__":
    main()
