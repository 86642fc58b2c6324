"""Take submission zips into the course, in nbgrader's layout, refusing hostile ones.

    python -m autograder collect --course DIR PATH...
        [--format canvas|moodle|gradescope|plain|regex] [--pattern REGEX]
        [--roster FILE] [--due WHEN] [--late none|zero|per-hour|per-day
        --late-percent P --late-cap P] [--max-file-mb MB] [--max-total-mb MB]
        [--max-members N] [--max-download-mb MB]

Each PATH is a student's zip (`<student id>.zip`, made by collect_submission.sh
or by hand) or a folder of zips (not searched recursively), or an LMS's bulk
download, as its zip or the folder it unzips into: Canvas's, Moodle's,
Gradescope's export, or any other naming through --pattern (lms.py says how
each is read, and how its format is recognised when --format is not given;
bulk.py how a download's zip is told from a student's and unpacked, safely,
into a private folder inside DIR that is removed at the end). DIR is the course made by
`python -m autograder release --course DIR`; what a submission should hold is
read from DIR/release/convnets/.

  1. Find the submissions and the student each belongs to (`jdoe.zip` is
     jdoe's; an LMS's ids go through --roster, roster.py). A zip named
     `jdoe (1).zip` gives no valid id, and an LMS submission matching no one
     in the roster is named; neither is collected. Each has a submission time:
     a plain zip's modification time; the time the LMS records (Gradescope's
     created_at, a --pattern's timestamp group); else the zip's newest entry;
     else it is reported as unknown. When a student handed in several times,
     the last is collected and the others are reported.
  2. Open each zip as hostile input (a folder an LMS hands over goes through
     the same checks, its links never followed). It is refused, and named
     with the member at fault, when it is corrupt or no zip; when a member's
     path is absolute or climbs with `..`; when a file it would take is a
     symbolic link, is encrypted, or is over the size limits (checked on the
     declared sizes and again on the bytes while they are decompressed,
     against zip bombs); or when it holds too many members. When everything
     sits under one top folder (`convnets/`, `jdoe/`), that folder is
     stripped.
  3. Take the release's notebooks (at the top of the zip) and cs231n/**/*.py,
     nothing else: other files are named in a warning. The submission is
     collected with a warning when a notebook is missing (it scores 0), is
     not a valid notebook (it is left out), or sits in a subfolder; a
     notebook that is not the release's is never taken, and is reported as
     "looks like a renamed X" when it is the only candidate for the only
     missing notebook. Nothing is renamed: rename it in the zip and collect
     again. A zip holding none of the assignment's files is refused.
  4. Extract into a temporary folder inside DIR, write timestamp.txt (the
     submission time, UTC, which nbgrader reads; none when it is unknown, and
     then nbgrader sees no lateness), then swap it into
     DIR/submitted/<student>/convnets/, replacing a previous submission of the
     student. A refused zip leaves the previous submission as it was.
     Nothing is written outside DIR, nor through a symbolic link.

--due (an ISO date and time with its zone) goes into the gradebook as the
assignment's due date, --late into DIR/nbgrader_config.py as its late policy
(late.py); each collected submission after the due date is reported with how
late it is, and export applies the policy to the trusted scores (grades.csv:
raw_score, late_submission_penalty, score).

One line is printed per student and per problem, then a summary (and, on
stderr, how far it is: autograder/progress.py). Running it again with the same
zips gives the same tree in submitted/. The zips refused or warned about are
kept in DIR/autograder/collect.json for `python -m autograder report`.

Exit status: 0 every submission found was collected (warnings may have been
printed), 1 some were not (the others were collected; a submission matching no
one in the roster is one), 2 bad arguments (DIR is not a released course, a
PATH does not exist, a roster or --due that cannot be read).
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..progress import Progress
from ..report.records import record_collect
from .check import Expected, expected_files
from .problems import CollectError, Problem, show
from .unzip import MB, Limits

#: --format's choices (lms.py reads each) and --late's (late.py).
FORMATS = ("canvas", "moodle", "gradescope", "plain", "regex")
LATE_METHODS = ("none", "zero", "per-hour", "per-day")

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
#: What this verb writes below --course (checked before it runs: cli.py): the
#: gradebook for --due, nbgrader_config.py for --late, autograder/collect.json
#: (the problems met, for the class report).
WRITES = ("", "submitted", "gradebook.db", "nbgrader_config.py", "autograder")
#: The prefix of the temporary folder inside DIR where submissions are extracted.
STAGING_PREFIX = ".collect-staging-"


@dataclass
class CollectResult:
    """What collect did: the students collected and every problem met, both sorted."""

    course: Path
    collected: list = field(default_factory=list)  # student ids, sorted
    problems: list = field(default_factory=list)  # Problems, sorted by zip, student, member
    due: object = None  # the due date applied (aware datetime), if any
    late: dict = field(default_factory=dict)  # student -> how late ("2 h 5 min late")

    @property
    def refused(self):
        """The zips that were not collected because of a fatal problem, sorted."""
        return sorted({p.path for p in self.problems if p.fatal})

    @property
    def warnings(self):
        return [p for p in self.problems if not p.fatal]


def collect(
    course,
    paths,
    *,
    limits=None,
    log=print,
    format=None,
    pattern=None,
    roster=None,
    due=None,
    late=None,
    record=False,
):
    """Collect the submissions found in `paths` into `course`; return a CollectResult.

    `limits` is an unzip.Limits (default: 20 MB per file, 50 MB per
    submission, 2000 members). `log` is called with one line per student and
    per problem (None: silent). `format` is one of lms.FORMATS (None: told
    from the names), `pattern` the regex of --pattern, `roster` a CSV path or
    a roster.Roster, `due` an aware datetime or --due's text, `late` a
    (method, percent, cap) tuple. `record`: keep the zips refused or warned
    about in DIR/autograder/collect.json, for the class report (the verb
    does). Raises CollectError, before anything is written, when `course` is
    not a released course, a path does not exist, or the roster, the pattern
    or the due date cannot be read.
    """
    from . import bulk, intake, lms
    from . import late as late_policy
    from .roster import Roster, read_roster

    limits = limits or Limits()
    course = Path(course).resolve()
    expected = expected_files(course)
    _check_submitted(course)
    if roster is not None and not isinstance(roster, Roster):
        roster = read_roster(roster)
    if isinstance(due, str):
        due = late_policy.parse_due(due)
    for name, wanted in (("gradebook.db", due), ("nbgrader_config.py", late)):
        if wanted is not None and not (course / name).is_file():
            option = "--due" if name == "gradebook.db" else "--late"
            raise CollectError(
                f"{show(course / name)} is missing: release the course before {option}"
            )
    with bulk.unpacked(paths, format, limits, course) as (paths, problems, shown):
        # Steps 1-4 on PATHs where bulk downloads are unpacked; `shown` names what is in them.
        say = log or (lambda line: None)
        try:
            submissions, found = lms.find(paths, format, pattern, roster, limits)
        except CollectError as e:
            raise CollectError(shown(e)) from None
        problems = problems + found
        chosen, duplicates = intake.choose(submissions)
        problems += duplicates
        problems = [bulk.shown_problem(p, shown) for p in problems]
        for problem in sorted(problems, key=Problem.sort_key):
            say(str(problem))
        if late is not None:
            late_policy.write_policy(course, *late)
            say(f"late policy in nbgrader_config.py: {late_policy.describe(*late)}")
        if due is not None:
            late_policy.write_due(course, expected.assignment, due)
            say(f"due date in the gradebook: {intake.format_time(due)}")
        due = due or late_policy.read_due(course, expected.assignment)

        result = CollectResult(course, due=due)
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=course))
        progress = Progress(len(chosen), "read", "submissions") if log else None
        say = progress.wrap(say) if progress else say
        try:
            for student, sub in sorted(chosen.items()):
                ok, own, what = _collect_one(sub, expected, course, stage, limits)
                verb = "collected" if ok else "NOT collected:"
                when = _when(sub, due) if ok else ""
                if ok and late_policy.lateness(sub.time, due):
                    result.late[student] = late_policy.lateness(sub.time, due)
                who = f" ({sub.label})" if sub.label else ""
                say(f"{verb} {student}{who} from {show(shown(sub.path))}{what}{when}")
                if ok:
                    result.collected.append(student)
                own = [bulk.shown_problem(p, shown) for p in own]
                for problem in sorted(own, key=Problem.sort_key):
                    say(f"  {problem}")
                problems += own
                if progress:
                    progress.step()
        finally:
            if progress:
                progress.close()
            shutil.rmtree(stage, ignore_errors=True)
        result.problems = sorted(problems, key=Problem.sort_key)
        if record:  # for the class report (`autograder report`): what was refused, and why
            try:
                seen = [shown(sub.path) for sub in submissions]
                record_collect(course, seen, result.problems)
            except OSError as error:
                say(f"warning: the record of this run's problems was not written: {error}")
        return result


def _when(sub, due):
    """What a student's line says of the submission time (nothing for a plain zip on time)."""
    from . import intake, late

    if sub.time is None:
        return ", submission time unknown"
    how_late = late.lateness(sub.time, due)
    if sub.time_from == intake.MTIME and not how_late:
        return ""
    text = f", submitted {intake.format_time(sub.time)} (from {sub.time_from})"
    return text + (f", {how_late}" if how_late else "")


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
        extract = unzip.extract_folder if sub.path.is_dir() else unzip.extract
        extraction = extract(sub.path, new, expected.wants, limits, keep_top={expected.package})
        findings = check.check_submission(new, extraction, expected)
        problems = [problem(f.message, f.member, f.fatal) for f in findings]
        if any(p.fatal for p in problems):
            return False, problems, ""
        if sub.timestamp:
            (new / "timestamp.txt").write_text(sub.timestamp, encoding="utf-8")
        else:
            problems.append(
                problem(
                    "its submission time is unknown (the LMS records none, nor do the zip's "
                    "entries): no timestamp.txt, so nbgrader counts it as on time",
                    fatal=False,
                )
            )
        previous = _install(new, course / "submitted" / sub.student, stage / "old" / sub.student)
    except unzip.UnsafeZip as e:
        return False, [problem(message, member) for member, message in e.findings], ""
    except _Refused as e:
        return False, [problem(str(e))], ""
    except Exception as e:  # never let one submission stop the others
        return False, [problem(f"could not be collected: {type(e).__name__}: {e}")], ""
    stamp = sub.timestamp
    if previous and stamp and TIMESTAMP.fullmatch(previous) and previous > stamp:
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
        help="a submission zip (<student id>.zip), a folder of them, or an LMS's bulk "
        "download (its zip as downloaded, or the folder it unzips into)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="how the PATHs name their submissions (default: recognised from the names)",
    )
    parser.add_argument(
        "--pattern",
        metavar="REGEX",
        help="for --format regex: matched against each name in the PATHs, with a group "
        "(?P<student>...) and optionally (?P<timestamp>...)",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        metavar="FILE",
        help="a CSV mapping LMS ids, emails or names to student ids: columns id (or "
        "student_id), and any of canvas_id, moodle_id, sid, email, name, first_name, last_name",
    )
    parser.add_argument(
        "--due",
        metavar="WHEN",
        help="the due date, an ISO date and time with its zone (2026-11-20T23:59-05:00), "
        "written into the gradebook (default: the gradebook's)",
    )
    parser.add_argument(
        "--late",
        choices=LATE_METHODS,
        help="the late policy written into nbgrader_config.py: none, zero (a late submission "
        "scores 0), per-hour or per-day (--late-percent per hour or day, or part of one)",
    )
    parser.add_argument(
        "--late-percent",
        type=_percent,
        default=0.0,
        metavar="P",
        help="percent of the score taken per hour or day late (with --late per-hour|per-day)",
    )
    parser.add_argument(
        "--late-cap",
        type=_percent,
        default=100.0,
        metavar="P",
        help="the most percent a late penalty takes (default: 100)",
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
        "--max-download-mb",
        type=_megabytes,
        default=defaults.max_download,
        metavar="MB",
        help="uncompressed size limit of a whole bulk download given as a zip "
        f"(default: {defaults.max_download // MB})",
    )
    parser.add_argument(
        "--max-members",
        type=_count,
        default=defaults.max_members,
        metavar="N",
        help=f"most members a zip may hold (default: {defaults.max_members})",
    )


