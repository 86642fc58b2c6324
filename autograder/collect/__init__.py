"""Take submission zips into the course, in nbgrader's layout, refusing hostile ones.

    python -m autograder collect --course DIR PATH...

Each PATH is a student's zip (`<student id>.zip`, made by collect_submission.sh
or by hand) or a folder of zips (not searched recursively). DIR is the course
made by `python -m autograder release --course DIR`; what a submission should
hold is read from DIR/release/convnets/.

  1. Find the zips and the student each belongs to (`jdoe.zip` is jdoe's). A
     zip named `jdoe (1).zip` gives no valid id and is not collected. When a
     student handed in several zips, the one modified last is collected and
     the others are reported.
  2. Open each zip as hostile input. It is refused, and named with the member
     at fault, when it is corrupt or no zip; when a member's path is absolute
     or climbs with `..`; when a file it would take is a symbolic link, is
     encrypted, or is over the size limits (checked on the declared sizes and
     again on the bytes while they are decompressed, against zip bombs); or
     when it holds too many members. When everything sits under one top folder
     (`convnets/`, `jdoe/`), that folder is stripped.
  3. Take the release's notebooks (at the top of the zip) and cs231n/**/*.py,
     nothing else: other files are named in a warning. The submission is
     collected with a warning when a notebook is missing (it scores 0), is
     not a valid notebook (it is left out), or sits in a subfolder; a
     notebook that is not the release's is never taken, and is reported as
     "looks like a renamed X" when it is the only candidate for the only
     missing notebook. Nothing is renamed: rename it in the zip and collect
     again. A zip holding none of the assignment's files is refused.
  4. Extract into a temporary folder inside DIR, write timestamp.txt (the
     zip's modification time, UTC, which nbgrader reads), then swap it into
     DIR/submitted/<student>/convnets/, replacing a previous submission of the
     student. A refused zip leaves the previous submission as it was.
     Nothing is written outside DIR, nor through a symbolic link.

One line is printed per student and per problem, then a summary. Running it
again with the same zips gives the same tree.

Exit status: 0 every submission found was collected (warnings may have been
printed), 1 some were not (the others were collected), 2 bad arguments (DIR is
not a released course, a PATH does not exist).
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .check import Expected, expected_files
from .problems import CollectError, Problem, show
from .unzip import MB, Limits

__all__ = [
    "CollectError",
    "CollectResult",
    "Expected",
    "Limits",
    "Problem",
    "add_arguments",
    "collect",
    "expected_files",
    "main",
]

#: timestamp.txt as collect writes it (nbgrader's own collectors write other forms).
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} UTC")
#: What this verb writes below --course (checked before it runs: cli.py).
WRITES = ("", "submitted")
#: The prefix of the temporary folder inside DIR where submissions are extracted.
STAGING_PREFIX = ".collect-staging-"


@dataclass
class CollectResult:
    """What collect did: the students collected and every problem met, both sorted."""

    course: Path
    collected: list = field(default_factory=list)  # student ids, sorted
    problems: list = field(default_factory=list)  # Problems, sorted by zip, student, member

    @property
    def refused(self):
        """The zips that were not collected because of a fatal problem, sorted."""
        return sorted({p.path for p in self.problems if p.fatal})

    @property
    def warnings(self):
        return [p for p in self.problems if not p.fatal]


def collect(course, paths, *, limits=None, log=print):
    """Collect the submission zips found in `paths` into `course`; return a CollectResult.

    `limits` is an unzip.Limits (default: 20 MB per file, 50 MB per
    submission, 2000 members). `log` is called with one line per student and
    per problem (None: silent). Raises CollectError, before anything is
    written, when `course` is not a released course or a path does not exist.
    """
    from . import intake

    say = log or (lambda line: None)
    limits = limits or Limits()
    course = Path(course).resolve()
    expected = expected_files(course)
    _check_submitted(course)
    zips, problems = intake.find_zips(paths)
    submissions, found = intake.identify(zips)
    chosen, duplicates = intake.choose(submissions)
    problems += found + duplicates
    for problem in sorted(problems, key=Problem.sort_key):
        say(str(problem))

    result = CollectResult(course)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=course))
    try:
        for student, sub in sorted(chosen.items()):
            ok, own, what = _collect_one(sub, expected, course, stage, limits)
            verb = "collected" if ok else "NOT collected:"
            say(f"{verb} {student} from {show(sub.path)}{what}")
            for problem in sorted(own, key=Problem.sort_key):
                say(f"  {problem}")
            if ok:
                result.collected.append(student)
            problems += own
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    result.problems = sorted(problems, key=Problem.sort_key)
    return result


def _check_submitted(course):
    submitted = course / "submitted"
    if submitted.is_symlink():
        raise CollectError(
            f"{show(submitted)} is a symbolic link: collect does not write through links; "
            "make it a real folder"
        )
    if submitted.exists() and not submitted.is_dir():
        raise CollectError(f"{show(submitted)} exists and is not a folder")


def _collect_one(sub, expected, course, stage, limits):
    """Steps 2-4 for one zip: (collected?, [Problem], what to add to the student's line)."""
    from . import check, unzip

    def problem(message, member=None, fatal=True):
        return Problem(str(sub.path), sub.student, message, fatal, member)

    new = stage / "new" / sub.student / expected.assignment
    new.parent.mkdir(parents=True)
    try:
        extraction = unzip.extract(
            sub.path, new, expected.wants, limits, keep_top={expected.package}
        )
        findings = check.check_submission(new, extraction, expected)
        problems = [problem(f.message, f.member, f.fatal) for f in findings]
        if any(p.fatal for p in problems):
            return False, problems, ""
        (new / "timestamp.txt").write_text(sub.timestamp, encoding="utf-8")
        previous = _install(new, course / "submitted" / sub.student, stage / "old" / sub.student)
    except unzip.UnsafeZip as e:
        return False, [problem(message, member) for member, message in e.findings], ""
    except _Refused as e:
        return False, [problem(str(e))], ""
    except Exception as e:  # never let one submission stop the others
        return False, [problem(f"could not be collected: {type(e).__name__}: {e}")], ""
    if previous and TIMESTAMP.fullmatch(previous) and previous > sub.timestamp:
        problems.append(
            problem(
                f"replaced a submission timestamped later ({previous}) with this zip "
                f"({sub.timestamp})",
                fatal=False,
            )
        )
    notebooks = sum(1 for m in extraction.taken if "/" not in m.rel)
    modules = len(extraction.taken) - notebooks
    what = f" ({_plural(notebooks, 'notebook')}, {_plural(modules, '.py file')}"
    if extraction.top:
        what += f", from its top folder {show(extraction.top + '/', quote=True)}"
    return True, problems, what + ")"


def _plural(count, noun):
    return f"{count} {noun}" + ("" if count == 1 else "s")


class _Refused(Exception):
    """The submission cannot be put in place; the message says why."""


def _install(new, home, old):
    """Swap folder `new` into `home`/<its name>; return the timestamp it replaced, if any.

    The previous submission is moved to `old` first and back if the swap fails.
    """
    for folder in (home.parent, home):
        if folder.is_symlink():
            raise _Refused(f"{show(folder)} is a symbolic link: collect does not write through it")
        if folder.exists() and not folder.is_dir():
            raise _Refused(f"{show(folder)} is not a folder")
    home.mkdir(parents=True, exist_ok=True)
    target = home / new.name
    previous = None
    if os.path.lexists(target):
        stamp = target / "timestamp.txt"
        if not target.is_symlink() and stamp.is_file() and not stamp.is_symlink():
            previous = stamp.read_text(encoding="utf-8", errors="replace").strip()
        old.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if os.path.lexists(old):
            os.replace(old, target)
        raise
    return previous


def _megabytes(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of megabytes") from None
    if not value > 0 or value * MB > 2**62:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number of megabytes")
    return max(1, int(value * MB))


def _count(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number")
    return value


def add_arguments(parser):
    defaults = Limits()
    parser.add_argument(
        "--course",
        required=True,
        type=Path,
        metavar="DIR",
        help="the course directory made by `python -m autograder release`",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a submission zip (<student id>.zip) or a folder of them",
    )
    parser.add_argument(
        "--max-file-mb",
        type=_megabytes,
        default=defaults.max_file,
        metavar="MB",
        help=f"uncompressed size limit of one file taken (default: {defaults.max_file // MB})",
    )
    parser.add_argument(
        "--max-total-mb",
        type=_megabytes,
        default=defaults.max_total,
        metavar="MB",
        help="uncompressed size limit of all files taken from one zip "
        f"(default: {defaults.max_total // MB})",
    )
    parser.add_argument(
        "--max-members",
        type=_count,
        default=defaults.max_members,
        metavar="N",
        help=f"most members a zip may hold (default: {defaults.max_members})",
    )


def main(args):
    limits = Limits(
        max_file=args.max_file_mb, max_total=args.max_total_mb, max_members=args.max_members
    )
    try:
        result = collect(args.course, args.paths, limits=limits, log=lambda s: print(s, flush=True))
    except CollectError as e:
        print(f"collect refused: {e}", file=sys.stderr)
        return 2
    refused, warnings = len(result.refused), len(result.warnings)
    summary = (
        f"collected {len(result.collected)} submission(s) into "
        f"{show(result.course / 'submitted')}; {warnings} warning(s)"
    )
    if refused:
        summary += f"; {refused} zip(s) or folder(s) NOT collected: see the errors above"
    print(summary)
    return 1 if refused else 0
