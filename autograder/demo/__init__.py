"""Run the whole pipeline on a fabricated class, offline, and print the grades.

  1. release: build the course and the student release in DIR (as
     `autograder release`), from this checkout's material;
  2. fabricate: make a class of submission zips in DIR/demo-submissions/, as
     students make them with collect_submission.sh: the solutions, the
     untouched release, a correct implementation written differently, typical
     mistakes, and hostile submissions (a monkeypatched numpy, a rewritten
     notebook, a fork bomb, a memory bomb, a process left running, a forged
     gradebook, a zip escaping its folder, ...);
  3. collect them (the hostile zips are refused by name);
  4. grade them in the sandbox, --jobs at a time;
  5. write the feedback pages, export grades.csv and Gradescope results,
     write the class report (`autograder report`) and the similarity report
     (`autograder similarity`, each student also against the instructor's
     solutions, as a known public solution would be);
  6. print a table: each student, what the submission is, the score, and the
     grader's flags.

It needs no network: the dataset is the embedded synthetic one. DIR defaults
to build/demo-course; it is rebuilt from scratch each time.
"""

import os
import shutil
import sys
import time
from pathlib import Path

from .. import paths

DEFAULT_COURSE = paths.REPO / "build" / "demo-course"
#: The demo's class: a few of each kind fabricate_class can make (ids of
#: autograder.demo.fabricate), small enough to grade in a few minutes.
DEMO_CLASS = (
    "solution",
    "release",
    "alternative",
    "mistake-conv-stride",
    "mistake-bn-axes",
    "mistake-l2-half",
    "hostile-monkeypatch",
    "hostile-steal-solution",
    "hostile-gradebook",
    "hostile-exit",
    "hostile-fork-bomb",
    "hostile-edited-provided",
    "hostile-calls-fast",
    "hostile-pastes-fast",
    "hostile-zip-slip",
    "hostile-zip-bomb",
)


def demo(course=DEFAULT_COURSE, *, jobs=None, ids=DEMO_CLASS, cell_timeout=30, log=print):
    """Run the demo into `course` (emptied first); return (fabricated, grade report).

    `ids` chooses the fabricated students (None: every one fabricate_class makes).
    """
    from ..collect import collect
    from ..export import export
    from ..feedback import feedback
    from ..grade import grade
    from ..release import build_release
    from ..report import report as class_report
    from ..similarity import similarity
    from .fabricate import fabricate_class

    course = Path(course).resolve()
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    started = time.monotonic()
    _clear(course)
    log(f"1/6 release: building the course in {course}")
    release = build_release(course, force=True)
    log(f"    {release.archive.name}: {len(release.notebooks)} notebooks, {release.files} files")

    submissions = course / "demo-submissions"
    canaries = course / "demo-canaries"
    canaries.mkdir(parents=True)
    fabricated = fabricate_class(release.release, submissions, ids=ids, canary_dir=canaries)
    log(f"2/6 fabricate: {len(fabricated)} submissions in {submissions.relative_to(course)}/")

    log("3/6 collect")
    collected = collect(course, [submissions], log=lambda line: log(f"    {line}"), record=True)
    log(
        f"    {len(collected.collected)} collected, "
        f"{len({p.path for p in collected.problems if p.fatal})} refused"
    )

    log(f"4/6 grade ({jobs} at a time)")
    report = grade(
        course, jobs=jobs, cell_timeout=cell_timeout, log=lambda line: log(f"    {line}")
    )

    log("5/6 feedback, export, the class report and the similarity report")
    feedback(course, log=lambda line: None)
    export(course, log=lambda line: log(f"    {line}"))
    written = class_report(course, log=lambda line: log(f"    {line}"))
    similar = similarity(
        course, against=[paths.ASSIGNMENT_DIR], log=lambda line: log(f"    {line}")
    )

    log(f"6/6 done in {time.monotonic() - started:.0f} s\n")
    for line in table_lines(fabricated, report, collected):
        log(line)
    log(f"\nfeedback: {course / 'feedback'}/<student>/{paths.ASSIGNMENT_ID}/index.html")
    log(f"grades:   {course / 'grades.csv'}")
    log(f"report:   {written.path}")
    log(f"similar:  {similar.path}")
    return fabricated, report