def _percent(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r}: give a percentage from 0 to 100")
    return value


def main(args):
    limits = Limits(
        max_file=args.max_file_mb,
        max_total=args.max_total_mb,
        max_members=args.max_members,
        max_download=args.max_download_mb,
    )
    late = None
    if args.late:
        if args.late.startswith("per-") and not args.late_percent:
            print("collect refused: --late per-hour|per-day needs --late-percent", file=sys.stderr)
            return 2
        late = (args.late, args.late_percent, args.late_cap)
    try:
        result = collect(
            args.course,
            args.paths,
            limits=limits,
            log=lambda s: print(s, flush=True),
            format=args.format,
            pattern=args.pattern,
            roster=args.roster,
            due=args.due,
            late=late,
            record=True,
        )
    except CollectError as e:
        print(f"collect refused: {e}", file=sys.stderr)
        return 2
    refused, warnings = len(result.refused), len(result.warnings)
    summary = (
        f"collected {len(result.collected)} submission(s) into "
        f"{show(result.course / 'submitted')}; {warnings} warning(s)"
    )
    if result.late:
        summary += f"; {len(result.late)} submitted after the due date"
    if refused:
        summary += f"; {refused} zip(s) or folder(s) NOT collected: see the errors above"
    print(summary)
    return 1 if refused else 0