#: The file that marks a folder as a demo course, which the demo may empty.
MARK = ".convkit-demo"


class DemoError(Exception):
    """The demo cannot run (its folder holds something else)."""


def _clear(course):
    """Empty `course` for a new run, refusing any folder the demo did not make."""
    if course.is_symlink() or (course.exists() and not course.is_dir()):
        raise DemoError(f"{course} is not a directory")
    if course.is_dir() and any(course.iterdir()):
        if not (course / MARK).is_file():
            raise DemoError(
                f"{course} is not empty and is not a demo course: choose another --course "
                "(the demo empties its folder before each run)"
            )
        shutil.rmtree(course)
    course.mkdir(parents=True, exist_ok=True)
    (course / MARK).write_text("made by python -m autograder demo; emptied on each run\n")


def table_lines(fabricated, report, collected):
    """The demo's table: per fabricated student its kind, score, whether that is the honest
    score its code earns (`honest`), and the grader's first flags (or why collect refused it)."""
    results = {r.student: r for r in report.results}
    refused = {}
    for problem in collected.problems:
        if problem.fatal and problem.student:
            refused.setdefault(problem.student, problem.message)
    width = max(len("student"), *(len(f.student_id) for f in fabricated))
    lines = [f"{'student':<{width}}  {'kind':<11}  {'score':>11}  {'honest':<6}  flags"]
    for item in fabricated:
        result = results.get(item.student_id)
        if result is None:
            why = refused.get(item.student_id) or report.failed.get(item.student_id) or "not graded"
            honest = "yes" if item.expect.collect == "reject" else "NO"
            lines.append(
                f"{item.student_id:<{width}}  {item.kind:<11}  {'refused':>11}  {honest:<6}  {why}"
            )
            continue
        flags = [*result.flags, *(f"{cell}: {flag}" for cell, flag in result.cell_flags())]
        score = f"{result.points:g}/{result.max_points:g}"
        honest = "NO" if item.expect.mismatches(result) else "yes"
        first = _short(flags[0]) if flags else ""
        lines.append(
            f"{item.student_id:<{width}}  {item.kind:<11}  {score:>11}  {honest:<6}  {first}"
        )
        pad = f"{'':<{width}}  {'':<11}  {'':>11}  {'':<6}  "
        lines += [pad + _short(flag) for flag in flags[1:3]]
        if len(flags) > 3:
            lines.append(pad + f"(+{len(flags) - 3} more)")
    return lines


#: The widest flag the table shows; the feedback, the report and results.json have them whole.
FLAG_WIDTH = 150


def _short(flag):
    """`flag` in at most FLAG_WIDTH characters: cut after a whole item of its list (the
    items follow its first ': ', separated by '; '), else after a whole word, then ' ...'."""
    if len(flag) <= FLAG_WIDTH:
        return flag
    cut = flag.rfind("; ", 0, FLAG_WIDTH - 4)
    if cut > flag.find(": ") >= 0:
        return flag[:cut] + "; ..."
    space = flag.rfind(" ", 0, FLAG_WIDTH - 4)
    return flag[: space if space > 0 else FLAG_WIDTH - 4] + " ..."


def add_arguments(parser):
    parser.add_argument(
        "--course",
        default=str(DEFAULT_COURSE),
        help=f"the demo course directory, emptied first (default {DEFAULT_COURSE})",
    )
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--whole-class",
        action="store_true",
        help="fabricate every kind of submission (about 30; takes several times longer)",
    )
    chosen.add_argument(
        "--student",
        action="append",
        metavar="ID",
        help="fabricate only this kind of submission (repeatable; e.g. solution, "
        "hostile-fork-bomb; see autograder/demo/fabricate.py for the ids)",
    )


def main(args):
    from .recipes import FabricateError

    ids = None if args.whole_class else tuple(args.student or DEMO_CLASS)
    try:
        demo(args.course, jobs=args.jobs, ids=ids)
    except (DemoError, FabricateError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
